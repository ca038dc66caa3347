//! Desktop notifications when a grant needs the person: refresh rejected, expired, about to
//! expire without a refresh token, or an MCP client waiting for a sign-in no browser could be
//! opened for. Each condition is announced once, when it appears (also at start), and again
//! only after it cleared and came back. Every one of them is fixed by signing in again, so on
//! Linux the notification has a Connect button (XDG notification actions): it opens the window
//! and starts the Connect there, as the window's own button would.

use latchkey_core::overview::Overview;
pub use latchkey_core::overview::announce::Announced;
use latchkey_core::overview::announce::newly_needing;
use tauri::{AppHandle, Manager, Runtime};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

pub fn announce<R: Runtime>(app: &AppHandle<R>, o: &Overview) {
    let Some(announced) = app.try_state::<Announced>() else {
        return;
    };
    for a in newly_needing(&announced, o) {
        if let Err(e) = show(app, &a.url, &a.title, &a.body) {
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
