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

/// A command with its standard input, output and error piped to the test, started.
fn spawn_piped(command: &mut std::process::Command) -> std::process::Child {
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// The token once it is due again (the peers' tokens live 6 s): a new one, which works.
fn renewed_token(lk: &Latchkey, url: &str) -> String {
    let t1 = lk.run(&["token", url]).ok().stdout.trim().to_string();
    std::thread::sleep(Duration::from_secs(4));
    let t2 = lk.run(&["token", url]).ok().stdout.trim().to_string();
    assert_ne!(t1, t2, "a due token is renewed");
    assert_eq!(mcp_status_with_token(url, &t2), 200);
    t2
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
    assert_eq!(grant["dpop_bound"], false, "{grant}");
    assert_eq!(grant["status"], "connected", "{grant}");
    assert_eq!(grant["has_refresh_token"], false, "{grant}");

    // Through the proxy: the MCP server introspects the token at the AS.
    let answer = call_echo(&lk, &url, "machine");
    assert_eq!(
        answer["result"]["content"][0]["text"], "machine",
        "{answer}"
    );

    // Renewal: no refresh token, so Latchkey asks again with the client's secret.
    let t2 = renewed_token(&lk, &url);
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
    renewed_token(&lk, &url);
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

/// The address a browser on another machine ends at: the authorization server's redirect,
/// taken without following it (that browser cannot reach this machine's loopback).
fn redirect_without_following(auth_url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "%{redirect_url}",
            auth_url,
        ])
        .output()
        .unwrap();
    let location = String::from_utf8(out.stdout).unwrap();
    assert!(location.contains("/callback?"), "{location}");
    location
}

#[test]
fn a_pasted_address_finishes_the_sign_in_and_a_wrong_one_gets_another_try() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let (lk, browser_count) = no_browser_latchkey();
    let mut child = spawn_piped(&mut lk.command(&["connect", &url, "--no-browser"]));
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert_eq!(lines.next().unwrap().unwrap(), "Open this URL to sign in:");
    let auth_url = lines.next().unwrap().unwrap();

    // The person signs in elsewhere; the redirect never reaches this machine.
    let location = redirect_without_following(&auth_url);
    let port: u16 = url::Url::parse(&location).unwrap().port().unwrap();
    // First a paste from another sign-in (another state), and some noise: refused with words.
    let mut wrong = url::Url::parse(&location).unwrap();
    let kept: Vec<(String, String)> = wrong
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "an-older-sign-in".into())
            } else {
                (k, v)
            }
        })
        .collect();
    wrong.query_pairs_mut().clear().extend_pairs(kept);
    use std::io::Write;
    writeln!(stdin, "not an address").unwrap();
    writeln!(stdin, "{wrong}").unwrap();
    writeln!(stdin, "{location}").unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let out = wait_with_timeout(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{rest:?}\n{stderr}");
    assert!(
        !stderr.contains("--device"),
        "no code sign-in offered here: {stderr}"
    );
    assert!(
        rest.iter()
            .any(|l| l.starts_with("Connected: scopes mcp:read mcp:write")),
        "{rest:?}"
    );
    assert_eq!(
        stderr.matches("That was not accepted").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("another or an older sign-in"), "{stderr}");
    assert!(
        !stderr.contains("code="),
        "the pasted code was echoed: {stderr}"
    );
    // Nothing ever reached the loopback listener (the redirect was never followed), and it is
    // closed now: the code came by paste.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(!browser_count.exists(), "a browser was opened");

    let answer = call_echo(&lk, &url, "pasted");
    assert_eq!(answer["result"]["content"][0]["text"], "pasted", "{answer}");
}

