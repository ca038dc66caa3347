//! Issue 15, item 2: `latchkey import mcp-remote` moves the sign-ins a real mcp-remote made
//! (pinned in tests/clients, signed in to the SDK server) into Latchkey with no browser: the
//! cache loses its tokens (backed up), the clients' entries run `latchkey proxy`, and `latchkey
//! restore` puts every file back byte for byte. `--revoke-instead` ends them at the server.

use std::path::{Path, PathBuf};
use std::process::Output;

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
    let mut cmd = with_home(home, args);
    cmd.env("BROWSER", &browser)
        .env("LATCHKEY_SIGNIN_TIMEOUT", "10");
    output_with_input(cmd, input)
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

/// A real sign-in's tokens and registration: mcp-remote signs in to the SDK server, and its
/// cache folder is then removed (each client's file below is written from these values).
struct RealGrant {
    access: String,
    refresh: String,
    expires_ms: i64,
    scope: String,
    client_id: String,
    issuer: String,
}

fn real_grant(home: &Path, url: &str) -> RealGrant {
    let cache = sign_in_with_mcp_remote(home, url);
    let (path, bytes) = tokens_file(&cache);
    let tokens: Value = serde_json::from_slice(&bytes).unwrap();
    let hash = path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace("_tokens.json", "");
    let client: Value = serde_json::from_slice(
        &std::fs::read(cache.join(format!("{hash}_client_info.json"))).unwrap(),
    )
    .unwrap();
    std::fs::remove_dir_all(home.join(".mcp-auth")).unwrap();
    RealGrant {
        access: tokens["access_token"].as_str().unwrap().into(),
        refresh: tokens["refresh_token"].as_str().unwrap().into(),
        expires_ms: tokens["expires_at"].as_i64().unwrap(),
        scope: tokens["scope"].as_str().unwrap_or_default().into(),
        client_id: client["client_id"].as_str().unwrap().into(),
        issuer: tokens["issuer"].as_str().unwrap().into(),
    }
}

