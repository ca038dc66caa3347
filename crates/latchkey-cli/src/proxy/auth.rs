//! The proxy's side of auth: a cached token from the broker, refresh on 401, sign-in when there
//! is no usable grant, step-up on 403 `insufficient_scope` with the union of scopes.
//!
//! Sign-ins are serialised across processes by the core's lock per server (`connect`): when
//! several proxies (or the app, or `latchkey connect`) need a sign-in at once, the first opens
//! the one browser tab; the others wait and then use the new grant.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use latchkey_core::audit::{self, Event};
use latchkey_core::broker::{self, Handed};
use latchkey_core::oauth::challenge::BearerChallenge;
use latchkey_core::oauth::dpop::DpopKey;
use latchkey_core::oauth::registration::ClientOptions;
use latchkey_core::protocol::Scopes;
use latchkey_core::secrets::secret::Secret;
use latchkey_core::sign_in::{self, ConnectOutcome, ConnectRequest, Progress};
use latchkey_core::store::GrantKind;
use latchkey_core::time::now;
use latchkey_core::{Error, Latchkey, Result};
use tokio::sync::Mutex;

/// At most this many sign-ins per proxy process (MCP: cap step-up attempts).
pub const MAX_SIGN_INS: u32 = 3;

pub struct Auth {
    lk: Arc<Latchkey>,
    server_url: String,
    client: ClientOptions,
    open_browser: bool,
    /// The user passed their own Authorization header: Latchkey stays out of the way.
    disabled: bool,
    cached: Mutex<Option<Cached>>,
    sign_ins: AtomicU32,
    /// The session was told once that no browser can open here.
    told_no_display: AtomicBool,
}

#[derive(Clone)]
struct Cached {
    token: Secret,
    expires_at: Option<i64>,
    /// The authorization server that issued it.
    issuer: String,
    /// The key it is bound to, for a DPoP-bound token.
    dpop: Option<Arc<DpopKey>>,
}

impl Auth {
    pub fn new(
        lk: Arc<Latchkey>,
        server_url: String,
        client: ClientOptions,
        open_browser: bool,
        disabled: bool,
    ) -> Self {
        Self {
            lk,
            server_url,
            client,
            open_browser,
            disabled,
            cached: Mutex::new(None),
            sign_ins: AtomicU32::new(0),
            told_no_display: AtomicBool::new(false),
        }
    }

