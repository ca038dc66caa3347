//! GitHub Copilot CLI: `$COPILOT_HOME/mcp-oauth-config/` (default `~/.copilot`), the fallback
//! when the system keychain fails. Per sign-in `<hash>.tokens.json` = `{accessToken,
//! expiresAt (seconds), refreshToken?, scope?}`, beside `<hash>.json` = `{serverUrl,
//! authorizationServerUrl, clientId, redirectUri, resourceUrl?}` when the registration shares
//! the hash. Token files are never collected, so one server may have many: those that name the
//! same server count once. Known from issues and third-party readers only (no public source).

use std::path::Path;

use serde_json::Value;

use super::{CAMEL, Grant, dedup_by_server, files_ending, grant_of};

const TOKENS_SUFFIX: &str = ".tokens.json";

pub fn grants(dir: &Path, now_ms: i64, read: &dyn Fn(&Path) -> Option<Value>) -> Vec<Grant> {
    let found = files_ending(dir, TOKENS_SUFFIX)
        .into_iter()
        .filter_map(|n| {
            let doc = read(&dir.join(&n))?;
            let expires_ms = doc
                .get("expiresAt")
                .and_then(Value::as_i64)
                .map(|s| s.saturating_mul(1000));
            let hash = n.strip_suffix(TOKENS_SUFFIX)?;
            let registration = read(&dir.join(format!("{hash}.json"))).unwrap_or_default();
            let mut grant = grant_of(&registration, &doc, &CAMEL, expires_ms, now_ms)?;
            grant.key = Some(hash.to_string());
            Some(grant)
        })
        .collect();
    dedup_by_server(found)
}
