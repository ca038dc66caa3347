//! The server side of the proxy: HTTP requests to the MCP server with auth (the broker's token;
//! 401 → refresh, then sign in; 403 `insufficient_scope` → sign in for more scopes), and the
//! answers read within the bound per message: a JSON body, or an SSE stream read event by
//! event (the event ids and `retry` kept, for resuming a 2025-11-25 stream).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use latchkey_core::oauth::challenge::BearerChallenge;
use latchkey_core::oauth::dpop::{self, DpopKey};
use latchkey_core::oauth::probe::challenge_from;
use latchkey_core::secrets::secret::Secret;
use url::Url;

use super::auth::Auth;
use super::bounded::{self, ReadError};
use super::message::Message;

/// Sign-ins and refreshes one request may go through before it is given up.
const MAX_ATTEMPTS: usize = 6;

pub struct Upstream {
    http: reqwest::Client,
    pub url: Url,
    /// The `--header`s, on every request.
    headers: http::HeaderMap,
    pub auth: Arc<Auth>,
    pub max_message: usize,
    /// The MCP server's latest DPoP nonce (RFC 9449 §9), for a DPoP-bound token's proofs.
    dpop_nonce: std::sync::Mutex<Option<String>>,
}

/// What one request came back with (after auth).
pub enum Reply {
    /// 202 or 204: nothing to read.
    Accepted { headers: http::HeaderMap },
    /// A JSON body, whatever the status (SDK servers answer errors with 4xx and a JSON-RPC
    /// body); `status` says which.
    Json {
        status: u16,
        headers: http::HeaderMap,
        message: Message,
    },
    /// An SSE stream (2xx).
    Stream {
        headers: http::HeaderMap,
        events: Events,
    },
    /// A status without a JSON-RPC body.
    Status {
        status: u16,
        headers: http::HeaderMap,
    },
}

impl Reply {
    pub fn headers(&self) -> &http::HeaderMap {
        match self {
            Reply::Accepted { headers }
            | Reply::Json { headers, .. }
            | Reply::Stream { headers, .. }
            | Reply::Status { headers, .. } => headers,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Reply::Accepted { .. } => 202,
            Reply::Json { status, .. } | Reply::Status { status, .. } => *status,
            Reply::Stream { .. } => 200,
        }
    }
}

enum Outcome {
    Answered(reqwest::Response),
    Unauthorized(BearerChallenge),
    InsufficientScope(BearerChallenge),
    /// The server wants a DPoP proof with its nonce (now remembered): send again.
    NonceWanted,
}

impl Upstream {
    pub fn new(
        http: reqwest::Client,
        url: Url,
        headers: http::HeaderMap,
        auth: Arc<Auth>,
        max_message: usize,
    ) -> Self {
        Self {
            http,
            url,
            headers,
            auth,
            max_message,
            dpop_nonce: std::sync::Mutex::new(None),
        }
    }

