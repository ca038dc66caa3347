//! Gemini CLI: `$GEMINI_CLI_HOME/.gemini/mcp-oauth-tokens.json` (default home), plain text by
//! default (the keychain and an encrypted file only with `GEMINI_FORCE_ENCRYPTED_FILE_STORAGE`,
//! and under other names). A JSON array of `{serverName, token: {accessToken, tokenType,
//! refreshToken?, scope?, expiresAt? (ms)}, clientId?, tokenUrl?, mcpServerUrl?, updatedAt}`.

use serde_json::Value;

use super::{Fields, Grant, dedup_by_server, grant_of};

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
