//! GitHub Copilot CLI: `$COPILOT_HOME/mcp-oauth-config/` (default `~/.copilot`), the fallback
//! when the system keychain fails. Per sign-in `<hash>.tokens.json` = `{accessToken,
//! expiresAt (seconds), refreshToken?, scope?}`, beside `<hash>.json` = `{serverUrl,
//! authorizationServerUrl, clientId, redirectUri, resourceUrl?}` when the registration shares
//! the hash. Token files are never collected, so one server may have many: those that name the
//! same server count once. Known from issues and third-party readers only (no public source).

use std::path::Path;

use serde_json::Value;

use super::{Grant, dedup_by_server, non_empty, usable};

const TOKENS_SUFFIX: &str = ".tokens.json";

pub fn grants(dir: &Path, now_ms: i64, read: &dyn Fn(&Path) -> Option<Value>) -> Vec<Grant> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(TOKENS_SUFFIX))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let found = names
        .into_iter()
        .filter_map(|n| {
            let doc = read(&dir.join(&n))?;
            let refreshable = non_empty(&doc, "refreshToken");
            let expires_ms = doc
                .get("expiresAt")
                .and_then(Value::as_i64)
                .map(|s| s.saturating_mul(1000));
            if !usable(
                non_empty(&doc, "accessToken"),
                refreshable,
                expires_ms,
                now_ms,
            ) {
                return None;
            }
            let hash = n.strip_suffix(TOKENS_SUFFIX)?;
            let server = read(&dir.join(format!("{hash}.json"))).and_then(|r| {
                r.get("serverUrl")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            Some(Grant {
                server,
                key: Some(hash.to_string()),
                refreshable,
            })
        })
        .collect();
    dedup_by_server(found)
}
