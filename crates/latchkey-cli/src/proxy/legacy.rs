//! A 2025 session (2024-11-05 to 2025-11-25: `initialize`, `Mcp-Session-Id`): every message
//! passes as the exact bytes received, both ways. Around them:
//! - `Mcp-Session-Id` and `MCP-Protocol-Version` once known, and `Mcp-Method` / `Mcp-Name` on
//!   every POST (SEP-2243; older servers ignore them);
//! - every request gets exactly one answer: an error without a usable id (SDK servers answer
//!   transport problems with `"id": null`) goes back with the request's own id, and a request
//!   the server never answers gets an error rather than silence;
//! - a stream that closes before the answer is resumed (SEP-1699: after the server's `retry`,
//!   a GET with `Last-Event-ID`), and the GET stream reconnects the same way;
//! - a session the server forgot (HTTP 404, as after a restart) is opened again with the
//!   client's own `initialize` and the request sent once more, as the transport asks of
//!   clients, so nobody has to restart their MCP client;
//! - the legacy HTTP+SSE transport ([`super::legacy_sse`]) when the server has only that.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::RwLock;

use super::client::Client;
use super::legacy_sse;
use super::mcp::headers;
use super::message::{Kind, Message};
use super::upstream::{Events, Reply, StreamEnd, Upstream};

/// How often a stream that closed before the answer is resumed before the request fails.
const MAX_RESUMES: usize = 5;
/// The wait before resuming when the server named none.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);

#[derive(Clone)]
enum Transport {
    Streamable,
    Sse { endpoint: url::Url },
}

pub struct Legacy {
    pub up: Arc<Upstream>,
    pub client: Arc<Client>,
    session_id: RwLock<Option<String>>,
    version: RwLock<Option<String>>,
    transport: RwLock<Transport>,
    background: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// One renewal at a time: concurrent requests that met the same 404 share it.
    renewing: tokio::sync::Mutex<()>,
}

/// `initialize` did not open a 2025 session.
pub enum NotOpened {
    /// The server refused the handshake as a 2026-07-28 server does.
    Modern,
    /// Another failure, already answered to the client.
    Failed,
}

