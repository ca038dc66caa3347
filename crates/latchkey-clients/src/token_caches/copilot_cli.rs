//! GitHub Copilot CLI: `$COPILOT_HOME/mcp-oauth-config/` (default `~/.copilot`), the fallback
//! when the system keychain fails. Per sign-in `<hash>.tokens.json` = `{accessToken,
//! expiresAt (seconds), refreshToken?, scope?}`, beside `<hash>.json` = `{serverUrl,
//! authorizationServerUrl, clientId, redirectUri, resourceUrl?}` when the registration shares
//! the hash. Token files are never collected, so one server may have many: those that name the
//! same server count once. Known from issues and third-party readers only (no public source).

use std::path::Path;

use serde_json::Value;

use super::cached::{CachedClient, CachedGrant, Removal, scopes_of, text};
use super::{CAMEL, Grant, dedup_by_server, files_ending, grant_of, text_and_json};
use crate::secret::Secret;

const TOKENS_SUFFIX: &str = ".tokens.json";

pub fn grants(dir: &Path, now_ms: i64, read: &dyn Fn(&Path) -> Option<Value>) -> Vec<Grant> {
    let found = files_ending(dir, TOKENS_SUFFIX)
        .into_iter()
        .filter_map(|n| {
            let doc = read(&dir.join(&n))?;
            let expires_ms = doc
                .get("expiresAt")
                .and_then(Value::as_i64)
                .map(|s| s.saturating_mul(1000));
            let hash = n.strip_suffix(TOKENS_SUFFIX)?;
            let registration = read(&dir.join(format!("{hash}.json"))).unwrap_or_default();
            let mut grant = grant_of(&registration, &doc, &CAMEL, expires_ms, now_ms)?;
            grant.key = Some(hash.to_string());
            Some(grant)
        })
        .collect();
    dedup_by_server(found)
}

/// Every usable sign-in whose registration shares its hash, read in full for an import, one per
/// server (the renewable one that expires last): Copilot CLI never collects old token files,
/// and those of the same server are left where they are. `authorizationServerUrl` is checked
/// against the server's authorization server before anything is sent.
pub fn cached(dir: &Path, now_ms: i64) -> Vec<CachedGrant> {
    let mut out: Vec<CachedGrant> = Vec::new();
    for name in files_ending(dir, TOKENS_SUFFIX) {
        let Some(hash) = name.strip_suffix(TOKENS_SUFFIX) else {
            continue;
        };
        let file = dir.join(&name);
        let (Some((original, tokens)), Some((_, registration))) = (
            text_and_json(&file),
            text_and_json(&dir.join(format!("{hash}.json"))),
        ) else {
            continue;
        };
        let expires_s = tokens.get("expiresAt").and_then(Value::as_i64);
        if grant_of(
            &registration,
            &tokens,
            &CAMEL,
            expires_s.map(|s| s.saturating_mul(1000)),
            now_ms,
        )
        .is_none()
        {
            continue;
        }
        let Some(server) = text(&registration, "serverUrl") else {
            continue;
        };
        let grant = CachedGrant {
            server: Some(server.clone()),
            key: hash.to_string(),
            file,
            original: Secret::new(original),
            client: text(&registration, "clientId").map(|client_id| CachedClient {
                client_id,
                client_secret: None,
                redirect_uri: text(&registration, "redirectUri"),
                auth_method: None,
            }),
            access_token: text(&tokens, "accessToken").map(Secret::new),
            refresh_token: text(&tokens, "refreshToken").map(Secret::new),
            expires_at: expires_s.filter(|s| *s > 0),
            scopes: scopes_of(tokens.get("scope").and_then(Value::as_str)),
            requested_scopes: Vec::new(),
            issuer: text(&registration, "authorizationServerUrl"),
            token_endpoint: None,
            removal: Removal::DeleteFile,
        };
        let better = |a: &CachedGrant, b: &CachedGrant| {
            (a.refresh_token.is_some(), a.expires_at) > (b.refresh_token.is_some(), b.expires_at)
        };
        match out
            .iter_mut()
            .find(|g| g.server.as_deref() == Some(server.as_str()))
        {
            Some(kept) if better(&grant, kept) => *kept = grant,
            Some(_) => {}
            None => out.push(grant),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One grant per server, the renewable one that expires last; a token file without a
    /// registration of its hash is not imported (nothing says which server it is for).
    #[test]
    fn the_best_token_file_of_each_server_is_read_with_its_registration() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, v: serde_json::Value| {
            std::fs::write(dir.path().join(name), v.to_string()).unwrap()
        };
        let reg = |url: &str| {
            serde_json::json!({"serverUrl": url, "authorizationServerUrl": "https://as.example",
                "clientId": "cp", "redirectUri": "http://127.0.0.1:43123/"})
        };
        write("aa.json", reg("https://a.example/mcp"));
        write(
            "aa.tokens.json",
            serde_json::json!({"accessToken": "OLD", "expiresAt": 4_000_000_000_i64}),
        );
        write("bb.json", reg("https://a.example/mcp"));
        write(
            "bb.tokens.json",
            serde_json::json!({"accessToken": "NEW", "refreshToken": "R-SECRET-9",
                "expiresAt": 4_000_000_100_i64, "scope": "read"}),
        );
        write(
            "cc.tokens.json",
            serde_json::json!({"accessToken": "ORPHAN", "refreshToken": "R"}),
        );
        let found = cached(dir.path(), 1_000);
        assert_eq!(found.len(), 1);
        let g = &found[0];
        assert_eq!(g.key, "bb");
        assert_eq!(g.server.as_deref(), Some("https://a.example/mcp"));
        assert_eq!(g.issuer.as_deref(), Some("https://as.example"));
        assert_eq!(
            g.expires_at,
            Some(4_000_000_100),
            "seconds, as Copilot CLI keeps them"
        );
        assert_eq!(g.scopes, ["read"]);
        let client = g.client.as_ref().unwrap();
        assert_eq!(
            (client.client_id.as_str(), client.redirect_uri.as_deref()),
            ("cp", Some("http://127.0.0.1:43123/"))
        );
        assert!(!format!("{found:?}").contains("R-SECRET-9"));
    }
}
