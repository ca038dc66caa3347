//! Bad input, each with a clear error and nothing stored or lost, against
//! tests/peers/hostile-server.mjs (one deviation per MODE).

use crate::support::*;

fn hostile(mode: &str) -> Peer {
    Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", mode), ("SLOW_MS", "20000")],
    )
}

/// No grant, no registration secret, no token anywhere.
fn assert_nothing_stored(lk: &Latchkey) {
    let list = lk.list();
    for s in list["servers"].as_array().unwrap() {
        assert!(
            s["grants"].as_array().unwrap().is_empty(),
            "a grant was stored: {s}"
        );
    }
    assert!(
        !contains(&lk.home_bytes(), "hostile-at-"),
        "a token reached a file"
    );
}

#[test]
fn each_bad_answer_is_a_clear_error_and_stores_nothing() {
    let rows: &[(&str, &str)] = &[
        ("wrong-state", "'state' does not match"),
        ("missing-state", "no 'state'"),
        ("wrong-iss", "mix-up protection"),
        ("missing-iss", "promised an 'iss'"),
        ("normalized-iss", "mix-up protection"),
        ("issuer-mismatch", "refusing to use it"),
        ("resource-mismatch", "discarding it"),
        ("redirect-other-origin", "redirected to another origin"),
        ("oversized-metadata", "larger than 1024 KiB"),
        ("oversized-metadata-cl", "larger than 1024 KiB"),
        ("malformed-metadata", "is not valid JSON"),
        ("no-access-token", "token response is not valid"),
        (
            "dcr-rejected",
            "refused the registration: invalid_redirect_uri",
        ),
        ("deny", "access was denied"),
        (
            "no-pkce-support",
            "does not advertise code_challenge_methods_supported",
        ),
    ];
    for (mode, expected) in rows {
        let peer = hostile(mode);
        // A redirect without this sign-in's state is not its answer: the sign-in waits on
        // (issue 11) and, when no real one comes, says what it refused.
        let lk = if mode.ends_with("-state") {
            Latchkey::new().with_env("LATCHKEY_SIGNIN_TIMEOUT", "4")
        } else {
            Latchkey::new()
        };
        let run = lk.run(&["connect", &peer.mcp_url()]);
        assert_eq!(run.code, 1, "{mode}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(expected),
            "{mode}: expected '{expected}' in: {}",
            run.stderr
        );
        let reason_lines = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("latchkey:"))
            .count();
        assert_eq!(reason_lines, 1, "{mode}: one-line reason: {}", run.stderr);
        assert!(
            !run.stderr.contains("The user said no") || *mode == "deny",
            "{mode}"
        );
        assert_nothing_stored(&lk);
    }
}

#[test]
fn slow_metadata_times_out_with_a_clear_error() {
    let peer = hostile("slow-metadata");
    let lk = Latchkey::new().with_env("LATCHKEY_HTTP_TIMEOUT", "2");
    let run = lk.run(&["connect", &peer.mcp_url()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("did not answer in time"),
        "{}",
        run.stderr
    );
    assert_nothing_stored(&lk);
}

#[test]
fn a_callback_that_never_comes_times_out() {
    let peer = hostile("never-callback");
    let lk = Latchkey::new().with_env("LATCHKEY_SIGNIN_TIMEOUT", "3");
    let run = lk.run(&["connect", &peer.mcp_url()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no answer from the browser within 3 s"),
        "{}",
        run.stderr
    );
    assert_nothing_stored(&lk);
}

#[test]
fn a_second_callback_is_refused() {
    let peer = hostile("callback-twice");
    let lk = Latchkey::new();
    lk.run(&["connect", &peer.mcp_url()]).ok();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let second = peer.stats()["second_callback_status"].clone();
    assert!(
        second == "refused" || second.as_i64().is_some_and(|s| s >= 400),
        "second callback got {second}"
    );
    // The grant is from the first code.
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}

#[test]
fn passing_refresh_failures_change_nothing() {
    let peer = hostile("good");
    let url = peer.mcp_url();
    let lk = Latchkey::new().with_env("LATCHKEY_HTTP_TIMEOUT", "2");
    lk.run(&["connect", &url]).ok();
    let before = lk.run(&["token", &url]).ok().stdout.trim().to_string();

    // The server fails mid-refresh: an error, but the grant and its tokens stay as they were.
    peer.post_admin("/mode?mode=token-500");
    let run = lk.run(&["refresh", &url]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("answered HTTP 500; try again later"),
        "{}",
        run.stderr
    );
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    assert_eq!(
        lk.run(&["token", &url]).ok().stdout.trim(),
        before,
        "nothing changed"
    );

    // A malformed answer (truncated JSON) and a server too slow to answer: the same.
    for (mode, expected) in [
        ("token-malformed", "token response is not valid"),
        ("token-slow", "did not answer in time"),
    ] {
        peer.post_admin(&format!("/mode?mode={mode}"));
        let run = lk.run(&["refresh", &url]);
        assert_eq!(run.code, 1, "{mode}");
        assert!(run.stderr.contains(expected), "{mode}: {}", run.stderr);
        assert_eq!(lk.list()["servers"][0]["status"], "connected", "{mode}");
        assert_eq!(
            lk.run(&["token", &url]).ok().stdout.trim(),
            before,
            "{mode}: nothing changed"
        );
    }
    // And when the server is healthy again, the same grant refreshes.
    peer.post_admin("/mode?mode=good");
    lk.run(&["refresh", &url]).ok();
    let after = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_ne!(after, before);

    // The network drops: same.
    drop(peer);
    let run = lk.run(&["refresh", &url]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), after);
}

#[test]
fn invalid_grant_marks_needs_reconnect_and_keeps_the_grant() {
    let peer = hostile("good");
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    peer.post_admin("/mode?mode=token-invalid-grant");
    let run = lk.run(&["refresh", &url]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("needs to be reconnected"),
        "{}",
        run.stderr
    );
    let list = lk.list();
    assert_eq!(list["servers"][0]["status"], "needs_reconnect");
    assert_eq!(
        list["servers"][0]["grants"].as_array().unwrap().len(),
        1,
        "the grant is kept"
    );
    // Reconnecting heals it.
    peer.post_admin("/mode?mode=good");
    lk.run(&["connect", &url]).ok();
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}

#[test]
fn usage_errors_exit_2_and_bad_urls_exit_1() {
    let lk = Latchkey::new();
    assert_eq!(lk.run(&["connect"]).code, 2);
    assert_eq!(lk.run(&["no-such-command"]).code, 2);
    let not_url = lk.run(&["connect", "not a url"]);
    assert_eq!(not_url.code, 1);
    assert!(
        not_url.stderr.contains("is not a URL"),
        "{}",
        not_url.stderr
    );
    let http = lk.run(&["connect", "http://mcp.example.com/mcp"]);
    assert_eq!(http.code, 1);
    assert!(
        http.stderr.contains("only on a loopback address"),
        "{}",
        http.stderr
    );
    let nobody = lk.run(&["connect", "http://127.0.0.1:9/mcp"]);
    assert_eq!(nobody.code, 1);
    assert!(
        nobody.stderr.contains("cannot connect"),
        "{}",
        nobody.stderr
    );
}
