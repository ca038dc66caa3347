//! Issue 15, item 2: `latchkey import mcp-remote` moves the sign-ins a real mcp-remote made
//! (pinned in tests/clients, signed in to the SDK server) into Latchkey with no browser: the
//! cache loses its tokens (backed up), the clients' entries run `latchkey proxy`, and `latchkey
//! restore` puts every file back byte for byte. `--revoke-instead` ends them at the server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::{Value, json};

use crate::support::*;
use crate::token_caches::sign_in_with_mcp_remote;

/// The one `<hash>_tokens.json` mcp-remote wrote, and its bytes.
fn tokens_file(cache: &Path) -> (PathBuf, Vec<u8>) {
    let path = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_tokens.json"))
        .expect("mcp-remote wrote its tokens");
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// `latchkey <args>` in `home`, with a `$BROWSER` that records being started (and fails).
fn latchkey_in(home: &Path, args: &[&str], input: &str) -> Output {
    let browser = home.join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexit 1\n",
            home.join("browser-opened").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = with_home(home, args)
        .env("BROWSER", &browser)
        .env("LATCHKEY_SIGNIN_TIMEOUT", "10")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    wait_with_timeout(child, std::time::Duration::from_secs(90))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The backup ids the import's last line names (`Undo: latchkey restore 3 4 ...`).
fn undo_ids(out: &str) -> Vec<String> {
    let line = out
        .lines()
        .find(|l| l.starts_with("Undo: `latchkey restore "))
        .unwrap_or_else(|| panic!("no undo line: {out}"));
    line.trim_start_matches("Undo: `latchkey restore ")
        .split('`')
        .next()
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn cursor_config(url: &str) -> String {
    serde_json::to_string_pretty(&json!({"mcpServers": {"sdk": {"command": "npx",
        "args": ["-y", "mcp-remote", url, "--allow-http"]}}}))
    .unwrap()
}

#[test]
fn a_real_mcp_remote_sign_in_is_imported_without_a_browser_and_undone_byte_for_byte() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let home = tempfile::tempdir().unwrap();
    let cache = sign_in_with_mcp_remote(home.path(), &url);
    let (tokens_path, original) = tokens_file(&cache);
    let cached: Value = serde_json::from_slice(&original).unwrap();
    let cached_access = cached["access_token"].as_str().unwrap().to_string();
    let cached_refresh = cached["refresh_token"].as_str().unwrap().to_string();
    let config = home.path().join(".cursor/mcp.json");
    write_atomically(&config, &cursor_config(&url));
    let config_before = std::fs::read(&config).unwrap();
    assert_eq!(
        peer.stats()["authorizations"],
        1,
        "mcp-remote's own sign-in"
    );

    // Without --yes and without a terminal: consent is required, nothing changes.
    let refused = latchkey_in(home.path(), &["import", "mcp-remote"], "");
    assert!(!refused.status.success());
    assert!(text(&refused).contains("pass --yes"), "{}", text(&refused));
    assert_eq!(std::fs::read(&tokens_path).unwrap(), original);

    let out = latchkey_in(home.path(), &["import", "mcp-remote", "--yes"], "");
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("mcp-remote keeps 1 sign-in in plain text"),
        "{said}"
    );
    assert!(
        said.contains(&format!("{url}: imported, and renewed just now")),
        "{said}"
    );
    assert!(said.contains("Cursor"), "{said}");
    assert!(said.contains("sdk now runs `latchkey proxy`"), "{said}");
    for secret in [&cached_access, &cached_refresh] {
        assert!(!said.contains(secret.as_str()), "a token was printed");
    }

    // No browser, no new sign-in: the grant is mcp-remote's, renewed once.
    assert!(!home.path().join("browser-opened").exists());
    assert_eq!(peer.stats()["authorizations"], 1);
    assert_eq!(peer.stats()["refreshes"], 1);
    // The cache holds no token any more; its registration stays for mcp-remote.
    assert!(!tokens_path.exists());
    assert!(std::fs::read_dir(&cache).unwrap().flatten().any(|e| {
        e.file_name()
            .to_string_lossy()
            .ends_with("_client_info.json")
    }));
    let scan = clients_json(home.path());
    assert!(
        !scan.to_string().contains("plaintext_token_cache"),
        "no cache left to report: {scan:#}"
    );

    // Latchkey hands out a working token (a new one: the refresh spent the cached copy).
    let token = with_home(home.path(), &["token", &url]).output().unwrap();
    assert!(token.status.success(), "{}", text(&token));
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    assert_ne!(token, cached_access);
    assert_eq!(mcp_status_with_token(&url, &token), 200);
    let list = with_home(home.path(), &["list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list["servers"][0]["status"], "connected", "{list:#}");

    // The client's entry runs the proxy, and the proxy works with the imported grant.
    let entry: Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    assert_eq!(
        entry["mcpServers"]["sdk"],
        json!({"command": "latchkey", "args": ["proxy", url]})
    );
    let proxy = latchkey_in(
        home.path(),
        &["proxy", &url],
        &session_lines("echo", r#"{"text":"imported"}"#),
    );
    let by_id = responses(&String::from_utf8_lossy(&proxy.stdout));
    assert_eq!(
        by_id["3"]["result"]["content"][0]["text"],
        "imported",
        "{}",
        text(&proxy)
    );
    assert!(!home.path().join("browser-opened").exists());
    assert_eq!(peer.stats()["authorizations"], 1);

    // Undo: every file back byte for byte, the token file owner-only as mcp-remote wrote it.
    let ids = undo_ids(&said);
    assert_eq!(ids.len(), 2, "the token file and the config: {said}");
    let mut restore = vec!["restore"];
    restore.extend(ids.iter().map(String::as_str));
    let undone = latchkey_in(home.path(), &restore, "");
    assert!(undone.status.success(), "{}", text(&undone));
    assert_eq!(std::fs::read(&tokens_path).unwrap(), original);
    assert_eq!(std::fs::read(&config).unwrap(), config_before);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&tokens_path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn revoke_instead_ends_the_cached_grant_at_its_server() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let home = tempfile::tempdir().unwrap();
    let cache = sign_in_with_mcp_remote(home.path(), &url);
    let (tokens_path, original) = tokens_file(&cache);
    let cached: Value = serde_json::from_slice(&original).unwrap();
    let access = cached["access_token"].as_str().unwrap().to_string();
    let config = home.path().join(".cursor/mcp.json");
    write_atomically(&config, &cursor_config(&url));
    assert_eq!(mcp_status_with_token(&url, &access), 200);

    let out = latchkey_in(
        home.path(),
        &[
            "import",
            "mcp-remote",
            "--revoke-instead",
            "--yes",
            "--json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["grants"][0]["server"], url, "{report:#}");
    assert_eq!(report["grants"][0]["result"], json!({"kind": "revoked"}));
    assert!(report["grants"][0]["backup"].is_i64(), "{report:#}");
    assert_eq!(
        report["entries"],
        json!([]),
        "the entries are left to the person"
    );

    assert!(peer.stats()["revocations"].as_i64().unwrap() >= 1);
    assert_eq!(
        mcp_status_with_token(&url, &access),
        401,
        "revoked at the server"
    );
    assert!(!tokens_path.exists());
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        cursor_config(&url),
        "the entry is unchanged"
    );
    let list = with_home(home.path(), &["list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        list["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] != "connected"),
        "nothing imported: {list:#}"
    );
}

/// Rewrite one field of mcp-remote's token file, keeping its format (2-space JSON).
fn set_field(path: &Path, key: &str, value: &str) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc[key] = json!(value);
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn a_refused_refresh_is_kept_as_needs_reconnect_and_a_foreign_issuer_is_never_sent_anything() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();

    // The cache names another authorization server: nothing is sent, nothing changes.
    let home = tempfile::tempdir().unwrap();
    let (tokens_path, _) = tokens_file(&sign_in_with_mcp_remote(home.path(), &url));
    let foreign = set_field(&tokens_path, "issuer", "https://as.evil.example");
    let refreshes = peer.stats()["refreshes"].clone();
    // No config names the server: `--server` does.
    let out = latchkey_in(home.path(), &["import", "mcp-remote", "--yes"], "");
    let said = text(&out);
    assert!(!out.status.success());
    assert!(said.contains("pass --server <url>"), "{said}");
    let out = latchkey_in(
        home.path(),
        &["import", "mcp-remote", "--yes", "--server", &url],
        "",
    );
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("the cache says https://as.evil.example issued these tokens"),
        "{said}"
    );
    assert!(said.contains("nothing was changed for it"), "{said}");
    assert_eq!(
        std::fs::read(&tokens_path).unwrap(),
        foreign,
        "left byte for byte"
    );
    assert_eq!(peer.stats()["refreshes"], refreshes, "no token request");

    // A refresh token the server no longer honours: imported, waiting for a sign-in.
    let home = tempfile::tempdir().unwrap();
    let (tokens_path, _) = tokens_file(&sign_in_with_mcp_remote(home.path(), &url));
    set_field(
        &tokens_path,
        "refresh_token",
        "not-a-refresh-token-the-server-knows",
    );
    let out = latchkey_in(
        home.path(),
        &["import", "mcp-remote", "--yes", "--server", &url],
        "",
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("imported, but its server refused to renew it"),
        "{said}"
    );
    assert!(
        said.contains(&format!("`latchkey connect {url}` signs in again")),
        "{said}"
    );
    assert!(
        !tokens_path.exists(),
        "the tokens left the cache all the same"
    );
    let list = with_home(home.path(), &["list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list["servers"][0]["status"], "needs_reconnect", "{list:#}");
}
