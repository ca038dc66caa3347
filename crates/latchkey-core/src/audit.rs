//! Lifecycle events (connected, refreshed, refresh failed, revoked, token handed to a shim).
//! Stored in SQLite; details are short descriptions, never secrets.

use crate::Result;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Connected,
    Refreshed,
    RefreshFailed,
    NeedsReconnect,
    Revoked,
    RevokedLocally,
    TokenHandedOut,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Connected => "connected",
            Event::Refreshed => "refreshed",
            Event::RefreshFailed => "refresh_failed",
            Event::NeedsReconnect => "needs_reconnect",
            Event::Revoked => "revoked",
            Event::RevokedLocally => "revoked_locally",
            Event::TokenHandedOut => "token_handed_out",
        }
    }
}

/// Record an event; failure to audit never fails the action it describes.
pub fn record(
    store: &Store,
    server_url: &str,
    grant_id: Option<i64>,
    event: Event,
    detail: Option<&str>,
) {
    if let Err(e) = store.insert_audit(Some(server_url), grant_id, event.as_str(), detail) {
        tracing::warn!("could not write audit event {}: {e}", event.as_str());
    }
}

/// Audit events are kept this long (`LATCHKEY_AUDIT_DAYS` overrides it).
pub fn retention_days() -> i64 {
    crate::tuning::Tuning::get().audit_days
}

/// Drop events older than the retention period.
pub fn prune(store: &Store) -> Result<usize> {
    store.prune_audit(crate::time::now() - retention_days() * 86_400)
}

pub fn recent(
    store: &Store,
    server_url: Option<&str>,
    limit: usize,
) -> Result<Vec<crate::store::AuditRow>> {
    store.audit_events(server_url, limit)
}
