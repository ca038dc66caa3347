//! SQLite metadata under the Latchkey home: servers, authorization servers, client registrations,
//! grants and audit events. Never a secret: tokens and client secrets live in the keychain.
//!
//! WAL mode and a busy time-out let the app, the CLI and many `latchkey proxy` processes share
//! the file. The schema is versioned with `PRAGMA user_version` ([`migrations`]).

mod migrations;
pub mod model;
mod queries;
pub mod reconnect_reason;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::Result;

pub use model::*;
pub use reconnect_reason::ReconnectReason;

pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        enable_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        restrict_permissions(path);
        let mut store = Self { conn };
        migrations::apply(&mut store.conn)?;
        Ok(store)
    }

    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::apply(&mut conn)?;
        Ok(Self { conn })
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// WAL lets readers and one writer work at once across processes. The mode is persistent, so
/// only the first opener switches it; switching needs an exclusive lock and SQLite answers
/// "database is locked" at once (without the busy handler) when another opener is mid-switch,
/// so retry for a while.
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = conn
            .pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
            .and_then(|mode| {
                if mode.eq_ignore_ascii_case("wal") {
                    Ok(())
                } else {
                    conn.pragma_update(None, "journal_mode", "WAL")
                }
            });
        match attempt {
            Ok(()) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}