impl Legacy {
    pub fn new(up: Arc<Upstream>, client: Arc<Client>) -> Self {
        Self {
            up,
            client,
            session_id: RwLock::new(None),
            version: RwLock::new(None),
            transport: RwLock::new(Transport::Streamable),
            background: std::sync::Mutex::new(Vec::new()),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    /// The headers of a POST carrying `message`.
    async fn headers_for(&self, message: &Message) -> http::HeaderMap {
        let mut h = self.session_headers().await;
        if let Some(method) = message.method()
            && let Ok(v) = http::HeaderValue::from_str(method)
        {
            h.insert("mcp-method", v);
            if let Some(name) = headers::name_of(method, message.params())
                && let Ok(v) = http::HeaderValue::from_str(&headers::header_value(&name))
            {
                h.insert("mcp-name", v);
            }
        }
        h
    }

    async fn session_headers(&self) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        if let Some(id) = self.session_id.read().await.as_deref()
            && let Ok(v) = http::HeaderValue::from_str(id)
        {
            h.insert("mcp-session-id", v);
        }
        if let Some(v) = self.version.read().await.as_deref()
            && let Ok(v) = http::HeaderValue::from_str(v)
        {
            h.insert("mcp-protocol-version", v);
        }
        h
    }

    /// Open the session with the client's `initialize` (answered to the client as it came).
    pub async fn initialize(self: &Arc<Self>, message: &Message) -> Result<(), NotOpened> {
        let id = message.id().cloned().unwrap_or(Value::Null);
        let reply = match self
            .up
            .post(&message.raw, &self.headers_for(message).await)
            .await
        {
            Ok(r) => r,
            Err(reason) => {
                self.client.fail(&id, &reason).await;
                return Err(NotOpened::Failed);
            }
        };
        if matches!(reply.status(), 404 | 405) && !matches!(reply, Reply::Json { .. }) {
            return self.open_sse(message, &id).await;
        }
        if let Some(session) = session_of(&reply)
            && (200..300).contains(&reply.status())
        {
            *self.session_id.write().await = Some(session);
        }
        let answer = self.answer_in(reply, &id).await;
        let Some(answer) = answer else {
            self.client
                .fail(&id, "the server did not answer initialize")
                .await;
            return Err(NotOpened::Failed);
        };
        if super::mcp::era::initialize_refused_as_modern(answer.value.as_ref()) {
            return Err(NotOpened::Modern);
        }
        if let Some(v) = answer
            .value
            .as_ref()
            .and_then(|v| v.pointer("/result/protocolVersion"))
            .and_then(Value::as_str)
        {
            *self.version.write().await = Some(v.to_string());
        }
        self.deliver(answer, Some(&id)).await;
        self.start_get_stream();
        Ok(())
    }

    /// The server has only the legacy HTTP+SSE transport (2024-11-05).
    async fn open_sse(self: &Arc<Self>, message: &Message, id: &Value) -> Result<(), NotOpened> {
        match legacy_sse::open(&self.up).await {
            Ok((endpoint, mut events)) => {
                // The stream carries the answers: forward them for as long as the session lives.
                let forwarder = self.clone();
                let handle = tokio::spawn(async move {
                    while let Ok(m) = events.next().await {
                        forwarder.client.send(&m).await;
                    }
                });
                self.keep(handle);
                tracing::info!(
                    "the server speaks the legacy HTTP+SSE transport; messages go to {endpoint}"
                );
                *self.transport.write().await = Transport::Sse { endpoint };
                self.post_sse(message).await;
                Ok(())
            }
            Err(reason) => {
                self.client.fail(id, &reason).await;
                Err(NotOpened::Failed)
            }
        }
    }

    async fn post_sse(&self, message: &Message) {
        let Transport::Sse { endpoint } = self.transport.read().await.clone() else {
            return;
        };
        if let Err(reason) = legacy_sse::post(&self.up, &endpoint, message).await
            && let (Kind::Request, Some(id)) = (message.kind(), message.id())
        {
            self.client.fail(id, &reason).await;
        }
    }

    /// The answer to request `id` in `reply`: its JSON body, or its stream read up to it.
    async fn answer_in(&self, reply: Reply, id: &Value) -> Option<Message> {
        match reply {
            Reply::Json { message, .. } => Some(message),
            Reply::Stream { events, .. } => self.first_answer(events, id).await,
            Reply::Accepted { .. } | Reply::Status { .. } => None,
        }
    }

    /// Read a stream until the answer to `id` (what came before it is forwarded).
    async fn first_answer(&self, mut events: Events, id: &Value) -> Option<Message> {
        loop {
            match events.next().await {
                Ok(m) if answers(&m, id) => return Some(m),
                Ok(m) => self.client.send(&m).await,
                Err(_) => return None,
            }
        }
    }

    /// Pass a server message to the client. The answer to `request` that has no usable id
    /// (SDK servers answer transport problems with `"id": null`) gets the request's own id.
    /// Whether it was the answer to `request`.
    async fn deliver(&self, message: Message, request: Option<&Value>) -> bool {
        match request {
            Some(id) if answers(&message, id) => {
                if message.is_error_without_id() {
                    let v = message.value.clone().unwrap_or_default();
                    self.client.answer(id, v).await;
                } else {
                    self.client.send(&message).await;
                }
                true
            }
            _ => {
                if message.is_error_without_id() {
                    // Nobody to give it to: a client cannot match an error without an id.
                    tracing::warn!(
                        "the server sent an error without an id: {}",
                        String::from_utf8_lossy(&message.raw)
                    );
                } else {
                    self.client.send(&message).await;
                }
                false
            }
        }
    }

    /// A request from the client.
    pub async fn request(self: &Arc<Self>, message: Message) {
        let id = message.id().cloned().unwrap_or(Value::Null);
        if matches!(*self.transport.read().await, Transport::Sse { .. }) {
            return self.post_sse(&message).await;
        }
        let sent_in = self.session_id.read().await.clone();
        let mut reply = self
            .up
            .post(&message.raw, &self.headers_for(&message).await)
            .await;
        if let Some(gone) = sent_in
            && session_gone(&reply, &id)
        {
            if !self.renew(&gone).await {
                return self.ended(&id).await;
            }
            reply = self
                .up
                .post(&message.raw, &self.headers_for(&message).await)
                .await;
        }
        match reply {
            Err(reason) => self.client.fail(&id, &reason).await,
            Ok(Reply::Json {
                status, message: m, ..
            }) => {
                if status == 404 && self.session_id.read().await.is_some() && !answers(&m, &id) {
                    return self.ended(&id).await;
                }
                if !self.deliver(m, Some(&id)).await {
                    self.client
                        .fail(&id, &format!("the server answered HTTP {status} without an answer to this request"))
                        .await;
                }
            }
            Ok(Reply::Stream { events, .. }) => self.follow(events, &id).await,
            Ok(Reply::Status { status: 404, .. }) if self.session_id.read().await.is_some() => {
                self.ended(&id).await
            }
            Ok(Reply::Status { status, .. }) => {
                self.client
                    .fail(&id, &format!("the server answered HTTP {status}"))
                    .await
            }
            Ok(Reply::Accepted { .. }) => {
                self.client
                    .fail(&id, "the server accepted the request but sent no answer")
                    .await
            }
        }
    }

    /// The server no longer knows session `gone`: open a new one with the client's own
    /// `initialize` (its answer is not passed on: the client already has one) and
    /// `notifications/initialized`. Whether a session is open again.
    async fn renew(self: &Arc<Self>, gone: &str) -> bool {
        let _one = self.renewing.lock().await;
        if let Some(now) = self.session_id.read().await.as_deref()
            && now != gone
        {
            return true; // another request renewed it meanwhile
        }
        let Some(hello) = self.client.hello() else {
            return false;
        };
        tracing::info!("the server forgot the session (HTTP 404); opening a new one");
        *self.session_id.write().await = None;
        for h in self.background.lock().unwrap().drain(..) {
            h.abort();
        }
        let initialize = hello.initialize;
        let id = initialize.id().cloned().unwrap_or(Value::Null);
        let mut h = self.headers_for(&initialize).await;
        h.remove("mcp-protocol-version");
        let reply = match self.up.post(&initialize.raw, &h).await {
            Ok(r) if (200..300).contains(&r.status()) => r,
            Ok(r) => {
                tracing::warn!("a new session was refused (HTTP {})", r.status());
                return false;
            }
            Err(e) => {
                tracing::warn!("a new session could not be opened: {e}");
                return false;
            }
        };
        let session = session_of(&reply);
        let answer = self.answer_in(reply, &id).await;
        let accepted = answer.is_some_and(|m| m.value.is_some_and(|v| v.get("result").is_some()));
        if !accepted {
            tracing::warn!("the server did not accept the new session's initialize");
            return false;
        }
        *self.session_id.write().await = session;
        let initialized = Message::from_value(
            serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        );
        self.notify(initialized).await;
        self.start_get_stream();
        true
    }

    async fn ended(&self, id: &Value) {
        self.client
            .fail(
                id,
                "the server ended the session (HTTP 404) and would not open a new one; restart the MCP client",
            )
            .await
    }

    /// Read a request's stream until its answer, resuming it when it closes first.
    async fn follow(&self, mut events: Events, id: &Value) {
        for resume in 0..=MAX_RESUMES {
            let end = loop {
                match events.next().await {
                    Ok(m) => {
                        if self.deliver(m, Some(id)).await {
                            return;
                        }
                    }
                    Err(end) => break end,
                }
            };
            let why = match end {
                StreamEnd::TooLarge => {
                    return self
                        .client
                        .fail(
                            id,
                            &format!(
                                "the server's answer: {}",
                                super::bounded::ReadError::TooLarge(self.up.max_message)
                            ),
                        )
                        .await;
                }
                StreamEnd::Closed => "the server closed the stream before answering".to_string(),
                StreamEnd::Broken(e) => format!("the stream broke before the answer ({e})"),
            };
            let Some(last) = events.last_id.clone() else {
                return self.client.fail(id, &why).await;
            };
            if resume == MAX_RESUMES {
                break;
            }
            tokio::time::sleep(events.retry.unwrap_or(DEFAULT_RETRY)).await;
            tracing::debug!("{why}; resuming after event {last}");
            match self.resume(&last).await {
                Ok(next) => events = next.resuming(events),
                Err(reason) => return self.client.fail(id, &reason).await,
            }
        }
        self.client
            .fail(id, "the server's stream kept closing before the answer")
            .await
    }

    /// GET the stream again from after event `last` (SEP-1699).
    async fn resume(&self, last: &str) -> Result<Events, String> {
        let mut h = self.session_headers().await;
        h.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/event-stream"),
        );
        if let Ok(v) = http::HeaderValue::from_str(last) {
            h.insert("last-event-id", v);
        }
        let resp = self
            .up
            .send(http::Method::GET, &self.up.url.clone(), &h, None, false)
            .await?;
        match self.up.read(resp).await? {
            Reply::Stream { events, .. } => Ok(events),
            other => Err(format!(
                "the server would not resume the stream (HTTP {})",
                other.status()
            )),
        }
    }

