//! The legacy HTTP+SSE transport (MCP 2024-11-05): a GET opens an event stream whose first
//! `endpoint` event names the URL to POST messages to; answers arrive on the stream.

use std::sync::Arc;

use futures_util::StreamExt;
use latchkey_core::oauth::challenge::BearerChallenge;
use latchkey_core::oauth::probe::challenge_from;
use latchkey_core::secret::Secret;
use latchkey_core::url_policy;
use url::Url;

use super::streamable::{Message, SendAttempt, Session, auth_outcome};

pub enum OpenError {
    Unauthorized(BearerChallenge),
    Other(String),
}

/// Open the stream, wait for its `endpoint` event, and keep forwarding its messages.
pub async fn open(session: Arc<Session>, token: Option<&Secret>) -> Result<Url, OpenError> {
    use eventsource_stream::Eventsource;
    let url = session_url(&session);
    let resp = session
        .request(http::Method::GET, &url, token)
        .header(http::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| OpenError::Other(format!("cannot reach {url}: {}", e.without_url())))?;
    let status = resp.status().as_u16();
    if status == 401 {
        return Err(OpenError::Unauthorized(challenge_from(resp.headers())));
    }
    if !resp.status().is_success() {
        return Err(OpenError::Other(format!(
            "the server speaks neither Streamable HTTP nor HTTP+SSE (GET answered {status})"
        )));
    }
    let mut events = super::bounded::event_stream(resp, session.max_message()).eventsource();
    let endpoint = loop {
        match events.next().await {
            Some(Ok(ev)) if ev.event == "endpoint" => {
                let endpoint = url
                    .join(ev.data.trim())
                    .map_err(|_| OpenError::Other("the SSE endpoint event is not a URL".into()))?;
                if url_policy::origin(&endpoint) != url_policy::origin(&url) {
                    return Err(OpenError::Other(
                        "the SSE endpoint is on another origin; refusing it".into(),
                    ));
                }
                break endpoint;
            }
            Some(Ok(_)) => continue,
            _ => {
                return Err(OpenError::Other(
                    "the SSE stream ended before naming its endpoint".into(),
                ));
            }
        }
    };
    let forwarder = session.clone();
    let handle = tokio::spawn(async move {
        while let Some(Ok(ev)) = events.next().await {
            if (ev.event.is_empty() || ev.event == "message") && !ev.data.trim().is_empty() {
                forwarder.emit(ev.data.as_bytes(), false).await;
            }
        }
    });
    session.keep(handle);
    Ok(endpoint)
}

pub async fn post(
    session: &Session,
    endpoint: &Url,
    message: &Message,
    token: Option<&Secret>,
) -> SendAttempt {
    if let (Some(id), Some(_)) = (&message.id, message.method()) {
        session.expect_answer(id);
    }
    let resp = session
        .request(http::Method::POST, endpoint, token)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(message.raw.clone())
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            return SendAttempt::Failed(format!("cannot reach {endpoint}: {}", e.without_url()));
        }
    };
    let status = resp.status().as_u16();
    if let Some(a) = auth_outcome(status, resp.headers()) {
        return a;
    }
    if resp.status().is_success() {
        SendAttempt::Done
    } else {
        SendAttempt::Failed(format!("the server answered HTTP {status}"))
    }
}

fn session_url(session: &Session) -> Url {
    session.url().clone()
}
