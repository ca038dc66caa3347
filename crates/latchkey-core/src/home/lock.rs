//! Cross-process locks: one lock file per grant (refresh) or per server (sign-in), held with the
//! OS's advisory file lock (`flock` / `LockFileEx`), so the app, the CLI and every `latchkey proxy`
//! agree on who refreshes. The lock goes away with the process, even on `kill -9`.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Held while alive; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// File name for a lock key (anything outside `[A-Za-z0-9._-]` becomes `_`).
pub fn lock_path(dir: &Path, key: &str) -> PathBuf {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.lock"))
}

/// Take the exclusive lock at `path`, waiting at most `timeout`.
/// Returns `(guard, waited)`: `waited` is true when another process held it first.
pub async fn acquire(path: &Path, timeout: Duration) -> Result<(LockGuard, bool)> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::Io(format!("cannot open lock {}: {e}", path.display())))?;
    let started = Instant::now();
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok((
                    LockGuard {
                        file,
                        path: path.to_path_buf(),
                    },
                    waited,
                ));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                waited = true;
                if started.elapsed() >= timeout {
                    return Err(Error::Io(format!(
                        "another Latchkey process has held {} for {} s; giving up",
                        path.display(),
                        timeout.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::Io(format!("cannot lock {}: {e}", path.display())));
            }
        }
    }
}

/// Take the exclusive lock at `path`, waiting as long as it takes (for work that must happen
/// once, before anything else, such as `secrets::layout::upgrade`). Blocking.
pub fn acquire_blocking(path: &Path) -> Result<LockGuard> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::Io(format!("cannot open lock {}: {e}", path.display())))?;
    file.lock()
        .map_err(|e| Error::Io(format!("cannot lock {}: {e}", path.display())))?;
    Ok(LockGuard {
        file,
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn second_holder_waits_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "grant/1");
        let (first, waited) = acquire(&path, Duration::from_secs(1)).await.unwrap();
        assert!(!waited);
        let err = acquire(&path, Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("giving up"));
        let path2 = path.clone();
        let second = tokio::spawn(async move { acquire(&path2, Duration::from_secs(5)).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(first);
        let (_g, waited) = second.await.unwrap().unwrap();
        assert!(waited);
    }

    #[test]
    fn lock_names_are_safe_file_names() {
        let p = lock_path(Path::new("/x"), "signin/https://a.test:1/mcp?x=1");
        assert_eq!(p, PathBuf::from("/x/signin_https___a.test_1_mcp_x_1.lock"));
    }
}
