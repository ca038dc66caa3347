//! What the shell keeps between calls: the opened core, the servers being refreshed right now,
//! the sign-ins in progress, and the latest scan of the MCP clients' config files.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use latchkey_core::Latchkey;
use latchkey_core::app_actions::ConnectSession;
use latchkey_core::clients::scan::Scan;
use latchkey_core::overview::{self, Overview};
use tokio::sync::Notify;

pub struct AppState {
    pub lk: Arc<Latchkey>,
    refreshing: Mutex<HashSet<String>>,
    sessions: Mutex<HashMap<String, Arc<ConnectSession>>>,
    scan: Mutex<Option<Arc<Scan>>>,
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
            lk,
            refreshing: Mutex::default(),
            sessions: Mutex::default(),
            scan: Mutex::default(),
            connect_request: Mutex::default(),
            stop: Arc::new(Notify::new()),
        }
    }

    pub fn overview(&self) -> latchkey_core::Result<Overview> {
        let scan = lock(&self.scan).clone();
        let refreshing = lock(&self.refreshing).clone();
        overview::build(
            &self.lk,
            scan.as_deref(),
            &refreshing,
            latchkey_core::time::now(),
        )
    }

    /// The latest scan of the MCP clients' config files (none before the first one ends).
    pub fn scan(&self) -> Option<Arc<Scan>> {
        lock(&self.scan).clone()
    }

    pub fn set_scan(&self, scan: Scan) {
        *lock(&self.scan) = Some(Arc::new(scan));
    }

    pub fn clients_using(&self, url: &str) -> Vec<String> {
        lock(&self.scan)
            .as_deref()
            .map(|s| latchkey_core::clients::scan::clients_using(s, url))
            .unwrap_or_default()
    }

    pub fn set_refreshing(&self, url: &str, on: bool) {
        let mut set = lock(&self.refreshing);
        if on {
            set.insert(url.to_string());
        } else {
            set.remove(url);
        }
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

    pub fn stop(&self) {
        for s in lock(&self.sessions).values() {
            s.cancel();
        }
        self.stop.notify_waiters();
    }
}