    /// The request with the token: `Bearer`, or for a DPoP-bound token `DPoP` with a fresh
    /// proof for this method and URL (RFC 9449 §7.1), with the server's nonce once it gave one.
    fn request(
        &self,
        method: http::Method,
        url: &Url,
        token: Option<&Secret>,
        dpop: Option<&DpopKey>,
    ) -> Result<reqwest::RequestBuilder, String> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .headers(self.headers.clone());
        match (token, dpop) {
            (Some(t), Some(key)) => {
                let nonce = self.dpop_nonce.lock().ok().and_then(|n| n.clone());
                let proof = key
                    .proof(method.as_str(), url, Some(t), nonce.as_deref())
                    .map_err(|e| e.to_string())?;
                req = req
                    .header(http::header::AUTHORIZATION, format!("DPoP {}", t.expose()))
                    .header("DPoP", proof.expose());
            }
            (Some(t), None) => req = req.bearer_auth(t.expose()),
            (None, _) => {}
        }
        Ok(req)
    }

    async fn once(
        &self,
        method: http::Method,
        url: &Url,
        extra: &http::HeaderMap,
        body: Option<&Bytes>,
        token: Option<&Secret>,
    ) -> Result<Outcome, String> {
        let dpop = match token {
            Some(t) => self.auth.dpop_key_for(t).await,
            None => None,
        };
        let mut req = self
            .request(method, url, token, dpop.as_deref())?
            .headers(extra.clone());
        if let Some(b) = body {
            req = req
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(b.clone());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {}", self.url, e.without_url()))?;
        let status = resp.status().as_u16();
        let ch = || challenge_from(resp.headers());
        if dpop.is_some()
            && let Some(nonce) = dpop::nonce_of(resp.headers())
        {
            let fresh = self
                .dpop_nonce
                .lock()
                .map(|mut n| n.replace(nonce.clone()) != Some(nonce))
                .unwrap_or(false);
            if status == 401 && fresh && ch().error.as_deref() == Some("use_dpop_nonce") {
                return Ok(Outcome::NonceWanted);
            }
        }
        Ok(match status {
            401 => Outcome::Unauthorized(ch()),
            403 if ch().is_insufficient_scope() => Outcome::InsufficientScope(ch()),
            _ => Outcome::Answered(resp),
        })
    }

    /// Send, with the current token; on 401 refresh (then sign in) and retry; on 403
    /// `insufficient_scope` sign in again for more scopes. `sign_in`: whether this request may
    /// open a sign-in (background streams only refresh).
    pub async fn send(
        &self,
        method: http::Method,
        url: &Url,
        extra: &http::HeaderMap,
        body: Option<&Bytes>,
        sign_in: bool,
    ) -> Result<reqwest::Response, String> {
        let mut token = self.auth.current().await.map_err(|e| e.to_string())?;
        // One refresh per request: a server that refuses the refreshed token too wants a
        // sign-in (its authorization server may have changed).
        let mut refreshed = false;
        for _ in 0..MAX_ATTEMPTS {
            let next = match self
                .once(method.clone(), url, extra, body, token.as_ref())
                .await?
            {
                Outcome::Answered(resp) => return Ok(resp),
                Outcome::Unauthorized(_) if !sign_in => {
                    match self.auth.refreshed(token.as_ref()).await {
                        Some(t) => Ok(t),
                        None => return Err("the server refused the token".into()),
                    }
                }
                Outcome::Unauthorized(ch) => {
                    let next = self.auth.unauthorized(ch, token.as_ref(), refreshed).await;
                    refreshed = true;
                    next
                }
                Outcome::InsufficientScope(ch) => self.auth.insufficient_scope(ch).await,
                Outcome::NonceWanted => continue,
            };
            token = Some(next.map_err(|e| e.to_string())?);
        }
        Err("the server kept refusing the request".into())
    }

    /// POST one JSON-RPC message and read what comes back.
    pub async fn post(&self, body: &Bytes, extra: &http::HeaderMap) -> Result<Reply, String> {
        let mut extra = extra.clone();
        extra.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json, text/event-stream"),
        );
        let resp = self
            .send(
                http::Method::POST,
                &self.url.clone(),
                &extra,
                Some(body),
                true,
            )
            .await?;
        self.read(resp).await
    }

    /// Read a response: JSON (within the bound), an SSE stream, or only a status.
    pub async fn read(&self, resp: reqwest::Response) -> Result<Reply, String> {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if matches!(status, 202 | 204) {
            return Ok(Reply::Accepted { headers });
        }
        let sse = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        if sse && (200..300).contains(&status) {
            return Ok(Reply::Stream {
                headers,
                events: Events::new(resp, self.max_message),
            });
        }
        let body = bounded::body(resp, self.max_message)
            .await
            .map_err(|e| format!("reading the server's answer: {e}"))?;
        let message = Message::parse(body.clone());
        if message.value.is_some() {
            Ok(Reply::Json {
                status,
                headers,
                message,
            })
        } else if (200..300).contains(&status) && body.trim_ascii().is_empty() {
            Ok(Reply::Accepted { headers })
        } else {
            Ok(Reply::Status { status, headers })
        }
    }
}

