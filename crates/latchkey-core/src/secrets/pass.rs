//! The Unix password store (`pass`): each secret is a GnuPG-encrypted file in the store, for
//! machines without a desktop keyring (SSH, servers, WSL, CI). Latchkey runs the `pass` command
//! itself, so the store's own rules apply (its recipients in `.gpg-id`, its git hooks, the
//! user's gpg-agent), and `pass show latchkey/...` works by hand too.
//!
//! Values are written with `pass insert --multiline` from stdin (never argv) and come back byte
//! for byte. Entries live in one folder per Latchkey home (`latchkey/` by default). Errors say
//! what to do: a store not initialised, gpg without a secret or public key, a passphrase gpg
//! cannot ask for (no `GPG_TTY` over SSH).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Layout, SecretStore, SecretStoreError, SecretStoreResult};
use crate::home::Home;
use crate::secrets::secret::Secret;
use crate::settings::PassSettings;
use crate::{Error, Result};

pub struct PassStore {
    store_dir: PathBuf,
    folder: String,
    gnupg_home: Option<PathBuf>,
    program: PathBuf,
}

impl PassStore {
    pub fn new(store_dir: PathBuf, folder: String) -> Self {
        Self {
            store_dir,
            folder,
            gnupg_home: None,
            program: PathBuf::from("pass"),
        }
    }

    pub fn with_gnupg_home(mut self, dir: Option<PathBuf>) -> Self {
        self.gnupg_home = dir;
        self
    }

    /// The store named in the settings, `PASSWORD_STORE_DIR`, or `~/.password-store`; the folder
    /// named in the settings, or one per Latchkey home, and in it (current layout) the home's
    /// installation id: a store synced between machines keeps every home apart.
    pub fn from_settings(home: &Home, settings: &PassSettings, layout: Layout) -> Result<Self> {
        let store_dir = match (&settings.store_dir, std::env::var_os("PASSWORD_STORE_DIR")) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dir)) => PathBuf::from(dir),
            (None, None) => dirs::home_dir()
                .ok_or_else(|| Error::Io("no home directory for ~/.password-store".into()))?
                .join(".password-store"),
        };
        let folder = match &settings.folder {
            Some(f) => {
                check_entry(f).map_err(|e| Error::InvalidInput(format!("[pass] folder: {e}")))?;
                f.trim_matches('/').to_string()
            }
            None => super::home_folder(home.keychain_service()),
        };
        let folder = super::shared_folder(&folder, home.installation_id(), layout);
        Ok(Self::new(store_dir, folder).with_gnupg_home(settings.gnupg_home.clone()))
    }

    pub fn describe(&self) -> String {
        format!(
            "password store {} (entries under \"{}/\")",
            self.store_dir.display(),
            self.folder
        )
    }

    fn entry(&self, key: &str) -> SecretStoreResult<String> {
        let entry = format!("{}/{key}", self.folder);
        check_entry(&entry).map_err(SecretStoreError::Other)?;
        Ok(entry)
    }

    fn file(&self, entry: &str) -> PathBuf {
        self.store_dir.join(format!("{entry}.gpg"))
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> SecretStoreResult<Vec<u8>> {
        let mut command = Command::new(&self.program);
        if let Some(dir) = &self.gnupg_home {
            command.env("GNUPGHOME", dir);
        }
        let mut child = command
            .args(args)
            .env("PASSWORD_STORE_DIR", &self.store_dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => SecretStoreError::Unusable(
                    "the `pass` command is not installed (Debian/Ubuntu: apt install pass), or choose another secret backend".into(),
                ),
                _ => SecretStoreError::Other(format!("cannot run pass: {e}")),
            })?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes)
                .map_err(|e| SecretStoreError::Other(format!("cannot write to pass: {e}")))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| SecretStoreError::Other(format!("pass did not finish: {e}")))?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        Err(explain(
            &String::from_utf8_lossy(&out.stderr),
            &self.store_dir,
        ))
    }
}

