//! Issue 13: sign-ins with no browser beside you, against panva's oidc-provider (a real
//! authorization server) with machine clients registered beforehand, as an operator would:
//! the client credentials grant with a secret (`client_secret_basic`) and with a key
//! (`private_key_jwt`), and workload identity federation (RFC 7523 JWT-bearer grant, the
//! workload's JWT in a file its platform rotates). No browser ever opens; renewal asks again;
//! bad credentials store nothing. The conformance suite's `auth/client-credentials-*` and
//! `auth/wif-jwt-bearer` scenarios run in `tests/conformance/run.sh`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

/// An access-token lifetime short enough to renew in the test (due at half of it).
const TTL: &str = "6";

fn machine_clients(peer: &Peer) -> Value {
    curl_json("GET", &peer.admin("/machine-clients"))
}

/// A workload JWT from the peer's workload platform, written to `path` as the platform would.
fn write_workload_jwt(peer: &Peer, path: &Path, query: &str) {
    let jwt = curl_json("POST", &peer.admin(&format!("/workload-jwt?{query}")));
    std::fs::write(path, jwt["jwt"].as_str().unwrap()).unwrap();
}

/// A Latchkey whose `$BROWSER` only counts: nothing here may open one.
fn no_browser_latchkey() -> (Latchkey, PathBuf) {
    let lk = Latchkey::new();
    let (browser, counter) = lk.counting_browser(0);
    (lk.with_env("BROWSER", browser.to_str().unwrap()), counter)
}

fn only_grant(lk: &Latchkey) -> Value {
    let list = lk.list();
    let grants = list["servers"][0]["grants"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(grants.len(), 1, "{list}");
    grants[0].clone()
}

fn no_grants(lk: &Latchkey) -> bool {
    lk.list()["servers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["grants"].as_array().unwrap().is_empty())
}

fn call_echo(lk: &Latchkey, url: &str, text: &str) -> Value {
    let run = lk.run_with_stdin(
        &["proxy", url],
        &session_lines("echo", &format!(r#"{{"text":"{text}"}}"#)),
    );
    run.ok();
    responses(&run.stdout)["3"].clone()
}

#[test]
fn client_credentials_with_a_secret_connect_renew_and_revoke_without_a_browser() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("ACCESS_TOKEN_TTL", TTL)]);
    let url = peer.mcp_url();
    let clients = machine_clients(&peer);
    let (id, secret) = (
        clients["basic"]["client_id"].as_str().unwrap(),
        clients["basic"]["client_secret"].as_str().unwrap(),
    );
    let (lk, browser_count) = no_browser_latchkey();

    let connect = lk.run_with_stdin(
        &[
            "connect",
            &url,
            "--client-credentials",
            "--client-id",
            id,
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    connect.ok();
    assert!(
        connect.stdout.contains("client credentials")
            && connect.stdout.contains("without a browser"),
        "{}",
        connect.stdout
    );
    let grant = only_grant(&lk);
    assert_eq!(grant["obtained_by"], "client_credentials", "{grant}");
    assert_eq!(grant["status"], "connected", "{grant}");
    assert_eq!(grant["has_refresh_token"], false, "{grant}");

    // Through the proxy: the MCP server introspects the token at the AS.
    let answer = call_echo(&lk, &url, "machine");
    assert_eq!(
        answer["result"]["content"][0]["text"], "machine",
        "{answer}"
    );

    // Renewal: no refresh token, so Latchkey asks again with the client's secret.
    let t1 = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    std::thread::sleep(Duration::from_secs(4));
    let t2 = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_ne!(t1, t2, "a due token is renewed");
    assert_eq!(mcp_status_with_token(&url, &t2), 200);
    let stats = peer.stats();
    assert!(
        stats["machine_tokens_issued"].as_i64().unwrap() >= 2,
        "{stats}"
    );
    assert_eq!(
        stats["authorizations"], 0,
        "no authorization request: {stats}"
    );

    // Revoke at the server (RFC 7009, authenticated as the client), then locally.
    lk.run(&["revoke", &url]).ok();
    let introspect = curl_json("GET", &peer.admin(&format!("/introspect?token={t2}")));
    assert_eq!(introspect["active"], false, "{introspect}");
    assert!(no_grants(&lk));

    assert!(!browser_count.exists(), "a browser was opened");
    assert!(
        !contains(&lk.home_bytes(), secret),
        "the client secret is in a file of the home"
    );
}

#[test]
fn client_credentials_with_a_private_key_renew_after_the_key_file_is_gone() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("ACCESS_TOKEN_TTL", TTL)]);
    let url = peer.mcp_url();
    let clients = machine_clients(&peer);
    let id = clients["jwt"]["client_id"].as_str().unwrap();
    let pem = clients["jwt"]["private_key_pem"].as_str().unwrap();
    let files = tempfile::tempdir().unwrap();
    let key_file = files.path().join("client.pem");
    std::fs::write(&key_file, pem).unwrap();
    let (lk, browser_count) = no_browser_latchkey();

    lk.run(&[
        "connect",
        &url,
        "--client-credentials",
        "--client-id",
        id,
        "--private-key-file",
        key_file.to_str().unwrap(),
        "--signing-alg",
        "ES256",
    ])
    .ok();
    assert_eq!(only_grant(&lk)["obtained_by"], "client_credentials");
    let answer = call_echo(&lk, &url, "signed");
    assert_eq!(answer["result"]["content"][0]["text"], "signed", "{answer}");

    // The key was read once: renewal signs with the copy in the secret store.
    std::fs::remove_file(&key_file).unwrap();
    let t1 = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    std::thread::sleep(Duration::from_secs(4));
    let t2 = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_ne!(t1, t2);
    assert_eq!(mcp_status_with_token(&url, &t2), 200);
    assert!(!browser_count.exists(), "a browser was opened");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(
        !contains(&lk.home_bytes(), &body[..40]),
        "the private key is in a file of the home"
    );
}

