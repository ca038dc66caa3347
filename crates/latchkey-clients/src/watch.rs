//! Watching every client config file live: a `notify` watch (inotify, FSEvents,
//! ReadDirectoryChangesW) on the folder of each location, debounced so a burst of writes is
//! one update. Folders that do not exist yet are covered by watching their nearest existing
//! ancestor and re-arming when they appear; atomic-rename saves are seen because the folder,
//! not the file, is watched.
//!
//! The debounce is done here, blocking on the event channel, rather than with
//! `notify-debouncer-full`: that one ticks every quarter of its timeout whether anything
//! happened or not (about 1,600 wake-ups a minute at 150 ms), and the app must sleep while idle.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::model::{Layout, Location};
use super::paths::{self, PlatformDirs};
use super::scan::{self, Scan};
use crate::{Error, Result};

/// Scan the clients' config files now and after every change, until `on_scan` answers `false`
/// or the watch ends: the user-level files, and the project-level files of every project the
/// scan read (`extra_projects`, and the ones Claude Code knows, so a project's `.mcp.json` is
/// followed too). The app's window and tray and `latchkey clients --watch` all follow this way.
pub fn follow_scans(
    dirs: &PlatformDirs,
    extra_projects: &[PathBuf],
    mut on_scan: impl FnMut(Scan) -> bool,
) -> Result<()> {
    let locations = |projects: &[PathBuf]| {
        let mut all = paths::user_locations(dirs);
        for p in projects {
            all.extend(paths::project_locations(p));
        }
        all
    };
    // Watching starts before the first read, so nothing written in between is missed.
    let mut watched = extra_projects.to_vec();
    let mut watch = ConfigWatch::new(locations(&watched), DEBOUNCE)?;
    let mut result = scan::scan(dirs, extra_projects);
    loop {
        if result.projects != watched {
            watched = result.projects.clone();
            watch = ConfigWatch::new(locations(&watched), DEBOUNCE)?;
        }
        if !on_scan(result) {
            return Ok(());
        }
        let changed = watch.wait(None);
        if changed.is_empty() {
            return Ok(());
        }
        result = scan::rescan_settled(dirs, extra_projects, &changed);
    }
}

/// Default quiet time before a burst of events becomes one update.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

pub struct ConfigWatch {
    watcher: notify::RecommendedWatcher,
    locations: Vec<Location>,
    watched: HashSet<PathBuf>,
    rx: mpsc::Receiver<Vec<PathBuf>>,
    settle: Duration,
}

impl ConfigWatch {
    pub fn new(locations: Vec<Location>, debounce: Duration) -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
            // Opening or reading a file changes nothing (and happens all the time).
            if let Ok(event) = result
                && !matches!(event.kind, EventKind::Access(_))
                && !event.paths.is_empty()
            {
                let _ = tx.send(event.paths);
            }
        })
        .map_err(|e| Error::Io(format!("cannot start the config watcher: {e}")))?;
        let mut watch = Self {
            watcher,
            locations,
            watched: HashSet::new(),
            rx,
            settle: debounce,
        };
        watch.rearm();
        Ok(watch)
    }

    /// Folders that hold (or will hold) config files.
    fn wanted_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        for loc in &self.locations {
            // The folder above a `*` component, and the folder of every file it expands to.
            let mut above_star = PathBuf::new();
            for c in loc.path.components() {
                if c.as_os_str().to_string_lossy().contains('*') {
                    dirs.push(above_star.clone());
                    break;
                }
                above_star.push(c);
            }
            for file in paths::expand(&loc.path) {
                if let Some(parent) = file.parent() {
                    dirs.push(parent.to_path_buf());
                }
                // A cache that is a folder (mcp-remote's): what changes is inside it.
                if loc.layout == Layout::TokenCache && file.is_dir() {
                    dirs.push(file);
                }
            }
        }
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Watch each wanted folder, or its nearest existing ancestor until it exists.
    fn rearm(&mut self) {
        for dir in self.wanted_dirs() {
            let target = nearest_existing(&dir);
            if let Some(target) = target
                && !self.watched.contains(&target)
                && self
                    .watcher
                    .watch(&target, RecursiveMode::NonRecursive)
                    .is_ok()
            {
                self.watched.insert(target);
            }
        }
    }

    /// Whether an event path concerns a config file: the file itself (or a `*` match), a
    /// folder on the way to one (its creation must re-arm the watch), or a file in a cache
    /// folder.
    fn relevant(&self, path: &Path) -> bool {
        self.locations.iter().any(|loc| {
            leads_to(path, &loc.path)
                || (loc.layout == Layout::TokenCache
                    && path.parent().is_some_and(|folder| {
                        folder.components().count() == loc.path.components().count()
                            && leads_to(folder, &loc.path)
                    }))
        })
    }

    /// Block until config files change (one debounced update), or `timeout` passes.
    /// Returns the changed paths that matter (empty on time-out).
    pub fn wait(&mut self, timeout: Option<Duration>) -> Vec<PathBuf> {
        loop {
            let batch = match timeout {
                Some(t) => match self.rx.recv_timeout(t) {
                    Ok(b) => b,
                    Err(_) => return Vec::new(),
                },
                None => match self.rx.recv() {
                    Ok(b) => b,
                    Err(_) => return Vec::new(),
                },
            };
            let mut relevant: Vec<PathBuf> =
                batch.into_iter().filter(|p| self.relevant(p)).collect();
            // A burst can span several debounce windows: fold batches in until it is quiet,
            // so one burst is one update.
            while let Ok(more) = self.rx.recv_timeout(self.settle) {
                relevant.extend(more.into_iter().filter(|p| self.relevant(p)));
            }
            self.rearm();
            if !relevant.is_empty() {
                relevant.sort();
                relevant.dedup();
                return relevant;
            }
        }
    }
}

