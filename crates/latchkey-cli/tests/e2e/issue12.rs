//! Issue 12: `latchkey proxy` speaks MCP 2026-07-28 to a server whatever revision the client
//! speaks. A real 2026-07-28 server (the TypeScript SDK v2, modern only: tests/peers/
//! modern-server.mjs) whose authorization server is another process (sdk-server.mjs), used by a
//! real 2025-06-18 client (the TypeScript SDK v1 Client: tests/clients/ts-sdk-client.mjs).

use serde_json::{Value, json};

use crate::support::*;

/// sdk-server.mjs as the authorization server and modern-server.mjs as the MCP server.
pub struct Modern {
    _as: Peer,
    server: Peer,
}

impl Modern {
    pub fn start() -> Modern {
        let auth = Peer::start("tests/peers/sdk-server.mjs", &[]);
        let issuer = auth.ready["issuer"].as_str().unwrap().to_string();
        let admin = auth.ready["admin_url"].as_str().unwrap().to_string();
        let server = Peer::start(
            "tests/peers/modern-server.mjs",
            &[("AS_ISSUER", &issuer), ("AS_ADMIN", &admin)],
        );
        let url = server.mcp_url();
        curl_json("POST", &auth.admin(&format!("/resources?add={url}")));
        Modern { _as: auth, server }
    }

    pub fn url(&self) -> String {
        self.server.mcp_url()
    }
}

/// The whole path: sign-in, tools/list, a call, one elicitation round trip, one sampling round
/// trip, a two-round question with a new requestState each round, and an `x-mcp-header`
/// parameter mirrored into its header (base64 where its value is not header text).
#[test]
fn issue12_a_2025_client_uses_a_2026_server_through_the_proxy() {
    let modern = Modern::start();
    let url = modern.url();
    let lk = Latchkey::new();
    let report = ts_client(
        &lk,
        &url,
        json!([
            {"name": "echo", "arguments": {"text": "over 2026"}},
            {"name": "ask-name", "arguments": {}},
            {"name": "ask-model", "arguments": {}},
            {"name": "two-rounds", "arguments": {}},
            {"name": "region-info", "arguments": {"region": "us-west1"}},
            {"name": "region-info", "arguments": {"region": "line1\r\nline2"}},
        ]),
        &[],
    );
    assert!(report.get("error").is_none(), "{report}");
    assert!(report["tools"].as_array().unwrap().len() >= 5, "{report}");
    assert_eq!(result(&report, "echo")["text"], "echo: over 2026");
    assert_eq!(result(&report, "ask-name")["text"], "hello, Ada");
    assert_eq!(
        result(&report, "ask-model")["text"],
        "the model said: hi there"
    );
    assert_eq!(result(&report, "two-rounds")["text"], "first Ada, then Ada");
    assert_eq!(report["asked"]["elicitation"], 3, "{report}");
    assert_eq!(report["asked"]["sampling"], 1, "{report}");
    let regions: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "region-info")
        .collect();
    assert_eq!(regions[0]["text"], "region us-west1, header us-west1");
    assert_eq!(
        regions[1]["text"], "region line1\r\nline2, header =?base64?bGluZTENCmxpbmUy?=",
        "CR LF travels base64-encoded"
    );
    let stats = modern.server.stats();
    assert!(stats["legacy_refused"].as_u64() == Some(0), "{stats}");
    assert_eq!(
        stats["last_headers"]["mcp-protocol-version"], "2026-07-28",
        "{stats}"
    );
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}

/// A server that never stops asking gets a clear error after a bounded number of rounds; the
/// session goes on.
#[test]
fn issue12_endless_questions_end_with_an_error_and_the_session_goes_on() {
    let modern = Modern::start();
    let url = modern.url();
    let lk = Latchkey::new();
    let report = ts_client(
        &lk,
        &url,
        json!([
            {"name": "endless-questions", "arguments": {}},
            {"name": "echo", "arguments": {"text": "still here"}},
        ]),
        &[],
    );
    let endless = result(&report, "endless-questions");
    assert!(
        endless["error"]
            .as_str()
            .unwrap_or_default()
            .contains("kept asking for input"),
        "{report}"
    );
    assert_eq!(result(&report, "echo")["text"], "echo: still here");
}

/// One 2025-06-18 session through the proxy against a hostile server: initialize, tools/list,
/// then one tools/call per entry of `calls`, then tools/list again. The answers by id.
fn hostile_session(mode: &str, calls: usize) -> std::collections::HashMap<String, Value> {
    let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", mode)]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let mut lines = vec![
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#.to_string(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.to_string(),
    ];
    for i in 0..calls {
        lines.push(format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"test-tool","arguments":{{}}}}}}"#,
            10 + i
        ));
    }
    lines.push(r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#.to_string());
    let run = lk.run_with_stdin(&["proxy", &url], &(lines.join("\n") + "\n"));
    run.ok();
    responses(&run.stdout)
}

/// A server that says it speaks 2026-07-28 and then refuses it: the proxy falls back to a
/// 2025 session, and the client's requests are answered all the same.
#[test]
fn issue12_a_server_that_lies_about_its_version_is_spoken_to_as_it_really_is() {
    let by_id = hostile_session("lies-about-version", 1);
    assert_eq!(
        by_id["1"]["result"]["protocolVersion"], "2025-06-18",
        "{by_id:?}"
    );
    assert_eq!(
        by_id["2"]["result"]["tools"][0]["name"], "test-tool",
        "{by_id:?}"
    );
    assert_eq!(
        by_id["10"]["result"]["content"][0]["text"], "ok",
        "{by_id:?}"
    );
    assert_eq!(by_id["3"]["result"]["tools"][0]["name"], "test-tool");
}

/// A stream that breaks in the middle of its event: that request gets an error (never a
/// silent wait, never half a message), and the session goes on.
#[test]
fn issue12_a_stream_that_drops_mid_event_is_an_error_and_the_session_goes_on() {
    let by_id = hostile_session("drops-mid-event", 1);
    let failed = &by_id["10"];
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("latchkey proxy"),
        "{failed}"
    );
    assert_eq!(
        by_id["3"]["result"]["tools"][0]["name"], "test-tool",
        "the session goes on"
    );
}

/// A POST's stream that closes before the answer is resumed with `Last-Event-ID`; the server
/// replays the event it was resumed from, and the client still sees it once (SEP-1699: no
/// message lost or doubled).
#[test]
fn issue12_a_resumed_stream_delivers_each_event_once() {
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "replays-on-resume")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let lines = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"test-tool","arguments":{}}}"#,
    ];
    let run = lk.run_with_stdin(&["proxy", &url], &(lines.join("\n") + "\n"));
    run.ok();
    let messages: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let answer = messages
        .iter()
        .find(|m| m["id"] == 10)
        .unwrap_or_else(|| panic!("no answer: {}", run.stdout));
    assert_eq!(
        answer["result"]["content"][0]["text"], "resumed",
        "{answer}"
    );
    let logged = messages
        .iter()
        .filter(|m| m["params"]["data"] == "step 1 (sent once)")
        .count();
    assert_eq!(logged, 1, "delivered once: {}", run.stdout);
    let stats = peer.stats();
    assert_eq!(stats["resumes"], 1, "{stats}");
    assert_eq!(stats["last_event_id"], "r1", "{stats}");
}
