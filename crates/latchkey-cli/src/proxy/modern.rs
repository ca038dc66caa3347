//! A 2026-07-28 server: no handshake and no session; every request carries the protocol
//! version, the client's capabilities and identity in `params._meta`, and headers on the POST
//! (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`).
//!
//! For a 2025 client the proxy translates both ways ([`Translated`]): the client's `initialize`
//! is answered from the server's `server/discover`, each request is wrapped in the envelope, a
//! `-32022` is retried with a version the server lists, an `input_required` result (SEP-2322)
//! becomes requests to the client (elicitation, sampling, roots) whose answers go back in a
//! retry, `ping` / `logging/setLevel` / `resources/(un)subscribe` are answered here, list
//! changes arrive through one `subscriptions/listen` stream, and results are turned back into
//! 2025 shapes. For a 2026-07-28 client the messages pass as they are, with the headers added.
//! Either way, tools whose `x-mcp-header` annotations are invalid are left out of `tools/list`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::RwLock;

use super::client::{Client, Hello};
use super::legacy::answers;
use super::mcp::era::{self, MODERN};
use super::mcp::headers::{self, ParamHeader};
use super::mcp::translate::{self, Envelope};
use super::message::{self, Message};
use super::upstream::{Reply, StreamEnd, Upstream};

/// Rounds of `input_required` one request may go through.
const MAX_INPUT_ROUNDS: usize = 10;
/// The wait before retrying an `input_required` result that asked for nothing.
const STATE_ONLY_PACE: Duration = Duration::from_millis(250);

pub struct Modern {
    pub up: Arc<Upstream>,
    pub client: Arc<Client>,
    /// Set for a 2025 client (its `initialize`, translated); `None` for a 2026-07-28 client,
    /// whose requests carry their own envelope.
    envelope: RwLock<Option<Envelope>>,
    /// The client's `initialize`, for the capabilities it declared.
    hello: Option<Hello>,
    /// `Mcp-Param-*` annotations of each tool, from the last `tools/list`.
    tools: std::sync::Mutex<Option<HashMap<String, Vec<ParamHeader>>>>,
    /// What the server can notify (from `server/discover`), and the resources subscribed to.
    server_caps: Value,
    subscriptions: std::sync::Mutex<BTreeSet<String>>,
    listen: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    next_id: AtomicU64,
}

/// What the server answered when its own version no longer suits (it lied in `server/discover`,
/// or changed): the session switches to a 2025 one.
pub enum Handled {
    Done,
    ServerIsLegacy,
}

/// Why a call got no answer.
enum Lost {
    /// The stream broke or closed before the answer: a 2026-07-28 server has lost the request.
    Stream(String),
    /// Anything else, already in words.
    Failed(String),
}

impl Modern {
    /// For a 2025 client that said `hello`.
    pub fn translated(
        up: Arc<Upstream>,
        client: Arc<Client>,
        hello: Hello,
        discover: &Value,
    ) -> Self {
        let envelope = Envelope {
            version: MODERN.to_string(),
            capabilities: translate::client_capabilities(&hello.capabilities),
            client_info: hello.client_info.clone(),
            log_level: None,
        };
        Self {
            envelope: RwLock::new(Some(envelope)),
            hello: Some(hello),
            server_caps: discover.get("capabilities").cloned().unwrap_or_default(),
            ..Self::native(up, client)
        }
    }

    /// For a 2026-07-28 client.
    pub fn native(up: Arc<Upstream>, client: Arc<Client>) -> Self {
        Self {
            up,
            client,
            envelope: RwLock::new(None),
            hello: None,
            tools: std::sync::Mutex::new(None),
            server_caps: Value::Null,
            subscriptions: std::sync::Mutex::new(BTreeSet::new()),
            listen: std::sync::Mutex::new(None),
            next_id: AtomicU64::new(1),
        }
    }

