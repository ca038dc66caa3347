//! Protocol versions, and what a server's answer says about the one it speaks.
//!
//! 2024-11-05 to 2025-11-25 open a session with `initialize` ("legacy" here, as the 2026-07-28
//! specification calls them); 2026-07-28 has no handshake: every request carries its version
//! and the client's capabilities ("modern").

use serde_json::Value;

/// The modern revision Latchkey speaks.
pub const MODERN: &str = "2026-07-28";

/// Every revision with an `initialize` handshake, oldest first.
pub const LEGACY: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The version to answer a 2025 client's `initialize` with when the proxy speaks to the server
/// itself: the one the client asked for when Latchkey knows it, else the newest it knows.
pub fn for_legacy_client(requested: &str) -> &'static str {
    LEGACY
        .iter()
        .find(|v| **v == requested)
        .copied()
        .unwrap_or(LEGACY[LEGACY.len() - 1])
}

/// What the answer to a modern request (a `server/discover`, or the first request of a
/// session) says about the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It speaks 2026-07-28; `discover` is its DiscoverResult when that was the question.
    Modern { discover: Option<Value> },
    /// It does not speak the version asked for but lists one Latchkey speaks: ask again.
    RetryWith(String),
    /// It is a 2025 (or older) server: open a session with `initialize`.
    Legacy,
}

/// Classify the HTTP status and JSON body of the answer to a modern request (after auth: a
/// 401 or 403 says nothing about the era). Following the 2026-07-28 specification's backward
/// compatibility rules: a recognised modern error means a modern server (never fall back on
/// it); an empty or unrecognised 4xx means a legacy one.
pub fn classify(status: u16, body: Option<&Value>) -> Verdict {
    let error_code = body
        .and_then(|b| b.get("error"))
        .and_then(|e| e.get("code"))
        .and_then(Value::as_i64);
    if (200..300).contains(&status)
        && let Some(result) = body.and_then(|b| b.get("result"))
    {
        return match result.get("supportedVersions").and_then(Value::as_array) {
            Some(list) if list.iter().any(|v| v.as_str() == Some(MODERN)) => Verdict::Modern {
                discover: Some(result.clone()),
            },
            // A result for a request it should not have understood, or versions Latchkey
            // does not speak: treat as legacy.
            _ => Verdict::Legacy,
        };
    }
    match error_code {
        Some(-32022) => {
            let supported = body
                .and_then(|b| b.pointer("/error/data/supported"))
                .and_then(Value::as_array);
            match supported {
                Some(list) if list.iter().any(|v| v.as_str() == Some(MODERN)) => {
                    Verdict::RetryWith(MODERN.to_string())
                }
                _ => Verdict::Legacy,
            }
        }
        Some(-32020 | -32021) => Verdict::Modern { discover: None },
        Some(-32601) if status == 404 => Verdict::Modern { discover: None },
        _ => Verdict::Legacy,
    }
}

/// Whether the answer to a legacy `initialize` says the server is in fact modern: it refused
/// the handshake with a modern error (or does not know the method at all).
pub fn initialize_refused_as_modern(body: Option<&Value>) -> bool {
    let code = body
        .and_then(|b| b.pointer("/error/code"))
        .and_then(Value::as_i64);
    matches!(code, Some(-32020 | -32021 | -32022 | -32601))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdict_rows() {
        let rows = [
            (
                "discover result",
                200,
                json!({"result": {"supportedVersions": ["2026-07-28"], "capabilities": {}}}),
                "modern",
            ),
            (
                "-32022 naming ours",
                400,
                json!({"error": {"code": -32022, "data": {"supported": ["2026-07-28"], "requested": "x"}}}),
                "retry",
            ),
            (
                "-32022 naming only older ones",
                400,
                json!({"error": {"code": -32022, "data": {"supported": ["2025-11-25"]}}}),
                "legacy",
            ),
            (
                "-32022 without data",
                400,
                json!({"error": {"code": -32022}}),
                "legacy",
            ),
            (
                "header mismatch",
                400,
                json!({"error": {"code": -32020}}),
                "modern",
            ),
            (
                "unknown method on 404",
                404,
                json!({"error": {"code": -32601}}),
                "modern",
            ),
            (
                "unknown method on 200",
                200,
                json!({"error": {"code": -32601}}),
                "legacy",
            ),
            (
                "Python SDK without a session",
                400,
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "Bad Request: Missing session ID"}}),
                "legacy",
            ),
            (
                "TS SDK v1 refusing the version",
                400,
                json!({"error": {"code": -32000, "message": "Bad Request: Unsupported protocol version"}}),
                "legacy",
            ),
            (
                "a result without versions",
                200,
                json!({"result": {}}),
                "legacy",
            ),
        ];
        for (name, status, body, want) in rows {
            let got = match classify(status, Some(&body)) {
                Verdict::Modern { .. } => "modern",
                Verdict::RetryWith(_) => "retry",
                Verdict::Legacy => "legacy",
            };
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(classify(405, None), Verdict::Legacy);
    }

    #[test]
    fn a_legacy_client_gets_its_own_version_when_known() {
        assert_eq!(for_legacy_client("2025-06-18"), "2025-06-18");
        assert_eq!(for_legacy_client("2099-01-01"), "2025-11-25");
    }
}
