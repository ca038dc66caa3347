//! Keeping the window (and, when the app is its own tray, the tray and the notifications)
//! current: the core's [`Follow`](latchkey_core::runtime::follow::Follow) watches the store, the
//! clients' config files and the clock, and each fresh overview is published here.

use latchkey_core::runtime::follow;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::{AppState, attention, resident, tray};

/// Something changed: ask the one publisher to tell the window (and update the tray).
pub fn changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        state.follow.changed();
    }
}

/// Scan the config files again now (after Latchkey changed one).
pub fn rescan_now<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        state.follow.rescan_now();
    }
}

/// Follow every change and publish it: the window gets `state-changed` with the overview
/// (`null` when it could not be read: the window asks, and shows why); with `own_tray` (the
/// app is the only process: no resident tray) the tray and notifications follow too and the
/// refresher runs here.
pub fn start<R: Runtime>(app: AppHandle<R>, own_tray: bool) -> tauri::Result<()> {
    let state = app.state::<AppState>();
    let rt = tauri::async_runtime::handle();
    let rt = rt.inner();
    let fail = |e: latchkey_core::Error| tauri::Error::Anyhow(e.into());
    if own_tray {
        app.manage(attention::Announced::default());
        follow::start_refresher(state.lk(), rt, state.stop.clone()).map_err(fail)?;
    }
    let handle = app.clone();
    let news = state.follow.clone();
    state
        .follow
        .start(rt, state.stop.clone(), move |overview| {
            // The window process of a resident tray: the tray shows what it refreshes too.
            if !own_tray && let Some(talk) = news.refreshing_news() {
                resident::say(&talk);
            }
            // The overview rides on the event, so the window need not build it again.
            let _ = handle.emit("state-changed", overview.as_ref().ok());
            match overview {
                Ok(o) if own_tray => {
                    tray::update(&handle, o);
                    attention::announce(&handle, o);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot read the store: {e}"),
            }
        })
        .map_err(fail)
}