/// Write a client's token file (owner-only, as these clients make it) and its config entry.
fn write_client_files(
    home: &Path,
    client: &str,
    url: &str,
    g: &RealGrant,
    token_url: &str,
) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let later = g.expires_ms + 86_400_000; // the person's own Claude login
    let (cache, text, config, config_text) = match client {
        // Claude Code: compact JSON.stringify, the login beside the grants, the same server under
        // a second key (a stub), milliseconds.
        "claude-code" => (
            home.join(".claude/.credentials.json"),
            json!({
                "claudeAiOauth": {"accessToken": "sk-ant-oat01-LOGIN", "refreshToken": "sk-ant-ort01-LOGIN",
                    "expiresAt": later, "scopes": ["user:inference"]},
                "mcpOAuth": {
                    "sdk|0f1e2d3c4b5a6978": {"serverName": "sdk", "serverUrl": url,
                        "accessToken": g.access, "refreshToken": g.refresh, "expiresAt": g.expires_ms,
                        "scope": g.scope, "clientId": g.client_id,
                        "discoveryState": {"authorizationServerUrl": g.issuer}},
                    "sdk|a1b2c3d4e5f60718": {"serverName": "sdk", "serverUrl": url,
                        "accessToken": "", "expiresAt": 0}
                }
            })
            .to_string(),
            home.join(".claude.json"),
            json!({"mcpServers": {"sdk": {"type": "http", "url": url}}}).to_string(),
        ),
        // Codex: compact, sorted keys, another server's dead entry that must stay.
        "codex" => (
            home.join(".codex/.credentials.json"),
            json!({
                "other|4282f2a9112820d2": {"server_name": "other", "server_url": "https://other.example/mcp",
                    "client_id": "o", "access_token": "CODEX-DEAD", "expires_at": 1000, "refresh_token": null,
                    "scopes": []},
                "sdk|a61b5eaf39b93a51": {"server_name": "sdk", "server_url": url, "client_id": g.client_id,
                    "access_token": g.access, "expires_at": g.expires_ms, "refresh_token": g.refresh,
                    "scopes": g.scope.split_whitespace().collect::<Vec<_>>()}
            })
            .to_string(),
            home.join(".codex/config.toml"),
            format!("# my servers\n[mcp_servers.sdk]\nurl = \"{url}\"\n"),
        ),
        // Gemini CLI: a pretty array, no server URL (named by settings.json), its token URL, and
        // another server's expired entry that must stay.
        "gemini-cli" => (
            home.join(".gemini/mcp-oauth-tokens.json"),
            serde_json::to_string_pretty(&json!([
                {"serverName": "other", "token": {"accessToken": "GEMINI-OTHER", "tokenType": "Bearer",
                    "expiresAt": 1000}, "updatedAt": 1},
                {"serverName": "sdk", "token": {"accessToken": g.access, "tokenType": "Bearer",
                    "refreshToken": g.refresh, "scope": g.scope, "expiresAt": g.expires_ms},
                 "clientId": g.client_id, "tokenUrl": token_url, "updatedAt": 2}
            ]))
            .unwrap(),
            home.join(".gemini/settings.json"),
            json!({"mcpServers": {"sdk": {"httpUrl": url}}}).to_string(),
        ),
        // opencode: pretty, keyed by name, seconds (fractional), the registration kept.
        "opencode" => (
            home.join(".local/share/opencode/mcp-auth.json"),
            serde_json::to_string_pretty(&json!({
                "sdk": {"clientInfo": {"clientId": g.client_id},
                    "tokens": {"accessToken": g.access, "refreshToken": g.refresh,
                        "expiresAt": g.expires_ms as f64 / 1000.0 + 0.25, "scope": g.scope},
                    "serverUrl": url}
            }))
            .unwrap(),
            home.join(".config/opencode/opencode.json"),
            json!({"mcp": {"sdk": {"type": "remote", "url": url}}}).to_string(),
        ),
        // Copilot CLI: the registration and the tokens side by side under one hash, seconds.
        "copilot-cli" => {
            let dir = home.join(".copilot/mcp-oauth-config");
            write_atomically(
                &dir.join("5d41402abc4b2a76.json"),
                &json!({"serverUrl": url, "authorizationServerUrl": g.issuer,
                    "clientId": g.client_id, "redirectUri": "http://127.0.0.1:43123/"})
                .to_string(),
            );
            (
                dir.join("5d41402abc4b2a76.tokens.json"),
                json!({"accessToken": g.access, "expiresAt": g.expires_ms / 1000,
                    "refreshToken": g.refresh, "scope": g.scope})
                .to_string(),
                home.join(".copilot/mcp-config.json"),
                json!({"mcpServers": {"sdk": {"type": "http", "url": url}}}).to_string(),
            )
        }
        other => panic!("{other}"),
    };
    write_atomically(&cache, &text);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o600)).unwrap();
    write_atomically(&config, &config_text);
    cache
}

/// What each client's file must look like once its tokens are gone, as that client leaves it.
fn assert_tokens_gone(client: &str, cache: &Path, before: &str, g: &RealGrant) {
    let after = std::fs::read_to_string(cache).unwrap_or_default();
    assert!(
        !after.contains(&g.access) && !after.contains(&g.refresh),
        "{client}: {after}"
    );
    let old: Value = serde_json::from_str(before).unwrap();
    match client {
        "claude-code" => {
            let now: Value = serde_json::from_str(&after).unwrap();
            assert!(!after.contains('\n'), "compact, as Claude Code writes it");
            assert_eq!(
                now["claudeAiOauth"], old["claudeAiOauth"],
                "the login stays"
            );
            let e = &now["mcpOAuth"]["sdk|0f1e2d3c4b5a6978"];
            assert_eq!(e["accessToken"], "");
            assert_eq!(e["expiresAt"], 0);
            assert!(e.get("refreshToken").is_none());
            assert_eq!(
                e["clientId"],
                g.client_id.as_str(),
                "the registration stays"
            );
        }
        "codex" => {
            let now: Value = serde_json::from_str(&after).unwrap();
            assert_eq!(
                now,
                json!({"other|4282f2a9112820d2": old["other|4282f2a9112820d2"]}),
                "only that entry goes"
            );
            assert!(!after.contains('\n'));
        }
        "gemini-cli" => {
            let now: Value = serde_json::from_str(&after).unwrap();
            assert_eq!(now, json!([old[0]]));
            assert_eq!(
                after,
                serde_json::to_string_pretty(&now).unwrap(),
                "2-space JSON"
            );
        }
        "opencode" => {
            let now: Value = serde_json::from_str(&after).unwrap();
            assert_eq!(
                now,
                json!({"sdk": {"clientInfo": {"clientId": g.client_id}, "serverUrl": old["sdk"]["serverUrl"]}})
            );
        }
        "copilot-cli" => {
            assert!(!cache.exists(), "the token file is deleted");
            assert!(
                cache.with_file_name("5d41402abc4b2a76.json").exists(),
                "the registration stays"
            );
        }
        _ => unreachable!(),
    }
}

