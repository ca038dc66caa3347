//! Replacing a file atomically and safely: the new content goes to a temporary file beside the
//! target, which is then renamed over it.
//!
//! - A symlink (a config file kept in a dotfiles folder) is written through: its target is
//!   replaced and the link stays a link.
//! - The temporary file has a random name and is created new (`O_EXCL`: an existing file or
//!   link there is an error, never followed, so nothing can be planted in its place), with the
//!   original's mode from the first instant (owner-only for a new file), never the umask's.
//! - It is fsynced before the rename and the folder after it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Replace (or create) `path` with `bytes`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = write_target(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| Error::Io(format!("{} has no folder", path.display())))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mode = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let tmp = dir.join(format!(
        ".{name}.latchkey-{:016x}.tmp",
        rand::random::<u64>()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = create_new(&tmp, mode.as_ref())?;
        if let Some(perms) = &mode {
            f.set_permissions(perms.clone())?; // exactly the original's, whatever the umask
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}

/// The file to replace: `path` itself, or, when it is a symlink, the file it points to.
fn write_target(path: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    std::fs::canonicalize(path).map_err(|e| {
        Error::Io(format!(
            "{} is a symlink Latchkey cannot follow ({e}); nothing was written",
            path.display()
        ))
    })
}

/// Create `path` new, readable only as the original was (owner-only without an original).
fn create_new(path: &Path, mode: Option<&std::fs::Permissions>) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode.map(|m| m.mode() & 0o7777).unwrap_or(0o600));
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_new_file_has_the_old_mode_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "a").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let tmp = dir.path().join("probe");
        let f = create_new(&tmp, Some(&std::fs::metadata(&path).unwrap().permissions())).unwrap();
        let mode = f.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o077,
            0,
            "never readable by others, even for an instant: {mode:o}"
        );
        assert!(
            create_new(&tmp, None).is_err(),
            "an existing file is never opened"
        );
        write(&path, b"b").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
