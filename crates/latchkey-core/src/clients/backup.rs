//! Writing a changed client config file safely: the secrets first (so nothing can be lost),
//! then a backup of the current file (in the keychain: it may hold plain-text secrets), then a
//! check that the file still holds exactly what the plan was made from, then an atomic
//! replace (temporary file in the same folder, fsync, rename) keeping the file's permissions.
//! `restore` puts a backup back the same way, after backing up what it replaces.

use std::path::Path;

use super::parse;
use super::rewrite::PlannedEdit;
use crate::Secret;
use crate::context::Latchkey;
use crate::{Error, Result, named_secrets};

/// Backups live in the keychain, split into chunks; keep them to config-file sizes.
pub const MAX_BACKUP_BYTES: usize = 256 * 1024;

fn key(id: i64) -> String {
    crate::secrets::keys::backup(id)
}

/// Apply `edit`; returns the id of the backup of the previous content.
pub async fn apply(lk: &Latchkey, edit: &PlannedEdit, reason: &str) -> Result<i64> {
    for (name, value) in &edit.secrets {
        named_secrets::set_new_or_same(lk, name, value.clone()).await?;
    }
    let id = backup(lk, &edit.path, &edit.original, reason).await?;
    replace(&edit.path, Some(&edit.original), &edit.new_text)?;
    Ok(id)
}

async fn backup(lk: &Latchkey, path: &Path, content: &str, reason: &str) -> Result<i64> {
    if content.len() > MAX_BACKUP_BYTES {
        return Err(Error::InvalidInput(format!(
            "{} is larger than {} KiB; Latchkey does not change files it cannot back up",
            path.display(),
            MAX_BACKUP_BYTES / 1024
        )));
    }
    let id = lk.store().insert_backup(&path.to_string_lossy(), reason)?;
    if let Err(e) = lk.secrets.set(&key(id), Secret::new(content)).await {
        let _ = lk.store().delete_backup(id);
        return Err(e.into());
    }
    Ok(id)
}

/// Remove a file another tool keeps (a token cache) after backing it up: the backup holds it
/// byte for byte, so `restore` recreates it. Only if it still holds `expected`: a tool that
/// wrote it since (a refresh) is never overwritten by an older copy. The backup's id.
pub async fn remove_file(lk: &Latchkey, path: &Path, expected: &str, reason: &str) -> Result<i64> {
    let id = backup(lk, path, expected, reason).await?;
    let current = parse::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    if current.as_deref() != Some(expected) {
        let _ = lk.secrets.delete(&key(id)).await;
        let _ = lk.store().delete_backup(id);
        return Err(Error::InvalidInput(format!(
            "{} changed since Latchkey read it (its tool wrote it); it was left as it is",
            path.display()
        )));
    }
    std::fs::remove_file(path)
        .map_err(|e| Error::Io(format!("cannot remove {}: {e}", path.display())))?;
    Ok(id)
}

/// Replace the file atomically ([`crate::atomic_file`]: a symlinked config is written through),
/// but only if it still holds `expected` (`None`: is absent).
fn replace(path: &Path, expected: Option<&str>, new_text: &str) -> Result<()> {
    let current = parse::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    if current.as_deref() != expected {
        return Err(Error::InvalidInput(format!(
            "{} changed since Latchkey read it (another program wrote it); nothing was written, try again",
            path.display()
        )));
    }
    Ok(crate::atomic_file::write(path, new_text.as_bytes())?)
}

/// Put backup `id` back; the content it replaces is backed up first. Returns that new id.
pub async fn restore(lk: &Latchkey, id: i64) -> Result<i64> {
    let (path, _, _) = lk
        .store()
        .backups()?
        .into_iter()
        .find(|(bid, ..)| *bid == id)
        .map(|(_, p, t, r)| (p, t, r))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "no backup {id}; `latchkey restore --list` shows them"
            ))
        })?;
    let content = lk
        .secrets
        .get(&key(id))
        .await?
        .ok_or_else(|| Error::InvalidInput(format!("backup {id} is gone from the keychain")))?;
    let path = Path::new(&path);
    let current = parse::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    let before = format!("before restoring backup {id}");
    let undo = backup(lk, path, current.as_deref().unwrap_or_default(), &before).await?;
    replace(path, current.as_deref(), content.expose())?;
    Ok(undo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_is_atomic_and_refuses_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        std::fs::write(&path, "one").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        // Another program wrote the file after the plan was made.
        let err = replace(&path, Some("zero"), "two").unwrap_err().to_string();
        assert!(err.contains("changed since Latchkey read it"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "one",
            "nothing written"
        );
        replace(&path, Some("one"), "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o640,
                "permissions kept"
            );
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    /// Issue 11 (10): a symlinked config file is written through (the link stays), and a
    /// link planted where a predictable temporary file would go is never followed.
    #[cfg(unix)]
    #[test]
    fn symlinks_are_written_through_and_never_followed_for_the_temporary_file() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        std::fs::create_dir(&dotfiles).unwrap();
        let real = dotfiles.join("mcp.json");
        std::fs::write(&real, "one").unwrap();
        let config = dir.path().join("mcp.json");
        symlink(&real, &config).unwrap();
        // What the old code's temporary file was called, planted as a link to a victim.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let predictable = dir
            .path()
            .join(format!(".mcp.json.latchkey-{}.tmp", std::process::id()));
        symlink(&victim, &predictable).unwrap();
        let planted_in_target =
            dotfiles.join(format!(".mcp.json.latchkey-{}.tmp", std::process::id()));
        symlink(&victim, &planted_in_target).unwrap();

        replace(&config, Some("one"), "two").unwrap();

        assert!(
            std::fs::symlink_metadata(&config)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        assert_eq!(
            std::fs::read_to_string(&real).unwrap(),
            "two",
            "its target is written"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious",
            "nothing followed"
        );
        assert!(
            std::fs::symlink_metadata(&predictable)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
