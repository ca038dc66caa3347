//! Between a 2025 client and a 2026-07-28 server: the request envelope (`_meta` with the
//! protocol version, the client's capabilities and identity), the client's `initialize`
//! answered from the server's `server/discover`, and results turned back into what a 2025
//! client expects. Pure functions: the session does the I/O.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::era;
use super::headers::{ParamHeader, param_headers};

pub use latchkey_core::protocol::{
    META_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_SERVER_INFO, META_SUBSCRIPTION,
    META_VERSION,
};

/// The client capabilities a 2026-07-28 server is told, from what the 2025 client declared:
/// `roots` loses `listChanged` (there is no roots notification any more) and `tasks` goes
/// (an extension now); sampling, elicitation and experimental pass.
pub fn client_capabilities(declared: &Value) -> Value {
    let mut out = Map::new();
    if let Some(obj) = declared.as_object() {
        for (key, value) in obj {
            match key.as_str() {
                "roots" => {
                    out.insert(key.clone(), json!({}));
                }
                "sampling" | "elicitation" | "experimental" | "extensions" => {
                    out.insert(key.clone(), value.clone());
                }
                _ => {}
            }
        }
    }
    Value::Object(out)
}

/// What every request to a 2026-07-28 server carries in `params._meta`.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub version: String,
    pub capabilities: Value,
    pub client_info: Value,
    pub log_level: Option<String>,
}

impl Envelope {
    /// `params` with this envelope in its `_meta` (keys the request already has are kept:
    /// a progress token, trace context).
    pub fn wrap(&self, params: Option<&Value>) -> Value {
        let mut params = params
            .filter(|p| p.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let meta = params
            .as_object_mut()
            .expect("an object")
            .entry("_meta")
            .or_insert_with(|| json!({}));
        if !meta.is_object() {
            *meta = json!({});
        }
        let meta = meta.as_object_mut().expect("an object");
        meta.insert(META_VERSION.into(), Value::from(self.version.clone()));
        meta.insert(META_CAPABILITIES.into(), self.capabilities.clone());
        meta.insert(META_CLIENT_INFO.into(), self.client_info.clone());
        if let Some(level) = &self.log_level {
            meta.insert(META_LOG_LEVEL.into(), Value::from(level.clone()));
        }
        params
    }
}

/// The answer to a 2025 client's `initialize`, made from the server's DiscoverResult.
pub fn initialize_result(requested_version: &str, discover: &Value, server_url: &str) -> Value {
    let mut capabilities = discover
        .get("capabilities")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(caps) = capabilities.as_object_mut() {
        caps.remove("extensions");
    }
    let server_info = discover
        .pointer(&format!("/_meta/{}", META_SERVER_INFO.replace('/', "~1")))
        .or_else(|| discover.get("serverInfo"))
        .cloned()
        .unwrap_or_else(|| json!({"name": server_url, "version": "unknown"}));
    let mut result = json!({
        "protocolVersion": era::for_legacy_client(requested_version),
        "capabilities": capabilities,
        "serverInfo": server_info,
    });
    if let Some(instructions) = discover.get("instructions").filter(|i| i.is_string()) {
        result["instructions"] = instructions.clone();
    }
    result
}

/// A 2026-07-28 result as a 2025 client expects it: no `resultType`, `ttlMs` or `cacheScope`;
/// `structuredContent` only when it is an object (2025 requires one); tools' `outputSchema`
/// only when it describes an object.
pub fn downgrade(method: &str, mut result: Value) -> Value {
    if let Some(obj) = result.as_object_mut() {
        obj.remove("resultType");
        obj.remove("ttlMs");
        obj.remove("cacheScope");
        if method == "tools/call" && obj.get("structuredContent").is_some_and(|s| !s.is_object()) {
            obj.remove("structuredContent");
        }
        if method == "tools/list"
            && let Some(tools) = obj.get_mut("tools").and_then(Value::as_array_mut)
        {
            for tool in tools {
                let keep = tool
                    .get("outputSchema")
                    .is_none_or(|s| s.get("type").and_then(Value::as_str) == Some("object"));
                if !keep && let Some(t) = tool.as_object_mut() {
                    t.remove("outputSchema");
                }
            }
        }
    }
    result
}

/// A 2026-07-28 notification as a 2025 client expects it (the subscription id of the listen
/// stream it came on is Latchkey's business).
pub fn downgrade_notification(mut note: Value) -> Value {
    if let Some(meta) = note
        .get_mut("params")
        .and_then(|p| p.get_mut("_meta"))
        .and_then(Value::as_object_mut)
    {
        meta.remove(META_SUBSCRIPTION);
    }
    if let Some(params) = note.get_mut("params").and_then(Value::as_object_mut)
        && params
            .get("_meta")
            .is_some_and(|m| m.as_object().is_some_and(Map::is_empty))
    {
        params.remove("_meta");
    }
    note
}

/// A `tools/list` result with every tool whose `x-mcp-header` annotations are invalid left out
/// (an HTTP client must not use them); the headers of the others, by tool name; and what was
/// left out, with why.
pub struct Tools {
    pub result: Value,
    pub headers: HashMap<String, Vec<ParamHeader>>,
    pub left_out: Vec<(String, String)>,
}

pub fn filter_tools(mut result: Value) -> Tools {
    let mut headers = HashMap::new();
    let mut left_out = Vec::new();
    if let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut) {
        tools.retain(|tool| {
            let name = tool["name"].as_str().unwrap_or_default().to_string();
            let schema = tool.get("inputSchema").cloned().unwrap_or(Value::Null);
            match param_headers(&schema) {
                Ok(found) => {
                    headers.insert(name, found);
                    true
                }
                Err(why) => {
                    left_out.push((name, why));
                    false
                }
            }
        });
    }
    Tools {
        result,
        headers,
        left_out,
    }
}

