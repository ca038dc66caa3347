//! The loopback redirect receiver (RFC 8252 §7.3): bound to 127.0.0.1 only (never 0.0.0.0),
//! single use, timed out. It validates the redirect itself so the browser tab can say plainly
//! whether the sign-in worked ("You can close this tab") or why not.
//!
//! Only this sign-in's redirect ends the wait: a request whose `Host` is not
//! `127.0.0.1:<port>` (DNS rebinding: a web page reaching the port through a name of its own)
//! or whose `state` is missing or wrong (anything else on the machine, or a page guessing)
//! gets a 400 page, and the sign-in keeps waiting for the real one.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::{Error, Result};

pub const CALLBACK_PATH: &str = "/callback";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How long to wait for the browser: `LATCHKEY_SIGNIN_TIMEOUT` seconds, default 5 minutes.
pub fn timeout_from_env() -> Duration {
    crate::tuning::Tuning::get().signin_timeout
}

pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

type Validator = Box<dyn Fn(&[(String, String)]) -> Result<String> + Send + Sync>;

struct Shared {
    host: String,
    expected_state: String,
    validate: Validator,
    done: Mutex<Option<oneshot::Sender<Result<String>>>>,
    /// Why requests that were not this sign-in's redirect were refused (for the time-out's
    /// message).
    refused: Mutex<Vec<String>>,
}

impl Loopback {
    /// Bind 127.0.0.1:`port` (0 picks a free port).
    pub async fn bind(port: u16) -> Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| {
                Error::Io(format!(
                    "cannot listen on 127.0.0.1:{port} for the sign-in redirect: {e}"
                ))
            })?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Serve until this sign-in's redirect arrives (the right `Host` and `expected_state`),
    /// validate it with `validate`, answer the browser, and return the code. Later requests
    /// find the port closed.
    pub async fn wait(
        self,
        expected_state: String,
        validate: impl Fn(&[(String, String)]) -> Result<String> + Send + Sync + 'static,
        timeout: Duration,
    ) -> Result<String> {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            host: format!("127.0.0.1:{}", self.port),
            expected_state,
            validate: Box::new(validate),
            done: Mutex::new(Some(tx)),
            refused: Mutex::new(Vec::new()),
        });
        let seen = shared.clone();
        let app = axum::Router::new()
            .route(CALLBACK_PATH, get(callback))
            .fallback(|| async { (http::StatusCode::NOT_FOUND, "Not found") })
            .with_state(shared);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(self.listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await;
        });
        let outcome = tokio::time::timeout(timeout, rx).await;
        let _ = stop_tx.send(());
        // Give the browser its page before the listener goes away.
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
        match outcome {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::SignInIncomplete(
                "the sign-in listener stopped".into(),
            )),
            Err(_) => {
                let refused = seen.refused.lock().map(|r| r.clone()).unwrap_or_default();
                let also = match refused.last() {
                    None => String::new(),
                    Some(last) => format!(
                        " (refused meanwhile: {} request(s) that were not this sign-in's redirect, the last because {last})",
                        refused.len()
                    ),
                };
                Err(Error::SignInIncomplete(format!(
                    "no answer from the browser within {} s{also}; run the command again",
                    timeout.as_secs()
                )))
            }
        }
    }
}

