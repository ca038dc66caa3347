//! Following what changes, for every front end that shows it live (the resident tray, the
//! window, `latchkey clients --watch`): a watch on the store (a token refreshed by a
//! `latchkey proxy`, the CLI or the tray reaches the others within a second), a watch on the MCP
//! clients' config files, and one timer for the next moment a status changes by the clock alone
//! (a warning starts, a token expires). Each change becomes one fresh [`Overview`], handed to
//! the front end's `publish`, one publication at a time.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Notify;

use crate::clients::paths::PlatformDirs;
use crate::clients::scan::{self, Scan};
use crate::clients::watch;
use crate::overview::problem::Problem;
use crate::overview::{self, Overview};
use crate::runtime::refresher::Refresher;
use crate::runtime::window_talk::Talk;
use crate::time::now;
use crate::{Latchkey, Result, actions, runtime::store_watch};

/// One SQLite commit is several file events: let them settle, then look once.
const SETTLE: Duration = Duration::from_millis(80);

/// What a front end keeps between changes: the latest scan of the clients' config files and the
/// servers being refreshed right now, and the wake-up of its one publisher.
pub struct Follow {
    pub lk: Arc<Latchkey>,
    scan: Mutex<Option<Arc<Scan>>>,
    refreshing: Mutex<HashSet<String>>,
    /// The servers the home's other process (the resident tray, or the window it started) says
    /// it is refreshing ([`Talk::Refreshing`]): shown as "Refreshing…" here too.
    elsewhere: Mutex<HashSet<String>>,
    /// What that process was last told of `refreshing` ([`Follow::refreshing_news`]).
    told: Mutex<Vec<String>>,
    asked: Arc<Notify>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Follow {
    pub fn new(lk: Arc<Latchkey>) -> Arc<Self> {
        Arc::new(Self {
            lk,
            scan: Mutex::default(),
            refreshing: Mutex::default(),
            elsewhere: Mutex::default(),
            told: Mutex::default(),
            asked: Arc::new(Notify::new()),
        })
    }

    /// The overview as of now: the store, the latest scan, the servers being refreshed.
    pub fn overview(&self) -> Result<Overview> {
        let scan = lock(&self.scan).clone();
        let mut refreshing = lock(&self.refreshing).clone();
        refreshing.extend(lock(&self.elsewhere).iter().cloned());
        overview::build(&self.lk, scan.as_deref(), &refreshing, now())
    }

    /// The latest scan of the MCP clients' config files (none before the first one ends).
    pub fn scan(&self) -> Option<Arc<Scan>> {
        lock(&self.scan).clone()
    }

    pub fn set_scan(&self, scan: Scan) {
        *lock(&self.scan) = Some(Arc::new(scan));
    }

    pub fn clients_using(&self, url: &str) -> Vec<String> {
        lock(&self.scan)
            .as_deref()
            .map(|s| scan::clients_using(s, url))
            .unwrap_or_default()
    }

    pub fn set_refreshing(&self, url: &str, on: bool) {
        let mut set = lock(&self.refreshing);
        if on {
            set.insert(url.to_string());
        } else {
            set.remove(url);
        }
    }

    /// The home's other process said which servers it is refreshing now (all it said before
    /// is replaced; none when it ended).
    pub fn set_refreshing_elsewhere(&self, urls: Vec<String>) {
        *lock(&self.elsewhere) = urls.into_iter().collect();
        self.changed();
    }

    /// What tells the other process which servers this one refreshes now; `None` when it
    /// refreshes none (a process that just started has nothing to forget).
    pub fn refreshing_now(&self) -> Option<Talk> {
        let here = self.refreshing_here();
        (!here.is_empty()).then_some(Talk::Refreshing(here))
    }

    /// That, when what this process refreshes changed since the other was last told
    /// (asked at each publication, so the other process follows within the same moment).
    pub fn refreshing_news(&self) -> Option<Talk> {
        let here = self.refreshing_here();
        let mut told = lock(&self.told);
        (here != *told).then(|| {
            *told = here.clone();
            Talk::Refreshing(here)
        })
    }

    fn refreshing_here(&self) -> Vec<String> {
        let mut here: Vec<String> = lock(&self.refreshing).iter().cloned().collect();
        here.sort();
        here
    }

    /// Something changed: ask the one publisher to publish. Never builds anything itself, so
    /// it is safe from any thread, a UI's main thread included.
    pub fn changed(&self) {
        self.asked.notify_one();
    }

    /// Scan the config files again now (after Latchkey changed one), without waiting for the
    /// watch to see it.
    pub fn rescan_now(&self) {
        if let Some(dirs) = PlatformDirs::current() {
            self.set_scan(scan::scan(&dirs, &projects()));
        }
        self.changed();
    }

    /// "Refresh all now": each server is "Refreshing…" while its turn runs. A failure is
    /// reported once for all of them.
    pub async fn refresh_all(&self) -> std::result::Result<(), Problem> {
        let on_server = |url: &str, on: bool| {
            self.set_refreshing(url, on);
            self.changed();
        };
        let failures = actions::refresh_all(&self.lk, &on_server)
            .await
            .map_err(|e| Problem::from(&e))?;
        self.changed();
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

    /// Watch the store and the config files and publish every change until `stop`: `publish`
    /// gets the fresh overview (or why it could not be read) and is never called twice at once.
    pub fn start(
        self: &Arc<Self>,
        rt: &Handle,
        stop: Arc<Notify>,
        mut publish: impl FnMut(&Result<Overview>) + Send + 'static,
    ) -> Result<()> {
        let (store_watcher, store_changed) = store_watch::watch(&self.lk.home)?;
        let me = self.clone();
        rt.spawn(async move {
            let _keep = store_watcher;
            let asked = me.asked.clone();
            publish_loop(asked, store_changed, stop, || {
                let o = me.overview();
                publish(&o);
                o.ok().and_then(|o| o.next_change_at)
            })
            .await;
        });
        self.clone().watch_client_configs();
        Ok(())
    }

    /// Scan the MCP clients' config files now and after every change (a blocking watch, so it
    /// has its own thread).
    fn watch_client_configs(self: Arc<Self>) {
        let Some(dirs) = PlatformDirs::current() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("client-configs".into())
            .spawn(move || {
                let followed = watch::follow_scans(&dirs, &projects(), |result| {
                    self.set_scan(result);
                    self.changed();
                    true
                });
                if let Err(e) = followed {
                    tracing::warn!("cannot watch the MCP clients' config files: {e}");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the config-file watch: {e}");
        }
    }
}

/// Project folders to scan besides the ones the scan finds itself (Claude Code's): none for the
/// front ends that follow (the CLI's `clients --project` names them explicitly).
fn projects() -> Vec<PathBuf> {
    Vec::new()
}

/// The refresher, with a store watch of its own (so it and the publisher each see every
/// change), until `stop`. Exactly one process should run it: the resident tray (or the app
/// when it is the only process); the store's locks keep a second one harmless.
pub fn start_refresher(lk: &Arc<Latchkey>, rt: &Handle, stop: Arc<Notify>) -> Result<()> {
    let (watcher, changed) = store_watch::watch(&lk.home)?;
    let refresher = Refresher::new(lk.clone(), changed);
    rt.spawn(async move {
        let _keep = watcher;
        refresher.run(stop).await;
    });
    Ok(())
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::sync::Notify;

    use super::publish_loop;
    use crate::runtime::window_talk::Talk;

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

    /// The resident tray and the window process each show what the other refreshes: what
    /// this process refreshes is news once (the line the other is told), what the other says
    /// shows as "Refreshing…" here, and its end (an empty line) takes it away.
    #[test]
    fn what_the_other_process_refreshes_shows_here_and_ours_is_news_once() {
        use crate::overview::Status;
        use crate::secrets::{Secrets, memory::MemoryStore};
        use crate::store::Store;
        use crate::{Latchkey, home::Home, http::HttpClient};

        let dir = tempfile::tempdir().unwrap();
        let lk = Latchkey::from_parts(
            Home::at(dir.path().to_path_buf(), true).unwrap(),
            Store::open_in_memory().unwrap(),
            Secrets::new(Arc::new(MemoryStore::default())),
            HttpClient::new().unwrap(),
        );
        let (a, b) = ("https://a.example/mcp", "https://b.example/mcp");
        for url in [a, b] {
            lk.store().upsert_server(url).unwrap();
        }
        let follow = super::Follow::new(Arc::new(lk));
        let status = |url: &str| {
            let o = follow.overview().unwrap();
            o.servers.into_iter().find(|s| s.url == url).unwrap().status
        };
        assert_eq!(follow.refreshing_news(), None, "nothing to tell yet");

        follow.set_refreshing(b, true);
        assert_eq!(
            follow.refreshing_news(),
            Some(Talk::Refreshing(vec![b.to_string()]))
        );
        assert_eq!(follow.refreshing_news(), None, "told once");
        follow.set_refreshing(b, false);
        assert_eq!(follow.refreshing_news(), Some(Talk::Refreshing(vec![])));

        follow.set_refreshing_elsewhere(vec![a.to_string()]);
        assert_eq!(status(a), Status::Refreshing);
        assert_ne!(status(b), Status::Refreshing);
        assert_eq!(
            follow.refreshing_news(),
            None,
            "what the other refreshes is not ours to tell"
        );
        follow.set_refreshing_elsewhere(vec![]);
        assert_ne!(status(a), Status::Refreshing);
    }
}