/// No display (an SSH session, a container): nothing tries to open a browser. The proxy's
/// client gets an error naming the command that signs in from a terminal, at once, and the
/// notice comes once per session; `connect` shows the address as `--no-browser` does.
#[test]
fn without_a_display_the_proxy_names_the_command_and_connect_shows_the_address() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let headless = [
        ("BROWSER", ""),
        ("DISPLAY", ""),
        ("WAYLAND_DISPLAY", ""),
        ("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22"),
    ];
    let started = std::time::Instant::now();
    let (child, mut stdin, rx) = live_proxy(&lk, &url, &headless);
    use std::io::Write;
    writeln!(stdin, "{INITIALIZE}").unwrap();
    let first = answer_to(&rx, 1, Duration::from_secs(20));
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{{}}}}"#
    )
    .unwrap();
    let second = answer_to(&rx, 2, Duration::from_secs(20));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let command = format!("latchkey connect {url} --no-browser");
    for answer in [&first, &second] {
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(&command), "{answer}");
        assert!(message.contains("SSH session has no display"), "{answer}");
    }
    drop(stdin);
    let out = wait_with_timeout(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("no browser can open").count(), 1, "{stderr}");
    assert_eq!(peer.stats()["authorizations"], 0, "{}", peer.stats());

    // `connect` in the same session prints the address to open elsewhere, and waits.
    let mut connect = lk.command(&["connect", &url]);
    for (k, v) in headless {
        connect.env(k, v);
    }
    let mut connect = spawn_piped(&mut connect);
    let mut lines =
        std::io::BufRead::lines(std::io::BufReader::new(connect.stdout.take().unwrap()));
    assert_eq!(lines.next().unwrap().unwrap(), "Open this URL to sign in:");
    let auth_url = lines.next().unwrap().unwrap();
    writeln!(
        connect.stdin.take().unwrap(),
        "{}",
        redirect_without_following(&auth_url)
    )
    .unwrap();
    let out = wait_with_timeout(connect, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("No browser can open here"), "{stderr}");
}

/// DPoP against oidc-provider (which binds tokens when the token request carries a proof) and
/// an MCP server that takes only DPoP-bound tokens: the sign-in binds the grant to a key of
/// its own, the proxy proves possession on every request, a refresh keeps the binding, the
/// token alone is refused, and `latchkey token` says why.
#[test]
fn dpop_bound_grants_against_oidc_provider() {
    let peer = Peer::start(
        "tests/peers/oidc-server.mjs",
        &[("ACCESS_TOKEN_TTL", TTL), ("DPOP", "1")],
    );
    let url = peer.mcp_url();
    let shots = tempfile::tempdir().unwrap();
    let lk = Latchkey::new()
        .with_env(
            "BROWSER",
            repo_root()
                .join("tests/browser/approve.sh")
                .to_str()
                .unwrap(),
        )
        .with_env("SCREENSHOT_DIR", shots.path().to_str().unwrap());
    lk.run(&["connect", &url]).ok();

    let answer = call_echo(&lk, &url, "bound");
    assert_eq!(answer["result"]["content"][0]["text"], "bound", "{answer}");
    assert_eq!(only_grant(&lk)["dpop_bound"], true);
    let stats = peer.stats();
    assert!(stats["dpop_requests"].as_i64().unwrap() >= 1, "{stats}");

    // The token alone: refused by the server, and `latchkey token` will not hand it out bare.
    let bare = lk.run(&["token", &url]);
    assert_eq!(bare.code, 1, "{}", bare.stdout);
    assert!(
        bare.stderr.contains("DPoP") && bare.stderr.contains("latchkey proxy"),
        "{}",
        bare.stderr
    );
    let json = lk
        .run(&["token", &url, "--json", "--dpop-proof", "POST", &url])
        .ok()
        .json();
    assert_eq!(json["token_type"], "DPoP", "{json}");
    let token = json["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        mcp_status_with_token(&url, &token),
        401,
        "a bound token worked without its proof"
    );
    let introspect = curl_json("GET", &peer.admin(&format!("/introspect?token={token}")));
    assert!(introspect["cnf"]["jkt"].is_string(), "{introspect}");

    // A refresh keeps the binding (same key): the proxy's calls go on working.
    std::thread::sleep(Duration::from_secs(4));
    lk.run(&["refresh", &url]).ok();
    let after = lk
        .run(&["token", &url, "--json", "--dpop-proof", "POST", &url])
        .ok()
        .json();
    assert_ne!(after["access_token"], json["access_token"]);
    let renewed = curl_json(
        "GET",
        &peer.admin(&format!(
            "/introspect?token={}",
            after["access_token"].as_str().unwrap()
        )),
    );
    assert_eq!(renewed["cnf"]["jkt"], introspect["cnf"]["jkt"], "{renewed}");
    let answer = call_echo(&lk, &url, "still bound");
    assert_eq!(
        answer["result"]["content"][0]["text"], "still bound",
        "{answer}"
    );
    assert_eq!(peer.stats()["refresh_token_reuse_detected"], 0);

    lk.run(&["revoke", &url]).ok();
    let gone = curl_json(
        "GET",
        &peer.admin(&format!(
            "/introspect?token={}",
            after["access_token"].as_str().unwrap()
        )),
    );
    assert_eq!(gone["active"], false, "{gone}");
}

