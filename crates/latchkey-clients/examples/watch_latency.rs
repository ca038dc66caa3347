//! Watch latency: from an editor's atomic-rename save of a client config file to the
//! watcher's update, then to the rescanned server list, over 50 saves.
//!
//!   cargo run --release -p latchkey-clients --example watch_latency
//!
//! Most of the latency is the debounce (150 ms) and the settle window that folds a burst into
//! one update (another 150 ms), chosen so a burst of writes is one update.

use std::time::{Duration, Instant};

use latchkey_clients::paths::{Os, PlatformDirs, user_locations};
use latchkey_clients::scan;
use latchkey_clients::watch::{ConfigWatch, DEBOUNCE};

fn main() {
    let home = std::env::temp_dir().join(format!("latchkey-watch-{}", std::process::id()));
    let file = home.join(".cursor/mcp.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, r#"{"mcpServers": {}}"#).unwrap();
    let dirs = PlatformDirs::for_home(Os::Linux, &home);
    let mut watch = ConfigWatch::new(user_locations(&dirs), DEBOUNCE).unwrap();
    let (mut to_update, mut to_list) = (Vec::new(), Vec::new());
    for i in 0..50 {
        let tmp = home.join(".cursor/.mcp.json.tmp");
        std::fs::write(
            &tmp,
            format!(r#"{{"mcpServers": {{"s{i}": {{"command": "x"}}}}}}"#),
        )
        .unwrap();
        let saved = Instant::now();
        std::fs::rename(&tmp, &file).unwrap();
        let changed = watch.wait(Some(Duration::from_secs(5)));
        assert!(!changed.is_empty(), "edit {i} was not seen");
        to_update.push(saved.elapsed());
        let result = scan::rescan_settled(&dirs, &[], &changed);
        assert!(
            result
                .servers
                .iter()
                .any(|s| s.used_by[0].name == format!("s{i}"))
        );
        to_list.push(saved.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    for v in [&mut to_update, &mut to_list] {
        v.sort();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("50 atomic-rename saves of ~/.cursor/mcp.json");
    println!(
        "save -> watcher update      median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        ms(to_update[25]),
        ms(to_update[45]),
        ms(to_update[49])
    );
    println!(
        "save -> updated server list median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        ms(to_list[25]),
        ms(to_list[45]),
        ms(to_list[49])
    );
    let _ = std::fs::remove_dir_all(&home);
}
