//! opencode: `$XDG_DATA_HOME/opencode/mcp-auth.json` (default `~/.local/share`, on macOS too).
//! An object keyed by the server's name: `{tokens?: {accessToken, refreshToken?, expiresAt?
//! (seconds, often fractional), scope?}, clientInfo?: {clientId, clientSecret?, ...},
//! codeVerifier?, oauthState?, serverUrl?}`. Read from the released 1.18.33 binary.

use serde_json::Value;

use super::cached::{CachedClient, Entry, scopes_of, text};
use super::{CAMEL, Grant, dedup_by_server, grant_of};
use crate::secret::Secret;

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.as_object() else {
        return vec![];
    };
    let found = entries
        .iter()
        .filter_map(|(name, e)| {
            let tokens = e.get("tokens")?;
            let expires_ms = tokens
                .get("expiresAt")
                .and_then(Value::as_f64)
                .map(|s| (s * 1000.0) as i64);
            let mut grant = grant_of(e, tokens, &CAMEL, expires_ms, now_ms)?;
            // An entry without `serverUrl` is named by its key, the server's name.
            grant.server.get_or_insert_with(|| name.clone());
            Some(grant)
        })
        .collect();
    dedup_by_server(found)
}

/// Every usable sign-in in full, keyed by the server's name in opencode's config.
pub fn cached(doc: &Value, now_ms: i64) -> Vec<Entry> {
    let Some(entries) = doc.as_object() else {
        return vec![];
    };
    entries
        .iter()
        .filter_map(|(name, e)| {
            let tokens = e.get("tokens")?;
            let expires_s = tokens.get("expiresAt").and_then(Value::as_f64);
            grant_of(
                e,
                tokens,
                &CAMEL,
                expires_s.map(|s| (s * 1000.0) as i64),
                now_ms,
            )?;
            let info = e.get("clientInfo");
            Some(Entry {
                server: text(e, "serverUrl"),
                name: Some(name.clone()),
                keys: vec![name.clone()],
                client: info
                    .and_then(|c| text(c, "clientId"))
                    .map(|client_id| CachedClient {
                        client_id,
                        client_secret: info.and_then(|c| text(c, "clientSecret")).map(Secret::new),
                        redirect_uri: None,
                        // What opencode registers with.
                        auth_method: Some(
                            match info.and_then(|c| text(c, "clientSecret")) {
                                Some(_) => "client_secret_post",
                                None => "none",
                            }
                            .into(),
                        ),
                    }),
                access_token: text(tokens, "accessToken").map(Secret::new),
                refresh_token: text(tokens, "refreshToken").map(Secret::new),
                expires_at: expires_s.filter(|s| *s > 0.0).map(|s| s as i64),
                scopes: scopes_of(tokens.get("scope").and_then(Value::as_str)),
                issuer: None,
                token_endpoint: None,
            })
        })
        .collect()
}

/// Take `tokens` out of entries `names` (their registration and URL stay, as opencode keeps
/// them between sign-ins); written back as opencode writes it (`JSON.stringify(…, null, 2)`).
pub fn without_tokens(mut doc: Value, names: &[String]) -> Option<String> {
    let entries = doc.as_object_mut()?;
    for name in names {
        if let Some(e) = entries.get_mut(name).and_then(Value::as_object_mut) {
            e.remove("tokens");
        }
    }
    serde_json::to_string_pretty(&doc).ok()
}
