//! Gemini CLI: `$GEMINI_CLI_HOME/.gemini/mcp-oauth-tokens.json` (default home), plain text by
//! default (the keychain and an encrypted file only with `GEMINI_FORCE_ENCRYPTED_FILE_STORAGE`,
//! and under other names). A JSON array of `{serverName, token: {accessToken, tokenType,
//! refreshToken?, scope?, expiresAt? (ms)}, clientId?, tokenUrl?, mcpServerUrl?, updatedAt}`.

use serde_json::Value;

use super::{Grant, dedup_by_server, non_empty, usable};

pub fn grants(doc: &Value, now_ms: i64) -> Vec<Grant> {
    let Some(entries) = doc.as_array() else {
        return vec![];
    };
    let found = entries
        .iter()
        .filter_map(|e| {
            let token = e.get("token")?;
            let refreshable = non_empty(token, "refreshToken");
            let expires = token.get("expiresAt").and_then(Value::as_i64);
            usable(
                non_empty(token, "accessToken"),
                refreshable,
                expires,
                now_ms,
            )
            .then(|| Grant {
                server: ["mcpServerUrl", "serverName"]
                    .iter()
                    .find_map(|k| e.get(*k).and_then(Value::as_str))
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                key: None,
                refreshable,
            })
        })
        .collect();
    dedup_by_server(found)
}
