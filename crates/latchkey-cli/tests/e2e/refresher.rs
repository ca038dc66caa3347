//! `latchkey daemon`: keeps grants fresh on one timer with nobody asking for a token, notices a
//! grant connected after it started, backs off on passing failures, and `latchkey log` shows
//! what happened.

use std::ffi::OsString;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

pub struct Daemon {
    child: Child,
    log: std::path::PathBuf,
}

impl Daemon {
    pub fn start(lk: &Latchkey) -> Daemon {
        Daemon::start_with(lk, &[])
    }

    /// `latchkey daemon` with debug logs in `daemon.log` and `env` added.
    fn start_with(lk: &Latchkey, env: &[(&str, OsString)]) -> Daemon {
        let log = lk.home.path().join("daemon.log");
        let child = lk
            .command(&["daemon"])
            .env("LATCHKEY_LOG", "latchkey=debug,latchkey_core=debug,warn")
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(mut self) -> String {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "daemon exits 0 on SIGTERM");
                return self.log_text();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the daemon did not stop on SIGTERM");
    }
}

/// The kinds of the audit events `latchkey log --json` shows, newest first.
fn audit_kinds(lk: &Latchkey) -> Vec<String> {
    let events = lk.run(&["log", "--json"]).ok().json();
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn the_daemon_keeps_a_short_lived_grant_fresh_on_one_timer() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[("ACCESS_TOKEN_TTL", "6")]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let daemon = Daemon::start(&lk);
    // Connected after the daemon started: the store watch makes it plan the new grant.
    lk.run(&["connect", &url]).ok();
    wait_until(
        "three background refreshes",
        Duration::from_secs(40),
        || peer.stats()["refreshes"].as_i64().unwrap() >= 3,
    );
    let log = daemon.stop();
    let stats = peer.stats();
    assert_eq!(stats["refresh_token_reuse_detected"], 0);
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    // One timer, not polling: the loop slept about once per refresh (plus store changes).
    let sleeps = log.matches("refresher: sleeping").count() as i64;
    let refreshes = stats["refreshes"].as_i64().unwrap();
    assert!(
        sleeps <= 3 * refreshes + 4,
        "{sleeps} sleeps for {refreshes} refreshes:\n{log}"
    );
    // The audit log has the story.
    let kinds = audit_kinds(&lk);
    assert!(
        kinds.iter().any(|k| k == "connected")
            && kinds.iter().filter(|k| *k == "refreshed").count() >= 3,
        "{kinds:?}"
    );
    let text = lk.run(&["log", &url]).ok().stdout.clone();
    assert!(text.contains("refreshed") && text.contains(&url), "{text}");
}

#[test]
fn the_daemon_backs_off_on_passing_failures_and_recovers() {
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "good"), ("ACCESS_TOKEN_TTL", "4")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    peer.post_admin("/mode?mode=token-500");
    let daemon = Daemon::start(&lk);
    wait_until(
        "a failed background refresh",
        Duration::from_secs(30),
        || daemon.log_text().contains("retrying in 10 s"),
    );
    // The grant is untouched by the failure.
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    peer.post_admin("/mode?mode=good");
    wait_until(
        "the retry after the backoff",
        Duration::from_secs(40),
        || daemon.log_text().contains("refresher: refreshed"),
    );
    let log = daemon.stop();
    assert!(log.contains("answered HTTP 500; try again later"), "{log}");
    let kinds = audit_kinds(&lk);
    assert!(
        kinds.iter().any(|k| k == "refresh_failed") && kinds.iter().any(|k| k == "refreshed"),
        "{kinds:?}"
    );
}

/// libfaketime's preload library (Debian package `faketime`), which moves the wall clock of
/// one process while its monotonic clock runs on.
fn libfaketime() -> std::path::PathBuf {
    let p = std::path::PathBuf::from("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");
    assert!(
        p.exists(),
        "libfaketime is missing: make test installs the Debian package faketime"
    );
    p
}

