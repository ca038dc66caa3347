//! Crash at every step of a refresh: a `latchkey refresh` parked at each pause point
//! (`LATCHKEY_FAULT_PAUSE`) is killed with SIGKILL, 50 times a step (`LATCHKEY_FAULT_TRIALS`),
//! against the SDK peer, which rotates refresh tokens and revokes the whole grant when a spent
//! one comes back. What survives is counted and written to `fault-report.txt` in
//! CARGO_TARGET_TMPDIR.
//!
//! The one window that can lose a grant is between the server's answer and the keychain write:
//! the server has already spent the old refresh token and the new one exists only in the dead
//! process's memory. Everything before and after it must lose nothing.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

fn trials() -> usize {
    std::env::var("LATCHKEY_FAULT_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}

/// Start `latchkey refresh` parked at `step`, wait until it says so, then SIGKILL it.
pub fn crash_at(lk: &Latchkey, url: &str, step: &str) {
    let mut child = lk
        .command(&["refresh", url])
        .env("LATCHKEY_FAULT_PAUSE", step)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("latchkey-fault: paused at") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("never reached {step}"));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

#[test]
fn kill_9_at_each_refresh_step_loses_only_what_physics_says() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let n = trials();
    let mut report =
        format!("kill -9 during a refresh, {n} trials per step (rotation + reuse detection)\n");
    for step in latchkey_core::faults::REFRESH_STEPS {
        let mut lost = 0;
        for _ in 0..n {
            crash_at(&lk, &url, step);
            // Another process carries on: the lock died with the killed one.
            let after = lk.run(&["refresh", &url]);
            if after.code == 0 {
                let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
                assert_eq!(
                    mcp_status_with_token(&url, &token),
                    200,
                    "{step}: a dead token was handed out"
                );
                continue;
            }
            lost += 1;
            assert!(
                after.stderr.contains("needs to be reconnected"),
                "{step}: {}",
                after.stderr
            );
            let list = lk.list();
            assert_eq!(
                list["servers"][0]["status"], "needs_reconnect",
                "{step}: a lost grant is kept and marked"
            );
            lk.run(&["connect", &url]).ok();
        }
        report.push_str(&format!("{step:<32} lost {lost}/{n}\n"));
        if step != "refresh:after-response" {
            assert_eq!(lost, 0, "{step}: a crash here must lose nothing\n{report}");
        }
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-report.txt");
    std::fs::write(&path, &report).unwrap();
    eprintln!("{report}(written to {})", path.display());
}