/// `path` equals `pattern`, or a leading part of it, component by component; a pattern
/// component with `*` matches any name with its prefix and suffix.
fn leads_to(path: &Path, pattern: &Path) -> bool {
    let mut pattern_parts = pattern.components();
    for part in path.components() {
        let Some(want) = pattern_parts.next() else {
            return false;
        };
        let want = want.as_os_str().to_string_lossy();
        let got = part.as_os_str().to_string_lossy();
        let ok = match want.split_once('*') {
            Some((pre, suf)) => {
                got.starts_with(pre) && got.ends_with(suf) && got.len() >= pre.len() + suf.len()
            }
            None => got == want,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The folder to watch for `dir`: itself, or its nearest existing ancestor, but never a
/// top-level system folder standing in for a missing one (`/etc` for `/etc/claude-code`):
/// inotify reports every file opened there, so the app would wake each time any program starts.
fn nearest_existing(dir: &Path) -> Option<PathBuf> {
    let depth = |p: &Path| {
        p.components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .count()
    };
    let mut current = Some(dir);
    while let Some(d) = current {
        if d.is_dir() {
            return (d == dir || depth(d) > 1).then(|| d.to_path_buf());
        }
        current = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{follow_scans, leads_to, nearest_existing};
    use crate::paths::{Os, PlatformDirs};
    use std::path::Path;
    use std::time::Duration;

    /// The app used to watch only the user-level files it scanned: a project's `.mcp.json`
    /// (a project Claude Code knows) changed without the window or the tray seeing it.
    #[test]
    fn a_project_that_claude_code_knows_is_followed_too() {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let claude =
            serde_json::json!({"projects": {project.path().to_str().unwrap(): {"mcpServers": {}}}});
        std::fs::write(home.path().join(".claude.json"), claude.to_string()).unwrap();
        let dirs = PlatformDirs::for_home(Os::Linux, home.path());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || follow_scans(&dirs, &[], |scan| tx.send(scan).is_ok()));
        let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(first.projects, [project.path().to_path_buf()]);
        assert!(first.servers.is_empty());

        std::fs::write(
            project.path().join(".mcp.json"),
            r#"{"mcpServers": {"db": {"command": "dbhub", "args": ["--dsn", "${DB_DSN}"]}}}"#,
        )
        .unwrap();
        let seen = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the project's new file was seen");
        assert!(
            seen.servers
                .iter()
                .any(|s| s.key == "dbhub --dsn ${DB_DSN}"),
            "{:?}",
            seen.servers
        );
    }

    #[test]
    fn a_missing_system_folder_is_not_watched_through_its_top_level_parent() {
        let missing = Path::new("/etc/latchkey-test-does-not-exist/x");
        assert_eq!(nearest_existing(missing), None);
        assert_eq!(
            nearest_existing(Path::new("/etc")),
            Some("/etc".into()),
            "itself is fine"
        );
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        assert_eq!(nearest_existing(&deep), Some(dir.path().to_path_buf()));
    }

    #[test]
    fn leads_to_rows() {
        let pattern = Path::new("/h/.config/Code/User/profiles/*/mcp.json");
        let rows = [
            (
                "the file",
                "/h/.config/Code/User/profiles/abc/mcp.json",
                true,
            ),
            (
                "a new profile folder",
                "/h/.config/Code/User/profiles/abc",
                true,
            ),
            ("a folder on the way", "/h/.config", true),
            (
                "another file in the profile",
                "/h/.config/Code/User/profiles/abc/other.json",
                false,
            ),
            ("an unrelated file", "/h/.bash_history", false),
        ];
        for (name, path, want) in rows {
            assert_eq!(leads_to(Path::new(path), pattern), want, "{name}");
        }
    }
}