/// A 2025 client's `logging/setLevel`, `ping`, `resources/subscribe` and the like have no
/// 2026-07-28 method: the proxy answers them itself.
pub fn answered_locally(method: &str) -> bool {
    matches!(
        method,
        "ping" | "logging/setLevel" | "resources/subscribe" | "resources/unsubscribe"
    )
}

/// The methods whose result may be `input_required` (SEP-2322).
pub fn may_need_input(method: &str) -> bool {
    matches!(method, "tools/call" | "prompts/get" | "resources/read")
}

/// Methods safe to send again when a 2026-07-28 server's stream broke before its answer (a
/// broken stream loses the request): reads only.
pub fn safe_to_repeat(method: &str) -> bool {
    matches!(
        method,
        "tools/list"
            | "prompts/list"
            | "prompts/get"
            | "resources/list"
            | "resources/templates/list"
            | "resources/read"
            | "completion/complete"
            | "server/discover"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_carries_version_capabilities_and_identity() {
        let env = Envelope {
            version: "2026-07-28".into(),
            capabilities: client_capabilities(
                &json!({"roots": {"listChanged": true}, "sampling": {}, "tasks": {}}),
            ),
            client_info: json!({"name": "c", "version": "1"}),
            log_level: Some("info".into()),
        };
        let params = env.wrap(Some(&json!({"name": "t", "_meta": {"progressToken": 7}})));
        assert_eq!(params["name"], "t");
        let meta = &params["_meta"];
        assert_eq!(meta["progressToken"], 7, "kept");
        assert_eq!(meta[META_VERSION], "2026-07-28");
        assert_eq!(
            meta[META_CAPABILITIES],
            json!({"roots": {}, "sampling": {}})
        );
        assert_eq!(meta[META_CLIENT_INFO]["name"], "c");
        assert_eq!(meta[META_LOG_LEVEL], "info");
        let bare = env.wrap(None);
        assert_eq!(bare["_meta"][META_VERSION], "2026-07-28");
    }

    #[test]
    fn initialize_is_answered_from_discover() {
        let discover = json!({
            "supportedVersions": ["2026-07-28"],
            "capabilities": {"tools": {"listChanged": true}, "extensions": {"x": {}}},
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "2"}},
            "instructions": "be nice", "ttlMs": 0, "cacheScope": "public", "resultType": "complete"
        });
        let r = initialize_result("2025-06-18", &discover, "https://x/mcp");
        assert_eq!(r["protocolVersion"], "2025-06-18");
        assert_eq!(r["capabilities"], json!({"tools": {"listChanged": true}}));
        assert_eq!(r["serverInfo"]["name"], "s");
        assert_eq!(r["instructions"], "be nice");
        assert!(r.get("resultType").is_none() && r.get("ttlMs").is_none());
        let body_info = json!({"supportedVersions": ["2026-07-28"], "serverInfo": {"name": "old-style", "version": "1"}});
        assert_eq!(
            initialize_result("2025-11-25", &body_info, "u")["serverInfo"]["name"],
            "old-style"
        );
    }

    #[test]
    fn results_are_turned_back_for_a_2025_client() {
        let call = downgrade(
            "tools/call",
            json!({"resultType": "complete", "content": [], "structuredContent": [1, 2]}),
        );
        assert_eq!(call, json!({"content": []}));
        let kept = downgrade(
            "tools/call",
            json!({"content": [], "structuredContent": {"a": 1}}),
        );
        assert_eq!(kept["structuredContent"]["a"], 1);
        let list = downgrade(
            "tools/list",
            json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "tools": [
                {"name": "a", "inputSchema": {"type": "object"}, "outputSchema": {"type": "array"}},
                {"name": "b", "inputSchema": {"type": "object"}, "outputSchema": {"type": "object"}}]}),
        );
        assert_eq!(list["tools"][0].get("outputSchema"), None);
        assert_eq!(list["tools"][1]["outputSchema"]["type"], "object");
        assert!(list.get("ttlMs").is_none());
        let note = downgrade_notification(
            json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
            "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "l1"}}}),
        );
        assert_eq!(note["params"], json!({}));
    }

    #[test]
    fn tools_with_invalid_annotations_are_left_out() {
        let result = json!({"tools": [
            {"name": "ok", "inputSchema": {"type": "object", "properties": {"r": {"type": "string", "x-mcp-header": "Region"}}}},
            {"name": "bad", "inputSchema": {"type": "object", "properties": {"r": {"type": "number", "x-mcp-header": "F"}}}}]});
        let tools = filter_tools(result);
        assert_eq!(tools.result["tools"].as_array().unwrap().len(), 1);
        assert_eq!(tools.result["tools"][0]["name"], "ok");
        assert_eq!(tools.headers["ok"][0].name, "Region");
        assert_eq!(tools.left_out[0].0, "bad");
    }
}