/// Enterprise-managed authorization (SEP-990) with oidc-provider playing both the company
/// identity provider (token exchange for an ID-JAG) and the MCP authorization server
/// (JWT-bearer grant): one sign-in at the provider, no browser per server, renewal repeats
/// the chain, and forgetting the provider marks the grants that came through it.
/// `connect --via-idp` as the oidc peer's MCP client `machine-xaa` (its secret on stdin).
fn connect_via_idp(lk: &Latchkey, url: &str, issuer: &str, secret: &str) -> Run {
    lk.run_with_stdin(
        &[
            "connect",
            url,
            "--via-idp",
            issuer,
            "--client-id",
            "machine-xaa",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    )
}

#[test]
fn a_grant_via_the_company_identity_provider_renews_through_it() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("ACCESS_TOKEN_TTL", TTL)]);
    let url = peer.mcp_url();
    let issuer = peer.ready["issuer"].as_str().unwrap().to_string();
    let clients = machine_clients(&peer);
    let secret = clients["xaa"]["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let files = tempfile::tempdir().unwrap();
    let id_token_file = files.path().join("id-token");
    let write_id_token = |exp_in: i64| {
        let t = curl_json("POST", &peer.admin(&format!("/id-token?exp_in={exp_in}")));
        std::fs::write(&id_token_file, t["id_token"].as_str().unwrap()).unwrap();
    };
    let (lk, browser_count) = no_browser_latchkey();
    let via = |lk: &Latchkey| connect_via_idp(lk, &url, &issuer, &secret);

    // Before the provider is kept: words saying what to run.
    let early = via(&lk);
    assert_eq!(early.code, 1);
    assert!(
        early.stderr.contains("latchkey idp connect"),
        "{}",
        early.stderr
    );

    write_id_token(-60);
    lk.run(&[
        "idp",
        "connect",
        &issuer,
        "--client-id",
        "idp-client",
        "--id-token-file",
        id_token_file.to_str().unwrap(),
    ])
    .ok();
    // An expired ID token: the provider refuses the exchange, nothing is stored.
    let refused = via(&lk);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("invalid_grant"),
        "{}",
        refused.stderr
    );
    assert!(no_grants(&lk));

    write_id_token(3600);
    let connect = via(&lk);
    connect.ok();
    assert!(
        connect.stdout.contains(&format!("via {issuer}")),
        "{}",
        connect.stdout
    );
    let grant = only_grant(&lk);
    assert_eq!(grant["obtained_by"], "via_idp", "{grant}");
    assert_eq!(grant["via_idp"], issuer.as_str(), "{grant}");
    let answer = call_echo(&lk, &url, "enterprise");
    assert_eq!(
        answer["result"]["content"][0]["text"], "enterprise",
        "{answer}"
    );

    // Renewal asks the provider for a new assertion and redeems it.
    renewed_token(&lk, &url);
    let stats = peer.stats();
    assert!(stats["id_jags_issued"].as_i64().unwrap() >= 2, "{stats}");
    assert!(stats["id_jags_redeemed"].as_i64().unwrap() >= 2, "{stats}");
    assert_eq!(stats["authorizations"], 0, "no browser sign-in: {stats}");
    let idps = lk.run(&["idp", "list", "--json"]).ok().json();
    assert_eq!(idps["idps"][0]["grants"], 1, "{idps}");

    // Forgetting the provider: its grants wait for a reconnect, with words.
    lk.run(&["idp", "rm", &issuer]).ok();
    assert_eq!(only_grant(&lk)["status"], "needs_reconnect");
    std::thread::sleep(Duration::from_secs(3));
    let after = lk.run(&["token", &url]);
    assert_eq!(after.code, 1, "{}", after.stdout);
    assert!(
        after.stderr.contains("identity provider"),
        "{}",
        after.stderr
    );
    assert!(!browser_count.exists(), "a browser was opened");
    assert!(
        !contains(&lk.home_bytes(), &secret),
        "the client secret is in a file of the home"
    );
}