impl SecretStore for PassStore {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        let entry = self.entry(key)?;
        // `pass show` on a folder lists it and succeeds: only a file is an entry.
        if !self.file(&entry).is_file() {
            return Ok(None);
        }
        let bytes = self.run(&["show", "--", &entry], None)?;
        String::from_utf8(bytes)
            .map(|s| Some(Secret::new(s)))
            .map_err(|_| SecretStoreError::Other(format!("the pass entry {entry} is not text")))
    }

    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
        let entry = self.entry(key)?;
        self.run(
            &["insert", "--multiline", "--force", "--", &entry],
            Some(value.expose().as_bytes()),
        )?;
        Ok(())
    }

    fn delete(&self, key: &str) -> SecretStoreResult<()> {
        let entry = self.entry(key)?;
        if !self.file(&entry).is_file() {
            return Ok(());
        }
        self.run(&["rm", "--force", "--", &entry], None)?;
        Ok(())
    }
}

/// Segments of letters, digits and `@ . _ -`, none empty, `.` or `..`, none starting with `-`.
fn check_entry(entry: &str) -> std::result::Result<(), String> {
    let ok = !entry.is_empty()
        && entry.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && !seg.starts_with('-')
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(format!("'{entry}' is not a usable pass entry name"))
    }
}

/// What `pass`/gpg said, as what to do. Their stderr names entries and keys, never values.
fn explain(stderr: &str, store_dir: &Path) -> SecretStoreError {
    let dir = store_dir.display();
    let no_tty = std::env::var_os("GPG_TTY").is_none();
    let msg = if stderr.contains("You must run") || stderr.contains("pass init") {
        format!(
            "the password store at {dir} is not initialised: run `pass init <your-gpg-key-id>` (with PASSWORD_STORE_DIR={dir})"
        )
    } else if stderr.contains("can't get input")
        || stderr.contains("Inappropriate ioctl")
        || stderr.contains("No pinentry")
        || (stderr.contains("No secret key") && no_tty)
    {
        format!(
            "gpg could not decrypt the password store entry: it has no usable secret key, or the key needs a passphrase gpg cannot ask for. {}Check `gpg -K` and GNUPGHOME",
            if no_tty {
                "GPG_TTY is not set: over SSH run `export GPG_TTY=$(tty)` (or unlock the key in gpg-agent first). "
            } else {
                ""
            }
        )
    } else if stderr.contains("No secret key") || stderr.contains("decryption failed") {
        "gpg has no secret key to decrypt the password store entry: check `gpg -K` and GNUPGHOME"
            .into()
    } else if stderr.contains("No public key") || stderr.contains("encryption aborted") {
        format!(
            "gpg has no public key for the password store's recipient (in {dir}/.gpg-id): import it, or run `pass init <key-id>` again"
        )
    } else {
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed");
        return SecretStoreError::Other(format!(
            "pass: {}",
            crate::error::sanitize_server_text(first)
        ));
    };
    SecretStoreError::Unusable(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        for ok in [
            "latchkey/grant/12",
            "latchkey-0123/secret/github/GITHUB_TOKEN",
            "a@b.c_d-e",
        ] {
            assert!(check_entry(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "a//b", "../x", "a/../b", "-x", "a/-x", "a b", "a\nb", "/a", "a/",
        ] {
            assert!(check_entry(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_folder_per_home() {
        assert_eq!(super::super::home_folder("latchkey"), "latchkey");
        let a = super::super::home_folder("latchkey@/tmp/a");
        assert!(a.starts_with("latchkey-") && a.len() == "latchkey-".len() + 16);
        assert_ne!(a, super::super::home_folder("latchkey@/tmp/b"));
        assert_eq!(a, super::super::home_folder("latchkey@/tmp/a"), "stable");
    }

    #[test]
    fn what_pass_says_becomes_what_to_do() {
        let dir = Path::new("/s");
        let rows = [
            (
                "Error: You must run:\n    pass init your-gpg-id\n",
                "not initialised",
            ),
            (
                "gpg: x: skipped: No public key\nPassword encryption aborted.\n",
                "no public key",
            ),
            (
                "gpg: Sorry, we are in batchmode - can't get input\n",
                "cannot ask for",
            ),
        ];
        for (stderr, want) in rows {
            let e = explain(stderr, dir).to_string();
            assert!(e.contains(want), "{stderr:?} -> {e}");
        }
    }
}
