//! opencode: `$XDG_DATA_HOME/opencode/mcp-auth.json` (default `~/.local/share`, on macOS too).
//! An object keyed by the server's name: `{tokens?: {accessToken, refreshToken?, expiresAt?
//! (seconds, often fractional), scope?}, clientInfo?: {clientId, clientSecret?, ...},
//! codeVerifier?, oauthState?, serverUrl?}`. Read from the released 1.18.33 binary.

use serde_json::Value;

use super::{Grant, dedup_by_server, non_empty, usable};

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.as_object() else {
        return vec![];
    };
    let found = entries
        .iter()
        .filter_map(|(name, e)| {
            let tokens = e.get("tokens")?;
            let refreshable = non_empty(tokens, "refreshToken");
            let expires_ms = tokens
                .get("expiresAt")
                .and_then(Value::as_f64)
                .map(|s| (s * 1000.0) as i64);
            usable(
                non_empty(tokens, "accessToken"),
                refreshable,
                expires_ms,
                now_ms,
            )
            .then(|| Grant {
                server: Some(
                    e.get("serverUrl")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or(name)
                        .to_string(),
                ),
                key: None,
                refreshable,
            })
        })
        .collect();
    dedup_by_server(found)
}