/// A grant without a person is bound too when both servers want DPoP: the client credentials
/// request carries a proof, the proxy proves the key, and renewal keeps the same key.
#[test]
fn client_credentials_are_dpop_bound_where_the_server_takes_only_dpop() {
    let peer = Peer::start(
        "tests/peers/oidc-server.mjs",
        &[("ACCESS_TOKEN_TTL", TTL), ("DPOP", "1")],
    );
    let url = peer.mcp_url();
    let clients = machine_clients(&peer);
    let (id, secret) = (
        clients["basic"]["client_id"].as_str().unwrap(),
        clients["basic"]["client_secret"].as_str().unwrap(),
    );
    let (lk, _) = no_browser_latchkey();
    lk.run_with_stdin(
        &[
            "connect",
            &url,
            "--client-credentials",
            "--client-id",
            id,
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    )
    .ok();
    let answer = call_echo(&lk, &url, "bound machine");
    assert_eq!(
        answer["result"]["content"][0]["text"], "bound machine",
        "{answer}"
    );
    let proof_of = |lk: &Latchkey| {
        let json = lk
            .run(&["token", &url, "--json", "--dpop-proof", "POST", &url])
            .ok()
            .json();
        let token = json["access_token"].as_str().unwrap().to_string();
        curl_json("GET", &peer.admin(&format!("/introspect?token={token}")))["cnf"]["jkt"].clone()
    };
    let jkt = proof_of(&lk);
    assert!(jkt.is_string(), "the token is bound");
    std::thread::sleep(Duration::from_secs(4));
    lk.run(&["refresh", &url]).ok();
    assert_eq!(proof_of(&lk), jkt, "renewal keeps the key");
    assert!(peer.stats()["dpop_requests"].as_i64().unwrap() >= 1);
}

/// `connect --device`: the code and address on stdout, and the connect waiting until the
/// approval (or the refusal, or the code's expiry).
fn device_connect(lk: &Latchkey, url: &str) -> (std::process::Child, String, String) {
    let mut child = lk
        .command(&["connect", url, "--device"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let first = lines.next().unwrap().unwrap();
    let user_code = first.rsplit(' ').next().unwrap().to_string();
    assert!(first.starts_with("To sign in, open http"), "{first}");
    let complete = lines.next().unwrap().unwrap();
    let complete = complete
        .strip_prefix("Or open: ")
        .unwrap_or_else(|| panic!("{complete}"))
        .to_string();
    // The rest of stdout (the result line) is read once the command ends.
    std::thread::spawn(move || for _ in lines {});
    (child, user_code, complete)
}

fn approve_device(address: &str, user_code: &str, action: &str) {
    let status = std::process::Command::new("node")
        .arg(repo_root().join("tests/browser/approve.mjs"))
        .arg(address)
        .env("APPROVE_USER_CODE", user_code)
        .env("APPROVE_ACTION", action)
        .status()
        .unwrap();
    assert!(status.success(), "approve.mjs failed on {address}");
}

/// RFC 8628 against oidc-provider: the code approved in a browser elsewhere (Chromium,
/// through the code page, the confirmation, login and consent), no browser here, the client
/// registered with the device grant; a refused code and an expired one are clear errors that
/// store nothing.
#[test]
fn sign_in_with_a_code_entered_on_another_device() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("ACCESS_TOKEN_TTL", TTL)]);
    let url = peer.mcp_url();
    let (lk, browser_count) = no_browser_latchkey();

    // Plain --no-browser says the code sign-in exists here.
    let mut plain = spawn_piped(&mut lk.command(&["connect", &url, "--no-browser"]));
    let mut out = std::io::BufReader::new(plain.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    assert!(first.starts_with("Open this URL to sign in"), "{first}");
    plain.kill().unwrap();
    let out = plain.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("run the command again with --device"),
        "{stderr}"
    );

    let (child, user_code, complete) = device_connect(&lk, &url);
    // The person types the code on the provider's page (the plain address, without the code).
    let plain = complete.split('?').next().unwrap().to_string();
    approve_device(&plain, &user_code, "approve");
    let out = wait_with_timeout(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Waiting for the approval"), "{stderr}");
    assert!(
        peer.log_text()
            .contains("urn:ietf:params:oauth:grant-type:device_code"),
        "registered with the device grant"
    );
    let answer = call_echo(&lk, &url, "device");
    assert_eq!(answer["result"]["content"][0]["text"], "device", "{answer}");
    let grant = only_grant(&lk);
    assert_eq!(grant["has_refresh_token"], true, "{grant}");
    assert_eq!(grant["obtained_by"], "device", "{grant}");

    // Refused at the confirmation page: the polling ends with words, the grant is unchanged.
    let before = only_grant(&lk);
    let (child, user_code, complete) = device_connect(&lk, &url);
    approve_device(&complete, &user_code, "deny");
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("denied"), "{stderr}");
    assert_eq!(only_grant(&lk)["id"], before["id"]);

    // The approved grant renews with its refresh token, then is revoked at the server.
    let renewed = renewed_token(&lk, &url);
    assert_eq!(only_grant(&lk)["obtained_by"], "device");
    lk.run(&["revoke", &url]).ok();
    let introspect = curl_json("GET", &peer.admin(&format!("/introspect?token={renewed}")));
    assert_eq!(introspect["active"], false, "{introspect}");
    assert!(no_grants(&lk));
    assert!(!browser_count.exists(), "a browser was opened");
}

