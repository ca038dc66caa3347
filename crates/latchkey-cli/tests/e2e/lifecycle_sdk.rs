//! The whole lifecycle against the MCP TypeScript SDK's auth server: connect, list, token,
//! silent refresh with rotation, revoke (RFC 7009), and the server sees the token dead.

use std::time::Duration;

use crate::support::*;

#[test]
fn connect_list_refresh_revoke_against_the_sdk_server() {
    lifecycle(&Latchkey::new(), &|| {});
}

/// Issue 6: the same lifecycle, unchanged, with every secret in the Unix password store.
#[test]
fn the_same_lifecycle_with_secrets_in_pass() {
    let pass = PassFixture::new();
    let lk = pass.latchkey();
    lifecycle(&lk, &|| {
        assert!(
            pass.entries().iter().any(|e| e.contains("/grant/")),
            "the grant's tokens are in the password store: {:?}",
            pass.entries()
        );
    });
    let doctor = lk.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("ok   secret backend: pass (LATCHKEY_BACKEND)")
            && doctor.stdout.contains("ok   pass: password store"),
        "{}",
        doctor.stdout
    );
    // Revoked: the grant's entry is gone from the store.
    assert!(
        pass.entries().iter().all(|e| !e.contains("/grant/")),
        "{:?}",
        pass.entries()
    );
}

/// Issue 6: the same lifecycle, unchanged, with every secret in OpenBao's KV v2 mount.
#[test]
fn the_same_lifecycle_with_secrets_in_openbao() {
    let bao = crate::openbao_server::Bao::dev();
    let lk = crate::openbao::in_openbao(&bao, None);
    lifecycle(&lk, &|| {
        assert!(
            bao.items("secret").iter().any(|i| i.ends_with("/grant/1")),
            "the grant's tokens are in OpenBao: {:?}",
            bao.items("secret")
        );
    });
    let doctor = lk.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("ok   secret backend: openbao (LATCHKEY_BACKEND)")
            && doctor
                .stdout
                .contains("ok   openbao: OpenBao at http://127.0.0.1:"),
        "{}",
        doctor.stdout
    );
    // Revoked: the grant's item is gone, every version of it.
    assert!(
        bao.items("secret").iter().all(|i| !i.contains("grant/")),
        "{:?}",
        bao.items("secret")
    );
}

/// `connected` runs right after the sign-in, to check where the tokens went.
fn lifecycle(lk: &Latchkey, connected: &dyn Fn()) {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[("ACCESS_TOKEN_TTL", "6")]);
    let url = peer.mcp_url();

    let connect = lk.run(&["connect", &url]);
    connect.ok();
    connected();
    assert!(
        connect
            .stdout
            .contains("Connected: scopes mcp:read mcp:write"),
        "{}",
        connect.stdout
    );
    assert!(
        connect.stdout.contains("refreshes automatically"),
        "{}",
        connect.stdout
    );

    let list = lk.list();
    let server = &list["servers"][0];
    assert_eq!(server["url"], url.as_str());
    assert_eq!(server["status"], "connected");
    assert_eq!(
        server["scopes"],
        serde_json::json!(["mcp:read", "mcp:write"])
    );
    assert_eq!(
        server["resource"],
        url.as_str(),
        "the PRM resource, exactly"
    );
    assert!(server["expires_at"].as_i64().unwrap() > 0);

    // RFC 8707: resource on authorize, code exchange (and later refresh), exactly as given.
    let stats = peer.stats();
    let resources: Vec<_> = stats["last_resource_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"].clone())
        .collect();
    assert!(
        resources.iter().all(|r| r == &serde_json::json!(url)),
        "{resources:?}"
    );

    let first = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &first), 200);
    // Cached: not due yet, so the same token comes back.
    let name = list["servers"][0]["name"].as_str().unwrap().to_string();
    let again = lk.run(&["token", &name]).ok().stdout.trim().to_string();
    assert_eq!(first, again, "a token that is not due is not refreshed");

    // Let it come due: the next call refreshes silently (rotation) and the new token works.
    std::thread::sleep(Duration::from_secs(4));
    let refreshed = lk.run(&["token", &url, "--json"]).ok().json();
    let second = refreshed["access_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(refreshed["refreshed"], true);
    assert_eq!(mcp_status_with_token(&url, &second), 200);
    let stats = peer.stats();
    assert_eq!(stats["refreshes"], 1);
    assert_eq!(stats["refresh_token_reuse_detected"], 0);
    assert_eq!(
        stats["last_resource_params"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["endpoint"],
        "token:refresh_token"
    );

    // Nothing secret reached the database or any file of the home.
    let files = lk.home_bytes();
    assert!(
        !contains(&files, &first) && !contains(&files, &second),
        "a token leaked into LATCHKEY_HOME"
    );

    // Revoke: at the server, then locally.
    let revoke = lk.run(&["revoke", &url]);
    revoke.ok();
    assert!(
        revoke
            .stdout
            .contains("Revoked at the authorization server"),
        "{}",
        revoke.stdout
    );
    assert_eq!(
        mcp_status_with_token(&url, &second),
        401,
        "the server must see the token revoked"
    );
    assert!(peer.stats()["revocations"].as_i64().unwrap() >= 1);
    assert_eq!(lk.list()["servers"][0]["status"], "not_connected");
    let token = lk.run(&["token", &url]);
    assert_eq!(token.code, 1);
    assert!(token.stderr.contains("not signed in"), "{}", token.stderr);
}

#[test]
fn no_browser_prints_the_url_and_waits() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    // A $BROWSER that must not run.
    let lk = Latchkey::new().with_env("BROWSER", "/bin/false");
    let mut child = lk
        .command(&["connect", &url, "--no-browser"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert_eq!(lines.next().unwrap().unwrap(), "Open this URL to sign in:");
    let auth_url = lines.next().unwrap().unwrap();
    assert!(
        auth_url.contains("code_challenge_method=S256"),
        "{auth_url}"
    );
    // The user opens it by hand.
    let followed = std::process::Command::new(repo_root().join("tests/browser/follow.sh"))
        .arg(&auth_url)
        .status()
        .unwrap();
    assert!(followed.success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success());
    assert!(
        rest.iter()
            .any(|l| l.starts_with("Connected: scopes mcp:read mcp:write")),
        "{rest:?}"
    );
}
