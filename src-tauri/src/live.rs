//! Keeping everything current without polling: a watch on the store (a token refreshed by a
//! `latchkey proxy` or the CLI reaches the window within a second), a watch on the MCP clients'
//! config files, the refresher, and one timer for the next moment a status changes by the clock
//! alone (a warning starts, a token expires).

use std::time::Duration;

use latchkey_core::app_actions;
use latchkey_core::clients::paths::{self, PlatformDirs};
use latchkey_core::clients::scan;
use latchkey_core::clients::watch::{ConfigWatch, DEBOUNCE};
use latchkey_core::overview::problem::Problem;
use latchkey_core::refresher::Refresher;
use latchkey_core::store_watch;
use latchkey_core::time::now;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::{AppState, attention, tray};

/// One SQLite commit is several file events: let them settle, then look once.
const SETTLE: Duration = Duration::from_millis(80);

/// The state changed: tell the window, update the tray, announce what needs the person.
/// Returns when the next change by the clock alone is due.
pub fn changed<R: Runtime>(app: &AppHandle<R>) -> Option<i64> {
    let _ = app.emit("state-changed", ());
    let state = app.state::<AppState>();
    match state.overview() {
        Ok(o) => {
            tray::update(app, &o);
            attention::announce(app, &o);
            o.next_change_at
        }
        Err(e) => {
            tracing::warn!("cannot read the store: {e}");
            None
        }
    }
}

pub fn start<R: Runtime>(app: AppHandle<R>) -> tauri::Result<()> {
    app.manage(attention::Announced::default());
    let state = app.state::<AppState>();
    let lk = state.lk.clone();
    let stop = state.stop.clone();

    // The refresher has its own watch, so it and the window each see every change.
    let (refresher_watch, refresher_changed) =
        store_watch::watch(&lk.home).map_err(|e| tauri::Error::Anyhow(e.into()))?;
    let refresher = Refresher::new(lk.clone(), refresher_changed);
    let stop_refresher = stop.clone();
    tauri::async_runtime::spawn(async move {
        let _keep = refresher_watch;
        refresher.run(stop_refresher).await;
    });

    let (store_watcher, store_changed) =
        store_watch::watch(&lk.home).map_err(|e| tauri::Error::Anyhow(e.into()))?;
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let _keep = store_watcher;
        let mut next = changed(&handle);
        loop {
            let wait = next
                .map(|t| Duration::from_secs((t - now()).max(1) as u64))
                .unwrap_or(Duration::from_secs(24 * 3600));
            tokio::select! {
                _ = store_changed.notified() => tokio::time::sleep(SETTLE).await,
                _ = tokio::time::sleep(wait) => {}
                _ = stop.notified() => return,
            }
            next = changed(&handle);
        }
    });

    watch_client_configs(app);
    Ok(())
}

/// Scan the MCP clients' config files now and after every change (a blocking watch, so it has
/// its own thread).
fn watch_client_configs<R: Runtime>(app: AppHandle<R>) {
    let Some(dirs) = PlatformDirs::current() else {
        return;
    };
    std::thread::Builder::new()
        .name("client-configs".into())
        .spawn(move || {
            let projects: Vec<std::path::PathBuf> = Vec::new();
            app.state::<AppState>()
                .set_scan(scan::scan(&dirs, &projects));
            changed(&app);
            let locations = paths::user_locations(&dirs);
            let mut watch = match ConfigWatch::new(locations, DEBOUNCE) {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!("cannot watch the MCP clients' config files: {e}");
                    return;
                }
            };
            loop {
                let files = watch.wait(None);
                if files.is_empty() {
                    return;
                }
                let result = scan::rescan_settled(&dirs, &projects, &files);
                app.state::<AppState>().set_scan(result);
                changed(&app);
            }
        })
        .ok();
}

/// Scan the config files again now (after Latchkey changed one), without waiting for the
/// watch to see it.
pub fn rescan_now<R: Runtime>(app: &AppHandle<R>) {
    if let Some(dirs) = PlatformDirs::current() {
        app.state::<AppState>().set_scan(scan::scan(&dirs, &[]));
    }
    changed(app);
}

/// "Refresh all now" (window button and tray item): each server shows "Refreshing…" while its
/// turn runs. A failure is reported once for all of them.
pub async fn refresh_all<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Result<(), Problem> {
    let on_server = |url: &str, on: bool| {
        state.set_refreshing(url, on);
        changed(app);
    };
    let failures = app_actions::refresh_all(&state.lk, &on_server)
        .await
        .map_err(|e| Problem::from(&e))?;
    changed(app);
    match failures.as_slice() {
        [] => Ok(()),
        [(url, p), rest @ ..] => Err(Problem {
            message: if rest.is_empty() {
                format!("{url}: {}", p.message)
            } else {
                format!(
                    "{} servers could not refresh. {url}: {}",
                    rest.len() + 1,
                    p.message
                )
            },
            ..p.clone()
        }),
    }
}
