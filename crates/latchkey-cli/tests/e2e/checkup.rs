//! Issue 15, item 4: `latchkey doctor <url>`, a checkup of a server's sign-in. Against the
//! SDK's server (all well), each hostile-server deviation (the right check fails, with the
//! right words), and the conformance suite's own misconfigured servers.

use serde_json::Value;

use crate::support::*;

fn doctor(url: &str) -> (i32, Value, String) {
    let lk = Latchkey::new();
    let json = lk.run(&["doctor", url, "--json"]);
    let text = lk.run(&["doctor", url]);
    assert_eq!(json.code, text.code, "{}", text.stdout);
    let parsed: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}\n{}", json.stdout, json.stderr));
    (json.code, parsed, text.stdout)
}

/// The result and words of one check.
fn check(report: &Value, name: &str) -> (String, String) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:#}"));
    (
        c["result"].as_str().unwrap().to_string(),
        c["says"].as_str().unwrap().to_string(),
    )
}

#[test]
fn a_well_made_server_passes_every_sign_in_check() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let (code, report, text) = doctor(&peer.mcp_url());
    for name in [
        "transport",
        "challenge",
        "protected_resource_metadata",
        "resource",
        "authorization_server_metadata",
        "issuer",
        "pkce",
        "registration",
        "dynamic_registration",
        "refresh_tokens",
        "scopes",
    ] {
        assert_eq!(check(&report, name).0, "ok", "{name}: {report:#}");
    }
    assert_ne!(report["worst"], "failure", "{report:#}");
    assert_ne!(code, 1, "{text}");
    assert!(
        text.starts_with(&format!("Checkup of {}", peer.mcp_url())),
        "{text}"
    );
    assert!(text.contains("ok       pkce: PKCE with S256"), "{text}");
    assert!(
        text.contains("[RFC 9728 §3.3]"),
        "the spec section is named: {text}"
    );
}

#[test]
fn each_misconfiguration_fails_its_own_check_with_words_that_say_why() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("issuer-mismatch", "issuer", "failure", "names issuer"),
        ("resource-mismatch", "resource", "failure", "not for"),
        ("resource-origin-path", "resource", "failure", "not for"),
        (
            "resource-origin-root",
            "resource",
            "ok",
            "allowed for the root document",
        ),
        (
            "no-pkce-support",
            "pkce",
            "failure",
            "code_challenge_methods_supported",
        ),
        (
            "dcr-rejected",
            "dynamic_registration",
            "failure",
            "refused a native client",
        ),
        (
            "malformed-metadata",
            "authorization_server_metadata",
            "failure",
            "not valid JSON",
        ),
    ];
    for (mode, name, want, words) in rows {
        let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", mode)]);
        let (code, report, text) = doctor(&peer.mcp_url());
        let (got, says) = check(&report, name);
        assert_eq!(&got, want, "{mode}: {report:#}");
        assert!(says.contains(words), "{mode}: {says}");
        if *want == "failure" {
            assert_eq!(code, 1, "{mode}: a failure exits 1: {text}");
            assert!(
                text.contains(&format!("FAIL     {}", name.replace('_', " "))),
                "{text}"
            );
        }
    }
    // A server that needs no sign-in: nothing else to check.
    let open = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", "no-auth")]);
    let (code, report, _) = doctor(&open.mcp_url());
    assert_eq!(code, 0, "{report:#}");
    assert!(check(&report, "challenge").1.contains("no sign-in needed"));
}

#[test]
fn an_unreachable_server_is_one_failure_and_the_rest_skipped() {
    let (code, report, _) = doctor("http://127.0.0.1:9/mcp");
    assert_eq!(code, 1);
    assert_eq!(check(&report, "reachable").0, "failure");
    assert_eq!(check(&report, "pkce").0, "skipped");
    let usage = Latchkey::new().run(&["doctor", "--json"]);
    assert_eq!(usage.code, 2, "--json needs a server: {}", usage.stderr);
}

/// The conformance suite's misconfigured authorization servers (2026-07-28 scenarios), run by
/// its own runner with `latchkey doctor` as the client.
#[test]
fn the_conformance_suites_misconfigured_servers_are_diagnosed() {
    let here = repo_root().join("tests/conformance");
    let node = here.join("node_modules/node/bin/node");
    let runner = here.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    assert!(
        node.exists() && runner.exists(),
        "make test installs tests/conformance"
    );
    let out = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    for (scenario, name, words) in [
        ("auth/resource-mismatch", "resource", "not for"),
        ("auth/metadata-issuer-mismatch", "issuer", "names issuer"),
    ] {
        let status = std::process::Command::new(&node)
            .arg(&runner)
            .args(["client", "--command"])
            .arg(format!("exec {}", here.join("doctor.sh").display()))
            .args(["--scenario", scenario, "--timeout", "20000", "-o"])
            .arg(results.path())
            .env("LATCHKEY", latchkey_bin())
            .env("DOCTOR_OUT", out.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        let _ = status; // the runner judges a sign-in that doctor never attempts
        let file = out
            .path()
            .join(format!("{}.json", scenario.replace('/', "_")));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!(
                "doctor did not run for {scenario}: {}",
                std::fs::read_to_string(file.with_extension("err")).unwrap_or_default()
            )
        });
        let report: Value = serde_json::from_str(&text).unwrap();
        let (got, says) = check(&report, name);
        assert_eq!(got, "failure", "{scenario}: {report:#}");
        assert!(says.contains(words), "{scenario}: {says}");
    }
}

/// The revisions a server speaks are asked with the person's own token: skipped before a
/// sign-in; a 2025 server (the SDK's) answers `initialize`; a 2026-07-28-only server (the SDK
/// v2's) answers `server/discover` and refuses `initialize`, a warning for 2025 clients.
#[test]
fn the_revisions_a_server_speaks_are_asked_with_the_persons_own_token() {
    let versions = |lk: &Latchkey, url: &str| {
        let run = lk.run(&["doctor", url, "--json"]);
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|_| panic!("not JSON: {}\n{}", run.stdout, run.stderr));
        (run.code, check(&report, "protocol_versions"))
    };
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let (_, (result, says)) = versions(&lk, &url);
    assert_eq!(result, "skipped");
    assert!(
        says.contains(&format!("`latchkey connect {url}`")),
        "{says}"
    );
    lk.run(&["connect", &url]).ok();
    let (_, (result, says)) = versions(&lk, &url);
    assert_eq!(result, "ok", "{says}");
    assert!(says.starts_with("speaks 2025-"), "{says}");
    assert!(says.ends_with("(initialize), not yet 2026-07-28"), "{says}");

    let modern = crate::issue12::Modern::start();
    let url = modern.url();
    lk.run(&["connect", &url]).ok();
    let (code, (result, says)) = versions(&lk, &url);
    assert_eq!(result, "warning", "{says}");
    assert_eq!(
        says,
        "speaks only 2026-07-28: 2025 clients (most today) need a bridge such as `latchkey proxy`"
    );
    assert_ne!(code, 0, "a warning is not all well");
}
