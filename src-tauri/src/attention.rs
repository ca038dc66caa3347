//! Desktop notifications when a grant needs the person: refresh rejected, expired, about to
//! expire without a refresh token, or an MCP client waiting for a sign-in no browser could be
//! opened for. Each condition is announced once, when it appears (also at start), and again
//! only after it cleared and came back. Every one of them is fixed by signing in again, so on
//! Linux the notification has a Connect button (XDG notification actions): it opens the window
//! and starts the Connect there, as the window's own button would.

use std::collections::HashSet;
use std::sync::Mutex;

use latchkey_core::overview::{Overview, ServerView};
use tauri::{AppHandle, Manager, Runtime};
#[cfg(not(target_os = "linux"))]
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
        let title = format!("{} needs you", s.name);
        let body = s.attention.clone().unwrap_or_default();
        if let Err(e) = show(app, &s.url, &title, &body) {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}

/// The event that asks the window to take the pending Connect request.
pub const CONNECT_REQUESTED: &str = "connect-requested";

/// The notification's Connect button: open the window and start the Connect there (the
/// window takes the request when it has loaded, or at once when it is open).
pub fn connect_from_notification<R: Runtime>(app: &AppHandle<R>, url: &str) {
    use tauri::Emitter;
    if let Some(state) = app.try_state::<crate::AppState>() {
        state.request_connect(url);
    }
    crate::window::show(app);
    let _ = app.emit(CONNECT_REQUESTED, ());
}

#[cfg(target_os = "linux")]
fn show<R: Runtime>(app: &AppHandle<R>, url: &str, title: &str, body: &str) -> Result<(), String> {
    let handle = notify_rust::Notification::new()
        .appname("Latchkey")
        .summary(title)
        .body(body)
        // "default" is a click on the notification itself.
        .action("default", "Open Latchkey")
        .action("connect", "Connect")
        .show()
        .map_err(|e| e.to_string())?;
    let app = app.clone();
    let url = url.to_string();
    // Waits on D-Bus until the person acts or the notification closes (one thread per
    // notification shown; they are few: one per server that needs attention).
    std::thread::spawn(move || {
        handle.wait_for_action(|action| match action {
            "connect" => connect_from_notification(&app, &url),
            "default" => crate::window::show(&app),
            _ => {}
        })
    });
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn show<R: Runtime>(app: &AppHandle<R>, _url: &str, title: &str, body: &str) -> Result<(), String> {
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::overview::Status;

    fn server(url: &str, status: Status, attention: Option<&str>) -> ServerView {
        ServerView {
            url: url.into(),
            name: url.into(),
            host: url.into(),
            clients: vec![],
            status,
            scopes: vec![],
            account: None,
            accounts: vec![],
            attention: attention.map(str::to_string),
            known_to_latchkey: true,
        }
    }

    fn overview(servers: Vec<ServerView>) -> Overview {
        Overview {
            attention_count: servers.iter().filter(|s| s.attention.is_some()).count() as u32,
            servers,
            ..Overview::default()
        }
    }

    #[test]
    fn each_condition_is_announced_once_and_again_after_it_cleared() {
        let announced = Announced::default();
        let rejected = || {
            server(
                "https://a",
                Status::NeedsReconnect { reason: None },
                Some("reconnect"),
            )
        };
        let fine = || server("https://a", Status::NotConnected, None);

        let first = newly_needing(&announced, &overview(vec![rejected()]));
        assert_eq!(first.len(), 1, "announced when it appears");
        assert!(
            newly_needing(&announced, &overview(vec![rejected()])).is_empty(),
            "not twice"
        );
        assert!(newly_needing(&announced, &overview(vec![fine()])).is_empty());
        assert_eq!(
            newly_needing(&announced, &overview(vec![rejected()])).len(),
            1,
            "again after it cleared and came back"
        );
        // Another condition of the same server is news too.
        let expired = server("https://a", Status::Expired, Some("expired"));
        assert_eq!(newly_needing(&announced, &overview(vec![expired])).len(), 1);
    }
}
