//! Issue 6: secrets and grants in OpenBao (KV v2), with the real `bao` server and the SDK's
//! auth server. Two machines sharing a grant refresh it once; the store stopping, restarting
//! sealed and coming back loses nothing; a wrong token is a clear error that keeps the grant;
//! `secret migrate` moves everything there and back.

use std::process::Stdio;
use std::time::Duration;

use crate::openbao_server::Bao;
use crate::refresher::{Daemon, wait_until};
use crate::support::*;

/// A Latchkey home whose secrets go to `bao` (root token, items under `path` when given).
pub fn in_openbao(bao: &Bao, path: Option<&str>) -> Latchkey {
    let lk = Latchkey::new()
        .with_env("LATCHKEY_BACKEND", "openbao")
        .with_env("BAO_ADDR", &bao.addr)
        .with_env("BAO_TOKEN", &bao.root_token);
    if let Some(path) = path {
        std::fs::write(
            lk.home.path().join("settings.toml"),
            format!("[openbao]\npath = \"{path}\"\n"),
        )
        .unwrap();
    }
    lk
}

/// The second machine: `from`'s home copied (its database: servers and grants, no secrets; and
/// its installation id, so both read the same items) into a fresh home.
fn second_machine(bao: &Bao, from: &Latchkey, path: &str) -> Latchkey {
    let other = in_openbao(bao, Some(path));
    for entry in std::fs::read_dir(from.home.path()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("latchkey.sqlite3") || name == "installation-id" {
            std::fs::copy(entry.path(), other.home.path().join(&name)).unwrap();
        }
    }
    other
}

#[test]
fn two_machines_sharing_a_grant_in_openbao_refresh_it_once() {
    let bao = Bao::dev();
    // A slow refresh, so the two machines surely ask at the same time. The server rotates
    // refresh tokens and revokes the whole grant when one is used twice.
    let peer = Peer::start(
        "tests/peers/sdk-server.mjs",
        &[("ACCESS_TOKEN_TTL", "8"), ("REFRESH_DELAY_MS", "1500")],
    );
    let url = peer.mcp_url();
    let a = in_openbao(&bao, Some("team/shared"));
    a.run(&["connect", &url]).ok();
    let b = second_machine(&bao, &a, "team/shared");
    let first = b.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(
        a.run(&["token", &url]).ok().stdout.trim(),
        first,
        "both machines read the one grant"
    );

    // Due after 4 s of its 8 s; both ask at once, from separate homes (no shared file lock).
    // The new token is not due for 4 s, so a machine that starts late under load still finds
    // it fresh rather than refreshing a second time.
    std::thread::sleep(Duration::from_millis(4500));
    let spawn = |lk: &Latchkey| {
        lk.command(&["token", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        wait_with_timeout(ca, Duration::from_secs(60)),
        wait_with_timeout(cb, Duration::from_secs(60)),
    );
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(oa.status.success(), "{}", text(&oa));
    assert!(ob.status.success(), "{}", text(&ob));
    let (ta, tb) = (
        String::from_utf8_lossy(&oa.stdout).trim().to_string(),
        String::from_utf8_lossy(&ob.stdout).trim().to_string(),
    );
    assert_eq!(ta, tb, "the machine that waited took the other's new token");
    assert_ne!(ta, first, "it was refreshed");
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1, "exactly one refresh: {stats}");
    assert_eq!(stats["refresh_token_reuse_detected"], 0, "{stats}");
    assert_eq!(
        mcp_status_with_token(&url, &ta),
        200,
        "the token works at the MCP server"
    );
    for lk in [&a, &b] {
        assert_eq!(lk.list()["servers"][0]["status"], "connected");
    }
    // The lease is an item beside the grant, free again.
    let items = bao.items("secret");
    let id = a.installation_id();
    assert!(
        items.contains(&format!("team/shared/{id}/grant/1"))
            && items.contains(&format!("team/shared/{id}/lease/grant/1")),
        "{items:?}"
    );
}

#[test]
fn a_machine_that_dies_holding_the_lease_blocks_the_others_only_until_it_runs_out() {
    // The lease is 5 s here (60 s by default).
    let bao = Bao::dev();
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let a = in_openbao(&bao, Some("team/lost")).with_env("LATCHKEY_LEASE_SECS", "5");
    a.run(&["connect", &url]).ok();
    let b = second_machine(&bao, &a, "team/lost").with_env("LATCHKEY_LEASE_SECS", "5");

    // Machine A takes the lease and dies before it sends the refresh.
    crate::faults::crash_at(&a, &url, "refresh:before-request");
    let lease_path = format!(
        "secret/data/team/lost/{}/lease/grant/1",
        a.installation_id()
    );
    let (status, lease) = bao.root("GET", &lease_path, None);
    assert_eq!(status, 200, "{lease}");
    let holder: serde_json::Value =
        serde_json::from_str(lease["data"]["data"]["value"].as_str().unwrap()).unwrap();
    let until = holder["until"].as_i64().unwrap();
    let started = latchkey_core::time::now();
    assert!(until > started, "the dead machine still holds it: {holder}");

    b.run(&["refresh", &url]).ok();
    let done = latchkey_core::time::now();
    assert!(
        done >= until && done <= until + 10,
        "B refreshed once the lease ran out ({until}), not before and not much later: done at {done}, started at {started}"
    );
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1, "{stats}");
    assert_eq!(stats["refresh_token_reuse_detected"], 0, "{stats}");
    // A, started again, reads what B stored.
    let token = a.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
}