    /// The token to send, or `None` when there is no grant yet (the server will say 401 if it
    /// wants one).
    pub async fn current(&self) -> Result<Option<Secret>> {
        if self.disabled {
            return Ok(None);
        }
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            // Ask the broker again 30 s before expiry; it refreshes (once, across processes).
            if c.expires_at.is_none_or(|e| e - now() > 30) {
                return Ok(Some(c.token.clone()));
            }
        }
        let handed = broker::token_if_connected(&self.lk, &self.server_url, false).await?;
        *cached = handed.map(|h| self.remember(h));
        Ok(cached.as_ref().map(|c| c.token.clone()))
    }

    fn remember(&self, h: Handed) -> Cached {
        audit::record(
            &self.lk.store(),
            &h.server.url,
            Some(h.grant.id),
            Event::TokenHandedOut,
            Some(&format!("latchkey proxy (pid {})", std::process::id())),
        );
        Cached {
            token: h.access_token,
            expires_at: h.expires_at,
            issuer: h.grant.issuer,
            dpop: bound_key(h.dpop_key.as_ref()),
        }
    }

    /// The DPoP key `token` is bound to, when it is (the cached token's).
    pub async fn dpop_key_for(&self, token: &Secret) -> Option<Arc<DpopKey>> {
        let cached = self.cached.lock().await;
        cached
            .as_ref()
            .filter(|c| &c.token == token)
            .and_then(|c| c.dpop.clone())
    }

    /// Cache a token the broker handed out (and audit the hand-out); returns the token.
    fn keep(&self, slot: &mut Option<Cached>, h: Handed) -> Secret {
        let entry = self.remember(h);
        let token = entry.token.clone();
        *slot = Some(entry);
        token
    }

    /// A token fresher than `sent` from a forced refresh, without ever signing in (for the
    /// background GET stream). `None` when there is none.
    pub async fn refreshed(&self, sent: Option<&Secret>) -> Option<Secret> {
        if self.disabled {
            return None;
        }
        let mut cached = self.cached.lock().await;
        match broker::token_if_connected(&self.lk, &self.server_url, true).await {
            Ok(Some(h)) if Some(&h.access_token) != sent => Some(self.keep(&mut cached, h)),
            _ => None,
        }
    }

    /// The server said 401. When a token was sent and no refresh was tried for this request
    /// yet, refresh; else (or when the refresh gave no new token, or the server's metadata now
    /// names another authorization server) sign in.
    pub async fn unauthorized(
        &self,
        challenge: BearerChallenge,
        sent: Option<&Secret>,
        refreshed_already: bool,
    ) -> Result<Secret> {
        if self.disabled {
            return Err(Error::InvalidInput(
                "the server rejected the Authorization header given with --header".into(),
            ));
        }
        if sent.is_some()
            && !refreshed_already
            && !self.authorization_server_moved(&challenge).await
            && let Some(token) = self.refreshed(sent).await
        {
            return Ok(token);
        }
        self.sign_in(challenge, Scopes::default()).await
    }

    /// SEP-2352: the server's protected-resource metadata names another authorization server
    /// than the one the grant came from. Its refresh token must not be sent to the old one for
    /// a token the server no longer takes: sign in with the new one (the old grant stays
    /// until the new sign-in succeeds).
    async fn authorization_server_moved(&self, challenge: &BearerChallenge) -> bool {
        let Some(issuer) = self.cached.lock().await.as_ref().map(|c| c.issuer.clone()) else {
            return false;
        };
        let (Ok(url), Ok(canonical)) = (
            url::Url::parse(&self.server_url),
            latchkey_core::url_policy::canonical_resource(&self.server_url),
        ) else {
            return false;
        };
        let Ok(http) = self.lk.http.for_server(&url).await else {
            return false;
        };
        match latchkey_core::oauth::discovery::authorization_server_now(
            &http,
            &url,
            &canonical,
            Some(challenge),
        )
        .await
        {
            Ok(Some(now)) if now != issuer => {
                tracing::info!(
                    "the server's authorization server moved from {issuer} to {now}; signing in there"
                );
                true
            }
            _ => false,
        }
    }

    /// The server said 403 `insufficient_scope`: sign in again for the union of the scopes held
    /// and the ones it asked for.
    pub async fn insufficient_scope(&self, challenge: BearerChallenge) -> Result<Secret> {
        if self.disabled {
            return Err(Error::InvalidInput(
                "the server needs more scopes than the --header token has".into(),
            ));
        }
        let wanted = sign_in::step_up_scopes(&self.lk, &self.server_url, &challenge);
        self.sign_in(challenge, wanted).await
    }

    /// The kind of the server's grant when it is one no person takes part in.
    fn machine_grant(&self) -> Option<GrantKind> {
        let server = self.lk.find_server(&self.server_url).ok()?;
        let grant = broker::default_grant(&self.lk, &server).ok()?;
        grant.obtained_by.is_machine().then_some(grant.obtained_by)
    }

    /// No browser could be opened for a sign-in: say on stderr what to run, ask the desktop
    /// app to ask the person (it shows the server as waiting for a sign-in, with a
    /// notification), and fail the request with the same words, at once rather than at the
    /// client's time-out.
    fn browser_failed(&self, e: Error) -> Error {
        let command = format!("latchkey connect {}", self.server_url);
        let text = format!(
            "{e}. Sign in with `{command}` (on a machine without a browser: `{command} --no-browser`), or in the Latchkey app, then try again"
        );
        eprintln!("latchkey: {text}");
        self.ask_the_app();
        Error::SignInIncomplete(text)
    }

    /// No browser can open in this session at all (no display, an SSH session): nothing is
    /// tried. The request fails at once with the command that signs in from a terminal; the
    /// line on stderr and the app's notice come once per proxy session.
    fn no_display(&self, why: &str) -> Error {
        let text = format!(
            "no browser can open for the sign-in here: {why}. Sign in with `latchkey connect {} --no-browser` (it prints the address to open in a browser on any machine and takes the address that browser ends at), or in the Latchkey app, then try again",
            self.server_url
        );
        if !self.told_no_display.swap(true, Ordering::SeqCst) {
            eprintln!("latchkey: {text}");
            self.ask_the_app();
        }
        Error::SignInIncomplete(text)
    }

    /// Mark the server as waiting for a sign-in, which the desktop app shows (with a
    /// notification that has a Connect button).
    fn ask_the_app(&self) {
        let store = self.lk.store();
        if let Ok(canonical) = latchkey_core::url_policy::canonical_resource(&self.server_url)
            && let Ok(server) = store.upsert_server(&canonical)
        {
            let _ = store.set_sign_in_wanted(server.id, true);
            audit::record(
                &store,
                &server.url,
                None,
                Event::NeedsReconnect,
                Some("an MCP client needs a sign-in; no browser could be opened for it"),
            );
        }
    }

    async fn sign_in(&self, challenge: BearerChallenge, wanted: Scopes) -> Result<Secret> {
        if let Some(kind) = self.machine_grant() {
            // No person to ask: a browser sign-in would wait for nobody. The renewal with the
            // client's own credentials was tried already (the refresh on 401).
            return Err(Error::SignInIncomplete(format!(
                "the server refused the token Latchkey got for it without a browser ({}); check what this client may do there, then renew with `latchkey refresh {}` or connect again with new credentials",
                kind.as_str().replace('_', " "),
                self.server_url
            )));
        }
        if self.open_browser
            && let Some(why) = latchkey_core::browser::no_display()
        {
            return Err(self.no_display(why));
        }
        let mut cached = self.cached.lock().await;
        let n = self.sign_ins.fetch_add(1, Ordering::SeqCst) + 1;
        if n > MAX_SIGN_INS {
            return Err(Error::SignInIncomplete(format!(
                "the server still refuses after {MAX_SIGN_INS} sign-ins; giving up"
            )));
        }
        let no_browser = !self.open_browser;
        let server = self.server_url.clone();
        // The address always goes to stderr, which MCP clients show in their logs: the browser
        // may open behind a window, or on no screen at all.
        let progress = move |p: Progress| {
            if let Progress::WaitingForBrowser { url, .. } = p {
                if no_browser {
                    eprintln!("latchkey: open this URL to sign in to {server}:\n{url}");
                } else {
                    eprintln!(
                        "latchkey: signing in to {server} in the browser; if it did not open, visit:\n{url}"
                    );
                }
            }
        };
        let request = ConnectRequest {
            server_url: self.server_url.clone(),
            scopes: wanted,
            client: self.client.clone(),
            open_browser: self.open_browser,
            challenge: Some(challenge),
            timeout: None,
            another_account: false,
            machine: None,
            pasted: None,
            // The MCP client gets the command to run instead (`connect --no-browser`).
            device: false,
            device_if_no_browser: false,
        };
        let outcome = match sign_in::connect(&self.lk, request, &progress).await {
            Err(e @ Error::BrowserFailed(_)) => return Err(self.browser_failed(e)),
            other => other?,
        };
        match outcome {
            ConnectOutcome::Connected(c) => {
                let entry = Cached {
                    token: c.tokens.access_token.clone(),
                    expires_at: c.tokens.expires_at,
                    issuer: c.grant.issuer.clone(),
                    dpop: bound_key(c.tokens.dpop_key.as_ref()),
                };
                let token = entry.token.clone();
                *cached = Some(entry);
                Ok(token)
            }
            ConnectOutcome::NoSignInNeeded => Err(Error::SignInIncomplete(
                "the server asked for a token but then said none is needed".into(),
            )),
        }
    }
}

/// The grant's DPoP key, read from what the secret store keeps. A damaged one is logged: the
/// token then goes as `Bearer`, which the server refuses with words the client sees.
fn bound_key(kept: Option<&Secret>) -> Option<Arc<DpopKey>> {
    match DpopKey::from_secret(kept?) {
        Ok(key) => Some(Arc::new(key)),
        Err(e) => {
            tracing::warn!("{e}");
            None
        }
    }
}