#[test]
fn each_clients_token_file_is_imported_and_left_as_that_client_leaves_it() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let issuer = peer.ready["issuer"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let metadata = curl_json(
        "GET",
        &format!("{issuer}/.well-known/oauth-authorization-server"),
    );
    let token_url = metadata["token_endpoint"].as_str().unwrap().to_string();
    for client in [
        "claude-code",
        "codex",
        "gemini-cli",
        "opencode",
        "copilot-cli",
    ] {
        // A grant of its own for each: the SDK server revokes a grant whose refresh token is
        // used twice.
        let home = tempfile::tempdir().unwrap();
        let g = real_grant(home.path(), &url);
        let cache = write_client_files(home.path(), client, &url, &g, &token_url);
        let before = std::fs::read_to_string(&cache).unwrap();
        let configs: Vec<(PathBuf, Vec<u8>)> = [
            ".claude.json",
            ".codex/config.toml",
            ".gemini/settings.json",
            ".config/opencode/opencode.json",
            ".copilot/mcp-config.json",
        ]
        .iter()
        .map(|p| home.path().join(p))
        .filter(|p| p.exists())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
        let refreshes = peer.stats()["refreshes"].as_i64().unwrap();

        let out = latchkey_in(home.path(), &["import", client, "--yes"], "");
        let said = text(&out);
        assert!(out.status.success(), "{client}: {said}");
        assert!(
            said.contains(&format!("{url}: imported, and renewed just now")),
            "{client}: {said}"
        );
        assert!(
            said.contains("sdk now runs `latchkey proxy`"),
            "{client}: {said}"
        );
        assert!(
            !said.contains(&g.access) && !said.contains(&g.refresh),
            "{client}: a token was printed"
        );
        assert_eq!(
            peer.stats()["refreshes"].as_i64().unwrap(),
            refreshes + 1,
            "{client}"
        );
        assert!(!home.path().join("browser-opened").exists(), "{client}");
        assert_tokens_gone(client, &cache, &before, &g);
        let token = with_home(home.path(), &["token", &url]).output().unwrap();
        let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
        assert_eq!(mcp_status_with_token(&url, &token), 200, "{client}");
        let (config, _) = &configs[0];
        let rewritten = std::fs::read_to_string(config).unwrap();
        assert!(rewritten.contains("proxy"), "{client}: {rewritten}");
        if client == "codex" {
            assert!(
                rewritten.starts_with("# my servers\n"),
                "comments kept: {rewritten}"
            );
        }

        // Undo puts the token file and the config back byte for byte.
        let ids = undo_ids(&said);
        let mut restore = vec!["restore"];
        restore.extend(ids.iter().map(String::as_str));
        let undone = latchkey_in(home.path(), &restore, "");
        assert!(undone.status.success(), "{client}: {}", text(&undone));
        assert_eq!(std::fs::read_to_string(&cache).unwrap(), before, "{client}");
        for (path, bytes) in &configs {
            assert_eq!(
                &std::fs::read(path).unwrap(),
                bytes,
                "{client}: {}",
                path.display()
            );
        }
    }
}