#[test]
fn openbao_stopped_then_sealed_then_back_mid_run_loses_nothing() {
    let mut bao = Bao::raft();
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[("ACCESS_TOKEN_TTL", "6")]);
    let url = peer.mcp_url();
    let lk = in_openbao(&bao, None);
    lk.run(&["connect", &url]).ok();
    let daemon = Daemon::start(&lk);

    bao.stop();
    let down = lk.run(&["token", &url]);
    assert_ne!(down.code, 0);
    assert!(
        down.stderr.contains("OpenBao at") && down.stderr.contains("cannot be reached"),
        "{}",
        down.stderr
    );
    // The refresh falls due (after 3 s) while the store is down: the daemon's attempt fails
    // and it backs off, changing nothing.
    wait_until(
        "the daemon met the stopped store",
        Duration::from_secs(20),
        || daemon.log_text().contains("cannot be reached"),
    );
    assert_ne!(
        lk.list()["servers"][0]["status"],
        "needs_reconnect",
        "a store that is down is not a rejected grant"
    );

    bao.start();
    let sealed = lk.run(&["token", &url]);
    assert_ne!(sealed.code, 0);
    assert!(
        sealed.stderr.contains("is sealed: unseal it"),
        "{}",
        sealed.stderr
    );
    bao.unseal();
    wait_until(
        "the daemon refreshed once the store was back",
        Duration::from_secs(60),
        || peer.stats()["refreshes"].as_u64() >= Some(1),
    );
    let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
    let server = &lk.list()["servers"][0];
    assert_eq!(server["status"], "connected", "{server}");
    let log = daemon.stop();
    assert!(!log.contains("needs reconnect"), "{log}");
    assert_eq!(peer.stats()["refresh_token_reuse_detected"], 0);
}

#[test]
fn a_wrong_openbao_token_is_a_clear_error_and_keeps_the_grant() {
    let bao = Bao::dev();
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let mut lk = in_openbao(&bao, None);
    lk.run(&["connect", &url]).ok();

    let wrong = "s.wrong-token-in-test-0815";
    lk.env.push(("BAO_TOKEN".into(), wrong.into()));
    for args in [vec!["token", url.as_str()], vec!["refresh", url.as_str()]] {
        let r = lk.run(&args);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(
            r.stderr.contains("OpenBao refused access") && r.stderr.contains("permission denied"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(wrong) && !r.stdout.contains(wrong));
    }
    let doctor = lk.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("FAIL openbao: OpenBao refused access"),
        "{}",
        doctor.stdout
    );

    lk.env.pop();
    assert_eq!(
        lk.list()["servers"][0]["status"],
        "connected",
        "a store error never marks the grant for reconnecting"
    );
    let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
}

#[test]
fn migrate_moves_everything_to_openbao_and_back() {
    let bao = Bao::dev();
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    // The keychain is the default; OpenBao is configured but not chosen yet.
    let lk = Latchkey::new()
        .with_env("BAO_ADDR", &bao.addr)
        .with_env("BAO_TOKEN", &bao.root_token);
    std::fs::write(
        lk.home.path().join("settings.toml"),
        "[openbao]\npath = \"people/e2e\"\n",
    )
    .unwrap();
    lk.run(&["connect", &url]).ok();
    lk.run_with_stdin(&["secret", "set", "demo/API_KEY"], "demo-value-42\n")
        .ok();
    let token_before = lk.run(&["token", &url]).ok().stdout.trim().to_string();

    let moved = lk.run(&["secret", "migrate", "--to", "openbao"]);
    moved.ok();
    assert!(
        moved.stdout.contains("Moved 2 secret(s) to openbao"),
        "the grant and the named secret: {}",
        moved.stdout
    );
    let items = bao.items("secret");
    let folder = format!("people/e2e/{}", lk.installation_id());
    assert!(
        items.contains(&format!("{folder}/grant/1"))
            && items.contains(&format!("{folder}/secret/demo/API_KEY")),
        "{items:?}"
    );
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), token_before);
    assert_eq!(
        child_sees(lk.command(&RUN_PRINTS_V), "latchkey:demo/API_KEY"),
        "demo-value-42"
    );
    let doctor = lk.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("ok   secret backend: openbao (settings.toml)")
            && doctor.stdout.contains("ok   openbao: OpenBao at"),
        "{}",
        doctor.stdout
    );

    lk.run(&["secret", "migrate", "--to", "keychain"]).ok();
    assert!(
        bao.items("secret")
            .iter()
            .all(|i| !i.starts_with(&format!("{folder}/grant"))
                && !i.starts_with(&format!("{folder}/secret"))),
        "{:?}",
        bao.items("secret")
    );
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), token_before);
}
