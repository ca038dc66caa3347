//! Noticing changes other processes make to the store (a `connect` from the CLI, a refresh by a
//! proxy) without polling: a file-system watch on the home directory, coalesced into one
//! `Notify` permit however many writes happen.

use std::sync::Arc;

use notify::{RecursiveMode, Watcher};
use tokio::sync::Notify;

use crate::home::Home;
use crate::{Error, Result};

/// Keep the returned watcher alive as long as notifications are wanted.
pub fn watch(home: &Home) -> Result<(notify::RecommendedWatcher, Arc<Notify>)> {
    let changed = Arc::new(Notify::new());
    let signal = changed.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let about_store = event.paths.iter().any(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("latchkey.sqlite3"))
        });
        if about_store && !matches!(event.kind, notify::EventKind::Access(_)) {
            signal.notify_one();
        }
    })
    .map_err(|e| Error::Io(format!("cannot watch {}: {e}", home.dir().display())))?;
    watcher
        .watch(home.dir(), RecursiveMode::NonRecursive)
        .map_err(|e| Error::Io(format!("cannot watch {}: {e}", home.dir().display())))?;
    Ok((watcher, changed))
}
