//! Claude Code: `$CLAUDE_CONFIG_DIR/.credentials.json` (default `~/.claude`), the only store on
//! Linux (the macOS Keychain's fallback). Key `mcpOAuth`: `"<name>|<hash>"` →
//! `{serverName, serverUrl, accessToken, refreshToken?, expiresAt (ms), scope?, clientId?,
//! clientSecret?, discoveryState?}`. Stubs with an empty `accessToken` are no sign-in. The
//! same file holds the person's own Claude login (`claudeAiOauth`), which is not an MCP grant.

use serde_json::Value;

use super::{CAMEL, Grant, dedup_by_server, grant_of};

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.get("mcpOAuth").and_then(Value::as_object) else {
        return vec![];
    };
    let found = entries
        .values()
        .filter_map(|e| {
            let expires = e.get("expiresAt").and_then(Value::as_i64);
            grant_of(e, e, &CAMEL, expires, now_ms)
        })
        .collect();
    dedup_by_server(found)
}
