//! Latchkey's settings file, `<LATCHKEY_HOME>/settings.toml` (absent: every default). Today it
//! chooses where secrets live; `LATCHKEY_BACKEND` overrides that for one process.
//!
//! ```toml
//! backend = "pass"            # keychain (default) | pass | openbao | vault
//!
//! [pass]
//! store_dir = "/home/me/.password-store"   # default: PASSWORD_STORE_DIR, else ~/.password-store
//! folder = "latchkey"                      # default: latchkey (latchkey-<hash> for a LATCHKEY_HOME)
//! gnupg_home = "/home/me/.gnupg"           # default: GNUPGHOME, else ~/.gnupg
//!
//! [openbao]                                # or [vault] for backend = "vault"; the same keys
//! address = "https://bao.example.com:8200" # default: BAO_ADDR, else VAULT_ADDR
//! namespace = "team"                       # default: BAO_NAMESPACE, else VAULT_NAMESPACE
//! mount = "secret"                         # the KV v2 mount (default: secret)
//! path = "latchkey/alice"                  # folder in the mount (default as for pass)
//! ca_cert = "/etc/ssl/team-ca.pem"         # default: BAO_CACERT, else VAULT_CACERT
//! auth = "token"                           # token (default) | approle
//! token_file = "/run/bao-agent/token"      # default: BAO_TOKEN, VAULT_TOKEN, ~/.vault-token
//! role_id = "…"                            # approle: the role id,
//! secret_id_file = "/etc/latchkey/sid"     #   a file holding the secret id,
//! approle_mount = "approle"                #   and where AppRole is mounted
//!
//! [proxy]
//! max_message_mib = 16                     # the largest message latchkey proxy passes on
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::home::Home;
use crate::{Error, Result};

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub backend: Option<String>,
    #[serde(default)]
    pub pass: PassSettings,
    #[serde(default)]
    pub openbao: KvSettings,
    #[serde(default)]
    pub vault: KvSettings,
    #[serde(default)]
    pub proxy: ProxySettings,
}

/// `latchkey proxy`'s bounds.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProxySettings {
    /// The largest message (a JSON body, an SSE event, a line from the client) the proxy
    /// passes on, in MiB (16). `LATCHKEY_PROXY_MAX_MESSAGE_MIB` overrides it.
    pub max_message_mib: Option<usize>,
}

/// An OpenBao or Vault KV v2 store; see the module's example. Every key is optional: the
/// ecosystem's variables and defaults fill the rest (`secrets::openbao::config`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KvSettings {
    pub address: Option<String>,
    pub namespace: Option<String>,
    pub mount: Option<String>,
    pub path: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub auth: Option<String>,
    pub token_file: Option<PathBuf>,
    pub role_id: Option<String>,
    pub secret_id_file: Option<PathBuf>,
    pub approle_mount: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PassSettings {
    pub store_dir: Option<PathBuf>,
    pub folder: Option<String>,
    /// GnuPG's home for this store (default: GNUPGHOME, else ~/.gnupg).
    pub gnupg_home: Option<PathBuf>,
}

pub fn path(home: &Home) -> PathBuf {
    home.dir().join("settings.toml")
}

/// The settings, or the defaults when there is no file. A file that does not parse is an error
/// naming it (secrets must not silently go to another backend than the one chosen).
pub fn load(home: &Home) -> Result<Settings> {
    read(&path(home))
}

fn read(path: &Path) -> Result<Settings> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        Err(e) => return Err(Error::Io(format!("cannot read {}: {e}", path.display()))),
    };
    toml_edit::de::from_str(&text).map_err(|e| {
        Error::InvalidInput(format!(
            "{} is not valid: {}",
            path.display(),
            e.to_string().trim()
        ))
    })
}

/// Record `backend` in the settings file, keeping everything else in it (comments too), with an
/// atomic write.
pub fn set_backend(home: &Home, backend: &str) -> Result<()> {
    let p = path(home);
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Io(format!("cannot read {}: {e}", p.display()))),
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::InvalidInput(format!("{} is not valid: {e}", p.display())))?;
    doc["backend"] = toml_edit::value(backend);
    Ok(crate::atomic_file::write(&p, doc.to_string().as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.toml");
        assert_eq!(read(&p).unwrap(), Settings::default(), "no file: defaults");

        std::fs::write(&p, "backend = \"pass\"\n[pass]\nfolder = \"work\"\n").unwrap();
        let s = read(&p).unwrap();
        assert_eq!(s.backend.as_deref(), Some("pass"));
        assert_eq!(s.pass.folder.as_deref(), Some("work"));

        // set_backend keeps the rest of the file.
        std::fs::write(
            &p,
            "# mine\nbackend = \"pass\" # note\n[pass]\nfolder = \"work\"\n",
        )
        .unwrap();
        let home = Home::at(dir.path().to_path_buf(), true).unwrap();
        set_backend(&home, "keychain").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.starts_with("# mine\n") && text.contains("folder = \"work\""),
            "{text}"
        );
        assert_eq!(read(&p).unwrap().backend.as_deref(), Some("keychain"));

        std::fs::write(&p, "backnd = \"pass\"\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("settings.toml is not valid") && e.contains("backnd"),
            "{e}"
        );
    }
}
