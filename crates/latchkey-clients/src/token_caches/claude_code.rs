//! Claude Code: `$CLAUDE_CONFIG_DIR/.credentials.json` (default `~/.claude`), the only store on
//! Linux (the macOS Keychain's fallback). Key `mcpOAuth`: `"<name>|<hash>"` →
//! `{serverName, serverUrl, accessToken, refreshToken?, expiresAt (ms), scope?, clientId?,
//! clientSecret?, discoveryState?}`. Stubs with an empty `accessToken` are no sign-in. The
//! same file holds the person's own Claude login (`claudeAiOauth`), which is not an MCP grant.

use serde_json::Value;

use super::cached::{CachedClient, Entry, scopes_of, text};
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

/// Every usable MCP sign-in in full, one per server (the renewable copy; its duplicates'
/// keys with it, so their tokens leave the file too). A client secret given with
/// `--client-secret` sits apart, under `mcpOAuthClientConfig`.
pub fn cached(doc: &Value, now_ms: i64) -> Vec<Entry> {
    let Some(entries) = doc.get("mcpOAuth").and_then(Value::as_object) else {
        return vec![];
    };
    let secrets = doc.get("mcpOAuthClientConfig");
    let mut out: Vec<Entry> = Vec::new();
    for (key, e) in entries {
        let expires_ms = e.get("expiresAt").and_then(Value::as_i64);
        if grant_of(e, e, &CAMEL, expires_ms, now_ms).is_none() {
            continue;
        }
        let server = text(e, "serverUrl");
        if let Some(same) = out
            .iter_mut()
            .find(|o| server.is_some() && o.server == server)
        {
            same.keys.push(key.clone());
            if same.refresh_token.is_some() || text(e, "refreshToken").is_none() {
                continue;
            }
            let keys = std::mem::take(&mut same.keys);
            *same = entry(key, e, secrets, expires_ms);
            same.keys = keys;
            continue;
        }
        out.push(entry(key, e, secrets, expires_ms));
    }
    out
}

fn entry(key: &str, e: &Value, secrets: Option<&Value>, expires_ms: Option<i64>) -> Entry {
    use crate::secret::Secret;
    let secret =
        text(e, "clientSecret").or_else(|| secrets?.get(key).and_then(|c| text(c, "clientSecret")));
    Entry {
        server: text(e, "serverUrl"),
        name: text(e, "serverName"),
        keys: vec![key.to_string()],
        client: text(e, "clientId").map(|client_id| CachedClient {
            client_id,
            client_secret: secret.map(Secret::new),
            redirect_uri: None,
            auth_method: None,
        }),
        access_token: text(e, "accessToken").map(Secret::new),
        refresh_token: text(e, "refreshToken").map(Secret::new),
        expires_at: expires_ms.filter(|ms| *ms > 0).map(|ms| ms / 1000),
        scopes: scopes_of(e.get("scope").and_then(Value::as_str)),
        issuer: e
            .get("discoveryState")
            .and_then(|d| text(d, "authorizationServerUrl")),
        token_endpoint: None,
    }
}

/// Take the tokens out of entries `keys` as Claude Code's own `invalidateCredentials('tokens')`
/// does (`accessToken` "", no `refreshToken`, `expiresAt` 0): its registration and every other
/// key of the file (the person's login) stay. Written back as Claude Code writes it (compact).
pub fn without_tokens(mut doc: Value, keys: &[String]) -> Option<String> {
    if let Some(entries) = doc.get_mut("mcpOAuth").and_then(Value::as_object_mut) {
        for key in keys {
            if let Some(e) = entries.get_mut(key).and_then(Value::as_object_mut) {
                e.insert("accessToken".into(), Value::String(String::new()));
                e.remove("refreshToken");
                e.insert("expiresAt".into(), Value::from(0));
            }
        }
    }
    serde_json::to_string(&doc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same server under two keys (a known Claude Code bug): one grant, the renewable
    /// copy, and both keys lose their tokens.
    #[test]
    fn duplicates_are_one_grant_and_all_lose_their_tokens() {
        let doc = serde_json::json!({
            "claudeAiOauth": {"accessToken": "LOGIN"},
            "mcpOAuthClientConfig": {"a|2": {"clientSecret": "CS"}},
            "mcpOAuth": {
                "a|1": {"serverName": "a", "serverUrl": "https://a/mcp", "accessToken": "A1",
                    "expiresAt": i64::MAX / 4},
                "a|2": {"serverName": "a", "serverUrl": "https://a/mcp", "accessToken": "A2",
                    "refreshToken": "R2", "expiresAt": 1_760_000_000_000_i64, "clientId": "c",
                    "scope": "x y"}
            }
        });
        let found = cached(&doc, 1_000);
        assert_eq!(found.len(), 1);
        let g = &found[0];
        assert_eq!(g.keys, ["a|1", "a|2"]);
        assert_eq!(g.refresh_token.as_ref().unwrap().expose(), "R2");
        assert_eq!(g.expires_at, Some(1_760_000_000));
        assert_eq!(g.scopes, ["x", "y"]);
        let client = g.client.as_ref().unwrap();
        assert_eq!(client.client_secret.as_ref().unwrap().expose(), "CS");

        let text = without_tokens(doc, &g.keys).unwrap();
        let after: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(after["claudeAiOauth"]["accessToken"], "LOGIN");
        for key in ["a|1", "a|2"] {
            let e = &after["mcpOAuth"][key];
            assert_eq!(
                (&e["accessToken"], &e["expiresAt"]),
                (&Value::from(""), &Value::from(0))
            );
            assert!(e.get("refreshToken").is_none());
        }
        assert!(!text.contains("A1") && !text.contains("R2"));
    }
}
