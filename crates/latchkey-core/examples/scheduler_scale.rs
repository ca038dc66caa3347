//! Scheduler scale: 10,000 grants whose access tokens expire spread over an hour.
//! Measures what the refresher's planning costs (time per plan, memory for the rows) and how
//! the plan spreads refreshes over time (peak due per second and per minute, timer wake-ups).
//!
//!   cargo run --release -p latchkey-core --example scheduler_scale [-- GRANTS]
//!
//! The refresher refreshes due grants one at a time, so the request rate at the peak is also
//! bounded by the authorization server's latency: at most 1 / latency requests per second.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use latchkey_core::runtime::refresher::{plan, planned_refresh};
use latchkey_core::store::{NewGrant, RegistrationMethod, Scopes, Store, TokenAuthMethod};
use latchkey_core::time::now;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("latchkey-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir.join("latchkey.sqlite3")).unwrap();
    let t0 = now();
    let started = Instant::now();
    let server = store.upsert_server("https://mcp.example.com/mcp").unwrap();
    let reg = store
        .insert_registration(
            "https://as.example.com",
            "c",
            RegistrationMethod::Dynamic,
            TokenAuthMethod::None,
            "http://127.0.0.1:1/callback",
            false,
        )
        .unwrap();
    // Lifetimes of one hour, issued at times spread over the past hour (a steady state).
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let issued = t0 - (seed % 3600) as i64;
        store
            .insert_grant(&NewGrant {
                server_id: server.id,
                registration_id: reg.id,
                issuer: "https://as.example.com".into(),
                resource: "https://mcp.example.com/mcp".into(),
                account: None,
                scopes: Scopes::parse("mcp:read"),
                requested_scopes: Default::default(),
                access_expires_at: Some(issued + 3600),
                has_refresh_token: true,
                obtained_by: Default::default(),
                workload_token_file: None,
                via_idp: None,
                dpop_bound: false,
            })
            .unwrap();
    }
    let insert_s = started.elapsed().as_secs_f64();

    let rss_before = rss_kib();
    let load = Instant::now();
    let mut grants = store.all_grants().unwrap();
    // insert_grant stamps created_at with the wall clock; give each its issue time back.
    for g in &mut grants {
        g.created_at = g.access_expires_at.unwrap() - 3600;
        g.updated_at = g.created_at;
    }
    let load_ms = load.elapsed().as_secs_f64() * 1000.0;
    let rss_after = rss_kib();

    let mut plan_ms: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(plan(&grants, &HashMap::new(), t0));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    plan_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());

    let mut per_second: BTreeMap<i64, usize> = BTreeMap::new();
    for g in &grants {
        if let Some(at) = planned_refresh(g) {
            *per_second.entry(at).or_default() += 1;
        }
    }
    let mut per_minute: BTreeMap<i64, usize> = BTreeMap::new();
    for (sec, count) in &per_second {
        *per_minute.entry(sec.div_euclid(60)).or_default() += count;
    }
    let peak_second = per_second.values().max().copied().unwrap_or(0);
    let peak_minute = per_minute.values().max().copied().unwrap_or(0);
    let distinct_seconds_per_minute =
        per_second
            .keys()
            .fold(BTreeMap::<i64, usize>::new(), |mut m, s| {
                *m.entry(s.div_euclid(60)).or_default() += 1;
                m
            });
    let peak_wakeups_minute = distinct_seconds_per_minute
        .values()
        .max()
        .copied()
        .unwrap_or(0);

    println!("grants                               {n}");
    println!("insert into SQLite                   {insert_s:.1} s (one-time setup)");
    println!("load all grant rows                  {load_ms:.1} ms");
    println!(
        "memory for the rows (RSS delta)      {} KiB ({:.0} bytes/grant)",
        rss_after.saturating_sub(rss_before),
        (rss_after.saturating_sub(rss_before) * 1024) as f64 / n as f64
    );
    println!(
        "plan over all grants                 median {:.2} ms, p90 {:.2} ms",
        plan_ms[plan_ms.len() / 2],
        plan_ms[plan_ms.len() * 9 / 10]
    );
    println!("refreshes due in the busiest second  {peak_second}");
    println!(
        "refreshes due in the busiest minute  {peak_minute} (mean {:.1}/min over the hour)",
        n as f64 / 60.0
    );
    println!(
        "timer wake-ups in the busiest minute {peak_wakeups_minute} (one per distinct due second; idle: one per {} s)",
        latchkey_core::runtime::refresher::MAX_SLEEP
    );
    let _ = std::fs::remove_dir_all(&dir);
}
