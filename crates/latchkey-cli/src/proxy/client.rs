//! The MCP client on the proxy's stdio: what it said about itself (its `initialize`), the
//! requests it is waiting on (each gets exactly one answer), and the requests the proxy puts to
//! it on a server's behalf (elicitation, sampling, roots: a 2026-07-28 server asks for them
//! inside its results; a 2025 client expects them as requests).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::oneshot;

use super::message::{self, Message, id_key};
use super::output::{Out, one_line};

/// What the client said in `initialize`.
#[derive(Debug, Clone)]
pub struct Hello {
    /// The protocol version it asked for.
    pub version: String,
    pub capabilities: Value,
    pub client_info: Value,
    /// The whole `initialize` request, as it came (to open a 2025 session with it later).
    pub initialize: Message,
}

impl Hello {
    pub fn from(initialize: &Message) -> Hello {
        let params = initialize.params().cloned().unwrap_or(Value::Null);
        Hello {
            version: params["protocolVersion"]
                .as_str()
                .unwrap_or("2025-03-26")
                .to_string(),
            capabilities: params
                .get("capabilities")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({})),
            client_info: params
                .get("clientInfo")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"name": "unknown", "version": "0"})),
            initialize: initialize.clone(),
        }
    }
}

/// The answer to a request the proxy put to the client: its `result`, or its `error`.
pub type Asked = Result<Value, Value>;

pub struct Client {
    out: Out,
    hello: Mutex<Option<Hello>>,
    /// Requests from the client not answered yet (by id).
    waiting: Mutex<HashMap<String, Value>>,
    /// Requests the proxy put to the client, by the id it gave them.
    asked: Mutex<HashMap<String, oneshot::Sender<Asked>>>,
    next: AtomicU64,
}

impl Client {
    pub fn new(out: Out) -> Self {
        Self {
            out,
            hello: Mutex::new(None),
            waiting: Mutex::new(HashMap::new()),
            asked: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        }
    }

    pub fn hello(&self) -> Option<Hello> {
        self.hello.lock().unwrap().clone()
    }

    pub fn set_hello(&self, hello: Hello) {
        *self.hello.lock().unwrap() = Some(hello);
    }

    /// A request from the client, to be answered exactly once.
    pub fn expect(&self, id: &Value) {
        self.waiting.lock().unwrap().insert(id_key(id), id.clone());
    }

    /// The ids of the client's requests still waiting for an answer.
    pub fn waiting(&self) -> Vec<Value> {
        self.waiting.lock().unwrap().values().cloned().collect()
    }

    /// The request was cancelled by the client: no answer is owed any more.
    pub fn forget(&self, id: &Value) {
        self.waiting.lock().unwrap().remove(&id_key(id));
    }

    /// Write a server's message, as it came. A response to a request already answered is
    /// dropped: the client gets exactly one answer per request.
    pub async fn send(&self, message: &Message) {
        if let Some(id) = message.id()
            && message.method().is_none()
            && !id.is_null()
            && self.waiting.lock().unwrap().remove(&id_key(id)).is_none()
        {
            tracing::debug!("dropped a second answer to request {id}");
            return;
        }
        let _ = self.out.send(one_line(&message.raw)).await;
    }

    /// Answer request `id` with `response` (its `id` set to the request's).
    pub async fn answer(&self, id: &Value, mut response: Value) {
        response["id"] = id.clone();
        self.send(&Message::from_value(response)).await;
    }

    /// Answer request `id` with an error from the proxy.
    pub async fn fail(&self, id: &Value, reason: &str) {
        let text = format!("latchkey proxy: {reason}");
        self.answer(id, message::error(id, message::PROXY_ERROR, &text))
            .await;
    }

    /// Put a request to the client and wait for its answer.
    pub async fn ask(&self, method: &str, params: Value) -> Asked {
        let id = Value::from(format!(
            "latchkey-{}",
            self.next.fetch_add(1, Ordering::Relaxed)
        ));
        let (tx, rx) = oneshot::channel();
        self.asked.lock().unwrap().insert(id_key(&id), tx);
        let request =
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let _ = self
            .out
            .send(one_line(&serde_json::to_vec(&request).unwrap()))
            .await;
        rx.await.unwrap_or_else(|_| {
            Err(serde_json::json!({"code": message::PROXY_ERROR, "message": "the proxy is closing"}))
        })
    }

    /// A response from the client: when it answers one of the proxy's own requests, it is
    /// taken here (true); else it is for the server.
    pub fn take_answer(&self, response: &Message) -> bool {
        let Some(id) = response.id() else {
            return false;
        };
        let Some(tx) = self.asked.lock().unwrap().remove(&id_key(id)) else {
            return false;
        };
        let v = response.value.clone().unwrap_or_default();
        let answer = match v.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
        };
        let _ = tx.send(answer);
        true
    }
}
