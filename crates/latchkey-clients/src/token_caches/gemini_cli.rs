//! Gemini CLI: `$GEMINI_CLI_HOME/.gemini/mcp-oauth-tokens.json` (default home), plain text by
//! default (the keychain and an encrypted file only with `GEMINI_FORCE_ENCRYPTED_FILE_STORAGE`,
//! and under other names). A JSON array of `{serverName, token: {accessToken, tokenType,
//! refreshToken?, scope?, expiresAt? (ms)}, clientId?, tokenUrl?, mcpServerUrl?, updatedAt}`.

use serde_json::Value;

use super::cached::{CachedClient, Entry, scopes_of, text};
use super::{Fields, Grant, dedup_by_server, grant_of};
use crate::secret::Secret;

const GEMINI: Fields = Fields {
    access: "accessToken",
    refresh: "refreshToken",
    servers: &["mcpServerUrl", "serverName"],
};

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.as_array() else {
        return vec![];
    };
    let found = entries
        .iter()
        .filter_map(|e| {
            let token = e.get("token")?;
            let expires = token.get("expiresAt").and_then(Value::as_i64);
            grant_of(e, token, &GEMINI, expires, now_ms)
        })
        .collect();
    dedup_by_server(found)
}

/// Every usable sign-in in full, keyed by `serverName` (Gemini CLI matches entries by it, the
/// last one winning). Gemini keeps no client secret; it keeps the token endpoint it renews at.
pub fn cached(doc: &Value, now_ms: i64) -> Vec<Entry> {
    let Some(entries) = doc.as_array() else {
        return vec![];
    };
    let mut out: Vec<Entry> = Vec::new();
    for e in entries {
        let Some(token) = e.get("token") else {
            continue;
        };
        let expires_ms = token.get("expiresAt").and_then(Value::as_i64);
        if grant_of(e, token, &GEMINI, expires_ms, now_ms).is_none() {
            continue;
        }
        let Some(name) = text(e, "serverName") else {
            continue;
        };
        out.retain(|o| o.name.as_deref() != Some(name.as_str()));
        out.push(Entry {
            server: text(e, "mcpServerUrl"),
            name: Some(name.clone()),
            keys: vec![name],
            client: text(e, "clientId").map(|client_id| CachedClient {
                client_id,
                client_secret: None,
                redirect_uri: None,
                auth_method: None,
            }),
            access_token: text(token, "accessToken").map(Secret::new),
            refresh_token: text(token, "refreshToken").map(Secret::new),
            expires_at: expires_ms.filter(|ms| *ms > 0).map(|ms| ms / 1000),
            scopes: scopes_of(token.get("scope").and_then(Value::as_str)),
            issuer: None,
            token_endpoint: text(e, "tokenUrl"),
        });
    }
    out
}

/// Remove the servers `names` as Gemini CLI's `deleteCredentials` does; written back as it
/// writes the file (`JSON.stringify(…, null, 2)`).
pub fn without_tokens(mut doc: Value, names: &[String]) -> Option<String> {
    doc.as_array_mut()?.retain(|e| {
        !e.get("serverName")
            .and_then(Value::as_str)
            .is_some_and(|n| names.iter().any(|k| k == n))
    });
    serde_json::to_string_pretty(&doc).ok()
}
