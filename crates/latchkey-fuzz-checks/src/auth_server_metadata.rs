//! RFC 8414 / OpenID Discovery authorization-server metadata documents.
//!
//! Properties:
//! - parsing and every check never panic;
//! - `check_pkce` is Ok exactly when `code_challenge_methods_supported` lists `S256`;
//! - `check_endpoints` against an https MCP server is Ok only when every endpoint it checks is an
//!   https URL;
//! - `check_issuer` accepts only the expected issuer, with or without the root `/`;
//! - serialising a parsed document and parsing it again gives the same document (floats among
//!   the unknown members to within a few ULPs: see `shared/json_eq.rs`).

use crate::json_eq;
use latchkey_core::oauth::discovery::check_issuer;
use latchkey_core::oauth::metadata::AuthServerMetadata;
use url::Url;

const ISSUER: &str = "https://as.example.com";

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    let Ok(md) = serde_json::from_slice::<AuthServerMetadata>(data) else {
        return;
    };

    let has_s256 = md
        .code_challenge_methods_supported
        .as_ref()
        .is_some_and(|m| m.iter().any(|x| x == "S256"));
    assert_eq!(md.check_pkce().is_ok(), has_s256);

    let server = Url::parse("https://mcp.example.com/mcp").unwrap();
    if md.check_endpoints(&server).is_ok() {
        let checked = [
            Some(&md.authorization_endpoint),
            Some(&md.token_endpoint),
            md.registration_endpoint.as_ref(),
            md.revocation_endpoint.as_ref(),
        ];
        for e in checked.into_iter().flatten() {
            let u = Url::parse(e).expect("accepted endpoint is a URL");
            assert_eq!(u.scheme(), "https", "accepted non-https endpoint {e:?}");
        }
    }

    if check_issuer(&md.issuer, ISSUER).is_ok() {
        assert!(
            md.issuer == ISSUER || md.issuer == format!("{ISSUER}/"),
            "issuer {:?} accepted for {ISSUER}",
            md.issuer
        );
    }

    let json = serde_json::to_vec(&md).expect("serialises");
    let back: AuthServerMetadata = serde_json::from_slice(&json).expect("own output parses");
    // Known fields exactly; unknown members (`extra`) with float tolerance (see shared/json_eq.rs).
    let strip = |m: &AuthServerMetadata| AuthServerMetadata {
        extra: Default::default(),
        ..m.clone()
    };
    assert_eq!(
        strip(&back),
        strip(&md),
        "round trip through {}",
        String::from_utf8_lossy(&json)
    );
    assert!(
        json_eq::approx_eq(
            &serde_json::Value::Object(back.extra.clone()),
            &serde_json::Value::Object(md.extra.clone())
        ),
        "round trip through {}: {back:?} != {md:?}",
        String::from_utf8_lossy(&json)
    );
}
