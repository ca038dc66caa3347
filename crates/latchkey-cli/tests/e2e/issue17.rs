//! Issue 17: what real MCP clients see through `latchkey proxy`: every request answered,
//! a clean stop on SIGINT/SIGTERM, no silent wait when no browser opens, a home that survives
//! clients' environment filters, one refresh for concurrent `latchkey refresh`, and a
//! registration a strict server accepts.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

fn wait_exit(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the proxy did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (1) A server error without a usable id (`"id": null`, as SDK servers answer transport-level
/// problems) reaches the client as the answer to its request, code and message kept.
#[test]
fn issue17_an_error_without_an_id_answers_the_request_it_was_for() {
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "null-id-errors")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let (mut child, mut stdin, rx) = live_proxy(&lk, &url, &[]);
    writeln!(stdin, "{INITIALIZE}\n{INITIALIZED}").unwrap();
    answer_to(&rx, 1, Duration::from_secs(30));
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"test-tool","arguments":{{}}}}}}"#
    )
    .unwrap();
    let answer = answer_to(&rx, 7, Duration::from_secs(10));
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hostile (null id)"),
        "{answer}"
    );
    drop(stdin);
    assert!(wait_exit(&mut child, Duration::from_secs(30)).success());
}

/// (2) SIGINT (stdin left open, as Claude Code stops servers): the session is closed at the
/// server (`DELETE`) and the proxy exits 0 within a second; a second signal while a request
/// is in flight ends it at once.
#[cfg(unix)]
#[test]
fn issue17_a_signal_closes_the_session_and_exits_cleanly() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let signal = |child: &std::process::Child, sig: &str| {
        std::process::Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
    };
    for sig in ["-INT", "-TERM"] {
        let (mut child, mut stdin, rx) = live_proxy(&lk, &url, &[]);
        writeln!(stdin, "{INITIALIZE}\n{INITIALIZED}").unwrap();
        answer_to(&rx, 1, Duration::from_secs(30));
        let closed_before = peer.stats()["mcp_sessions_closed"].as_u64().unwrap();
        let sent = Instant::now();
        signal(&child, sig);
        let status = wait_exit(&mut child, Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "{sig}: {status:?}");
        assert!(
            sent.elapsed() < Duration::from_millis(1500),
            "{sig}: took {:?}",
            sent.elapsed()
        );
        assert_eq!(
            peer.stats()["mcp_sessions_closed"].as_u64().unwrap(),
            closed_before + 1,
            "{sig}: the session was closed at the server"
        );
        drop(stdin);
    }
    // Claude Code's way, with a slow call in flight: SIGINT, SIGTERM 100 ms later. The session
    // is closed before the second signal, which ends the proxy at once.
    let closed_before = peer.stats()["mcp_sessions_closed"].as_u64().unwrap();
    let (mut child, mut stdin, rx) = live_proxy(&lk, &url, &[]);
    writeln!(stdin, "{INITIALIZE}\n{INITIALIZED}").unwrap();
    answer_to(&rx, 1, Duration::from_secs(30));
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"sleep","arguments":{{"ms":30000}}}}}}"#
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(100));
    signal(&child, "-TERM");
    wait_exit(&mut child, Duration::from_secs(5));
    assert!(
        sent.elapsed() < Duration::from_millis(1000),
        "took {:?}",
        sent.elapsed()
    );
    let answer = answer_to(&rx, 2, Duration::from_secs(1));
    assert!(
        answer["error"].is_object(),
        "the slow call was failed: {answer}"
    );
    assert_eq!(
        peer.stats()["mcp_sessions_closed"].as_u64().unwrap(),
        closed_before + 1,
        "the session was closed before SIGTERM"
    );
    drop(stdin);
}

/// (3) A sign-in whose browser cannot open: the client's request is answered at once with an
/// error naming the command to run, stderr shows the address, and the app is asked to ask the
/// person (the server needs attention).
#[test]
fn issue17_no_browser_is_an_answer_not_a_silent_wait() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let started = Instant::now();
    let (mut child, mut stdin, rx) = live_proxy(&lk, &url, &[("BROWSER", "false")]);
    writeln!(stdin, "{INITIALIZE}").unwrap();
    let answer = answer_to(&rx, 1, Duration::from_secs(20));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "waited {:?}",
        started.elapsed()
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("latchkey connect {url}")),
        "{answer}"
    );
    drop(stdin);
    wait_exit(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("/authorize?"),
        "the address is on stderr: {stderr}"
    );
    let server = &lk.list()["servers"][0];
    assert_eq!(server["status"], "not_connected");
    let log = lk.run(&["log", "--json"]).ok().json();
    assert!(
        log.to_string().contains("no browser could be opened"),
        "{log}"
    );
}

