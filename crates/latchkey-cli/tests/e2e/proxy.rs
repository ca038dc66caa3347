//! `latchkey proxy` as an MCP client sees it: messages pass through untouched, sign-in happens
//! when the server asks, step-up on 403, and several proxies share one sign-in.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

#[test]
fn proxy_signs_in_on_401_and_passes_messages_through() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    // Not connected yet: the proxy signs in by itself when the server answers 401.
    let mut input = session_lines("echo", r#"{"text":"hello through latchkey"}"#);
    // A method Latchkey does not know passes through too (the server answers it).
    input.push_str(
        r#"{"jsonrpc":"2.0","id":"x-unknown","method":"vendor/unknownThing","params":{"a":1}}"#,
    );
    input.push('\n');
    let run = lk.run_with_stdin(&["proxy", &url], &input);
    run.ok();
    let by_id = responses(&run.stdout);
    assert_eq!(
        by_id["1"]["result"]["serverInfo"]["name"],
        "latchkey-sdk-peer"
    );
    assert!(
        by_id["2"]["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "echo")
    );
    assert_eq!(
        by_id["3"]["result"]["content"][0]["text"],
        "hello through latchkey"
    );
    assert!(
        by_id["\"x-unknown\""].get("error").is_some(),
        "the server's own answer to an unknown method"
    );
    assert!(
        !run.stdout.contains("latchkey proxy:"),
        "no proxy-made errors: {}",
        run.stdout
    );
    // The grant is stored and shared: `latchkey token` sees it without another sign-in.
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
    assert_eq!(peer.stats()["authorizations"], 1);
    // The session was closed at end of stdin.
    lk.run(&["token", &url]).ok();
}

#[test]
fn step_up_on_insufficient_scope_asks_for_the_union() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url, "--scope", "mcp:read"]).ok();
    assert_eq!(
        lk.list()["servers"][0]["scopes"],
        serde_json::json!(["mcp:read"])
    );
    let run = lk.run_with_stdin(
        &["proxy", &url],
        &session_lines("write-thing", r#"{"text":"x"}"#),
    );
    run.ok();
    let by_id = responses(&run.stdout);
    assert_eq!(
        by_id["3"]["result"]["content"][0]["text"], "wrote: x",
        "{}",
        run.stdout
    );
    let scopes = lk.list()["servers"][0]["scopes"].clone();
    assert_eq!(
        scopes,
        serde_json::json!(["mcp:read", "mcp:write"]),
        "the union of held and challenged"
    );
    assert_eq!(peer.stats()["authorizations"], 2);
}

#[test]
fn step_up_gives_up_after_three_sign_ins_with_a_json_rpc_error() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[("MAX_SCOPE", "mcp:read")]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let run = lk.run_with_stdin(
        &["proxy", &url],
        &session_lines("write-thing", r#"{"text":"x"}"#),
    );
    run.ok(); // the proxy itself ends normally at end of stdin
    let by_id = responses(&run.stdout);
    let err = &by_id["3"]["error"];
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("after 3 sign-ins"),
        "{}",
        run.stdout
    );
    assert!(peer.stats()["authorizations"].as_i64().unwrap() <= 3);
}

#[test]
fn several_proxies_needing_sign_in_open_one_browser_tab() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    // A browser stand-in that counts its invocations, then approves.
    let (browser, counter) = lk.counting_browser(1);
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut child = lk
                .command(&["proxy", &url])
                .env("BROWSER", &browser)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(session_lines("echo", r#"{"text":"hi"}"#).as_bytes())
                .unwrap();
            child
        })
        .collect();
    for child in children {
        let out = wait_with_timeout(child, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let by_id = responses(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(by_id["3"]["result"]["content"][0]["text"], "hi");
    }
    let tabs = std::fs::read_to_string(&counter).unwrap().lines().count();
    assert_eq!(tabs, 1, "exactly one browser tab for four proxies");
    assert_eq!(peer.stats()["authorizations"], 1);
}

#[test]
fn static_headers_are_sent_and_bad_ones_are_usage_errors() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let bad = lk.run_with_stdin(&["proxy", &url, "--header", "no colon here"], "");
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("is not 'Name: value'"),
        "{}",
        bad.stderr
    );
    let usage = lk.run(&["proxy"]);
    assert_eq!(usage.code, 2, "missing argument is a usage error");
}

#[test]
fn falls_back_to_the_legacy_sse_transport() {
    let peer = Peer::start("tests/peers/sse-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let run = lk.run_with_stdin(
        &["proxy", &url],
        &session_lines("echo", r#"{"text":"over sse"}"#),
    );
    run.ok();
    let by_id = responses(&run.stdout);
    assert_eq!(
        by_id["1"]["result"]["serverInfo"]["name"], "latchkey-sse-peer",
        "{}",
        run.stdout
    );
    assert_eq!(
        by_id["3"]["result"]["content"][0]["text"], "over sse",
        "{}",
        run.stdout
    );
    assert_eq!(peer.stats()["sse_sessions"], 1);
}

#[test]
fn server_initiated_messages_on_the_get_stream_reach_the_client() {
    use std::io::BufRead;
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let mut child = lk
        .command(&["proxy", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(session_lines("announce", "{}").as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let done = line.contains("notifications/tools/list_changed");
            seen.push(line);
            if done {
                break;
            }
        }
    }
    drop(stdin); // end of stdin: the proxy closes the session and exits 0
    let out = wait_with_timeout(child, Duration::from_secs(30));
    assert!(out.status.success());
    assert!(
        seen.iter()
            .any(|l| l.contains("notifications/tools/list_changed")),
        "the GET stream's notification never arrived: {seen:?}"
    );
}

#[test]
fn the_proxy_refuses_a_client_secret_on_stdin() {
    let lk = Latchkey::new();
    let run = lk.run_with_stdin(
        &[
            "proxy",
            "http://127.0.0.1:9/mcp",
            "--client-id",
            "c",
            "--client-secret-stdin",
        ],
        "s3cret\n",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("standard input carries JSON-RPC"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_expired_token_is_refreshed_and_the_request_retried_once() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    // The server expires every token early (as after a server-side rotation): the proxy's
    // cached token gets 401, it refreshes once and retries, without a new sign-in.
    peer.post_admin("/expire-all");
    let run = lk.run_with_stdin(
        &["proxy", &url],
        &session_lines("echo", r#"{"text":"after 401"}"#),
    );
    run.ok();
    assert_eq!(
        responses(&run.stdout)["3"]["result"]["content"][0]["text"],
        "after 401",
        "{}",
        run.stdout
    );
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1, "{stats}");
    assert_eq!(stats["authorizations"], 1, "no second sign-in");
}

#[test]
fn a_tool_call_may_take_longer_than_the_oauth_request_timeout() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    // OAuth calls give up after 1 s here; MCP traffic has no overall limit.
    let lk = Latchkey::new().with_env("LATCHKEY_HTTP_TIMEOUT", "1");
    lk.run(&["connect", &url]).ok();
    let run = lk.run_with_stdin(&["proxy", &url], &session_lines("sleep", r#"{"ms": 2500}"#));
    run.ok();
    assert_eq!(
        responses(&run.stdout)["3"]["result"]["content"][0]["text"],
        "slept 2500 ms",
        "{}",
        run.stdout
    );
}
