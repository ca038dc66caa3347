//! One proxy session: which protocol the server speaks, found out once (and remembered per
//! server across runs, replaced when the server answers otherwise), and every client message
//! sent the way that protocol needs.
//!
//! | client \ server | 2025 (initialize) | 2026-07-28 |
//! | --- | --- | --- |
//! | 2025 (`initialize`) | as it is ([`Legacy`]) | translated ([`Modern::translated`]) |
//! | 2026-07-28 (`server/discover`, `_meta`) | `server/discover` is answered "method not found", so the client falls back to `initialize` (the 2026-07-28 specification's own backward compatibility) | as it is, with the headers ([`Modern::native`]) |

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use latchkey_core::Latchkey;
use serde_json::{Value, json};
use tokio::sync::{Mutex, RwLock};

use super::client::{Client, Hello};
use super::legacy::{Legacy, NotOpened};
use super::mcp::era::{self, MODERN, Verdict};
use super::mcp::translate::{self, Envelope};
use super::message::{self, Kind, Message, id_key};
use super::modern::{Handled, Modern};
use super::upstream::{Reply, Upstream};
use crate::cli::ServerProtocol;

/// What the cache says of a server that needs the `initialize` handshake.
const LEGACY: &str = "legacy";

const MODERN_REFUSED: &str = "the server does not speak MCP 2026-07-28 (it answers only the initialize handshake); drop --protocol 2026";
const LEGACY_REFUSED: &str =
    "the server refuses initialize: it speaks only MCP 2026-07-28; drop --protocol 2025";

#[derive(Clone)]
enum Era {
    /// Nothing sent yet.
    Unknown,
    Legacy(Arc<Legacy>),
    Modern(Arc<Modern>),
    /// A 2026-07-28 client and a 2025 server: its `server/discover` was refused so that it
    /// sends `initialize`; until then its other requests are refused the same way.
    AwaitingInitialize,
}

pub struct Session {
    pub up: Arc<Upstream>,
    pub client: Arc<Client>,
    lk: Arc<Latchkey>,
    /// What `--protocol` asked for (`Auto`: whatever the server is found to speak).
    choice: ServerProtocol,
    era: RwLock<Era>,
    /// One finding-out at a time.
    settling: Mutex<()>,
    /// In-flight requests, to stop one the client cancels.
    running: std::sync::Mutex<HashMap<String, tokio::task::AbortHandle>>,
}

