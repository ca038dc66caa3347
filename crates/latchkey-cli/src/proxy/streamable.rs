//! Streamable HTTP (MCP 2025-03-26 and later): every client message is POSTed; the answer is
//! JSON, an SSE stream, or 202. `Mcp-Session-Id` and `MCP-Protocol-Version` are carried; a GET
//! stream brings server-initiated messages. Falls back to [`super::legacy_sse`] when the server
//! does not speak Streamable HTTP.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use latchkey_core::oauth::challenge::BearerChallenge;
use latchkey_core::oauth::probe::challenge_from;
use latchkey_core::secret::Secret;
use tokio::sync::RwLock;
use url::Url;

use super::auth::Auth;
use super::bounded;
use super::legacy_sse;
use super::output::{Out, error_reply, one_line};

/// One client message: the exact line received, plus what routing needs.
pub struct Message {
    pub raw: Bytes,
    pub id: Option<serde_json::Value>,
    method: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Initialize,
    Request,
    Notification,
    Response,
}

impl Message {
    pub fn parse(line: String) -> Self {
        let value: Option<serde_json::Value> = serde_json::from_str(&line).ok();
        let id = value.as_ref().and_then(|v| v.get("id")).cloned();
        let method = value
            .as_ref()
            .and_then(|v| v.get("method"))
            .and_then(|m| m.as_str())
            .map(str::to_string);
        Self {
            raw: Bytes::from(line),
            id,
            method,
        }
    }

    pub fn method(&self) -> Option<&str> {
        self.method.as_deref()
    }

    pub fn kind(&self) -> Kind {
        match (&self.method, &self.id) {
            (Some(m), Some(_)) if m == "initialize" => Kind::Initialize,
            (Some(_), Some(_)) => Kind::Request,
            (Some(_), None) => Kind::Notification,
            (None, _) => Kind::Response,
        }
    }
}

#[derive(Clone)]
enum Transport {
    Streamable,
    Legacy { endpoint: Url },
}

pub struct Session {
    http: reqwest::Client,
    url: Url,
    headers: http::HeaderMap,
    auth: Arc<Auth>,
    out: Out,
    session_id: RwLock<Option<String>>,
    protocol_version: RwLock<Option<String>>,
    transport: RwLock<Transport>,
    background: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Requests whose answers come on the legacy SSE stream rather than the POST response.
    awaiting: std::sync::Mutex<std::collections::HashSet<String>>,
    answered: tokio::sync::Notify,
    /// The largest message passed on (see `bounded`).
    max_message: usize,
}

/// What one attempt at sending produced.
pub(super) enum Attempt {
    Done,
    Unauthorized(BearerChallenge),
    InsufficientScope(BearerChallenge),
    Failed(String),
    NotStreamable,
}

const MAX_ATTEMPTS: usize = 6;

impl Session {
    pub fn new(
        http: reqwest::Client,
        url: Url,
        headers: http::HeaderMap,
        auth: Arc<Auth>,
        out: Out,
        max_message: usize,
    ) -> Self {
        Self {
            http,
            url,
            headers,
            auth,
            out,
            session_id: RwLock::new(None),
            protocol_version: RwLock::new(None),
            transport: RwLock::new(Transport::Streamable),
            background: std::sync::Mutex::new(Vec::new()),
            awaiting: std::sync::Mutex::new(Default::default()),
            answered: tokio::sync::Notify::new(),
            max_message,
        }
    }

    /// Send one message to the server, handling auth, and write what comes back to stdout.
    pub async fn forward(self: &Arc<Self>, message: Message) {
        let mut token = match self.auth.current().await {
            Ok(t) => t,
            Err(e) => return self.fail(&message, &e.to_string()).await,
        };
        for _ in 0..MAX_ATTEMPTS {
            let attempt = match self.transport.read().await.clone() {
                Transport::Streamable => self.post(&message, token.as_ref()).await,
                Transport::Legacy { endpoint } => {
                    legacy_sse::post(self, &endpoint, &message, token.as_ref()).await
                }
            };
            let next = match attempt {
                Attempt::Done => return,
                Attempt::Failed(reason) => return self.fail(&message, &reason).await,
                Attempt::NotStreamable => {
                    match legacy_sse::open(self.clone(), token.as_ref()).await {
                        Ok(endpoint) => {
                            tracing::info!(
                                "the server speaks the legacy HTTP+SSE transport; messages go to {endpoint}"
                            );
                            *self.transport.write().await = Transport::Legacy { endpoint };
                            continue;
                        }
                        Err(legacy_sse::OpenError::Unauthorized(ch)) => {
                            self.auth.unauthorized(ch, token.as_ref()).await
                        }
                        Err(legacy_sse::OpenError::Other(reason)) => {
                            return self.fail(&message, &reason).await;
                        }
                    }
                }
                Attempt::Unauthorized(ch) => self.auth.unauthorized(ch, token.as_ref()).await,
                Attempt::InsufficientScope(ch) => self.auth.insufficient_scope(ch).await,
            };
            match next {
                Ok(t) => token = Some(t),
                Err(e) => return self.fail(&message, &e.to_string()).await,
            }
        }
        self.fail(&message, "the server kept refusing the request")
            .await
    }