    fn fresh_id(&self) -> Value {
        Value::from(format!(
            "latchkey-{}",
            self.next_id.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// A 2026-07-28 request envelope for `params`, as the translated client's.
    async fn envelope(&self) -> Envelope {
        self.envelope
            .read()
            .await
            .clone()
            .expect("a translated session has an envelope")
    }

    /// The POST headers for `method` with `params` (the 2026-07-28 set).
    fn headers_for(&self, version: &str, method: &str, params: Option<&Value>) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        let mut put = |name: &str, value: &str| {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                h.insert(n, v);
            }
        };
        put("mcp-protocol-version", version);
        put("mcp-method", &headers::header_value(method));
        if let Some(name) = headers::name_of(method, params) {
            put("mcp-name", &headers::header_value(&name));
        }
        if method == "tools/call"
            && let Some(tool) = params.and_then(|p| p.get("name")).and_then(Value::as_str)
            && let Some(found) = self
                .tools
                .lock()
                .unwrap()
                .as_ref()
                .and_then(|t| t.get(tool).cloned())
        {
            for (name, value) in
                headers::param_values(&found, params.and_then(|p| p.get("arguments")))
            {
                put(&name, &value);
            }
        }
        h
    }

    /// Answer the 2025 client's `initialize` from the server's DiscoverResult, and start the
    /// stream that brings list changes.
    pub async fn answer_initialize(self: &Arc<Self>, initialize: &Message, discover: &Value) {
        let id = initialize.id().cloned().unwrap_or(Value::Null);
        let requested = self
            .hello
            .as_ref()
            .map(|h| h.version.as_str())
            .unwrap_or("");
        let result = translate::initialize_result(requested, discover, self.up.url.as_str());
        self.client.answer(&id, message::result(&id, result)).await;
        self.restart_listen();
    }

    /// One POST of `method`/`params` (already enveloped) with a new id; the answer, after the
    /// notifications that came before it on the stream (passed to the client).
    async fn call(&self, version: &str, method: &str, params: &Value) -> Result<Message, Lost> {
        let id = self.fresh_id();
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let bytes = Bytes::from(serde_json::to_vec(&body).expect("serialises"));
        let reply = self
            .up
            .post(&bytes, &self.headers_for(version, method, Some(params)))
            .await
            .map_err(Lost::Failed)?;
        match reply {
            Reply::Json { message: m, .. } => Ok(m),
            Reply::Stream { mut events, .. } => loop {
                match events.next().await {
                    Ok(m) if answers(&m, &id) => return Ok(m),
                    Ok(m) => self.pass_notification(m).await,
                    Err(StreamEnd::TooLarge) => {
                        return Err(Lost::Failed(format!(
                            "the server's answer: {}",
                            super::bounded::ReadError::TooLarge(self.up.max_message)
                        )));
                    }
                    Err(StreamEnd::Closed) => {
                        return Err(Lost::Stream(
                            "the server closed the stream before answering".into(),
                        ));
                    }
                    Err(StreamEnd::Broken(e)) => {
                        return Err(Lost::Stream(format!(
                            "the stream broke before the answer ({e})"
                        )));
                    }
                }
            },
            Reply::Accepted { .. } => Err(Lost::Failed(
                "the server accepted the request but sent no answer".into(),
            )),
            Reply::Status { status, .. } => {
                Err(Lost::Failed(format!("the server answered HTTP {status}")))
            }
        }
    }

    /// A notification the server sent on a request's stream, to the client (in 2025 shape when
    /// the client is a 2025 one).
    async fn pass_notification(&self, m: Message) {
        if m.kind() == message::Kind::Response {
            return; // an answer to something else: nobody is waiting for it here
        }
        if self.hello.is_some()
            && let Some(v) = m.value.clone()
        {
            return self
                .client
                .send(&Message::from_value(translate::downgrade_notification(v)))
                .await;
        }
        self.client.send(&m).await
    }

    /// A request from the client (not `initialize`).
    pub async fn request(self: &Arc<Self>, message: Message) -> Handled {
        let id = message.id().cloned().unwrap_or(Value::Null);
        let method = message.method().unwrap_or_default().to_string();
        if self.hello.is_none() {
            self.native_request(message, &id, &method).await;
            return Handled::Done;
        }
        if translate::answered_locally(&method) {
            self.answer_locally(&id, &method, message.params()).await;
            return Handled::Done;
        }
        self.translated_request(&id, &method, message.params().cloned())
            .await
    }

    async fn answer_locally(self: &Arc<Self>, id: &Value, method: &str, params: Option<&Value>) {
        match method {
            "logging/setLevel" => {
                let level = params
                    .and_then(|p| p.get("level"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(env) = self.envelope.write().await.as_mut() {
                    env.log_level = level;
                }
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                if let Some(uri) = params.and_then(|p| p.get("uri")).and_then(Value::as_str) {
                    let mut subs = self.subscriptions.lock().unwrap();
                    if method == "resources/subscribe" {
                        subs.insert(uri.to_string());
                    } else {
                        subs.remove(uri);
                    }
                }
                self.restart_listen();
            }
            _ => {} // ping
        }
        self.client.answer(id, message::result(id, json!({}))).await;
    }

    /// A 2025 client's request, translated both ways.
    async fn translated_request(
        self: &Arc<Self>,
        id: &Value,
        method: &str,
        params: Option<Value>,
    ) -> Handled {
        if method == "tools/call" && self.tools.lock().unwrap().is_none() {
            // The `Mcp-Param-*` headers come from the tool's schema.
            self.learn_tools().await;
        }
        let mut params = params;
        let (mut version_retried, mut headers_retried, mut repeated) = (false, false, false);
        let mut rounds = 0;
        loop {
            let env = self.envelope().await;
            let wrapped = env.wrap(params.as_ref());
            let answer = match self.call(&env.version, method, &wrapped).await {
                Ok(m) => m,
                Err(Lost::Stream(why)) if !repeated && translate::safe_to_repeat(method) => {
                    tracing::debug!("{why}; asking again");
                    repeated = true;
                    continue;
                }
                Err(Lost::Stream(why) | Lost::Failed(why)) => {
                    self.client.fail(id, &why).await;
                    return Handled::Done;
                }
            };
            let v = answer.value.clone().unwrap_or_default();
            if let Some(code) = v.pointer("/error/code").and_then(Value::as_i64) {
                match code {
                    -32022 if !version_retried => {
                        version_retried = true;
                        match era::classify(400, Some(&v)) {
                            era::Verdict::RetryWith(version) => {
                                if let Some(env) = self.envelope.write().await.as_mut() {
                                    env.version = version;
                                }
                                continue;
                            }
                            _ => return Handled::ServerIsLegacy,
                        }
                    }
                    -32020 if !headers_retried && method == "tools/call" => {
                        // Its schema (and so the headers it expects) may have changed.
                        headers_retried = true;
                        self.learn_tools().await;
                        continue;
                    }
                    _ => {
                        self.client.answer(id, v).await;
                        return Handled::Done;
                    }
                }
            }
            let result = v.get("result").cloned().unwrap_or_default();
            if result.get("resultType").and_then(Value::as_str) == Some("input_required")
                && translate::may_need_input(method)
            {
                rounds += 1;
                if rounds > MAX_INPUT_ROUNDS {
                    self.client
                        .fail(id, &format!("the server kept asking for input ({MAX_INPUT_ROUNDS} rounds); giving up"))
                        .await;
                    return Handled::Done;
                }
                match self.fulfil(&result).await {
                    Ok(next) => {
                        params = Some(with_input(params.take(), &result, next));
                        continue;
                    }
                    Err(why) => {
                        self.client.fail(id, &why).await;
                        return Handled::Done;
                    }
                }
            }
            let result = if method == "tools/list" {
                self.keep_tools(result)
            } else {
                result
            };
            let result = translate::downgrade(method, result);
            self.client.answer(id, message::result(id, result)).await;
            return Handled::Done;
        }
    }

    /// The answers to an `input_required` result's requests, from the client (asked as 2025
    /// server-to-client requests, all at once). `None` inputs when it asked for none (a retry
    /// with its state only).
    async fn fulfil(&self, result: &Value) -> Result<Option<Map<String, Value>>, String> {
        let Some(requests) = result.get("inputRequests").and_then(Value::as_object) else {
            tokio::time::sleep(STATE_ONLY_PACE).await;
            return Ok(None);
        };
        let hello = self.hello.as_ref().expect("a translated session");
        let mut asks = Vec::new();
        for (key, req) in requests {
            let method = req
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let params = adapt_input_request(method, req.get("params"), hello)?;
            asks.push(async move { (key.clone(), self.client.ask(method, params).await) });
        }
        let mut out = Map::new();
        for (key, answer) in futures_util::future::join_all(asks).await {
            match answer {
                Ok(result) => {
                    out.insert(key, result);
                }
                Err(error) => {
                    return Err(format!(
                        "the client could not answer the server's question ({})",
                        error
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("an error")
                    ));
                }
            }
        }
        Ok(Some(out))
    }

    /// Ask the server for its tools (to learn their `Mcp-Param-*` headers).
    async fn learn_tools(&self) {
        let env = match self.envelope.read().await.clone() {
            Some(env) => env,
            None => return,
        };
        let params = env.wrap(None);
        if let Ok(m) = self.call(&env.version, "tools/list", &params).await
            && let Some(result) = m.value.and_then(|v| v.get("result").cloned())
        {
            self.keep_tools(result);
        }
    }

    /// A `tools/list` result without the tools whose annotations are invalid; the others'
    /// headers are kept for their calls.
    fn keep_tools(&self, result: Value) -> Value {
        let tools = translate::filter_tools(result);
        for (name, why) in &tools.left_out {
            tracing::warn!("the server's tool '{name}' is left out: {why}");
        }
        let mut known = self.tools.lock().unwrap();
        known.get_or_insert_with(HashMap::new).extend(tools.headers);
        tools.result
    }

    /// A 2026-07-28 client's request: as it came, with the headers. Only `tools/list` is
    /// changed (tools with invalid annotations left out).
    async fn native_request(&self, message: Message, id: &Value, method: &str) {
        let version = message
            .params()
            .and_then(|p| {
                p.pointer(&format!(
                    "/_meta/{}",
                    translate::META_VERSION.replace('/', "~1")
                ))
            })
            .and_then(Value::as_str)
            .unwrap_or(MODERN)
            .to_string();
        if method == "tools/call" && self.tools.lock().unwrap().is_none() {
            self.learn_tools_as(&message).await;
        }
        let reply = self
            .up
            .post(
                &message.raw,
                &self.headers_for(&version, method, message.params()),
            )
            .await;
        let answer = match reply {
            Err(why) => return self.client.fail(id, &why).await,
            Ok(Reply::Json { message: m, .. }) => m,
            Ok(Reply::Stream { mut events, .. }) => loop {
                match events.next().await {
                    Ok(m) if answers(&m, id) => break m,
                    Ok(m) => self.client.send(&m).await,
                    Err(end) => {
                        let why = match end {
                            StreamEnd::TooLarge => format!(
                                "the server's answer: {}",
                                super::bounded::ReadError::TooLarge(self.up.max_message)
                            ),
                            StreamEnd::Closed => {
                                "the server closed the stream before answering".into()
                            }
                            StreamEnd::Broken(e) => {
                                format!("the stream broke before the answer ({e})")
                            }
                        };
                        return self.client.fail(id, &why).await;
                    }
                }
            },
            Ok(Reply::Accepted { .. }) => {
                return self
                    .client
                    .fail(id, "the server accepted the request but sent no answer")
                    .await;
            }
            Ok(Reply::Status { status, .. }) => {
                return self
                    .client
                    .fail(id, &format!("the server answered HTTP {status}"))
                    .await;
            }
        };
        self.pass_answer(answer, id, method).await
    }

    /// A 2026-07-28 client's answer, as it came unless it needs its id back or tools left out.
    async fn pass_answer(&self, answer: Message, id: &Value, method: &str) {
        let Some(mut v) = answer.value.clone() else {
            return self.client.send(&answer).await;
        };
        if method == "tools/list"
            && let Some(result) = v.get("result").cloned()
        {
            let before = result["tools"].as_array().map_or(0, Vec::len);
            let kept = self.keep_tools(result);
            if kept["tools"].as_array().map_or(0, Vec::len) != before {
                v["result"] = kept;
                return self.client.answer(id, v).await;
            }
        }
        if answer.is_error_without_id() {
            return self.client.answer(id, v).await;
        }
        self.client.send(&answer).await
    }

    /// A 2026-07-28 client called a tool before listing the tools through this proxy: list
    /// them with the call's own envelope, for the headers.
    async fn learn_tools_as(&self, call: &Message) {
        let meta = call
            .params()
            .and_then(|p| p.get("_meta"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        let version = meta[translate::META_VERSION]
            .as_str()
            .unwrap_or(MODERN)
            .to_string();
        if let Ok(m) = self
            .call(&version, "tools/list", &json!({"_meta": meta}))
            .await
            && let Some(result) = m.value.and_then(|v| v.get("result").cloned())
        {
            self.keep_tools(result);
        }
    }

    /// The one stream of list changes and resource updates for a 2025 client (2026-07-28 has
    /// no GET stream: `subscriptions/listen` instead), restarted when the subscriptions change.
    fn restart_listen(self: &Arc<Self>) {
        let filter = self.listen_filter();
        if filter.as_object().is_none_or(Map::is_empty) {
            if let Some(old) = self.listen.lock().unwrap().take() {
                old.abort();
            }
            return;
        }
        let this = self.clone();
        let task = tokio::spawn(async move { this.listen(filter).await });
        if let Some(old) = self.listen.lock().unwrap().replace(task) {
            old.abort();
        }
    }

    fn listen_filter(&self) -> Value {
        let caps = &self.server_caps;
        let mut f = Map::new();
        for (cap, key) in [
            ("tools", "toolsListChanged"),
            ("prompts", "promptsListChanged"),
            ("resources", "resourcesListChanged"),
        ] {
            if caps.pointer(&format!("/{cap}/listChanged")) == Some(&Value::Bool(true)) {
                f.insert(key.into(), Value::Bool(true));
            }
        }
        let subs = self.subscriptions.lock().unwrap();
        if !subs.is_empty() {
            f.insert(
                "resourceSubscriptions".into(),
                Value::from(subs.iter().cloned().collect::<Vec<_>>()),
            );
        }
        Value::Object(f)
    }

    async fn listen(self: Arc<Self>, filter: Value) {
        let mut delay = Duration::from_secs(1);
        loop {
            let env = self.envelope().await;
            let params = env.wrap(Some(&json!({"notifications": filter})));
            let id = self.fresh_id();
            let body = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": params});
            let bytes = Bytes::from(serde_json::to_vec(&body).expect("serialises"));
            let headers = self.headers_for(&env.version, "subscriptions/listen", Some(&params));
            match self.up.post(&bytes, &headers).await {
                Ok(Reply::Stream { mut events, .. }) => {
                    delay = Duration::from_secs(1);
                    while let Ok(m) = events.next().await {
                        let acknowledged =
                            m.method() == Some("notifications/subscriptions/acknowledged");
                        if m.kind() == message::Kind::Notification && !acknowledged {
                            self.pass_notification(m).await;
                        }
                    }
                }
                Ok(other) => {
                    tracing::debug!(
                        "no subscriptions/listen stream (HTTP {}); list changes will not be passed on",
                        other.status()
                    );
                    return;
                }
                Err(e) => tracing::debug!("subscriptions/listen: {e}"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    }

    pub fn close(&self) {
        if let Some(task) = self.listen.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// The original request's params with this round's answers and the server's state (echoed
/// byte for byte, and only when it gave one); the previous round's answers are not carried.
fn with_input(params: Option<Value>, result: &Value, answers: Option<Map<String, Value>>) -> Value {
    let mut p = params.filter(Value::is_object).unwrap_or_else(|| json!({}));
    let obj = p.as_object_mut().expect("an object");
    obj.remove("inputResponses");
    obj.remove("requestState");
    if let Some(a) = answers {
        obj.insert("inputResponses".into(), Value::Object(a));
    }
    if let Some(state) = result.get("requestState") {
        obj.insert("requestState".into(), state.clone());
    }
    p
}

/// A server's input request as the 2025 client can take it, or why it cannot.
fn adapt_input_request(
    method: &str,
    params: Option<&Value>,
    hello: &Hello,
) -> Result<Value, String> {
    let caps = &hello.capabilities;
    let mut params = params.cloned().unwrap_or_else(|| json!({}));
    let missing = |what: &str| {
        Err(format!(
            "the server needs {what} from the client, which did not declare that it can give it"
        ))
    };
    match method {
        "elicitation/create" => {
            if caps.get("elicitation").is_none() {
                return missing("an answer to a question (elicitation)");
            }
            let url_mode = params.get("mode").and_then(Value::as_str) == Some("url");
            if url_mode {
                if caps.pointer("/elicitation/url").is_none()
                    || hello.version.as_str() < "2025-11-25"
                {
                    return missing("a visit to a web page (URL elicitation)");
                }
                if params.get("elicitationId").is_none() {
                    params["elicitationId"] = Value::from(format!("latchkey-{}", rand_hex()));
                }
            } else if hello.version.as_str() < "2025-11-25"
                && let Some(p) = params.as_object_mut()
            {
                p.remove("mode"); // 2025-06-18 has form elicitation only, without the field
            }
        }
        "sampling/createMessage" => {
            if caps.get("sampling").is_none() {
                return missing("a model's answer (sampling)");
            }
        }
        "roots/list" => {
            if caps.get("roots").is_none() {
                return missing("its roots");
            }
        }
        other => {
            return Err(format!(
                "the server asked for '{other}', which MCP does not define"
            ));
        }
    }
    Ok(params)
}

fn rand_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(version: &str, caps: Value) -> Hello {
        let init = Message::from_value(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": caps, "clientInfo": {"name": "c", "version": "1"}}}));
        Hello::from(&init)
    }

    #[test]
    fn retries_carry_this_rounds_answers_and_the_state_as_given() {
        let first = with_input(
            Some(json!({"name": "t", "arguments": {"a": 1}})),
            &json!({"resultType": "input_required", "requestState": "s1"}),
            Some(Map::from_iter([(
                "k".to_string(),
                json!({"action": "accept"}),
            )])),
        );
        assert_eq!(first["requestState"], "s1");
        assert_eq!(first["inputResponses"]["k"]["action"], "accept");
        assert_eq!(first["arguments"]["a"], 1);
        let second = with_input(Some(first), &json!({"resultType": "input_required"}), None);
        assert!(
            second.get("requestState").is_none(),
            "no state given, none sent"
        );
        assert!(
            second.get("inputResponses").is_none(),
            "answers are per round"
        );
    }

    #[test]
    fn input_requests_need_the_capability_the_client_declared() {
        let form = json!({"mode": "form", "message": "m", "requestedSchema": {"type": "object"}});
        let old = hello("2025-06-18", json!({"elicitation": {}}));
        let adapted = adapt_input_request("elicitation/create", Some(&form), &old).unwrap();
        assert!(adapted.get("mode").is_none(), "2025-06-18 knows no mode");
        let none = hello("2025-06-18", json!({}));
        let e = adapt_input_request("elicitation/create", Some(&form), &none).unwrap_err();
        assert!(e.contains("elicitation"), "{e}");
        let url = json!({"mode": "url", "message": "m", "url": "https://x"});
        assert!(adapt_input_request("elicitation/create", Some(&url), &old).is_err());
        let new = hello("2025-11-25", json!({"elicitation": {"url": {}}}));
        let adapted = adapt_input_request("elicitation/create", Some(&url), &new).unwrap();
        assert!(
            adapted["elicitationId"]
                .as_str()
                .unwrap()
                .starts_with("latchkey-")
        );
        assert!(adapt_input_request("sampling/createMessage", None, &old).is_err());
        assert!(adapt_input_request("tasks/get", None, &new).is_err());
    }
}
