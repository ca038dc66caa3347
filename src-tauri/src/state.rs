//! What the shell keeps between calls: the opened core and what it follows (the latest scan of
//! the MCP clients' config files, the servers being refreshed), the sign-ins in progress, and a
//! Connect asked for from outside the window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use latchkey_core::Latchkey;
use latchkey_core::actions::ConnectSession;
use latchkey_core::runtime::follow::Follow;
use tokio::sync::Notify;

pub struct AppState {
    /// The opened core lives in `follow` (one handle: see [`AppState::lk`]).
    pub follow: Arc<Follow>,
    sessions: Mutex<HashMap<String, Arc<ConnectSession>>>,
    /// A Connect asked for outside the window (a notification's button), for the window to
    /// start: it may not exist yet when the button is pressed.
    connect_request: Mutex<Option<String>>,
    /// Tells the background tasks to finish (the app is quitting).
    pub stop: Arc<Notify>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// `LATCHKEY_HOME` (or the platform data dir) and the OS keychain, as the CLI opens them.
    pub fn open() -> latchkey_core::Result<Self> {
        Ok(Self::new(Arc::new(Latchkey::open()?)))
    }

    pub fn new(lk: Arc<Latchkey>) -> Self {
        Self {
            follow: Follow::new(lk),
            sessions: Mutex::default(),
            connect_request: Mutex::default(),
            stop: Arc::new(Notify::new()),
        }
    }

    /// The opened core: the one `follow` holds.
    pub fn lk(&self) -> &Arc<Latchkey> {
        &self.follow.lk
    }

    /// Ask the window to start a Connect for `url` (the latest request wins).
    pub fn request_connect(&self, url: &str) {
        *lock(&self.connect_request) = Some(url.to_string());
    }

    /// The Connect asked for outside the window, once.
    pub fn take_connect_request(&self) -> Option<String> {
        lock(&self.connect_request).take()
    }

    /// Start a sign-in for `url`; `None` when one is already in progress for it.
    pub fn begin_session(&self, url: &str) -> Option<Arc<ConnectSession>> {
        let mut sessions = lock(&self.sessions);
        if sessions.contains_key(url) {
            return None;
        }
        let s = Arc::new(ConnectSession::default());
        sessions.insert(url.to_string(), s.clone());
        Some(s)
    }

    pub fn session(&self, url: &str) -> Option<Arc<ConnectSession>> {
        lock(&self.sessions).get(url).cloned()
    }

    pub fn end_session(&self, url: &str) {
        lock(&self.sessions).remove(url);
    }

    /// Whether a sign-in is still waiting (for the browser's redirect, a device code, ...).
    pub fn signing_in(&self) -> bool {
        !lock(&self.sessions).is_empty()
    }

    pub fn stop(&self) {
        for s in lock(&self.sessions).values() {
            s.cancel();
        }
        self.stop.notify_waiters();
    }
}