/// An SSE stream, message by message. Events with empty data (SEP-1699's priming event,
/// keep-alives) are skipped; the last event id and the server's `retry` are kept.
pub struct Events {
    inner: std::pin::Pin<
        Box<
            dyn futures_util::Stream<
                    Item = Result<
                        eventsource_stream::Event,
                        eventsource_stream::EventStreamError<ReadError>,
                    >,
                > + Send,
        >,
    >,
    pub last_id: Option<String>,
    pub retry: Option<Duration>,
    max_message: usize,
    /// Ids of the events delivered, kept across resumptions of the same stream.
    seen: SeenIds,
}

/// The ids of the events already delivered on one stream and its resumptions (the most recent
/// [`SeenIds::KEEP`]): a server that replays an event when resumed from it (SEP-1699 says it
/// must not, some do) does not make a client see it twice.
#[derive(Default)]
pub struct SeenIds {
    ids: std::collections::HashSet<String>,
    order: std::collections::VecDeque<String>,
}

impl SeenIds {
    const KEEP: usize = 1024;

    /// Whether `id` is new (and remember it).
    fn first_time(&mut self, id: &str) -> bool {
        if id.is_empty() {
            return true;
        }
        if !self.ids.insert(id.to_string()) {
            return false;
        }
        self.order.push_back(id.to_string());
        if self.order.len() > Self::KEEP
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        true
    }
}

/// Why a stream ended.
#[derive(Debug)]
pub enum StreamEnd {
    /// The server closed it.
    Closed,
    /// It broke (a transport error, half an event).
    Broken(String),
    /// An event passed the bound per message; the stream was dropped there.
    TooLarge,
}

impl Events {
    pub fn new(resp: reqwest::Response, max_message: usize) -> Self {
        use eventsource_stream::Eventsource;
        Self {
            inner: Box::pin(bounded::event_stream(resp, max_message).eventsource()),
            last_id: None,
            retry: None,
            max_message,
            seen: SeenIds::default(),
        }
    }

    /// This stream resumes `earlier` (a GET with its `Last-Event-ID`): what that one delivered
    /// is not delivered again.
    pub fn resuming(mut self, earlier: Events) -> Self {
        self.seen = earlier.seen;
        self
    }

    /// The next event of any type, as (type, data); `None` when the stream ends.
    pub async fn next_raw(&mut self) -> Option<(String, String)> {
        match self.inner.next().await {
            Some(Ok(ev)) => {
                if !ev.id.is_empty() {
                    self.last_id = Some(ev.id.clone());
                }
                Some((ev.event, ev.data))
            }
            _ => None,
        }
    }

    /// The next message, or why the stream ended.
    pub async fn next(&mut self) -> Result<Message, StreamEnd> {
        use eventsource_stream::EventStreamError;
        loop {
            match self.inner.next().await {
                None => return Err(StreamEnd::Closed),
                Some(Ok(ev)) => {
                    if !ev.id.is_empty() {
                        self.last_id = Some(ev.id.clone());
                    }
                    if let Some(r) = ev.retry {
                        self.retry = Some(r);
                    }
                    let is_message = ev.event.is_empty() || ev.event == "message";
                    if is_message && !ev.data.trim().is_empty() && self.seen.first_time(&ev.id) {
                        return Ok(Message::parse(ev.data.into_bytes()));
                    }
                }
                Some(Err(EventStreamError::Transport(ReadError::TooLarge(_)))) => {
                    tracing::warn!(
                        "an event from the server: {}",
                        ReadError::TooLarge(self.max_message)
                    );
                    return Err(StreamEnd::TooLarge);
                }
                Some(Err(e)) => return Err(StreamEnd::Broken(e.to_string())),
            }
        }
    }
}