    /// A notification, or the client's answer to a request from the server.
    pub async fn notify(&self, message: Message) {
        if matches!(*self.transport.read().await, Transport::Sse { .. }) {
            return self.post_sse(&message).await;
        }
        match self
            .up
            .post(&message.raw, &self.headers_for(&message).await)
            .await
        {
            Ok(Reply::Json { message: m, .. }) if m.kind() != Kind::Response => {
                self.client.send(&m).await
            }
            Ok(Reply::Json { message: m, .. }) => {
                tracing::debug!(
                    "the server answered a notification: {}",
                    String::from_utf8_lossy(&m.raw)
                )
            }
            Ok(Reply::Stream { mut events, .. }) => {
                while let Ok(m) = events.next().await {
                    self.deliver(m, None).await;
                }
            }
            Ok(_) => {}
            Err(reason) => tracing::warn!("a notification did not reach the server: {reason}"),
        }
    }

    /// The GET stream for what the server sends on its own; reconnected (from the last event,
    /// after the server's `retry`) for as long as the session lives. Servers without one
    /// answer 405.
    fn start_get_stream(self: &Arc<Self>) {
        let this = self.clone();
        let handle = tokio::spawn(async move {
            let mut last: Option<String> = None;
            let mut earlier: Option<Events> = None;
            let mut delay = Duration::from_millis(500);
            let mut failures = 0;
            while failures < 20 {
                let mut h = this.session_headers().await;
                h.insert(
                    http::header::ACCEPT,
                    http::HeaderValue::from_static("text/event-stream"),
                );
                if let Some(v) = last
                    .as_deref()
                    .and_then(|l| http::HeaderValue::from_str(l).ok())
                {
                    h.insert("last-event-id", v);
                }
                let sent = this
                    .up
                    .send(http::Method::GET, &this.up.url.clone(), &h, None, false)
                    .await;
                match sent.map(|r| (r.status().as_u16(), r)) {
                    Ok((200..=299, resp)) => match this.up.read(resp).await {
                        Ok(Reply::Stream { mut events, .. }) => {
                            if let Some(e) = earlier.take() {
                                events = events.resuming(e);
                            }
                            while let Ok(m) = events.next().await {
                                this.deliver(m, None).await;
                            }
                            last = events.last_id.clone().or(last);
                            failures = 0;
                            delay = events.retry.unwrap_or(Duration::from_millis(500));
                            earlier = Some(events);
                        }
                        _ => return,
                    },
                    Ok((status, _)) => {
                        tracing::debug!("no GET stream (HTTP {status})");
                        return;
                    }
                    Err(e) => {
                        tracing::debug!("GET stream: {e}");
                        failures += 1;
                        delay = (delay * 2).min(Duration::from_secs(30));
                    }
                }
                tokio::time::sleep(delay).await;
            }
        });
        self.keep(handle);
    }

