//! The legacy HTTP+SSE transport (MCP 2024-11-05): a GET opens an event stream whose first
//! `endpoint` event names the URL to POST messages to; answers arrive on the stream.

use latchkey_core::url_policy;
use url::Url;

use super::message::Message;
use super::upstream::{Events, Reply, Upstream};

/// Open the stream and wait for its `endpoint` event: the URL to POST to, and the stream, whose
/// messages the caller forwards to its client.
pub async fn open(up: &Upstream) -> Result<(Url, Events), String> {
    let mut h = http::HeaderMap::new();
    h.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("text/event-stream"),
    );
    let resp = up
        .send(http::Method::GET, &up.url.clone(), &h, None, true)
        .await?;
    let status = resp.status().as_u16();
    let Reply::Stream { mut events, .. } = up.read(resp).await? else {
        return Err(format!(
            "the server speaks neither Streamable HTTP nor HTTP+SSE (GET answered {status})"
        ));
    };
    let endpoint = loop {
        match events.next_raw().await {
            Some((kind, data)) if kind == "endpoint" => {
                let endpoint = up
                    .url
                    .join(data.trim())
                    .map_err(|_| "the SSE endpoint event is not a URL".to_string())?;
                if url_policy::origin(&endpoint) != url_policy::origin(&up.url) {
                    return Err("the SSE endpoint is on another origin; refusing it".into());
                }
                break endpoint;
            }
            Some(_) => continue,
            None => return Err("the SSE stream ended before naming its endpoint".into()),
        }
    };
    Ok((endpoint, events))
}

/// POST one message to the endpoint; its answer (if any) comes on the stream.
pub async fn post(up: &Upstream, endpoint: &Url, message: &Message) -> Result<(), String> {
    let resp = up
        .send(
            http::Method::POST,
            endpoint,
            &http::HeaderMap::new(),
            Some(&message.raw),
            true,
        )
        .await?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("the server answered HTTP {}", resp.status()))
    }
}
