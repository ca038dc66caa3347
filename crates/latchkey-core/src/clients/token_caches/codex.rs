//! Codex: `$CODEX_HOME/.credentials.json` (default `~/.codex`), written when the keyring cannot
//! be used (`mcp_oauth_credentials_store = "auto"`, the default) or is not wanted (`"file"`).
//! One object: `"<name>|<hash>"` → `{server_name, server_url, client_id, access_token,
//! expires_at (ms or null), refresh_token (or null), scopes: [..]}`.

use serde_json::Value;

use super::{Fields, Grant, dedup_by_server, grant_of};

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
