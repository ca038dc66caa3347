//! Keeping everything current without polling: a watch on the store (a token refreshed by a
//! `latchkey proxy` or the CLI reaches the window within a second), a watch on the MCP clients'
//! config files, the refresher, and one timer for the next moment a status changes by the clock
//! alone (a warning starts, a token expires).

use std::sync::Arc;
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
use tokio::sync::Notify;

use crate::{AppState, attention, tray};

/// One SQLite commit is several file events: let them settle, then look once.
const SETTLE: Duration = Duration::from_millis(80);

/// Something changed: ask the one publisher to tell the window, update the tray and announce
/// what needs the person. Never builds anything itself, so it is safe from any thread,
/// the main one included.
pub fn changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(p) = app.try_state::<Publisher>() {
        p.0.notify_one();
    }
}

/// The wake-up for the one task that publishes. Several places see changes at once (the store
/// watch, the config-file thread, the commands); if each built an overview and set the tray
/// itself, an older overview could reach the tray last and stay there until the next change.
struct Publisher(Arc<Notify>);

/// Tell the window, update the tray, announce what needs the person. Returns when the next
/// change by the clock alone is due.
fn publish<R: Runtime>(app: &AppHandle<R>) -> Option<i64> {
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

/// Publish now, and again after every change (store or asked for) and when the clock alone
/// changes a status, one publication at a time, until `stop`. A change that arrives during a
/// publication leaves a permit on `asked`, so it is published right after: none is lost.
async fn publish_loop(
    asked: Arc<Notify>,
    store_changed: Arc<Notify>,
    stop: Arc<Notify>,
    mut publish: impl FnMut() -> Option<i64>,
) {
    loop {
        let next = publish();
        let wait = next
            .map(|t| Duration::from_secs((t - now()).max(1) as u64))
            .unwrap_or(Duration::from_secs(24 * 3600));
        tokio::select! {
            _ = asked.notified() => {}
            _ = store_changed.notified() => tokio::time::sleep(SETTLE).await,
            _ = tokio::time::sleep(wait) => {}
            _ = stop.notified() => return,
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
    let asked = Arc::new(Notify::new());
    app.manage(Publisher(asked.clone()));
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let _keep = store_watcher;
        publish_loop(asked, store_changed, stop, || publish(&handle)).await;
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::sync::Notify;

    use super::publish_loop;

    /// The race the tray test found: two watchers each published what they had read, and the
    /// older one could land last. With one publisher, whatever changes while a publication is
    /// under way is published after it, so the last publication shows the latest state.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_last_publication_shows_the_latest_state() {
        let version = Arc::new(AtomicU64::new(0));
        let published = Arc::new(Mutex::new(Vec::<u64>::new()));
        let busy = Arc::new(AtomicBool::new(false));
        let (asked, store, stop) = (
            Arc::new(Notify::new()),
            Arc::new(Notify::new()),
            Arc::new(Notify::new()),
        );
        let publisher = {
            let (version, published, busy) = (version.clone(), published.clone(), busy.clone());
            tokio::spawn(publish_loop(
                asked.clone(),
                store,
                stop.clone(),
                move || {
                    assert!(
                        !busy.swap(true, Ordering::SeqCst),
                        "two publications at once"
                    );
                    let seen = version.load(Ordering::SeqCst);
                    // A slow overview: changes keep arriving while it is built.
                    std::thread::sleep(Duration::from_millis(3));
                    published.lock().unwrap().push(seen);
                    busy.store(false, Ordering::SeqCst);
                    None
                },
            ))
        };
        let changers: Vec<_> = (0..4)
            .map(|_| {
                let (version, asked) = (version.clone(), asked.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        version.fetch_add(1, Ordering::SeqCst);
                        asked.notify_one();
                        std::thread::sleep(Duration::from_micros(300));
                    }
                })
            })
            .collect();
        for c in changers {
            c.join().unwrap();
        }
        let last = version.load(Ordering::SeqCst);
        assert_eq!(last, 200);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while published.lock().unwrap().last() != Some(&last) {
            assert!(
                std::time::Instant::now() < deadline,
                "the latest state was never published: {:?}",
                published.lock().unwrap().last()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let count = published.lock().unwrap().len();
        // Bursts are coalesced: far fewer publications than changes.
        assert!(count < 200, "{count} publications for 200 changes");
        stop.notify_waiters();
        publisher.abort();
    }

    #[tokio::test]
    async fn a_store_change_is_published_after_it_settles() {
        let count = Arc::new(AtomicU64::new(0));
        let (asked, store, stop) = (
            Arc::new(Notify::new()),
            Arc::new(Notify::new()),
            Arc::new(Notify::new()),
        );
        let c = count.clone();
        let publisher = tokio::spawn(publish_loop(
            asked,
            store.clone(),
            stop.clone(),
            move || {
                c.fetch_add(1, Ordering::SeqCst);
                None
            },
        ));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(count.load(Ordering::SeqCst), 1, "published once at start");
        store.notify_one();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(count.load(Ordering::SeqCst), 2);
        stop.notify_waiters();
        tokio::time::timeout(Duration::from_secs(1), publisher)
            .await
            .expect("stop ends the loop")
            .unwrap();
    }
}
