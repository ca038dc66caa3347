//! One JSON-RPC message: the exact bytes that came (passed on untouched whenever nothing needs
//! translating), and what routing needs from them.

use bytes::Bytes;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Message {
    pub raw: Bytes,
    /// The parsed message (`None`: not JSON, passed on as it is).
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Notification,
    Response,
    /// Not a JSON-RPC message Latchkey understands (not JSON, a batch): passed on as it is.
    Other,
}

impl Message {
    pub fn parse(raw: impl Into<Bytes>) -> Self {
        let raw = raw.into();
        let value = serde_json::from_slice::<Value>(&raw)
            .ok()
            .filter(Value::is_object);
        Self { raw, value }
    }

    pub fn from_value(value: Value) -> Self {
        let raw = Bytes::from(serde_json::to_vec(&value).expect("a Value serialises"));
        Self {
            raw,
            value: Some(value),
        }
    }

    pub fn id(&self) -> Option<&Value> {
        self.value.as_ref()?.get("id")
    }

    pub fn method(&self) -> Option<&str> {
        self.value.as_ref()?.get("method")?.as_str()
    }

    pub fn params(&self) -> Option<&Value> {
        self.value.as_ref()?.get("params")
    }

    pub fn kind(&self) -> Kind {
        let Some(v) = &self.value else {
            return Kind::Other;
        };
        match (v.get("method").and_then(Value::as_str), v.get("id")) {
            (Some(_), Some(id)) if !id.is_null() => Kind::Request,
            (Some(_), _) => Kind::Notification,
            (None, Some(_)) if v.get("result").is_some() || v.get("error").is_some() => {
                Kind::Response
            }
            _ => Kind::Other,
        }
    }

    /// An error response without a usable id (`"id": null`, or none): SDK servers answer
    /// transport-level problems this way.
    pub fn is_error_without_id(&self) -> bool {
        self.value
            .as_ref()
            .is_some_and(|v| v.get("error").is_some() && v.get("id").is_none_or(Value::is_null))
    }
}

/// The key a request id is filed under (ids are strings or numbers; `1` and `"1"` differ).
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

/// A JSON-RPC error response.
pub fn error(id: &Value, code: i64, message: &str) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// A JSON-RPC result response.
pub fn result(id: &Value, result: Value) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// JSON-RPC's "server error" code for what the proxy itself could not do.
pub const PROXY_ERROR: i64 = -32000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let rows = [
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
                Kind::Request,
            ),
            (
                r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                Kind::Notification,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"result":{}}"#, Kind::Response),
            (
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}"#,
                Kind::Response,
            ),
            ("not json", Kind::Other),
            (r#"[{"jsonrpc":"2.0","id":1,"method":"a"}]"#, Kind::Other),
        ];
        for (text, kind) in rows {
            assert_eq!(
                Message::parse(text.as_bytes().to_vec()).kind(),
                kind,
                "{text}"
            );
        }
        assert!(
            Message::parse(
                br#"{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x"}}"#.to_vec()
            )
            .is_error_without_id()
        );
        assert!(
            !Message::parse(
                br#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}"#.to_vec()
            )
            .is_error_without_id()
        );
    }
}
