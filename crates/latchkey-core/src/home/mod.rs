//! Where Latchkey keeps its state, and the cross-process locks in it ([`lock`]).
//! `LATCHKEY_HOME` moves everything (database, locks) and namespaces the keychain items, so
//! tests and several profiles never touch each other.
//!
//! Each home has a random installation id (`<home>/installation-id`, made once). Secret stores
//! that several machines can reach (pass, OpenBao/Vault) keep this home's items in a folder
//! named after it, so two machines with default homes never read each other's `grant/1`.

pub mod lock;

use std::path::{Path, PathBuf};

use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct Home {
    dir: PathBuf,
    keychain_service: String,
    installation_id: String,
}

/// The file holding a home's installation id.
const INSTALLATION_ID_FILE: &str = "installation-id";

impl Home {
    /// `LATCHKEY_HOME` when set (or `LATCH_HOME`, the same for MCP clients that drop every
    /// variable whose name contains KEY), else the platform data dir
    /// (`~/.local/share/latchkey` on Linux, `~/Library/Application Support/latchkey` on macOS,
    /// `%APPDATA%\latchkey` on Windows).
    pub fn from_env() -> Result<Self> {
        let named = ["LATCHKEY_HOME", "LATCH_HOME"]
            .iter()
            .find_map(|v| std::env::var_os(v).filter(|v| !v.is_empty()));
        match named {
            Some(dir) => Self::at(PathBuf::from(dir), true),
            None => {
                let base = dirs::data_dir().ok_or_else(|| {
                    Error::Io("no data directory on this system: set LATCHKEY_HOME".into())
                })?;
                Self::at(base.join("latchkey"), false)
            }
        }
    }

    /// A home at `dir`. A non-default home gets its own keychain namespace.
    pub fn at(dir: PathBuf, namespaced: bool) -> Result<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
        let dir = dir.canonicalize().unwrap_or(dir);
        restrict_permissions(&dir);
        let keychain_service = if namespaced {
            format!("latchkey@{}", dir.display())
        } else {
            "latchkey".to_string()
        };
        let installation_id = installation_id(&dir)?;
        Ok(Self {
            dir,
            keychain_service,
            installation_id,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn database_path(&self) -> PathBuf {
        self.dir.join("latchkey.sqlite3")
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.dir.join("locks")
    }

    /// The keychain "service" every item of this home is stored under.
    pub fn keychain_service(&self) -> &str {
        &self.keychain_service
    }

    /// This home's random id: 32 hex digits, the same for every process and for a copy of the
    /// home, different for every other home.
    pub fn installation_id(&self) -> &str {
        &self.installation_id
    }
}

/// Read the home's installation id, or make it. Two processes starting a new home at once
/// agree: the file is created with `create_new`, and the loser reads the winner's.
fn installation_id(dir: &Path) -> Result<String> {
    let path = dir.join(INSTALLATION_ID_FILE);
    for _ in 0..50 {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let id = text.trim();
                if is_installation_id(id) {
                    return Ok(id.to_string());
                }
                if !text.is_empty() {
                    return Err(Error::Io(format!(
                        "{} is damaged (it should hold 32 hex digits): put back the copy from a backup, or delete it to start this home afresh (grants in a shared secret store are then out of reach and need a new sign-in)",
                        path.display()
                    )));
                }
                // Empty: another process created it and is writing it now.
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let id = new_installation_id();
                match create_new_with(&path, &format!("{id}\n")) {
                    Ok(()) => return Ok(id),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        return Err(Error::Io(format!("cannot write {}: {e}", path.display())));
                    }
                }
            }
            Err(e) => return Err(Error::Io(format!("cannot read {}: {e}", path.display()))),
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err(Error::Io(format!(
        "{} stayed empty; delete it and try again",
        path.display()
    )))
}

fn is_installation_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn new_installation_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Create `path` (never an existing file or link) and write `text` into it, mode 0600.
fn create_new_with(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_home_gets_its_own_keychain_service() {
        let tmp = tempfile::tempdir().unwrap();
        let home = Home::at(tmp.path().join("a"), true).unwrap();
        assert!(home.keychain_service().starts_with("latchkey@"));
        assert!(home.keychain_service().ends_with("/a"));
        assert!(home.database_path().starts_with(home.dir()));
    }

    #[test]
    fn a_home_keeps_one_installation_id_and_another_home_gets_its_own() {
        let tmp = tempfile::tempdir().unwrap();
        let a = Home::at(tmp.path().join("a"), true).unwrap();
        assert!(
            is_installation_id(a.installation_id()),
            "{}",
            a.installation_id()
        );
        let again = Home::at(tmp.path().join("a"), true).unwrap();
        assert_eq!(again.installation_id(), a.installation_id(), "made once");
        let b = Home::at(tmp.path().join("b"), true).unwrap();
        assert_ne!(b.installation_id(), a.installation_id());
        // Many openers of a new home at once agree on one id.
        let dir = tmp.path().join("c");
        std::fs::create_dir_all(&dir).unwrap();
        let ids: Vec<String> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || installation_id(&dir).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
        // A damaged file is an error that says what to do, not a new id.
        std::fs::write(dir.join(INSTALLATION_ID_FILE), "not an id").unwrap();
        let err = installation_id(&dir).unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
    }
}
