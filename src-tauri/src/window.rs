//! The one main window. It is created when wanted and destroyed when closed, so a closed window
//! costs no WebView (and on Linux the whole window process ends: see [`crate::resident`]). On
//! Linux it may also be made ready unseen ([`prepare`]) while the tray's menu is open, so that
//! "Open Latchkey" only has to show it.

use std::time::Instant;

use tauri::webview::PageLoadEvent;
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
    build(app, true);
}

/// Build the window unseen, its page loading, unless it is there already: the next [`show`]
/// only has to show it.
pub fn prepare<R: Runtime>(app: &AppHandle<R>) {
    if app.get_webview_window(MAIN).is_none() {
        build(app, false);
    }
}

fn build<R: Runtime>(app: &AppHandle<R>, visible: bool) {
    let asked = Instant::now();
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Latchkey")
        .visible(visible)
        .inner_size(900.0, 640.0)
        .min_inner_size(520.0, 400.0)
        // `make bench-app` times Open to this line (the page and its first overview loaded).
        .on_page_load(move |_, payload| {
            if payload.event() == PageLoadEvent::Finished {
                tracing::info!("window loaded after {} ms", asked.elapsed().as_millis());
            }
        })
        .build();
    if let Err(e) = built {
        tracing::error!("cannot open the window: {e}");
    }
}
