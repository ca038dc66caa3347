//! RFC 9728 protected-resource metadata documents, as fetched from the MCP server.
//!
//! Properties:
//! - parsing, the §3.3 resource check and canonicalisation never panic;
//! - a document accepted for `https://mcp.example.com/mcp` names a resource that *the URL parser*
//!   also places on `https://mcp.example.com` (the `resource` value is sent as the RFC 8707
//!   audience exactly as given, so it must be the server we asked for); one accepted from the
//!   challenge's `resource_metadata` names the server's path exactly;
//! - accepted implies the resource canonicalises;
//! - serialising a parsed document and parsing it again gives the same document (floats among
//!   the unknown members to within a few ULPs: see `shared/json_eq.rs`).

use crate::json_eq;
use latchkey_core::oauth::discovery::{PrmSource, check_resource_matches};
use latchkey_core::oauth::metadata::ProtectedResourceMetadata;
use latchkey_core::url_policy::canonical_resource;

const SERVER: &str = "https://mcp.example.com/mcp";

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<ProtectedResourceMetadata>(data) else {
        return;
    };
    // The root document is the most lenient source; the challenge's the strictest.
    let matches = check_resource_matches(&doc.resource, SERVER, PrmSource::Root);
    if check_resource_matches(&doc.resource, SERVER, PrmSource::Challenge).is_ok() {
        let parsed = url::Url::parse(doc.resource.trim()).expect("accepted means a URL");
        assert_eq!(
            parsed.path().trim_end_matches('/'),
            "/mcp",
            "from the challenge, {:?} is not the server itself",
            doc.resource
        );
    }
    let canonical = canonical_resource(&doc.resource);
    if matches.is_ok() {
        assert!(
            canonical.is_ok(),
            "accepted resource {:?} does not canonicalise",
            doc.resource
        );
        let parsed = url::Url::parse(doc.resource.trim()).expect("an accepted resource is a URL");
        assert_eq!(
            parsed.origin().ascii_serialization(),
            "https://mcp.example.com",
            "resource {:?} accepted for {SERVER} but the URL parser reads it as {parsed}",
            doc.resource
        );
    }

    let json = serde_json::to_vec(&doc).expect("serialises");
    let back: ProtectedResourceMetadata = serde_json::from_slice(&json).expect("own output parses");
    assert_eq!(back.resource, doc.resource);
    assert_eq!(back.authorization_servers, doc.authorization_servers);
    assert_eq!(back.scopes_supported, doc.scopes_supported);
    assert!(
        json_eq::approx_eq(
            &serde_json::Value::Object(back.extra.clone()),
            &serde_json::Value::Object(doc.extra.clone())
        ),
        "round trip through {}: {back:?} != {doc:?}",
        String::from_utf8_lossy(&json)
    );
}