impl Session {
    pub fn new(
        up: Arc<Upstream>,
        client: Arc<Client>,
        lk: Arc<Latchkey>,
        choice: ServerProtocol,
    ) -> Self {
        Self {
            up,
            client,
            lk,
            choice,
            era: RwLock::new(Era::Unknown),
            settling: Mutex::new(()),
            running: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn cache_key(&self) -> String {
        latchkey_core::url_policy::canonical_resource(self.up.url.as_str())
            .unwrap_or_else(|_| self.up.url.to_string())
    }

    /// Whether to open a 2025 session without asking first: the user said so, or this server
    /// was found to be a 2025 one before.
    fn legacy_without_asking(&self) -> bool {
        match self.choice {
            ServerProtocol::Legacy => true,
            ServerProtocol::Modern => false,
            ServerProtocol::Auto => self.cached().as_deref() == Some(LEGACY),
        }
    }

    fn cached(&self) -> Option<String> {
        self.lk
            .store()
            .cached_protocol(&self.cache_key())
            .ok()
            .flatten()
    }

    fn remember(&self, protocol: &str) {
        if let Err(e) = self.lk.store().cache_protocol(&self.cache_key(), protocol) {
            tracing::debug!("could not remember the server's protocol: {e}");
        }
    }

    /// A message from the client, in the order received (requests then run concurrently).
    pub async fn handle(
        self: &Arc<Self>,
        message: Message,
        in_flight: &mut tokio::task::JoinSet<()>,
    ) {
        match message.kind() {
            Kind::Request if message.method() == Some("initialize") => {
                if let Some(id) = message.id() {
                    self.client.expect(id);
                }
                self.initialize(message).await
            }
            Kind::Request => {
                let id = message.id().cloned().unwrap_or(Value::Null);
                self.client.expect(&id);
                let this = self.clone();
                let key = id_key(&id);
                let handle = in_flight.spawn(async move {
                    this.request(message).await;
                    this.running.lock().unwrap().remove(&id_key(&id));
                });
                self.running.lock().unwrap().insert(key, handle);
            }
            Kind::Notification => self.notify(message).await,
            Kind::Response => {
                if !self.client.take_answer(&message) {
                    self.respond(message).await
                }
            }
            Kind::Other => self.respond(message).await,
        }
    }

    /// A 2025 client's `initialize`: find out what the server speaks (unless remembered), then
    /// open a 2025 session with it, or answer it from the 2026-07-28 server's `server/discover`.
    async fn initialize(self: &Arc<Self>, message: Message) {
        let _settling = self.settling.lock().await;
        let hello = Hello::from(&message);
        self.client.set_hello(hello.clone());
        let id = message.id().cloned().unwrap_or(Value::Null);
        if !self.legacy_without_asking() {
            match self.discover(&hello).await {
                Ok(Some(discover)) => return self.go_modern(&message, hello, &discover).await,
                Ok(None) if self.choice == ServerProtocol::Modern => {
                    return self.client.fail(&id, MODERN_REFUSED).await;
                }
                Ok(None) => self.remember(LEGACY),
                Err(why) => return self.client.fail(&id, &why).await,
            }
        }
        let legacy = Arc::new(Legacy::new(self.up.clone(), self.client.clone()));
        match legacy.initialize(&message).await {
            Ok(()) => *self.era.write().await = Era::Legacy(legacy),
            Err(NotOpened::Failed) => {}
            Err(NotOpened::Modern) if self.choice == ServerProtocol::Legacy => {
                self.client.fail(&id, LEGACY_REFUSED).await
            }
            Err(NotOpened::Modern) => {
                // Remembered as legacy, but it refuses the handshake as a modern server does.
                tracing::info!("the server now speaks {MODERN}");
                match self.discover(&hello).await {
                    Ok(Some(discover)) => self.go_modern(&message, hello, &discover).await,
                    Ok(None) => {
                        self.client
                            .fail(&id, "the server refuses initialize but does not answer server/discover either")
                            .await
                    }
                    Err(why) => self.client.fail(&id, &why).await,
                }
            }
        }
    }

    async fn go_modern(self: &Arc<Self>, initialize: &Message, hello: Hello, discover: &Value) {
        self.remember(MODERN);
        let modern = Arc::new(Modern::translated(
            self.up.clone(),
            self.client.clone(),
            hello,
            discover,
        ));
        modern.answer_initialize(initialize, discover).await;
        *self.era.write().await = Era::Modern(modern);
    }

    /// Ask the server `server/discover` as the 2025 client would be: its DiscoverResult when it
    /// speaks 2026-07-28, `None` when it is a 2025 server, or why it could not be asked.
    async fn discover(&self, hello: &Hello) -> Result<Option<Value>, String> {
        let mut envelope = Envelope {
            version: MODERN.to_string(),
            capabilities: translate::client_capabilities(&hello.capabilities),
            client_info: hello.client_info.clone(),
            log_level: None,
        };
        for _ in 0..2 {
            let params = envelope.wrap(None);
            let body = json!({"jsonrpc": "2.0", "id": "latchkey-discover", "method": "server/discover", "params": params});
            let bytes = Bytes::from(serde_json::to_vec(&body).expect("serialises"));
            let mut h = http::HeaderMap::new();
            h.insert(
                "mcp-protocol-version",
                http::HeaderValue::from_str(&envelope.version).map_err(|e| e.to_string())?,
            );
            h.insert(
                "mcp-method",
                http::HeaderValue::from_static("server/discover"),
            );
            let reply = self.up.post(&bytes, &h).await?;
            let (status, answer) = match &reply {
                Reply::Json {
                    status, message, ..
                } => (*status, message.value.clone()),
                Reply::Stream { .. } => {
                    let Reply::Stream { mut events, .. } = reply else {
                        unreachable!()
                    };
                    (200, events.next().await.ok().and_then(|m| m.value))
                }
                other => (other.status(), None),
            };
            match era::classify(status, answer.as_ref()) {
                Verdict::Modern { discover: Some(d) } => return Ok(Some(d)),
                // It speaks 2026-07-28 but would not say what it can do: nothing is advertised.
                Verdict::Modern { discover: None } => {
                    return Ok(Some(
                        json!({"supportedVersions": [MODERN], "capabilities": {}}),
                    ));
                }
                Verdict::RetryWith(version) => envelope.version = version,
                Verdict::Legacy => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A request (not `initialize`).
    async fn request(self: &Arc<Self>, message: Message) {
        let id = message.id().cloned().unwrap_or(Value::Null);
        let era = self.era().await;
        match era {
            Era::Legacy(l) => l.request(message).await,
            Era::Modern(m) => {
                if let Handled::ServerIsLegacy = m.request(message.clone()).await {
                    self.fall_back(message).await
                }
            }
            Era::AwaitingInitialize => self.refuse_for_legacy(&id).await,
            Era::Unknown => self.first_request(message).await,
        }
    }

    async fn era(&self) -> Era {
        self.era.read().await.clone()
    }

    /// The first request of a client that sent no `initialize`: a 2026-07-28 client. Its
    /// request goes as it is; the answer says which server this is.
    async fn first_request(self: &Arc<Self>, message: Message) {
        let id = message.id().cloned().unwrap_or(Value::Null);
        let guard = self.settling.lock().await;
        if !matches!(self.era().await, Era::Unknown) {
            drop(guard);
            return Box::pin(self.request(message)).await;
        }
        if self.legacy_without_asking() {
            *self.era.write().await = Era::AwaitingInitialize;
            return self.refuse_for_legacy(&id).await;
        }
        let modern = Arc::new(Modern::native(self.up.clone(), self.client.clone()));
        if message.method() != Some("server/discover") {
            // Not a probe: take the server as a 2026-07-28 one, as the client does.
            *self.era.write().await = Era::Modern(modern.clone());
            drop(guard);
            modern.request(message).await;
            return;
        }
        // Ask the question ourselves first, to tell a 2025 server from a modern one.
        let version = message
            .params()
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get(translate::META_VERSION))
            .and_then(Value::as_str)
            .unwrap_or(MODERN)
            .to_string();
        let mut h = http::HeaderMap::new();
        if let Ok(v) = http::HeaderValue::from_str(&version) {
            h.insert("mcp-protocol-version", v);
        }
        h.insert(
            "mcp-method",
            http::HeaderValue::from_static("server/discover"),
        );
        let reply = self.up.post(&message.raw, &h).await;
        let verdict = match &reply {
            Ok(Reply::Json {
                status, message: m, ..
            }) => era::classify(*status, m.value.as_ref()),
            Ok(Reply::Stream { .. }) => Verdict::Modern { discover: None },
            Ok(other) => era::classify(other.status(), None),
            Err(_) => Verdict::Modern { discover: None },
        };
        match verdict {
            Verdict::Legacy if self.choice == ServerProtocol::Modern => {
                self.client.fail(&id, MODERN_REFUSED).await
            }
            Verdict::Legacy => {
                self.remember(LEGACY);
                *self.era.write().await = Era::AwaitingInitialize;
                self.refuse_for_legacy(&id).await;
            }
            _ => {
                self.remember(MODERN);
                *self.era.write().await = Era::Modern(modern.clone());
                drop(guard);
                match reply {
                    Err(why) => self.client.fail(&id, &why).await,
                    Ok(Reply::Json { message: m, .. }) => {
                        if m.is_error_without_id() {
                            self.client
                                .answer(&id, m.value.clone().unwrap_or_default())
                                .await
                        } else {
                            self.client.send(&m).await
                        }
                    }
                    Ok(Reply::Stream { mut events, .. }) => loop {
                        match events.next().await {
                            Ok(m) if super::legacy::answers(&m, &id) => {
                                break self.client.send(&m).await;
                            }
                            Ok(m) => self.client.send(&m).await,
                            Err(_) => {
                                break self
                                    .client
                                    .fail(&id, "the server closed the stream before answering")
                                    .await;
                            }
                        }
                    },
                    Ok(other) => {
                        self.client
                            .fail(&id, &format!("the server answered HTTP {}", other.status()))
                            .await
                    }
                }
            }
        }
    }

    /// A 2026-07-28 client's request to a 2025 server: "method not found", which tells the
    /// client to fall back to `initialize` (what a 2025 server itself would answer).
    async fn refuse_for_legacy(&self, id: &Value) {
        let text = "Method not found (the server speaks an MCP revision with the initialize handshake; send initialize)";
        self.client
            .answer(id, message::error(id, -32601, text))
            .await
    }

    /// The 2026-07-28 server turned out to speak only a 2025 revision after all: open a 2025
    /// session with the client's `initialize` (its answer was given already, so it is not
    /// passed on again) and send the request there.
    async fn fall_back(self: &Arc<Self>, message: Message) {
        let id = message.id().cloned().unwrap_or(Value::Null);
        if self.choice == ServerProtocol::Modern {
            return self.client.fail(&id, MODERN_REFUSED).await;
        }
        let Some(hello) = self.client.hello() else {
            return self
                .client
                .fail(&id, "the server changed its protocol")
                .await;
        };
        tracing::info!("the server answers as a 2025 server after all; opening a session");
        self.remember(LEGACY);
        let legacy = Arc::new(Legacy::new(self.up.clone(), self.client.clone()));
        match legacy.initialize(&hello.initialize).await {
            Ok(()) => {
                if let Era::Modern(m) = self.era().await {
                    m.close();
                }
                *self.era.write().await = Era::Legacy(legacy.clone());
                legacy.request(message).await
            }
            Err(_) => {
                self.client
                    .fail(&id, "the server refused both protocol revisions")
                    .await
            }
        }
    }

    /// A notification from the client.
    async fn notify(self: &Arc<Self>, message: Message) {
        if message.method() == Some("notifications/cancelled")
            && let Some(request) = message.params().and_then(|p| p.get("requestId"))
        {
            self.client.forget(request);
            if let Era::Modern(_) = self.era().await {
                // Over 2026-07-28 HTTP, closing the request's stream is the cancellation.
                if let Some(task) = self.running.lock().unwrap().remove(&id_key(request)) {
                    task.abort();
                }
                return;
            }
        }
        match self.era().await {
            Era::Legacy(l) => l.notify(message).await,
            // 2026-07-28 defines no client notifications over HTTP: `initialized` and the
            // roots notification have nothing to become.
            Era::Modern(_) | Era::Unknown | Era::AwaitingInitialize => {
                tracing::debug!("not passed on: {}", message.method().unwrap_or("?"));
            }
        }
    }

    /// The client's answer to a server's request, or a message the proxy does not understand.
    async fn respond(&self, message: Message) {
        if let Era::Legacy(l) = self.era().await {
            l.notify(message).await
        }
    }

    /// Wait (bounded) for the answers that arrive on the legacy HTTP+SSE stream.
    pub async fn drain(&self, timeout: std::time::Duration) {
        let sse = match self.era().await {
            Era::Legacy(l) => l.is_sse().await,
            _ => false,
        };
        if !sse {
            return;
        }
        let _ = tokio::time::timeout(timeout, async {
            while !self.client.waiting().is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    /// End the session at the server (a 2025 session: `DELETE`).
    pub async fn close(&self) {
        match self.era().await {
            Era::Legacy(l) => l.close().await,
            Era::Modern(m) => m.close(),
            _ => {}
        }
    }
}