async fn callback(
    State(shared): State<Arc<Shared>>,
    headers: http::HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> impl IntoResponse {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok());
    let not_ours = if host != Some(shared.host.as_str()) {
        Some(format!(
            "it was addressed to host '{}', not {}",
            crate::error::sanitize_server_text(host.unwrap_or("")),
            shared.host
        ))
    } else {
        super::authorize::check_state(&query, &shared.expected_state)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(why) = not_ours {
        tracing::warn!("sign-in redirect listener: refused a request: {why}");
        if let Ok(mut refused) = shared.refused.lock() {
            refused.push(why);
        }
        return (
            http::StatusCode::BAD_REQUEST,
            Html(page(
                "Not this sign-in",
                "This address is waiting for a sign-in that Latchkey started, and this request is not its answer. Nothing was done; the sign-in is still waiting.",
            )),
        );
    }
    let Some(tx) = shared.done.lock().ok().and_then(|mut d| d.take()) else {
        return (
            http::StatusCode::GONE,
            Html(page(
                "Already used",
                "This sign-in link was already used. Start a new sign-in from Latchkey.",
            )),
        );
    };
    let result = (shared.validate)(&query);
    let response = match &result {
        Ok(_) => (
            http::StatusCode::OK,
            Html(page(
                "Signed in",
                "Latchkey received the sign-in. You can close this tab.",
            )),
        ),
        Err(e) => (
            http::StatusCode::BAD_REQUEST,
            Html(page(
                "Sign-in failed",
                &format!("{e}. You can close this tab and try again."),
            )),
        ),
    };
    let _ = tx.send(result);
    response
}

fn page(title: &str, message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Latchkey: {t}</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}}\
         @media(prefers-color-scheme:dark){{body{{background:#111;color:#eee}}}}h1{{font-size:1.4rem}}</style></head>\
         <body><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(message)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binds_loopback_only_and_is_single_use() {
        let lb = Loopback::bind(0).await.unwrap();
        assert_eq!(
            lb.listener.local_addr().unwrap().ip().to_string(),
            "127.0.0.1"
        );
        let uri = lb.redirect_uri();
        let waiter = tokio::spawn(lb.wait(
            "s".into(),
            |q| {
                Ok(q.iter()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default())
            },
            Duration::from_secs(10),
        ));
        let client = reqwest::Client::new();
        let first = client
            .get(format!("{uri}?code=abc&state=s"))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 200);
        assert!(
            first
                .text()
                .await
                .unwrap()
                .contains("You can close this tab")
        );
        assert_eq!(waiter.await.unwrap().unwrap(), "abc");
        // The second hit finds nobody listening (or the "already used" page): never a second code.
        let second = client.get(format!("{uri}?code=def&state=s")).send().await;
        assert!(second.map(|r| r.status() != 200).unwrap_or(true));
    }

    #[tokio::test]
    async fn times_out_with_a_clear_error() {
        let lb = Loopback::bind(0).await.unwrap();
        let err = lb
            .wait(
                "s".into(),
                |_| Ok(String::new()),
                Duration::from_millis(100),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("no answer from the browser"),
            "{err}"
        );
    }

    /// Issue 11 (8): requests without this sign-in's state, or for another Host, get a 400
    /// page and the wait goes on; the real redirect then ends it.
    #[tokio::test]
    async fn only_this_sign_ins_redirect_ends_the_wait() {
        let lb = Loopback::bind(0).await.unwrap();
        let uri = lb.redirect_uri();
        let port = lb.port();
        let waiter = tokio::spawn(lb.wait(
            "right".into(),
            |q| {
                Ok(q.iter()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default())
            },
            Duration::from_secs(10),
        ));
        let client = reqwest::Client::new();
        for stray in [
            uri.to_string(),
            format!("{uri}?code=evil"),
            format!("{uri}?code=evil&state=wrong"),
            format!("{uri}?code=evil&state=right&state=right"),
        ] {
            let r = client.get(&stray).send().await.unwrap();
            assert_eq!(r.status(), 400, "{stray}");
            assert!(r.text().await.unwrap().contains("still waiting"), "{stray}");
        }
        // DNS rebinding: the right state, but the request came through another name.
        let rebound = client
            .get(format!("{uri}?code=evil&state=right"))
            .header("host", format!("attacker.test:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), 400);
        assert!(!waiter.is_finished(), "still waiting for the real redirect");
        let real = client
            .get(format!("{uri}?code=good&state=right"))
            .send()
            .await
            .unwrap();
        assert_eq!(real.status(), 200);
        assert_eq!(waiter.await.unwrap().unwrap(), "good");
    }

    #[tokio::test]
    async fn the_time_out_says_what_was_refused() {
        let lb = Loopback::bind(0).await.unwrap();
        let uri = lb.redirect_uri();
        let waiter = tokio::spawn(lb.wait(
            "right".into(),
            |_| Ok(String::new()),
            Duration::from_millis(800),
        ));
        let _ = reqwest::get(format!("{uri}?code=x&state=wrong")).await;
        let err = waiter.await.unwrap().unwrap_err().to_string();
        assert!(err.contains("does not match this sign-in"), "{err}");
    }

    #[test]
    fn pages_escape_server_text() {
        assert!(!page("x", "<script>alert(1)</script>").contains("<script>alert"));
    }
}
