//! The one main window. It is created when wanted and destroyed when closed, so a closed window
//! costs no WebView: the tray and the refresher keep running on the Rust side alone.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";

/// Show the window (create it, or bring the existing one to the front).
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Latchkey")
        .inner_size(900.0, 640.0)
        .min_inner_size(520.0, 400.0)
        .build();
    if let Err(e) = built {
        tracing::error!("cannot open the window: {e}");
    }
}
