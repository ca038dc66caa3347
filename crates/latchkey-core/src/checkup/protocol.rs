//! The MCP revisions a server speaks, asked as a client asks with the person's own token: a
//! 2026-07-28 `server/discover` (its version and method in headers, the envelope in `_meta`)
//! and a 2025 `initialize` (whose answer names the revision the server chose). Both questions
//! are asked whatever the first answered: a server may speak both.

use serde_json::{Value, json};
use url::Url;

use super::{Checkup, Verdict, spec};
use crate::Secret;
use crate::http::{Fetched, HttpClient};
use crate::protocol::era::{self, LEGACY, MODERN};
use crate::protocol::{META_CAPABILITIES, META_CLIENT_INFO, META_VERSION};

/// What one question found.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// It answered with this revision.
    Speaks(String),
    /// It did not (an error, or an answer for another revision).
    No,
    /// It refused the token (401 or 403): nothing can be said.
    Refused(u16),
    /// It could not be asked (the network).
    Unreachable(String),
}

pub async fn versions(c: &mut Checkup, http: &HttpClient, url: &Url, token: Option<&Secret>) {
    let Some(token) = token else {
        c.add(
            "protocol_versions",
            Verdict::Skipped,
            format!(
                "needs a signed-in request: `latchkey connect {url}`, then run the checkup again"
            ),
            spec::PROTOCOL,
        );
        return;
    };
    let modern = discover(http, url, token).await;
    let legacy = initialize(http, url, token).await;
    let (verdict, says) = judge(&modern, &legacy);
    c.add("protocol_versions", verdict, says, spec::PROTOCOL);
}

/// The verdict on the two answers (pure).
pub fn judge(modern: &Answer, legacy: &Answer) -> (Verdict, String) {
    match (modern, legacy) {
        (Answer::Refused(s), _) | (_, Answer::Refused(s)) => (
            Verdict::Warning,
            format!("the server answered {s} to Latchkey's own token: sign in again (`latchkey connect`) and run the checkup again"),
        ),
        (Answer::Unreachable(e), _) | (_, Answer::Unreachable(e)) => {
            (Verdict::Warning, format!("could not ask: {e}"))
        }
        (Answer::Speaks(m), Answer::Speaks(l)) => (
            Verdict::Ok,
            format!("speaks {m} (server/discover) and {l} (initialize): every client can use it"),
        ),
        (Answer::Speaks(m), Answer::No) => (
            Verdict::Warning,
            format!("speaks only {m}: 2025 clients (most today) need a bridge such as `latchkey proxy`"),
        ),
        (Answer::No, Answer::Speaks(l)) if l.as_str() < "2025-03-26" => (
            Verdict::Warning,
            format!("speaks only {l}, a revision without the authorization the sign-in follows; current clients ask for {}", LEGACY[LEGACY.len() - 1]),
        ),
        (Answer::No, Answer::Speaks(l)) => (
            Verdict::Ok,
            format!("speaks {l} (initialize), not yet {MODERN}"),
        ),
        (Answer::No, Answer::No) => (
            Verdict::Failure,
            "answered neither server/discover (2026-07-28) nor initialize (2025) with a signed-in request".into(),
        ),
    }
}

fn post(http: &HttpClient, url: &Url, token: &Secret, body: &Value) -> reqwest::RequestBuilder {
    http.post(url)
        .header(http::header::ACCEPT, "application/json, text/event-stream")
        .header(
            http::header::AUTHORIZATION,
            format!("Bearer {}", token.expose()),
        )
        .json(body)
}

async fn discover(http: &HttpClient, url: &Url, token: &Secret) -> Answer {
    let mut params = json!({"_meta": {}});
    params["_meta"][META_VERSION] = json!(MODERN);
    params["_meta"][META_CAPABILITIES] = json!({});
    params["_meta"][META_CLIENT_INFO] =
        json!({"name": "latchkey-checkup", "version": env!("CARGO_PKG_VERSION")});
    let body = json!({"jsonrpc": "2.0", "id": "latchkey-checkup-discover",
        "method": "server/discover", "params": params});
    let request = post(http, url, token, &body)
        .header("mcp-protocol-version", MODERN)
        .header("mcp-method", "server/discover");
    match http.send(request).await {
        Err(e) => Answer::Unreachable(e.to_string()),
        Ok(f) if matches!(f.status, 401 | 403) => Answer::Refused(f.status),
        Ok(f) => match era::classify(f.status, message(&f).as_ref()) {
            era::Verdict::Modern { .. } | era::Verdict::RetryWith(_) => {
                Answer::Speaks(MODERN.into())
            }
            era::Verdict::Legacy => Answer::No,
        },
    }
}

async fn initialize(http: &HttpClient, url: &Url, token: &Secret) -> Answer {
    let newest = LEGACY[LEGACY.len() - 1];
    let body = json!({"jsonrpc": "2.0", "id": "latchkey-checkup-initialize", "method": "initialize",
        "params": {"protocolVersion": newest, "capabilities": {},
            "clientInfo": {"name": "latchkey-checkup", "version": env!("CARGO_PKG_VERSION")}}});
    let answer = match http.send(post(http, url, token, &body)).await {
        Err(e) => return Answer::Unreachable(e.to_string()),
        Ok(f) => f,
    };
    // The session it opened is closed again.
    if let Some(session) = answer.headers.get("mcp-session-id") {
        let _ = http
            .reqwest()
            .delete(url.clone())
            .header("mcp-session-id", session)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", token.expose()),
            )
            .send()
            .await;
    }
    if matches!(answer.status, 401 | 403) {
        return Answer::Refused(answer.status);
    }
    message(&answer)
        .as_ref()
        .and_then(|m| m.pointer("/result/protocolVersion"))
        .and_then(Value::as_str)
        .map(|v| Answer::Speaks(v.to_string()))
        .unwrap_or(Answer::No)
}

/// The JSON-RPC message of an answer: the body, or the first `data:` of an event stream.
fn message(f: &Fetched) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(&f.body) {
        return Some(v);
    }
    String::from_utf8_lossy(&f.body)
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .find_map(|d| serde_json::from_str(d.trim()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_answers_judged() {
        let speaks = |v: &str| Answer::Speaks(v.into());
        let rows = [
            (
                speaks(MODERN),
                speaks("2025-11-25"),
                Verdict::Ok,
                "every client",
            ),
            (
                speaks(MODERN),
                Answer::No,
                Verdict::Warning,
                "need a bridge",
            ),
            (
                Answer::No,
                speaks("2025-06-18"),
                Verdict::Ok,
                "speaks 2025-06-18",
            ),
            (
                Answer::No,
                speaks("2024-11-05"),
                Verdict::Warning,
                "without the authorization",
            ),
            (Answer::No, Answer::No, Verdict::Failure, "answered neither"),
            (
                Answer::Refused(401),
                speaks("2025-06-18"),
                Verdict::Warning,
                "sign in again",
            ),
        ];
        for (modern, legacy, verdict, words) in rows {
            let (v, says) = judge(&modern, &legacy);
            assert_eq!(v, verdict, "{says}");
            assert!(says.contains(words), "{says}");
        }
    }

    #[test]
    fn an_event_stream_answer_is_read() {
        let f = Fetched {
            url: Url::parse("http://x/mcp").unwrap(),
            status: 200,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from_static(
                b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\"}}\n\n",
            ),
        };
        assert_eq!(
            message(&f).unwrap()["result"]["protocolVersion"],
            "2025-06-18"
        );
    }
}
