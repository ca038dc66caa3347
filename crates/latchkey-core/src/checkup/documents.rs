//! Judging what a server publishes, one document at a time. Pure: no network, so every rule
//! is unit-tested with the documents that break it.

use super::{Verdict, spec};
use crate::oauth::discovery::{self, PrmSource};
use crate::oauth::metadata::AuthServerMetadata;

/// A judged check, before it is added to a checkup.
pub type Judged = (Verdict, String, &'static str);

/// The protected-resource metadata's `resource` against the server: exactly the server is ok;
/// the same but for a trailing slash works with Latchkey, yet clients that compare exactly (and
/// authorization servers that bind tokens to it) disagree; the bare origin in the root
/// document is allowed; anything else makes a client discard the document.
pub fn resource(prm_resource: &str, canonical_server: &str, source: PrmSource) -> Judged {
    if prm_resource == canonical_server {
        return (
            Verdict::Ok,
            format!("`resource` is {prm_resource}, exactly the server"),
            spec::PRM_RESOURCE,
        );
    }
    match discovery::check_resource_matches(prm_resource, canonical_server, source) {
        Err(e) => (Verdict::Failure, e.to_string(), spec::PRM_RESOURCE),
        Ok(())
            if source == PrmSource::Root && trimmed(prm_resource) != trimmed(canonical_server) =>
        {
            (
                Verdict::Ok,
                format!("`resource` is the origin {prm_resource} (allowed for the root document)"),
                spec::PRM_RESOURCE,
            )
        }
        Ok(()) => (
            Verdict::Warning,
            format!(
                "`resource` is {prm_resource} but the server is {canonical_server}: only the trailing slash differs, and clients or authorization servers that compare exactly will refuse it"
            ),
            spec::PRM_RESOURCE,
        ),
    }
}

fn trimmed(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

pub fn pkce(md: &AuthServerMetadata) -> Judged {
    match &md.code_challenge_methods_supported {
        Some(m) if m.iter().any(|x| x == "S256") => {
            (Verdict::Ok, "PKCE with S256".into(), spec::PKCE)
        }
        Some(m) => (
            Verdict::Failure,
            format!(
                "code_challenge_methods_supported is [{}], without S256: clients must refuse to sign in",
                m.join(", ")
            ),
            spec::PKCE,
        ),
        None => (
            Verdict::Failure,
            "the metadata has no code_challenge_methods_supported: clients must refuse to sign in (list S256)".into(),
            spec::PKCE,
        ),
    }
}

/// Which ways a client can register, by the metadata alone.
pub fn registration_offered(md: &AuthServerMetadata) -> Judged {
    let cimd = md.client_id_metadata_document_supported == Some(true);
    let dcr = md.registration_endpoint.is_some();
    match (cimd, dcr) {
        (true, true) => (
            Verdict::Ok,
            "Client ID Metadata Documents and dynamic registration".into(),
            spec::REGISTRATION,
        ),
        (true, false) => (
            Verdict::Ok,
            "Client ID Metadata Documents".into(),
            spec::REGISTRATION,
        ),
        (false, true) => (
            Verdict::Ok,
            "dynamic client registration (no Client ID Metadata Documents)".into(),
            spec::REGISTRATION,
        ),
        (false, false) => (
            Verdict::Warning,
            "neither Client ID Metadata Documents nor a registration_endpoint: only clients registered beforehand (--client-id) can sign in".into(),
            spec::REGISTRATION,
        ),
    }
}

/// Whether the client can stay signed in: refresh tokens granted and asked for.
pub fn refresh(md: &AuthServerMetadata) -> Judged {
    let grants_refresh = md
        .grant_types_supported
        .as_ref()
        .is_none_or(|g| g.iter().any(|x| x == "refresh_token"));
    let offline = md.supports_scope("offline_access");
    match (grants_refresh, offline) {
        (false, _) => (
            Verdict::Warning,
            "grant_types_supported has no refresh_token: every sign-in ends when its access token expires".into(),
            spec::REFRESH,
        ),
        (true, true) => (
            Verdict::Ok,
            "refresh tokens (offline_access is offered)".into(),
            spec::REFRESH,
        ),
        (true, false) => (
            Verdict::Ok,
            "refresh tokens (refresh_token grant; offline_access is not listed, which is fine unless the server gives refresh tokens only for it)".into(),
            spec::REFRESH,
        ),
    }
}

/// The scopes the 401 asks for against those the server advertises.
pub fn scopes(challenged: Option<&[String]>, advertised: Option<&[String]>) -> Judged {
    match (challenged, advertised) {
        (None, None) => (
            Verdict::Ok,
            "no scopes challenged or advertised".into(),
            spec::SCOPES,
        ),
        (None, Some(a)) => (
            Verdict::Ok,
            format!(
                "the 401 names no scope; clients ask for the advertised ones ({})",
                a.join(" ")
            ),
            spec::SCOPES,
        ),
        (Some(c), None) => (
            Verdict::Ok,
            format!("the 401 asks for {}", c.join(" ")),
            spec::SCOPES,
        ),
        (Some(c), Some(a)) => {
            let missing: Vec<&str> = c
                .iter()
                .filter(|s| !a.contains(s))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                (
                    Verdict::Ok,
                    format!("the 401 asks for {}, all advertised", c.join(" ")),
                    spec::SCOPES,
                )
            } else {
                (
                    Verdict::Warning,
                    format!(
                        "the 401 asks for {} which scopes_supported does not list",
                        missing.join(" ")
                    ),
                    spec::SCOPES,
                )
            }
        }
    }
}

pub fn revocation(md: &AuthServerMetadata) -> Judged {
    match &md.revocation_endpoint {
        Some(e) => (
            Verdict::Ok,
            format!("revocation_endpoint {e}"),
            spec::REVOCATION,
        ),
        None => (
            Verdict::Warning,
            "no revocation_endpoint: a client can only forget its tokens, not end them at the server".into(),
            spec::REVOCATION,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(extra: serde_json::Value) -> AuthServerMetadata {
        let mut doc = serde_json::json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
            "token_endpoint": "https://as.example/token",
        });
        doc.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn resource_exact_slash_origin_and_other() {
        let server = "https://mcp.example/mcp";
        let v = |r: &str, s| resource(r, server, s).0;
        assert_eq!(
            v("https://mcp.example/mcp", PrmSource::Challenge),
            Verdict::Ok
        );
        assert_eq!(
            v("https://mcp.example/mcp/", PrmSource::Challenge),
            Verdict::Warning
        );
        assert_eq!(v("https://mcp.example", PrmSource::Root), Verdict::Ok);
        assert_eq!(
            v("https://mcp.example", PrmSource::Challenge),
            Verdict::Failure
        );
        assert_eq!(
            v("https://other.example/mcp", PrmSource::PathInserted),
            Verdict::Failure
        );
        assert_eq!(
            v("https://mcp.example/other", PrmSource::Root),
            Verdict::Failure
        );
    }

    #[test]
    fn pkce_needs_s256_listed() {
        assert_eq!(
            pkce(&md(
                serde_json::json!({"code_challenge_methods_supported": ["S256"]})
            ))
            .0,
            Verdict::Ok
        );
        assert_eq!(
            pkce(&md(
                serde_json::json!({"code_challenge_methods_supported": ["plain"]})
            ))
            .0,
            Verdict::Failure
        );
        let (v, says, _) = pkce(&md(serde_json::json!({})));
        assert_eq!(v, Verdict::Failure);
        assert!(says.contains("code_challenge_methods_supported"));
    }

    #[test]
    fn registration_refresh_and_revocation() {
        assert_eq!(
            registration_offered(&md(serde_json::json!({}))).0,
            Verdict::Warning
        );
        assert_eq!(
            registration_offered(&md(
                serde_json::json!({"client_id_metadata_document_supported": true})
            ))
            .0,
            Verdict::Ok
        );
        assert_eq!(
            refresh(&md(
                serde_json::json!({"grant_types_supported": ["authorization_code"]})
            ))
            .0,
            Verdict::Warning
        );
        assert_eq!(refresh(&md(serde_json::json!({}))).0, Verdict::Ok);
        assert_eq!(revocation(&md(serde_json::json!({}))).0, Verdict::Warning);
    }

    #[test]
    fn challenged_scopes_must_be_advertised() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (v, says, _) = scopes(Some(&s(&["read", "admin"])), Some(&s(&["read"])));
        assert_eq!(v, Verdict::Warning);
        assert!(says.contains("admin") && !says.contains("read "));
        assert_eq!(
            scopes(Some(&s(&["read"])), Some(&s(&["read", "write"]))).0,
            Verdict::Ok
        );
    }
}