/// (4) The home survives an MCP client's environment filter: `--home DIR` on the command line,
/// or `LATCH_HOME` (Gemini CLI drops every variable with KEY in its name, LATCHKEY_HOME too).
#[test]
fn issue17_the_home_is_chosen_without_latchkey_home() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let home = lk.home.path().display().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let without_home = |args: &[&str], extra: Option<(&str, &str)>| {
        let mut cmd = std::process::Command::new(latchkey_bin());
        cmd.args(args)
            .env_remove("LATCHKEY_HOME")
            .env("HOME", elsewhere.path())
            .env_remove("XDG_DATA_HOME");
        if let Some((k, v)) = extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    for (args, extra) in [
        (vec!["--home", home.as_str(), "token", url.as_str()], None),
        (vec!["token", url.as_str(), "--home", home.as_str()], None),
        (
            vec!["token", url.as_str()],
            Some(("LATCH_HOME", home.as_str())),
        ),
    ] {
        let out = without_home(&args, extra);
        assert!(
            out.status.success(),
            "{args:?} {extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(mcp_status_with_token(&url, &token), 200);
    }
    let stray = without_home(&["token", url.as_str()], None);
    assert_ne!(
        stray.status.code(),
        Some(0),
        "without them: another (empty) home"
    );
}

/// (5) Several `latchkey refresh` at once make one refresh: whoever waited uses it.
#[test]
fn issue17_concurrent_refreshes_spend_one_rotation() {
    let peer = Peer::start(
        "tests/peers/sdk-server.mjs",
        &[("REFRESH_DELAY_MS", "1500")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let children: Vec<_> = (0..3)
        .map(|_| {
            lk.command(&["refresh", &url])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = wait_with_timeout(child, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1, "{stats}");
    assert_eq!(stats["refresh_token_reuse_detected"], 0, "{stats}");
}

/// (6) A server that lists only `client_secret_basic`: Latchkey registers for that method,
/// keeps the secret in the secret store, and signs in and refreshes with it.
#[test]
fn issue17_registration_asks_for_a_method_the_server_lists() {
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "auth-basic-only")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    lk.run(&["refresh", &url]).ok();
    let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
    assert!(
        !contains(&lk.home_bytes(), "hostile-cs-"),
        "the client secret is in the secret store only"
    );
}

/// A real MCP client from npm: Gemini CLI (Apache-2.0), offline. `gemini mcp add` an entry
/// that runs `latchkey --home DIR proxy <url>`, then `gemini mcp list` connects through it
/// (initialize, then a ping) and shows it Connected. Gemini drops every variable with KEY in
/// its name from a server's environment, so LATCHKEY_HOME set around it would not arrive: the
/// home goes on the command line. The sign-in happens through the proxy (BROWSER survives).
#[test]
fn issue17_gemini_cli_connects_through_the_proxy() {
    let gemini = repo_root().join("tests/clients/node_modules/.bin/gemini");
    assert!(gemini.exists(), "make test installs tests/clients (npm ci)");
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let user = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(user.path().join(".gemini")).unwrap();
    std::fs::write(
        user.path().join(".gemini/settings.json"),
        r#"{"privacy": {"usageStatisticsEnabled": false}, "telemetry": {"enabled": false},
            "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
            "security": {"folderTrust": {"enabled": false}}}"#,
    )
    .unwrap();
    let decoy = tempfile::tempdir().unwrap();
    let gemini_cmd = |args: &[&str]| {
        let out = std::process::Command::new(&gemini)
            .args(args)
            .current_dir(project.path())
            .env("HOME", user.path())
            .env("GEMINI_CLI_NO_RELAUNCH", "1")
            .env("GEMINI_TELEMETRY_ENABLED", "false")
            .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
            // What a user might set: Gemini drops it before the server sees it.
            .env("LATCHKEY_HOME", decoy.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gemini {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Gemini writes its listing to stdout or stderr depending on its version: read both.
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let bin = latchkey_bin().display().to_string();
    let home = lk.home.path().display().to_string();
    gemini_cmd(&[
        "mcp",
        "add",
        "--scope",
        "user",
        "latchkey-e2e",
        &bin,
        "--",
        "--home",
        &home,
        "proxy",
        &url,
    ]);
    let listed = gemini_cmd(&["mcp", "list"]);
    let line = listed
        .lines()
        .find(|l| l.contains("latchkey-e2e"))
        .unwrap_or_else(|| panic!("not listed: {listed}"));
    assert!(
        line.contains("Connected") && !line.contains("Disconnected"),
        "{listed}"
    );
    assert_eq!(
        peer.stats()["authorizations"],
        1,
        "signed in once, through the proxy"
    );
    assert_eq!(
        lk.list()["servers"][0]["status"],
        "connected",
        "in the home given"
    );
    assert!(
        std::fs::read_dir(decoy.path()).unwrap().next().is_none(),
        "the stripped LATCHKEY_HOME was not used"
    );
}

/// The official Python MCP SDK's server (mcp 2.3.0, which speaks 2025 and 2026-07-28), a
/// resource server whose tokens come from sdk-server.mjs, used by the TypeScript SDK's 2025
/// client through the proxy.
struct PythonServer {
    _auth: Peer,
    server: Peer,
}

impl PythonServer {
    fn start() -> PythonServer {
        let auth = Peer::start("tests/peers/sdk-server.mjs", &[]);
        let issuer = auth.ready["issuer"].as_str().unwrap().to_string();
        let admin = auth.ready["admin_url"].as_str().unwrap().to_string();
        let server = Peer::start_python(
            "tests/peers/python-server.py",
            &[("AS_ISSUER", &issuer), ("AS_ADMIN", &admin)],
        );
        let url = server.mcp_url();
        curl_json("POST", &auth.admin(&format!("/resources?add={url}")));
        PythonServer {
            _auth: auth,
            server,
        }
    }
}

/// By default the proxy finds that it speaks 2026-07-28 and translates: a sign-in, a tool
/// call, who the token says the user is, and an elicitation as `input_required`.
#[test]
fn issue17_python_sdk_server_through_the_proxy_on_2026() {
    let py = PythonServer::start();
    let url = py.server.mcp_url();
    let lk = Latchkey::new();
    let calls = serde_json::json!([
        {"name": "echo", "arguments": {"text": "from python"}},
        {"name": "whoami", "arguments": {}},
        {"name": "greet", "arguments": {}},
    ]);
    let report = ts_client(&lk, &url, calls, &[]);
    assert!(report.get("error").is_none(), "{report}");
    assert_eq!(result(&report, "echo")["text"], "echo: from python");
    let who: Value = serde_json::from_str(result(&report, "whoami")["text"].as_str().unwrap())
        .unwrap_or_else(|_| panic!("{report}"));
    assert_eq!(who["sub"], "latchkey-test-user", "{who}");
    assert_eq!(who["protocol_version"], "2026-07-28", "{who}");
    assert_eq!(result(&report, "greet")["text"], "Hello, Ada!");
    assert_eq!(report["asked"]["elicitation"], 1, "{report}");
    let stats = py.server.stats();
    assert_eq!(stats["elicitations"]["accept"], 1, "{stats}");
    assert!(
        stats["rpc_methods"].get("initialize").is_none(),
        "no 2025 session was opened: {stats}"
    );
}

/// `--protocol 2025` opens a 2025 session with the same server; when the server forgets it
/// (as after a restart: HTTP 404), the proxy opens a new one and the call goes through, and
/// the session is ended at the server when the client leaves.
#[test]
fn issue17_python_sdk_server_on_2025_survives_a_forgotten_session() {
    let py = PythonServer::start();
    let url = py.server.mcp_url();
    let lk = Latchkey::new();
    let drop = py.server.admin("/drop-sessions");
    let calls = serde_json::json!([
        {"name": "greet", "arguments": {}},
        {"post": drop},
        {"name": "echo", "arguments": {"text": "after the restart"}},
    ]);
    let report = ts_client(&lk, &url, calls, &["--protocol", "2025"]);
    assert!(report.get("error").is_none(), "{report}");
    assert_eq!(result(&report, "greet")["text"], "Hello, Ada!");
    assert_eq!(
        result(&report, "echo")["text"],
        "echo: after the restart",
        "{report}"
    );
    let stats = py.server.stats();
    assert_eq!(stats["sessions_created"], 2, "{stats}");
    assert_eq!(
        stats["rpc_methods"]["notifications/initialized"], 2,
        "{stats}"
    );
    assert!(
        stats["rpc_methods"].get("server/discover").is_none(),
        "--protocol 2025 does not ask: {stats}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while py.server.stats()["sessions_deleted"] != 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        py.server.stats()["sessions_deleted"],
        1,
        "ended at the server"
    );
}