    async fn fail(&self, message: &Message, reason: &str) {
        tracing::warn!("{reason}");
        if let Some(id) = &message.id {
            self.awaiting.lock().unwrap().remove(&id.to_string());
        }
        if let (Some(id), Kind::Request | Kind::Initialize) = (&message.id, message.kind()) {
            let _ = self.out.send(error_reply(id, reason)).await;
        }
    }

    pub(super) fn request(
        &self,
        method: http::Method,
        url: &Url,
        token: Option<&Secret>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, url.clone())
            .headers(self.headers.clone());
        if let Some(t) = token {
            req = req.bearer_auth(t.expose());
        }
        req
    }

    async fn with_session_headers(
        &self,
        mut req: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        if let Some(id) = self.session_id.read().await.as_deref() {
            req = req.header("mcp-session-id", id);
        }
        if let Some(v) = self.protocol_version.read().await.as_deref() {
            req = req.header("mcp-protocol-version", v);
        }
        req
    }

    async fn post(self: &Arc<Self>, message: &Message, token: Option<&Secret>) -> Attempt {
        let req = self
            .request(http::Method::POST, &self.url, token)
            .header(http::header::ACCEPT, "application/json, text/event-stream")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(message.raw.clone());
        let req = self.with_session_headers(req).await;
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed(format!("cannot reach {}: {}", self.url, e.without_url()));
            }
        };
        let status = resp.status().as_u16();
        if let Some(a) = auth_outcome(status, resp.headers()) {
            return a;
        }
        let initialize = message.kind() == Kind::Initialize;
        if initialize && matches!(status, 404 | 405) && self.session_id.read().await.is_none() {
            return Attempt::NotStreamable;
        }
        if status == 404 && self.session_id.read().await.is_some() {
            return Attempt::Failed("the server ended the session (HTTP 404); restart the MCP client to start a new one".into());
        }
        if initialize
            && let Some(id) = resp
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
        {
            *self.session_id.write().await = Some(id.to_string());
        }
        match status {
            202 | 204 => Attempt::Done,
            200..=299 => {
                let sse = resp
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.starts_with("text/event-stream"));
                if sse {
                    let end = self
                        .forward_events(resp, initialize, message.id.as_ref())
                        .await;
                    if let StreamEnd::TooLarge { answered: false } = end {
                        return Attempt::Failed(format!(
                            "the server's answer: {}",
                            bounded::ReadError::TooLarge(self.max_message)
                        ));
                    }
                } else {
                    match bounded::body(resp, self.max_message).await {
                        Ok(body) if !body.trim_ascii().is_empty() => {
                            self.emit(&body, initialize).await
                        }
                        Ok(_) => {}
                        Err(e) => {
                            return Attempt::Failed(format!("reading the server's answer: {e}"));
                        }
                    }
                }
                if initialize {
                    self.start_get_stream();
                }
                Attempt::Done
            }
            _ => {
                let body = bounded::body(resp, self.max_message)
                    .await
                    .unwrap_or_default();
                // A JSON-RPC error body is the server's answer: pass it through untouched.
                let is_jsonrpc = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .is_some_and(|v| v.get("jsonrpc").is_some() && v.get("id").is_some());
                if is_jsonrpc {
                    self.emit(&body, false).await;
                    Attempt::Done
                } else {
                    Attempt::Failed(format!("the server answered HTTP {status}"))
                }
            }
        }
    }

    /// Write one server message to stdout; an initialize result also sets the protocol version.
    pub(super) async fn emit(&self, body: &[u8], initialize: bool) {
        if initialize
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
            && let Some(pv) = v
                .pointer("/result/protocolVersion")
                .and_then(|p| p.as_str())
        {
            *self.protocol_version.write().await = Some(pv.to_string());
        }
        self.mark_answered(body);
        let _ = self.out.send(one_line(body)).await;
    }

    /// Remember a request whose answer will arrive on the legacy SSE stream.
    pub(super) fn expect_answer(&self, id: &serde_json::Value) {
        self.awaiting.lock().unwrap().insert(id.to_string());
    }

    fn mark_answered(&self, body: &[u8]) {
        if self.awaiting.lock().unwrap().is_empty() {
            return;
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
            && v.get("method").is_none()
            && let Some(id) = v.get("id")
        {
            self.awaiting.lock().unwrap().remove(&id.to_string());
            self.answered.notify_waiters();
        }
    }

    /// Wait (bounded) until every request sent over the legacy transport has its answer.
    pub async fn drain(&self, timeout: Duration) {
        let wait = async {
            loop {
                let notified = self.answered.notified();
                if self.awaiting.lock().unwrap().is_empty() {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }

    /// Forward an SSE response's `message` events until it ends. `request`: the id whose
    /// answer this stream carries, if any (whether it came is part of the outcome).
    pub(super) async fn forward_events(
        &self,
        resp: reqwest::Response,
        initialize: bool,
        request: Option<&serde_json::Value>,
    ) -> StreamEnd {
        use eventsource_stream::{EventStreamError, Eventsource};
        let mut events = bounded::event_stream(resp, self.max_message).eventsource();
        let mut answered = false;
        while let Some(event) = events.next().await {
            match event {
                Ok(ev)
                    if (ev.event.is_empty() || ev.event == "message")
                        && !ev.data.trim().is_empty() =>
                {
                    answered |= request.is_some_and(|id| answers(ev.data.as_bytes(), id));
                    self.emit(ev.data.as_bytes(), initialize).await;
                }
                Ok(_) => {}
                Err(EventStreamError::Transport(bounded::ReadError::TooLarge(_))) => {
                    tracing::warn!(
                        "an event from the server: {}",
                        bounded::ReadError::TooLarge(self.max_message)
                    );
                    return StreamEnd::TooLarge { answered };
                }
                Err(e) => {
                    tracing::warn!("event stream ended: {e}");
                    break;
                }
            }
        }
        StreamEnd::Ended
    }

    /// The GET stream for server-initiated messages; servers without one answer 405.
    fn start_get_stream(self: &Arc<Self>) {
        let this = self.clone();
        let handle = tokio::spawn(async move {
            // Reconnect for as long as the session lives; give up only after 20 failures in a
            // row (a stream the server closes now and then is normal).
            let mut delay = Duration::from_millis(500);
            let mut failures = 0;
            while failures < 20 {
                let token = this.auth.current().await.ok().flatten();
                let req = this
                    .request(http::Method::GET, &this.url, token.as_ref())
                    .header(http::header::ACCEPT, "text/event-stream");
                let req = this.with_session_headers(req).await;
                match req.send().await {
                    Ok(resp) if resp.status().is_success() => {
                        this.forward_events(resp, false, None).await;
                        failures = 0;
                        delay = Duration::from_millis(500);
                    }
                    // The token expired while the stream was open: refresh quietly (never a
                    // browser from the background) and reconnect.
                    Ok(resp) if resp.status() == 401 => {
                        failures += 1;
                        if this.auth.refreshed(token.as_ref()).await.is_none() {
                            tracing::debug!("GET stream: 401 and no fresher token; stopping it");
                            return;
                        }
                        continue;
                    }
                    Ok(resp) => {
                        tracing::debug!("no GET stream (HTTP {})", resp.status());
                        return;
                    }
                    Err(_) => {
                        failures += 1;
                        delay = (delay * 2).min(Duration::from_secs(30));
                    }
                }
                tokio::time::sleep(delay).await;
            }
        });
        self.background.lock().unwrap().push(handle);
    }

    pub(super) fn max_message(&self) -> usize {
        self.max_message
    }

    pub(super) fn url(&self) -> &Url {
        &self.url
    }

    pub(super) fn keep(&self, handle: tokio::task::JoinHandle<()>) {
        self.background.lock().unwrap().push(handle);
    }

    /// End of stdin: stop the streams and end the session at the server.
    pub async fn close(&self) {
        for h in self.background.lock().unwrap().drain(..) {
            h.abort();
        }
        let Some(id) = self.session_id.read().await.clone() else {
            return;
        };
        if !matches!(*self.transport.read().await, Transport::Streamable) {
            return;
        }
        let token = self.auth.current().await.ok().flatten();
        let req = self
            .request(http::Method::DELETE, &self.url, token.as_ref())
            .header("mcp-session-id", id);
        let req = self.with_session_headers(req).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), req.send()).await;
    }
}

/// How an SSE stream ended.
pub(super) enum StreamEnd {
    Ended,
    /// An event passed the bound; the stream was dropped there. `answered`: the request's own
    /// answer had come before.
    TooLarge {
        answered: bool,
    },
}

/// Whether `body` is the response to the request with `id`.
fn answers(body: &[u8], id: &serde_json::Value) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("method").is_none() && v.get("id") == Some(id))
}

/// 401 and 403-`insufficient_scope` mean "auth"; anything else is the server's answer.
pub(super) fn auth_outcome(status: u16, headers: &http::HeaderMap) -> Option<Attempt> {
    match status {
        401 => Some(Attempt::Unauthorized(challenge_from(headers))),
        403 => {
            let ch = challenge_from(headers);
            ch.is_insufficient_scope()
                .then_some(Attempt::InsufficientScope(ch))
        }
        _ => None,
    }
}

pub(super) use Attempt as SendAttempt;
