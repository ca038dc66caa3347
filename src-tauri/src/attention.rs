//! Desktop notifications when a grant needs the person: refresh rejected, expired, or about to
//! expire without a refresh token. Each condition is announced once, when it appears (also at
//! start), and again only after it cleared and came back.

use std::collections::HashSet;
use std::sync::Mutex;

use latchkey_core::overview::{Overview, ServerView};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// What was announced already: `url|status`.
#[derive(Default)]
pub struct Announced(Mutex<HashSet<String>>);

fn key(s: &ServerView) -> String {
    format!("{}|{}", s.url, s.status.word())
}

/// The servers to announce now (pure, so it is tested without a desktop).
pub fn newly_needing(announced: &Announced, o: &Overview) -> Vec<ServerView> {
    let mut seen = announced.0.lock().unwrap_or_else(|p| p.into_inner());
    let now: HashSet<String> = o
        .servers
        .iter()
        .filter(|s| s.attention.is_some())
        .map(key)
        .collect();
    let fresh: Vec<ServerView> = o
        .servers
        .iter()
        .filter(|s| s.attention.is_some() && !seen.contains(&key(s)))
        .cloned()
        .collect();
    *seen = now;
    fresh
}

pub fn announce<R: Runtime>(app: &AppHandle<R>, o: &Overview) {
    let Some(announced) = app.try_state::<Announced>() else {
        return;
    };
    for s in newly_needing(&announced, o) {
        let body = s.attention.clone().unwrap_or_default();
        let shown = app
            .notification()
            .builder()
            .title(format!("{} needs you", s.name))
            .body(body)
            .show();
        if let Err(e) = shown {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}
