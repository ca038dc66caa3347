//! Issue 15, item 1: the token caches other tools keep in plain text are found by `latchkey
//! clients` (and counted by `latchkey setup`): how many sign-ins, to which servers, whether
//! other users may read the file; never a value. mcp-remote's cache is made by a real
//! mcp-remote (pinned in tests/clients) signing in to the SDK server; the clients' token files
//! are written in the shape each client writes them (the sources are in
//! docs/client-configs-verified.md).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

/// `npx mcp-remote <url>` as a client runs it, signed in through follow.sh as the browser.
/// Returns the cache folder once mcp-remote answered `initialize` through the server.
pub fn sign_in_with_mcp_remote(home: &Path, url: &str) -> PathBuf {
    let proxy = repo_root().join("tests/clients/node_modules/mcp-remote/dist/proxy.js");
    assert!(proxy.exists(), "make test installs tests/clients (npm ci)");
    let mut child = std::process::Command::new("node")
        .arg(&proxy)
        .args([url, "--allow-http"])
        .current_dir(home)
        .env("HOME", home)
        .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
        .env_remove("MCP_REMOTE_CONFIG_DIR")
        // No desktop: xdg-open falls back to $BROWSER.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_CURRENT_DESKTOP")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(home.join("mcp-remote.log")).unwrap())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "latchkey-e2e", "version": "1"}}});
    writeln!(stdin, "{init}").unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let answer = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "mcp-remote did not answer: {}",
                std::fs::read_to_string(home.join("mcp-remote.log")).unwrap_or_default()
            )
        });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer["id"], 1, "{answer}");
    assert!(answer["result"]["serverInfo"].is_object(), "{answer}");
    home.join(".mcp-auth/mcp-remote-v1")
}

fn files_of<'a>(scan: &'a Value, client: &str) -> Vec<&'a Value> {
    scan["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["client"] == client)
        .collect()
}