/// The environment that lets `clock` (a libfaketime timestamp file, "+0", "+50m") move the
/// daemon's wall clock while its monotonic clock runs on.
fn faketime_env(clock: &std::path::Path) -> Vec<(&'static str, OsString)> {
    vec![
        ("LD_PRELOAD", libfaketime().into()),
        ("FAKETIME_TIMESTAMP_FILE", clock.into()),
        ("FAKETIME_NO_CACHE", "1".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1".into()),
    ]
}

#[test]
fn a_clock_jump_forward_refreshes_at_once_and_a_jump_back_loses_nothing() {
    let peer = Peer::start(
        "tests/peers/sdk-server.mjs",
        &[("ACCESS_TOKEN_TTL", "3600")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let clock = lk.home.path().join("faketime");
    std::fs::write(&clock, "+0\n").unwrap();
    let mut env = faketime_env(&clock);
    env.push(("LATCHKEY_REFRESHER_MAX_SLEEP", "1".into()));
    let mut daemon = Daemon::start_with(&lk, &env);
    let text = || daemon.log_text();
    wait_until("the daemon to plan", Duration::from_secs(20), || {
        text().contains("refresher: sleeping")
    });
    assert_eq!(
        peer.stats()["refreshes"],
        0,
        "an hour-long token is not due yet"
    );

    // The wall clock jumps 50 minutes ahead (a laptop waking up): the token is due now.
    std::fs::write(&clock, "+50m\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while peer.stats()["refreshes"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "no refresh after the jump:\n{}",
            text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(text().contains("the wall clock moved"), "{}", text());

    // It jumps back: nothing is refreshed twice, nothing is lost.
    std::fs::write(&clock, "+0\n").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let _ = daemon.child.kill();
    let _ = daemon.child.wait();
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1, "{stats}");
    assert_eq!(stats["refresh_token_reuse_detected"], 0);
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
}

#[test]
fn offline_the_daemon_pauses_and_refreshes_as_soon_as_the_network_returns() {
    // The access token is due half-way through its 20 s lifetime (10-11 s after the sign-in);
    // the server's host refuses connections for 25 s from the sign-in.
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[("ACCESS_TOKEN_TTL", "20")]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    peer.post_admin("/offline?seconds=25");
    let started = Instant::now();
    let daemon = Daemon::start_with(&lk, &[("LATCHKEY_OFFLINE_PROBE_SECS", "1".into())]);
    wait_until(
        "the daemon to notice it is offline",
        Duration::from_secs(22),
        || {
            daemon
                .log_text()
                .contains("offline (the authorization server's host does not answer)")
        },
    );
    wait_until(
        "the refresh after the network returns",
        Duration::from_secs(40),
        || daemon.log_text().contains("refresher: refreshed"),
    );
    let waited = started.elapsed();
    let log = daemon.stop();
    // Paused, not backing off: one failed attempt, however long the outage (the 10 s / 20 s
    // backoff would have spent two or three), and the refresh within a probe of the return.
    assert_eq!(
        log.matches("offline (the authorization").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("retrying in"), "{log}");
    assert!(log.contains("answers again; refreshing"), "{log}");
    assert!(
        waited < Duration::from_secs(25 + 6),
        "refreshed {waited:?} after the outage began (25 s outage, 1 s probes)"
    );
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1);
    assert_eq!(stats["refresh_token_reuse_detected"], 0);
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}

/// A private bus standing in for the system bus, where the test plays logind.
struct FakeSystemBus {
    child: Child,
    address: String,
}

impl FakeSystemBus {
    fn start() -> FakeSystemBus {
        use std::io::BufRead;
        let mut child = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (make test installs dbus)");
        let mut address = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        FakeSystemBus {
            child,
            address: address.trim().to_string(),
        }
    }

    /// logind's signal after a resume.
    fn announce_wake_up(&self) {
        let status = std::process::Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .args([
                "--type=signal",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager.PrepareForSleep",
                "boolean:false",
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for FakeSystemBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn waking_from_sleep_refreshes_at_once_without_waiting_for_the_timer() {
    // The refresher's timer is 5 minutes long (the default); the machine "sleeps" 50 minutes
    // (the wall clock jumps, the monotonic clock does not), then logind says it woke up.
    let peer = Peer::start(
        "tests/peers/sdk-server.mjs",
        &[("ACCESS_TOKEN_TTL", "3600")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let bus = FakeSystemBus::start();
    let clock = lk.home.path().join("faketime");
    std::fs::write(&clock, "+0\n").unwrap();
    let mut env = faketime_env(&clock);
    env.push(("DBUS_SYSTEM_BUS_ADDRESS", bus.address.clone().into()));
    let daemon = Daemon::start_with(&lk, &env);
    wait_until(
        "the daemon to watch logind",
        Duration::from_secs(20),
        || daemon.log_text().contains("watching logind for wake-ups"),
    );
    std::fs::write(&clock, "+50m\n").unwrap();
    bus.announce_wake_up();
    wait_until(
        "the refresh after the wake-up (the 5-minute timer would be far too late)",
        Duration::from_secs(20),
        || peer.stats()["refreshes"] == 1,
    );
    let log = daemon.stop();
    assert!(log.contains("the machine woke from sleep"), "{log}");
    assert_eq!(peer.stats()["refresh_token_reuse_detected"], 0);
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}
