//! Which [`SecretStore`] holds this home's secrets: the OS keychain (default) or the Unix
//! password store `pass`, chosen in the settings file and overridable per process with
//! `LATCHKEY_BACKEND`. Latchkey never falls back from the chosen one to another.

use std::sync::Arc;

use super::SecretStore;
use super::chunked::Chunked;
use super::keychain::Keychain;
use super::pass::PassStore;
use crate::home::Home;
use crate::settings::Settings;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Keychain,
    Pass,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Keychain => "keychain",
            Backend::Pass => "pass",
        }
    }

    pub fn parse(name: &str) -> Result<Backend> {
        match name.trim() {
            "keychain" => Ok(Backend::Keychain),
            "pass" => Ok(Backend::Pass),
            "openbao" | "vault" => Err(Error::InvalidInput(format!(
                "the '{name}' secret backend is not available in this version of Latchkey yet; use keychain or pass"
            ))),
            other => Err(Error::InvalidInput(format!(
                "unknown secret backend '{other}': use keychain or pass"
            ))),
        }
    }

    /// `LATCHKEY_BACKEND`, else the settings file, else the keychain.
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
            let store = PassStore::from_settings(home, &settings.pass)?;
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
        assert!(
            Backend::parse("vault")
                .unwrap_err()
                .to_string()
                .contains("not available")
        );
        assert!(
            Backend::parse("plaintext")
                .unwrap_err()
                .to_string()
                .contains("unknown")
        );
    }
}
