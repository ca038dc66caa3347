//! `latchkey proxy <url>`: a stdio <-> Streamable HTTP bridge (and legacy HTTP+SSE for servers
//! that only have it), a drop-in for `npx mcp-remote <url>`, that speaks every MCP revision to
//! the server whatever revision the client speaks ([`session`]).
//!
//! - stdin: newline-delimited JSON-RPC from the MCP client. When client and server speak the
//!   same revision every message is forwarded as the exact bytes received, including methods
//!   Latchkey does not know; a 2025 client and a 2026-07-28 server are translated ([`modern`]).
//! - stdout: every message from the server, one per line; every request gets exactly one
//!   answer ([`client`]). Logs never go to stdout.
//! - Auth ([`auth`]): the broker's token on every request; 401 → refresh, retry once, then sign
//!   in; 403 `insufficient_scope` → sign in again with the union of scopes (3 sign-ins at most).
//! - End of stdin: finish what is in flight, close the session (DELETE), exit 0. SIGINT or
//!   SIGTERM: the same within a second, then exit 0; a second signal exits at once.

mod auth;
mod bounded;
mod client;
mod legacy;
mod legacy_sse;
mod mcp;
mod message;
mod modern;
mod output;
mod session;
mod upstream;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use latchkey_core::{Error, Result, url_policy};
use tokio::task::JoinSet;

use crate::cli::ProxyArgs;
use session::Session;

/// How long in-flight requests may take to finish after stdin closes.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long they may take after a signal: a client that signals has stopped waiting for
/// answers, and the session must be closed before the next signal, which Claude Code sends
/// 100 ms after SIGINT (then SIGKILL 400 ms later).
const SIGNAL_DRAIN: Duration = Duration::from_millis(50);

/// How the client stopped the proxy.
enum Stop {
    EndOfInput,
    Signal,
}

pub async fn run(args: ProxyArgs) -> Result<ExitCode> {
    let url = url_policy::parse_server_url(&args.server_url)?;
    let headers = parse_headers(&args.headers)?;
    if args.client.client_secret_stdin {
        return Err(Error::InvalidInput(
            "proxy: standard input carries JSON-RPC, so it cannot carry a client secret; run `latchkey connect <url> --client-id ID --client-secret-stdin` once, then the proxy".into(),
        ));
    }
    let client_options = args.client.options()?;
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
    let up = Arc::new(upstream::Upstream::new(
        stream_client()?,
        url,
        headers,
        auth,
        max_message,
    ));
    let client = Arc::new(client::Client::new(out.clone()));
    let session = Arc::new(Session::new(up, client.clone(), lk, args.protocol));

    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut in_flight = JoinSet::new();
    let mut signals = Signals::new()?;
    let stop = loop {
        let line = tokio::select! {
            line = bounded::next_line(&mut stdin, max_message) => line,
            () = signals.next() => break Stop::Signal,
        };
        let line = match line.map_err(|e| Error::Io(format!("reading stdin: {e}")))? {
            None => break Stop::EndOfInput,
            Some(bounded::Line::Text(text)) => text,
            Some(bounded::Line::TooLong) => {
                // Its id is somewhere in what was dropped: the client learns why at least.
                let why = bounded::ReadError::TooLarge(max_message).to_string();
                tracing::warn!("a message from the client: {why}");
                let reply = message::error(&serde_json::Value::Null, message::PROXY_ERROR, &why);
                let _ = out
                    .send(serde_json::to_vec(&reply).expect("serialises"))
                    .await;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        session
            .handle(message::Message::parse(line.into_bytes()), &mut in_flight)
            .await;
        while in_flight.try_join_next().is_some() {}
    };
    let drain = match stop {
        Stop::EndOfInput => DRAIN_TIMEOUT,
        Stop::Signal => {
            // A second signal ends the proxy at once.
            tokio::spawn(async move {
                signals.next().await;
                std::process::exit(130);
            });
            SIGNAL_DRAIN
        }
    };
    tracing::debug!("finishing {} request(s) in flight", in_flight.len());
    let _ = tokio::time::timeout(drain, async {
        while in_flight.join_next().await.is_some() {}
    })
    .await;
    in_flight.abort_all();
    session.drain(drain).await;
    for id in client.waiting() {
        client.fail(&id, "the proxy is stopping").await;
    }
    session.close().await;
    drop(session);
    drop(client);
    drop(out);
    // Everything written is flushed once the last sender is gone (background tasks were
    // stopped above; bounded in case one is still being dropped).
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    Ok(ExitCode::SUCCESS)
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let err = |e: std::io::Error| Error::Io(format!("cannot watch for signals: {e}"));
            Ok(Self {
                int: signal(SignalKind::interrupt()).map_err(err)?,
                term: signal(SignalKind::terminate()).map_err(err)?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
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
