//! `latchkey proxy <url>`: a stdio <-> Streamable HTTP bridge (and legacy HTTP+SSE for servers
//! that only have it), a drop-in for `npx mcp-remote <url>`.
//!
//! - stdin: newline-delimited JSON-RPC from the MCP client; every message is forwarded as the
//!   exact bytes received, including methods Latchkey does not know.
//! - stdout: every message from the server (JSON bodies, SSE events, the GET stream), one per
//!   line. Logs never go to stdout.
//! - Auth ([`auth`]): the broker's token on every request; 401 → refresh, retry once, then sign
//!   in; 403 `insufficient_scope` → sign in again with the union of scopes (3 sign-ins at most).
//! - End of stdin: finish what is in flight, close the session (DELETE), exit 0.

mod auth;
mod bounded;
mod legacy_sse;
mod output;
mod streamable;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use latchkey_core::{Error, Result, url_policy};
use tokio::task::JoinSet;

use crate::cli::ProxyArgs;
use streamable::Session;

/// How long in-flight requests may take to finish after stdin closes.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(args: ProxyArgs) -> Result<ExitCode> {
    let url = url_policy::parse_server_url(&args.server_url)?;
    let headers = parse_headers(&args.headers)?;
    if args.client.client_secret_stdin {
        return Err(Error::InvalidInput(
            "proxy: standard input carries JSON-RPC, so it cannot carry a client secret; run `latchkey connect <url> --client-id ID --client-secret-stdin` once, then the proxy".into(),
        ));
    }
    let client_options = crate::commands::client_options(&args.client)?;
    let lk = Arc::new(latchkey_core::Latchkey::open()?);
    let max_message = bounded::max_message_bytes(&latchkey_core::settings::load(&lk.home)?);
    let (out, writer) = output::spawn_writer();
    let user_sets_authorization = headers.contains_key(http::header::AUTHORIZATION);
    let auth = Arc::new(auth::Auth::new(
        lk.clone(),
        args.server_url.clone(),
        client_options,
        !args.no_browser,
        user_sets_authorization,
    ));
    let session = Arc::new(Session::new(
        stream_client()?,
        url,
        headers,
        auth,
        out.clone(),
        max_message,
    ));

    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut in_flight = JoinSet::new();
    while let Some(line) = bounded::next_line(&mut stdin, max_message)
        .await
        .map_err(|e| Error::Io(format!("reading stdin: {e}")))?
    {
        let line = match line {
            bounded::Line::Text(text) => text,
            bounded::Line::TooLong => {
                // Its id is somewhere in what was dropped: the client learns why at least.
                let why = bounded::ReadError::TooLarge(max_message).to_string();
                tracing::warn!("a message from the client: {why}");
                let _ = out
                    .send(output::error_reply(&serde_json::Value::Null, &why))
                    .await;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let message = streamable::Message::parse(line);
        match message.kind() {
            // initialize is awaited so the session id and protocol version are known before
            // anything else is sent; notifications and responses keep their order.
            streamable::Kind::Initialize
            | streamable::Kind::Notification
            | streamable::Kind::Response => {
                session.forward(message).await;
            }
            streamable::Kind::Request => {
                let session = session.clone();
                in_flight.spawn(async move { session.forward(message).await });
            }
        }
        while in_flight.try_join_next().is_some() {}
    }
    tracing::debug!(
        "stdin closed; finishing {} request(s) in flight",
        in_flight.len()
    );
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while in_flight.join_next().await.is_some() {}
    })
    .await;
    session.drain(DRAIN_TIMEOUT).await;
    session.close().await;
    drop(session);
    drop(out);
    let _ = writer.await;
    Ok(ExitCode::SUCCESS)
}

/// The MCP traffic's own client: no overall time limit (a tool call may take minutes and the
/// GET stream stays open for hours), but a bounded connect and a bounded silence between
/// reads, and no redirects (a token must not follow one to another host).
fn stream_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(STREAM_IDLE_SECS))
        .user_agent(concat!("latchkey-proxy/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Network(e.to_string()))
}

/// Longest silence on an MCP response or stream before it is treated as dropped (servers send
/// SSE keep-alives well within this).
const STREAM_IDLE_SECS: u64 = 600;

fn parse_headers(raw: &[String]) -> Result<http::HeaderMap> {
    let mut map = http::HeaderMap::new();
    for h in raw {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Error::InvalidInput(format!("--header '{h}' is not 'Name: value'")))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Error::InvalidInput(format!("--header: '{}' is not a header name", name.trim()))
        })?;
        let value = http::HeaderValue::from_str(value.trim()).map_err(|_| {
            Error::InvalidInput(format!(
                "--header {name}: the value is not a valid header value"
            ))
        })?;
        map.append(name, value);
    }
    Ok(map)
}
