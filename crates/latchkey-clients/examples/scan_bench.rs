//! Full scan of every known location on the fixture home with every client present
//! (tests/fixtures/clients/linux): time per scan and memory.
//!
//!   cargo run --release -p latchkey-clients --example scan_bench

use std::path::Path;
use std::time::Instant;

use latchkey_clients::paths::{Os, PlatformDirs};
use latchkey_clients::scan::scan;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clients/linux");
    let dirs = PlatformDirs::for_home(Os::Linux, &fixtures.join("home"));
    let projects = [fixtures.join("project")];
    let first = scan(&dirs, &projects); // warm the page cache
    let before = rss_kib("VmRSS:");
    let mut times: Vec<f64> = (0..100)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(scan(&dirs, &projects));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let findings: usize = first.servers.iter().map(|s| s.findings.len()).sum();
    println!(
        "fixture home: {} files, {} servers, {} findings",
        first.files.len(),
        first.servers.len(),
        findings
    );
    println!(
        "full scan    median {:.2} ms, p90 {:.2} ms (100 scans)",
        times[50], times[90]
    );
    println!(
        "memory       peak RSS {} KiB; RSS growth over 100 scans {} KiB",
        rss_kib("VmHWM:"),
        rss_kib("VmRSS:").saturating_sub(before)
    );
}
