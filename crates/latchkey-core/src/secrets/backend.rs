//! Which [`SecretStore`] holds this home's secrets: the OS keychain (default), the Unix
//! password store `pass`, or a KV v2 mount on OpenBao or Vault; chosen in the settings file and
//! overridable per process with `LATCHKEY_BACKEND`. Latchkey never falls back from the chosen
//! one to another.

use std::sync::Arc;

use super::chunked::Chunked;
use super::keychain::Keychain;
use super::openbao::KvStore;
use super::openbao::config::{Flavor, KvConfig};
use super::pass::PassStore;
use super::{Layout, SecretStore};
use crate::home::Home;
use crate::settings::Settings;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Keychain,
    Pass,
    OpenBao,
    Vault,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Keychain => "keychain",
            Backend::Pass => "pass",
            Backend::OpenBao => "openbao",
            Backend::Vault => "vault",
        }
    }

    pub fn parse(name: &str) -> Result<Backend> {
        match name.trim() {
            "keychain" => Ok(Backend::Keychain),
            "pass" => Ok(Backend::Pass),
            "openbao" => Ok(Backend::OpenBao),
            "vault" => Ok(Backend::Vault),
            other => Err(Error::InvalidInput(format!(
                "unknown secret backend '{other}': use keychain, pass, openbao or vault"
            ))),
        }
    }

    /// `LATCHKEY_BACKEND`, else the settings file, else the keychain.
    /// Stores other machines can reach (a synced `pass` store, an OpenBao/Vault server): they
    /// keep each home's items under its installation id ([`Layout::Current`]).
    pub fn reachable_from_other_machines(self) -> bool {
        !matches!(self, Backend::Keychain)
    }

    pub fn chosen(settings: &Settings) -> Result<Backend> {
        match std::env::var("LATCHKEY_BACKEND") {
            Ok(v) if !v.trim().is_empty() => Backend::parse(&v),
            _ => settings
                .backend
                .as_deref()
                .map(Backend::parse)
                .unwrap_or(Ok(Backend::Keychain)),
        }
    }
}

/// The store for `backend`, and a one-line description for `latchkey doctor`.
pub fn open(
    home: &Home,
    settings: &Settings,
    backend: Backend,
) -> Result<(Arc<dyn SecretStore>, String)> {
    open_in(home, settings, backend, Layout::Current)
}

/// [`open`], with the items where `layout` puts them (the OS keychain has one layout).
pub fn open_in(
    home: &Home,
    settings: &Settings,
    backend: Backend,
    layout: Layout,
) -> Result<(Arc<dyn SecretStore>, String)> {
    match backend {
        Backend::Keychain => Ok((
            Arc::new(Chunked::new(Keychain::new(home.keychain_service()))),
            format!(
                "{} (items under \"{}\")",
                keychain_name(),
                home.keychain_service()
            ),
        )),
        Backend::Pass => {
            let store = PassStore::from_settings(home, &settings.pass, layout)?;
            let about = store.describe();
            Ok((Arc::new(store), about))
        }
        Backend::OpenBao | Backend::Vault => {
            let (flavor, table) = if backend == Backend::OpenBao {
                (Flavor::OpenBao, &settings.openbao)
            } else {
                (Flavor::Vault, &settings.vault)
            };
            let mut config = KvConfig::resolve(
                flavor,
                table,
                &super::home_folder(home.keychain_service()),
                dirs::home_dir(),
                &|name| std::env::var(name).ok(),
            )?;
            config.path = super::shared_folder(&config.path, home.installation_id(), layout);
            let store = KvStore::new(config);
            let about = store.describe();
            Ok((Arc::new(store), about))
        }
    }
}

fn keychain_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names() {
        assert_eq!(Backend::parse("pass").unwrap(), Backend::Pass);
        assert_eq!(Backend::parse(" keychain ").unwrap(), Backend::Keychain);
        assert_eq!(Backend::parse("openbao").unwrap(), Backend::OpenBao);
        assert_eq!(Backend::parse("vault").unwrap().name(), "vault");
        assert!(
            Backend::parse("plaintext")
                .unwrap_err()
                .to_string()
                .contains("unknown")
        );
    }
}
