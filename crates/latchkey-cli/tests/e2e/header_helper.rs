//! Issue 15, item 3: Claude Code and Codex run a command for a remote server's request headers
//! (`headersHelper`, `http_headers_helper`). `adopt --use-sign-in --native` keeps their own
//! remote entry and makes `latchkey token <url> --header` that command, so no proxy process
//! runs; the helper is run here the way those clients run it (through `sh -c`, its stdout a
//! JSON object of headers) and its header opens the real server.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::*;

/// Run `command` as Claude Code and Codex run a header helper: through a shell, with the
/// `latchkey` being tested first on PATH and `home` as the user's home.
fn run_helper(home: &std::path::Path, command: &str) -> std::process::Output {
    let bin_dir = latchkey_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    in_home(std::process::Command::new("sh"), home, &["-c", command])
        .env("PATH", path)
        .env("CLAUDE_CODE_MCP_SERVER_NAME", "sdk")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn claude_code_and_codex_get_latchkeys_token_from_their_own_header_helper() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let home = tempfile::tempdir().unwrap();
    let signed_in = with_home(home.path(), &["connect", &url])
        .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
        .env("LATCHKEY_SIGNIN_TIMEOUT", "30")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        signed_in.status.success(),
        "{}",
        String::from_utf8_lossy(&signed_in.stderr)
    );
    let claude = home.path().join(".claude.json");
    write_atomically(
        &claude,
        &json!({"mcpServers": {"sdk": {"command": "npx", "args": ["-y", "mcp-remote", url]}}})
            .to_string(),
    );
    let codex = home.path().join(".codex/config.toml");
    write_atomically(
        &codex,
        &format!(
            "# mine\n[mcp_servers.sdk]\nurl = \"{url}\"\nbearer_token_env_var = \"SDK_TOKEN\"\n"
        ),
    );

    adopt_yes(
        home.path(),
        &[
            "sdk",
            "--use-sign-in",
            "--native",
            "--file",
            claude.to_str().unwrap(),
        ],
    );
    adopt_yes(
        home.path(),
        &[
            "sdk",
            "--use-sign-in",
            "--native",
            "--file",
            codex.to_str().unwrap(),
        ],
    );
    let entry: Value = serde_json::from_slice(&std::fs::read(&claude).unwrap()).unwrap();
    let helper = format!("latchkey token '{url}' --header");
    assert_eq!(
        entry["mcpServers"]["sdk"],
        json!({"type": "http", "url": url, "headersHelper": helper})
    );
    let toml = std::fs::read_to_string(&codex).unwrap();
    assert_eq!(
        toml,
        format!("# mine\n[mcp_servers.sdk]\nurl = \"{url}\"\nhttp_headers_helper = \"{helper}\"\n"),
        "its own bearer token variable gives way to the helper"
    );

    let out = run_helper(home.path(), &helper);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let headers: Value = serde_json::from_slice(&out.stdout).unwrap();
    let authorization = headers["Authorization"].as_str().unwrap();
    let token = authorization
        .strip_prefix("Bearer ")
        .expect("a Bearer header");
    assert_eq!(headers.as_object().unwrap().len(), 1, "{headers}");
    assert_eq!(mcp_status_with_token(&url, token), 200);
    assert_eq!(
        peer.stats()["authorizations"],
        1,
        "the one sign-in serves both clients"
    );

    // A client without a header helper keeps the proxy; so does a server Latchkey cannot serve
    // through a helper (not signed in: the helper fails, and says how to sign in).
    let cursor = home.path().join(".cursor/mcp.json");
    write_atomically(
        &cursor,
        &json!({"mcpServers": {"sdk": {"url": url}}}).to_string(),
    );
    let refused = with_home(
        home.path(),
        &[
            "adopt",
            "sdk",
            "--use-sign-in",
            "--native",
            "--yes",
            "--file",
            cursor.to_str().unwrap(),
        ],
    )
    .stdin(Stdio::null())
    .output()
    .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("Cursor runs no command for a server's headers"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let other = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let out = run_helper(
        home.path(),
        &format!("latchkey token '{}' --header", other.mcp_url()),
    );
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no headers: the client shows its own error"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("latchkey connect"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