    pub fn keep(&self, handle: tokio::task::JoinHandle<()>) {
        self.background.lock().unwrap().push(handle);
    }

    /// Stop the streams and end the session at the server.
    pub async fn close(&self) {
        for h in self.background.lock().unwrap().drain(..) {
            h.abort();
        }
        if !matches!(*self.transport.read().await, Transport::Streamable) {
            return;
        }
        if self.session_id.read().await.is_none() {
            return;
        }
        let h = self.session_headers().await;
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.up
                .send(http::Method::DELETE, &self.up.url.clone(), &h, None, false),
        )
        .await;
    }

    /// Whether the legacy HTTP+SSE transport is in use (its answers come on the stream).
    pub async fn is_sse(&self) -> bool {
        matches!(*self.transport.read().await, Transport::Sse { .. })
    }
}

/// The session a reply names.
fn session_of(reply: &Reply) -> Option<String> {
    reply
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Whether `reply` says the session is gone: HTTP 404 that is not the server's answer to the
/// request itself.
fn session_gone(reply: &Result<Reply, String>, id: &Value) -> bool {
    match reply {
        Ok(Reply::Json {
            status: 404,
            message,
            ..
        }) => !(message.kind() == Kind::Response && message.id() == Some(id)),
        Ok(Reply::Status { status: 404, .. }) => true,
        _ => false,
    }
}

/// Whether `message` is the answer to request `id`: a response with that id, or an error
/// with none.
pub fn answers(message: &Message, id: &Value) -> bool {
    message.kind() == Kind::Response && (message.id() == Some(id) || message.is_error_without_id())
}