#[test]
fn a_device_code_that_expires_is_a_clear_error_and_stores_nothing() {
    let peer = Peer::start("tests/peers/oidc-server.mjs", &[("DEVICE_CODE_TTL", "3")]);
    let url = peer.mcp_url();
    let (lk, _) = no_browser_latchkey();
    let (child, _, _) = device_connect(&lk, &url);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("expired"), "{stderr}");
    assert!(no_grants(&lk));

    // A server without the grant: said at once.
    let sdk = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let run = lk.run(&["connect", &sdk.mcp_url(), "--device"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("does not offer sign-in with a code"),
        "{}",
        run.stderr
    );
}

/// `idp connect` without an ID token file: the person signs in at the company identity provider
/// in the browser (OpenID Connect, code + PKCE); Latchkey keeps the ID token and its refresh
/// token in the secret store and renews the ID token at the provider when it is about to
/// expire, before each token exchange.
#[test]
fn idp_sign_in_in_the_browser_and_the_id_token_renewed_at_the_provider() {
    // ID tokens that live 30 s: each use is within Latchkey's renewal margin, so it renews.
    let peer = Peer::start(
        "tests/peers/oidc-server.mjs",
        &[("ACCESS_TOKEN_TTL", TTL), ("ID_TOKEN_TTL", "30")],
    );
    let url = peer.mcp_url();
    let issuer = peer.ready["issuer"].as_str().unwrap().to_string();
    let secret = machine_clients(&peer)["xaa"]["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let lk = Latchkey::new().with_env(
        "BROWSER",
        repo_root()
            .join("tests/browser/approve.sh")
            .to_str()
            .unwrap(),
    );
    let signed_in = lk.run(&["idp", "connect", &issuer, "--client-id", "idp-client"]);
    signed_in.ok();
    assert!(
        signed_in.stdout.contains("Latchkey keeps the ID token"),
        "{}",
        signed_in.stdout
    );
    let idps = lk.run(&["idp", "list", "--json"]).ok().json();
    assert_eq!(idps["idps"][0]["signed_in"], "browser", "{idps}");
    assert_eq!(peer.stats()["authorizations"], 1);

    connect_via_idp(&lk, &url, &issuer, &secret).ok();
    let answer = call_echo(&lk, &url, "signed in at the provider");
    assert_eq!(
        answer["result"]["content"][0]["text"], "signed in at the provider",
        "{answer}"
    );
    renewed_token(&lk, &url);
    let stats = peer.stats();
    assert!(
        stats["own_id_tokens_exchanged"].as_i64().unwrap() >= 2,
        "{stats}"
    );
    assert!(
        stats["refreshes"].as_i64().unwrap() >= 2,
        "ID token renewed: {stats}"
    );
    assert_eq!(
        stats["authorizations"], 1,
        "one browser sign-in in all: {stats}"
    );

    // Forgetting the provider removes its sign-in too; its grants wait for a reconnect.
    lk.run(&["idp", "rm", &issuer]).ok();
    assert_eq!(only_grant(&lk)["status"], "needs_reconnect");
    let again = lk.run(&["idp", "list", "--json"]).ok().json();
    assert_eq!(again["idps"].as_array().unwrap().len(), 0, "{again}");
    assert!(
        !contains(&lk.home_bytes(), &secret),
        "the client secret sits in a file"
    );
}