#[test]
fn a_workload_grant_reads_its_jwt_again_at_every_renewal() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("ACCESS_TOKEN_TTL", TTL)]);
    let url = peer.mcp_url();
    let id = machine_clients(&peer)["workload"]["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let files = tempfile::tempdir().unwrap();
    let jwt_file = files.path().join("token");
    write_workload_jwt(&peer, &jwt_file, "exp_in=600");
    let (lk, browser_count) = no_browser_latchkey();

    let connect = lk.run(&[
        "connect",
        &url,
        "--client-id",
        &id,
        "--workload-token-file",
        jwt_file.to_str().unwrap(),
    ]);
    connect.ok();
    assert!(
        connect.stdout.contains("workload identity"),
        "{}",
        connect.stdout
    );
    assert_eq!(only_grant(&lk)["obtained_by"], "workload");
    let answer = call_echo(&lk, &url, "workload");
    assert_eq!(
        answer["result"]["content"][0]["text"], "workload",
        "{answer}"
    );

    // The platform's JWT expired and was not rotated: the renewal is refused as it is
    // (invalid_grant), the grant waits, and the same JWT is not sent again.
    write_workload_jwt(&peer, &jwt_file, "exp_in=-60");
    let before = peer.stats()["token_errors"].as_i64().unwrap();
    let refresh = lk.run(&["refresh", &url]);
    assert_ne!(refresh.code, 0, "{}", refresh.stdout);
    assert!(
        format!("{}{}", refresh.stdout, refresh.stderr).contains("invalid_grant"),
        "{}\n{}",
        refresh.stdout,
        refresh.stderr
    );
    assert_eq!(only_grant(&lk)["status"], "needs_reconnect");
    assert_eq!(peer.stats()["token_errors"].as_i64().unwrap(), before + 1);
    let again = lk.run(&["refresh", &url]);
    assert_ne!(again.code, 0);
    assert_eq!(
        peer.stats()["token_errors"].as_i64().unwrap(),
        before + 1,
        "the refused JWT was sent again"
    );

    // The platform writes a new JWT: the next renewal uses it and the grant is whole again.
    std::thread::sleep(Duration::from_millis(1100)); // a newer modification time
    write_workload_jwt(&peer, &jwt_file, "exp_in=600");
    let token = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert_eq!(mcp_status_with_token(&url, &token), 200);
    assert_eq!(only_grant(&lk)["status"], "connected");
    assert!(!browser_count.exists(), "a browser was opened");
}

#[test]
fn bad_machine_credentials_get_clear_errors_and_store_nothing() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[]);
    let url = peer.mcp_url();
    let clients = machine_clients(&peer);
    let files = tempfile::tempdir().unwrap();
    let (lk, browser_count) = no_browser_latchkey();
    let file = |name: &str, text: &str| {
        let p = files.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };

    // A wrong secret: the server's own words, no grant, no client kept.
    let wrong = lk.run_with_stdin(
        &[
            "connect",
            &url,
            "--client-credentials",
            "--client-id",
            "machine-basic",
            "--client-secret-stdin",
        ],
        "not-the-secret\n",
    );
    assert_eq!(wrong.code, 1, "{}", wrong.stdout);
    assert!(wrong.stderr.contains("invalid_client"), "{}", wrong.stderr);

    // A key file that is no key, or a key of another type than --signing-alg says: refused
    // before anything is sent.
    let errors_before = peer.stats()["token_errors"].clone();
    let cert = file(
        "cert.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    let pem = file(
        "client.pem",
        clients["jwt"]["private_key_pem"].as_str().unwrap(),
    );
    for (args, words) in [
        (
            vec!["--private-key-file", cert.as_str()],
            "no PEM private key",
        ),
        (
            vec!["--private-key-file", pem.as_str(), "--signing-alg", "RS256"],
            "does not fit the key",
        ),
    ] {
        let mut all = vec![
            "connect",
            &url,
            "--client-credentials",
            "--client-id",
            "machine-jwt",
        ];
        all.extend(args);
        let run = lk.run(&all);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(run.stderr.contains(words), "{words}: {}", run.stderr);
    }
    assert_eq!(
        peer.stats()["token_errors"],
        errors_before,
        "a bad key file reached the server"
    );

    // Workload JWTs that are expired, for another audience, or not there at all.
    let expired = files.path().join("expired");
    write_workload_jwt(&peer, &expired, "exp_in=-60");
    let other_audience = files.path().join("aud");
    write_workload_jwt(&peer, &other_audience, "aud=https://elsewhere.example");
    let missing = files.path().join("missing");
    for (path, words) in [
        (&expired, "invalid_grant"),
        (&other_audience, "invalid_grant"),
        (&missing, "cannot read the workload token file"),
    ] {
        let run = lk.run(&[
            "connect",
            &url,
            "--client-id",
            "machine-workload",
            "--workload-token-file",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stderr.contains(words),
            "{}: {}",
            path.display(),
            run.stderr
        );
    }

    // The CLI refuses what cannot make a machine grant before it starts.
    let no_secret = lk.run(&[
        "connect",
        &url,
        "--client-credentials",
        "--client-id",
        "machine-basic",
    ]);
    assert_ne!(no_secret.code, 0);
    assert!(
        no_secret.stderr.contains("--client-secret-stdin"),
        "{}",
        no_secret.stderr
    );

    assert!(no_grants(&lk));
    assert!(
        !contains(&lk.home_bytes(), "machine-basic") && !contains(&lk.home_bytes(), "machine-jwt"),
        "a refused client was kept"
    );
    assert!(!browser_count.exists(), "a browser was opened");
}