#[test]
fn a_real_mcp_remote_sign_in_is_found_named_and_never_printed() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let home = tempfile::tempdir().unwrap();
    let cache = sign_in_with_mcp_remote(home.path(), &url);
    let tokens_file = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_tokens.json"))
        .expect("mcp-remote wrote its tokens");
    let tokens: Value = serde_json::from_slice(&std::fs::read(&tokens_file).unwrap()).unwrap();
    let secrets = [
        tokens["access_token"].as_str().unwrap().to_string(),
        tokens["refresh_token"]
            .as_str()
            .expect("the SDK server issues refresh tokens")
            .to_string(),
    ];
    // The client config that runs it: its URL names the hashed cache entry.
    write_atomically(
        &home.path().join(".cursor/mcp.json"),
        &json!({"mcpServers": {"sdk": {"command": "npx",
            "args": ["-y", "mcp-remote", url, "--allow-http"]}}})
        .to_string(),
    );

    let scan = clients_json(home.path());
    let caches = files_of(&scan, "mcp_remote");
    assert_eq!(caches.len(), 1, "{scan:#}");
    assert_eq!(caches[0]["path"], cache.display().to_string());
    assert_eq!(caches[0]["layout"], "token_cache");
    assert_eq!(
        caches[0]["findings"],
        json!([{"kind": "plaintext_token_cache", "grants": 1, "refreshable": 1,
            "servers": [url], "readable_by_others": false}]),
        "mcp-remote writes its files 0600"
    );

    // Files written before mcp-remote 0.1.37 kept the umask's mode.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tokens_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = with_home(home.path(), &["clients"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "plain-text token cache: 1 sign-in to {url} (1 with a refresh token); other users can read it"
        )),
        "{text}"
    );
    let setup = with_home(home.path(), &["setup", "--dry-run"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let setup_text = String::from_utf8_lossy(&setup.stdout).to_string();
    assert!(
        setup_text.contains("mcp-remote: 0 servers · 1 sign-in in a plain-text token cache"),
        "{setup_text}{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let json_text = scan.to_string();
    for secret in &secrets {
        for out in [&text, &setup_text, &json_text] {
            assert!(!out.contains(secret.as_str()), "a token was printed");
        }
    }
}

/// A token file as these clients write it: owner-only (0600).
fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write_atomically(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Each client's token file, as that client writes it, with the traps each format has.
fn write_client_caches(home: &Path, now_ms: i64) {
    let later = now_ms + 3_600_000;
    let earlier = now_ms - 3_600_000;
    // Claude Code: the person's own login beside the MCP grants; a stub with an empty
    // token; the same server under two keys (a known Claude Code bug), once renewable.
    let claude = json!({
        "claudeAiOauth": {"accessToken": "sk-ant-oat01-LOGIN", "refreshToken": "sk-ant-ort01-LOGIN",
            "expiresAt": later, "scopes": ["user:inference"]},
        "mcpOAuth": {
            "linear|0f1e2d3c4b5a6978": {"serverName": "linear", "serverUrl": "https://mcp.linear.app/mcp",
                "accessToken": "CLAUDE-ACCESS-1", "refreshToken": "CLAUDE-REFRESH-1", "expiresAt": later,
                "scope": "read write", "clientId": "c1",
                "discoveryState": {"authorizationServerUrl": "https://mcp.linear.app/"}},
            "linear|a1b2c3d4e5f60718": {"serverName": "linear", "serverUrl": "https://mcp.linear.app/mcp",
                "accessToken": "CLAUDE-ACCESS-2", "expiresAt": later},
            "notion|1122334455667788": {"serverName": "notion", "serverUrl": "https://mcp.notion.com/mcp",
                "accessToken": "", "expiresAt": 0, "clientId": "c2"},
            "old|8877665544332211": {"serverName": "old", "serverUrl": "https://old.example/mcp",
                "accessToken": "CLAUDE-ACCESS-EXPIRED", "expiresAt": earlier}
        }
    });
    write_private(&home.join(".claude/.credentials.json"), &claude.to_string());
    // Codex: compact JSON, keys "<name>|<hash>", milliseconds, scopes as a list.
    let codex = json!({
        "github|4282f2a9112820d2": {"server_name": "github", "server_url": "https://api.githubcopilot.com/mcp/",
            "client_id": "x", "access_token": "CODEX-ACCESS", "expires_at": later,
            "refresh_token": "CODEX-REFRESH", "scopes": ["repo"]},
        "sentry|a61b5eaf39b93a51": {"server_name": "sentry", "server_url": "https://mcp.sentry.dev/mcp",
            "client_id": "y", "access_token": "CODEX-ACCESS-2", "expires_at": null,
            "refresh_token": null, "scopes": []}
    });
    write_private(&home.join(".codex/.credentials.json"), &codex.to_string());
    // Gemini CLI: an array, expiry in milliseconds.
    let gemini = json!([
        {"serverName": "atlassian", "token": {"accessToken": "GEMINI-ACCESS", "tokenType": "Bearer",
            "refreshToken": "GEMINI-REFRESH", "expiresAt": later},
         "clientId": "g", "tokenUrl": "https://auth.atlassian.com/oauth/token",
         "mcpServerUrl": "https://mcp.atlassian.com/v1/sse", "updatedAt": now_ms}
    ]);
    write_private(
        &home.join(".gemini/mcp-oauth-tokens.json"),
        &serde_json::to_string_pretty(&gemini).unwrap(),
    );
    // opencode: keyed by name, expiry in (fractional) seconds, no URL in an older entry.
    let opencode = json!({
        "asana": {"tokens": {"accessToken": "OPENCODE-ACCESS", "refreshToken": "OPENCODE-REFRESH",
            "expiresAt": (later as f64) / 1000.0 + 0.25, "scope": "default"},
            "clientInfo": {"clientId": "o", "clientSecret": "OPENCODE-CLIENT-SECRET"},
            "serverUrl": "https://mcp.asana.com/sse"},
        "pending": {"codeVerifier": "OPENCODE-VERIFIER", "oauthState": "s"},
        "stale": {"tokens": {"accessToken": "OPENCODE-STALE", "expiresAt": (earlier as f64) / 1000.0}}
    });
    write_private(
        &home.join(".local/share/opencode/mcp-auth.json"),
        &serde_json::to_string_pretty(&opencode).unwrap(),
    );
    // Copilot CLI: registration and tokens side by side (seconds), plus an orphan token file
    // for the same server and a verifier left by a sign-in that never ended.
    let copilot = home.join(".copilot/mcp-oauth-config");
    write_private(
        &copilot.join("9f86d081884c7d65.json"),
        &json!({"serverUrl": "https://api.githubcopilot.com/mcp/readonly",
            "authorizationServerUrl": "https://github.com/login/oauth", "clientId": "cp",
            "redirectUri": "http://127.0.0.1:43123/"})
        .to_string(),
    );
    write_private(
        &copilot.join("9f86d081884c7d65.tokens.json"),
        &json!({"accessToken": "COPILOT-ACCESS", "expiresAt": later / 1000,
            "refreshToken": "COPILOT-REFRESH"})
        .to_string(),
    );
    write_private(
        &copilot.join("0a1b2c3d4e5f6071.tokens.json"),
        &json!({"accessToken": "COPILOT-ORPHAN", "expiresAt": earlier / 1000}).to_string(),
    );
    std::fs::write(
        copilot.join("9f86d081884c7d65.verifier"),
        "COPILOT-VERIFIER",
    )
    .unwrap();
}

#[test]
fn every_clients_token_file_is_read_by_its_own_rules_and_no_value_is_printed() {
    let home = tempfile::tempdir().unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    write_client_caches(home.path(), now_ms);
    let scan = clients_json(home.path());
    let finding = |client: &str| {
        let files = files_of(&scan, client);
        let caches: Vec<&Value> = files
            .iter()
            .filter(|f| f["layout"] == "token_cache")
            .copied()
            .collect();
        assert_eq!(caches.len(), 1, "{client}: {scan:#}");
        caches[0]["findings"][0].clone()
    };
    let cache = |grants: u32, refreshable: u32, servers: &[&str]| {
        json!({"kind": "plaintext_token_cache", "grants": grants, "refreshable": refreshable,
            "servers": servers, "readable_by_others": false})
    };
    // Linear once (the renewable copy), not the stub, not the expired one, not the login.
    assert_eq!(
        finding("claude_code"),
        cache(1, 1, &["https://mcp.linear.app/mcp"])
    );
    assert_eq!(
        finding("codex"),
        cache(
            2,
            1,
            &[
                "https://api.githubcopilot.com/mcp/",
                "https://mcp.sentry.dev/mcp"
            ]
        )
    );
    assert_eq!(
        finding("gemini_cli"),
        cache(1, 1, &["https://mcp.atlassian.com/v1/sse"])
    );
    assert_eq!(
        finding("opencode"),
        cache(1, 1, &["https://mcp.asana.com/sse"])
    );
    assert_eq!(
        finding("copilot_cli"),
        cache(1, 1, &["https://api.githubcopilot.com/mcp/readonly"])
    );

    let text = String::from_utf8(
        with_home(home.path(), &["clients"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        text.contains("plain-text token cache: 2 sign-ins to https://api.githubcopilot.com/mcp/ and https://mcp.sentry.dev/mcp (1 with a refresh token)"),
        "{text}"
    );
    let all = format!("{text}{scan}");
    for value in [
        "LOGIN",
        "CLAUDE-",
        "CODEX-",
        "GEMINI-",
        "OPENCODE-",
        "COPILOT-",
    ] {
        assert!(!all.contains(value), "{value} was printed");
    }
}

#[test]
fn a_broken_token_file_is_a_finding_and_the_others_are_still_read() {
    let home = tempfile::tempdir().unwrap();
    write_client_caches(home.path(), i64::MAX / 4);
    // Half written, as a crash mid-write by a client that does not write atomically leaves it.
    std::fs::write(
        home.path().join(".claude/.credentials.json"),
        r#"{"mcpOAuth": {"linear|0f1e": {"serverName": "linear", "accessToken": "CLAUDE-HALF"#,
    )
    .unwrap();
    let scan = clients_json(home.path());
    let claude: Vec<&Value> = files_of(&scan, "claude_code");
    assert_eq!(claude.len(), 1, "{scan:#}");
    assert_eq!(claude[0]["findings"][0]["kind"], "unreadable");
    assert!(!scan.to_string().contains("CLAUDE-HALF"));
    assert_eq!(files_of(&scan, "codex").len(), 1, "{scan:#}");
    assert_eq!(files_of(&scan, "opencode").len(), 1, "{scan:#}");
}

#[test]
fn watch_sees_a_sign_in_land_in_mcp_remotes_folder() {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join(".mcp-auth/mcp-remote-v1");
    std::fs::create_dir_all(&folder).unwrap();
    let mut child = with_home(home.path(), &["clients", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).unwrap());
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(files_of(&first, "mcp_remote").is_empty());
    // mcp-remote's own save: a temporary file renamed into place.
    write_atomically(
        &folder.join("94baabe3c3fadb285b26c035e4e86046_tokens.json"),
        r#"{"access_token": "A", "token_type": "Bearer", "refresh_token": "R"}"#,
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let update = loop {
        let next = rx
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("the watch saw the new cache file");
        if !files_of(&next, "mcp_remote").is_empty() {
            break next;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        files_of(&update, "mcp_remote")[0]["findings"][0]["grants"],
        1
    );
}
