//! Every input cargo-fuzz found troublesome (fuzz/regressions/<target>-<name>.bin) replayed on
//! the stable toolchain in every `make test`: no panic, and the property the fuzz target checks.

use std::path::Path;

use latchkey_core::oauth::metadata::{AuthServerMetadata, ProtectedResourceMetadata};
use latchkey_core::oauth::{authorize, challenge, discovery, registration, token};
use latchkey_core::url_policy;

fn replay(target: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match target {
        "www_authenticate" => {
            let _ = challenge::parse_bearer(text.lines());
        }
        "canonical_resource" => {
            if let Ok(c) = url_policy::canonical_resource(&text) {
                assert_eq!(
                    url_policy::canonical_resource(&c).ok().as_deref(),
                    Some(c.as_str()),
                    "idempotent"
                );
                assert!(!c.contains('#'));
                let ours = url::Url::parse(&c).unwrap();
                let theirs = url::Url::parse(text.trim()).unwrap();
                assert_eq!(
                    ours.host_str(),
                    theirs.host_str(),
                    "names the host the parser sees"
                );
            }
        }
        "protected_resource_metadata" => {
            use discovery::PrmSource;
            let server = "https://mcp.example.com/mcp";
            if let Ok(prm) = serde_json::from_slice::<ProtectedResourceMetadata>(data)
                && discovery::check_resource_matches(&prm.resource, server, PrmSource::Root).is_ok()
            {
                let host = url::Url::parse(prm.resource.trim()).unwrap();
                assert_eq!(
                    host.host_str(),
                    Some("mcp.example.com"),
                    "an accepted resource is about our server"
                );
                if discovery::check_resource_matches(&prm.resource, server, PrmSource::Challenge)
                    .is_ok()
                {
                    assert_eq!(
                        host.path().trim_end_matches('/'),
                        "/mcp",
                        "from the challenge, only the server itself"
                    );
                }
            }
        }
        "auth_server_metadata" => {
            if let Ok(md) = serde_json::from_slice::<AuthServerMetadata>(data) {
                let _ = md.check_pkce();
                let _ =
                    md.check_endpoints(&url::Url::parse("https://mcp.example.com/mcp").unwrap());
                let _ = discovery::check_issuer(&md.issuer, "https://as.example.com");
            }
        }
        "token_response" => {
            if let Ok(resp) = serde_json::from_slice::<token::TokenResponse>(data) {
                let set = token::token_set(&resp, None, &[]);
                let back = token::TokenSet::from_secret(&set.to_secret()).unwrap();
                assert_eq!(back.access_token, set.access_token);
                if let Some(at) = set.expires_at {
                    assert!(
                        at >= latchkey_core::time::now(),
                        "no expiry in the past from a non-negative lifetime"
                    );
                }
            }
        }
        "registration_response" => {
            let md: AuthServerMetadata = serde_json::from_value(serde_json::json!({
                "issuer": "https://as.example.com",
                "authorization_endpoint": "https://as.example.com/a",
                "token_endpoint": "https://as.example.com/t",
            }))
            .unwrap();
            if let Ok(client) = registration::parse_registration_response(data, &md) {
                assert!(!client.client_id.trim().is_empty());
            }
        }
        "callback_query" => {
            let pairs: Vec<(String, String)> =
                url::form_urlencoded::parse(data).into_owned().collect();
            for required in [false, true] {
                if authorize::validate_callback(
                    &pairs,
                    "expected-state",
                    "https://as.example.com",
                    required,
                )
                .is_ok()
                {
                    assert_eq!(
                        pairs
                            .iter()
                            .filter(|(k, v)| k == "state" && v == "expected-state")
                            .count(),
                        1
                    );
                }
            }
        }
        other => panic!("a regression for an unknown target: {other}"),
    }
}

#[test]
fn every_saved_fuzz_input_replays_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir)
        .expect("fuzz/regressions exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".bin") else {
            continue;
        };
        let target = [
            "www_authenticate",
            "canonical_resource",
            "protected_resource_metadata",
            "auth_server_metadata",
            "token_response",
            "registration_response",
            "callback_query",
        ]
        .into_iter()
        .find(|t| stem.starts_with(&format!("{t}-")))
        .unwrap_or_else(|| panic!("{name}: name it <target>-<what>.bin"));
        let data = std::fs::read(entry.path()).unwrap();
        let outcome = std::panic::catch_unwind(|| replay(target, &data));
        assert!(outcome.is_ok(), "{name} fails again");
        count += 1;
    }
    assert!(count > 0, "no regression inputs found in {}", dir.display());
}
