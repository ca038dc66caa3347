//! opencode: `$XDG_DATA_HOME/opencode/mcp-auth.json` (default `~/.local/share`, on macOS too).
//! An object keyed by the server's name: `{tokens?: {accessToken, refreshToken?, expiresAt?
//! (seconds, often fractional), scope?}, clientInfo?: {clientId, clientSecret?, ...},
//! codeVerifier?, oauthState?, serverUrl?}`. Read from the released 1.18.33 binary.

use serde_json::Value;

use super::{CAMEL, Grant, dedup_by_server, grant_of};

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
