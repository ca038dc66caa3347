//! Codex: `$CODEX_HOME/.credentials.json` (default `~/.codex`), written when the keyring cannot
//! be used (`mcp_oauth_credentials_store = "auto"`, the default) or is not wanted (`"file"`).
//! One object: `"<name>|<hash>"` → `{server_name, server_url, client_id, access_token,
//! expires_at (ms or null), refresh_token (or null), scopes: [..]}`.

use serde_json::Value;

use super::cached::{CachedClient, Entry, text};
use super::{Fields, Grant, dedup_by_server, grant_of};
use crate::secret::Secret;

const SNAKE: Fields = Fields {
    access: "access_token",
    refresh: "refresh_token",
    servers: &["server_url", "server_name"],
};

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.as_object() else {
        return vec![];
    };
    let found = entries
        .values()
        .filter(|e| e.get("server_url").is_some() || e.get("server_name").is_some())
        .filter_map(|e| {
            let expires = e.get("expires_at").and_then(Value::as_i64);
            grant_of(e, e, &SNAKE, expires, now_ms)
        })
        .collect();
    dedup_by_server(found)
}

/// Every usable sign-in in full. Codex keeps no client secret (its registrations are public).
pub fn cached(doc: &Value, now_ms: i64) -> Vec<Entry> {
    let Some(entries) = doc.as_object() else {
        return vec![];
    };
    entries
        .iter()
        .filter_map(|(key, e)| {
            let expires_ms = e.get("expires_at").and_then(Value::as_i64);
            grant_of(e, e, &SNAKE, expires_ms, now_ms)?;
            Some(Entry {
                server: text(e, "server_url"),
                name: text(e, "server_name"),
                keys: vec![key.clone()],
                client: text(e, "client_id").map(|client_id| CachedClient {
                    client_id,
                    client_secret: None,
                    redirect_uri: None,
                    auth_method: None,
                }),
                access_token: text(e, "access_token").map(Secret::new),
                refresh_token: text(e, "refresh_token").map(Secret::new),
                expires_at: expires_ms.filter(|ms| *ms > 0).map(|ms| ms / 1000),
                scopes: e
                    .get("scopes")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                issuer: text(e, "issuer"),
                token_endpoint: None,
            })
        })
        .collect()
}

/// Remove entries `keys` as `codex mcp logout` does; Codex deletes the file when no entry is
/// left (`None`), else writes it compact.
pub fn without_tokens(mut doc: Value, keys: &[String]) -> Option<String> {
    let entries = doc.as_object_mut()?;
    for key in keys {
        entries.remove(key);
    }
    if entries.is_empty() {
        return None;
    }
    serde_json::to_string(&doc).ok()
}
