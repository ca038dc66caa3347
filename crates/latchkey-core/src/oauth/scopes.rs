//! Which scopes to ask for (MCP 2025-11-25 "scope selection strategy"): the user's `--scope`
//! flags; else the `scope` of the 401/403 challenge (authoritative); else all of the protected
//! resource's `scopes_supported`; else no `scope` parameter at all. On step-up (403
//! `insufficient_scope`), the union of what is held and what is challenged
//! ([`Scopes::union`]).

use super::metadata::{AuthServerMetadata, ProtectedResourceMetadata};
pub use crate::protocol::scopes::Scopes;

pub fn select(
    explicit: &[String],
    challenge: Option<&[String]>,
    prm: Option<&ProtectedResourceMetadata>,
) -> Scopes {
    if !explicit.is_empty() {
        return explicit.into();
    }
    if let Some(challenged) = challenge.filter(|c| !c.is_empty()) {
        return challenged.into();
    }
    prm.and_then(|p| p.scopes_supported.as_deref())
        .map(Scopes::from)
        .unwrap_or_default()
}

/// Add `offline_access` (to get a refresh token) only when the authorization server lists it
/// and some scope is requested at all (MCP 2026-07-28 MAY).
pub fn with_offline_access(mut scopes: Scopes, md: &AuthServerMetadata) -> Scopes {
    if !scopes.is_empty() && md.supports_scope("offline_access") {
        scopes.insert("offline_access");
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn selection_rows() {
        let prm: ProtectedResourceMetadata = serde_json::from_value(serde_json::json!({
            "resource": "https://x", "authorization_servers": ["https://as"], "scopes_supported": ["a", "b"]
        }))
        .unwrap();
        let ch = v("c");
        type Row<'a> = (
            &'a str,
            Vec<String>,
            Option<&'a [String]>,
            Option<&'a ProtectedResourceMetadata>,
            Scopes,
        );
        let rows: [Row; 4] = [
            (
                "explicit wins",
                v("x y x"),
                Some(&ch),
                Some(&prm),
                Scopes::parse("x y"),
            ),
            (
                "challenge next",
                vec![],
                Some(&ch),
                Some(&prm),
                Scopes::parse("c"),
            ),
            (
                "prm scopes_supported",
                vec![],
                None,
                Some(&prm),
                Scopes::parse("a b"),
            ),
            ("nothing: omit", vec![], None, None, Scopes::default()),
        ];
        for (name, explicit, challenge, prm, want) in rows {
            assert_eq!(select(&explicit, challenge, prm), want, "{name}");
        }
    }

    #[test]
    fn union_keeps_held_scopes() {
        assert_eq!(
            Scopes::parse("read").union(&v("write read")),
            Scopes::parse("read write")
        );
    }

    #[test]
    fn covers_and_offline_access() {
        assert!(Scopes::parse("a b c").covers(&v("c a")));
        assert!(!Scopes::parse("a").covers(&v("a b")));
        assert!(Scopes::parse("a").covers(&[]));
        let md: AuthServerMetadata = serde_json::from_value(serde_json::json!({
            "issuer": "https://as", "authorization_endpoint": "https://as/a", "token_endpoint": "https://as/t",
            "scopes_supported": ["a", "offline_access"]
        }))
        .unwrap();
        assert_eq!(
            with_offline_access(Scopes::parse("a"), &md),
            Scopes::parse("a offline_access")
        );
        assert_eq!(
            with_offline_access(Scopes::parse("a offline_access"), &md),
            Scopes::parse("a offline_access")
        );
        assert_eq!(
            with_offline_access(Scopes::default(), &md),
            Scopes::default()
        );
    }
}
