//! The OS keychain through the `keyring` crate: macOS Keychain, Windows Credential Manager,
//! Secret Service (gnome-keyring, KeePassXC) on Linux and the BSDs.
//!
//! Items are stored under the service name of the Latchkey home (see [`crate::home::Home`]), so
//! two homes never see each other's items.

use super::{SecretStore, SecretStoreError, SecretStoreResult};
use crate::secrets::secret::Secret;

pub struct Keychain {
    service: String,
}

impl Keychain {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// `op` on the item `key`; when the keychain service went away in the middle, once more on
    /// a new connection (see [`once_more_if_vanished`]).
    fn on_entry<T>(
        &self,
        key: &str,
        op: impl Fn(&platform::Entry) -> Result<T, keyring::Error>,
    ) -> Result<T, keyring::Error> {
        once_more_if_vanished(|| platform::entry(&self.service, key).and_then(|e| op(&e)))
    }
}

impl SecretStore for Keychain {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        match self.on_entry(key, |e| e.get_password()) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
        self.on_entry(key, |e| e.set_password(value.expose()))
            .map_err(map_error)
    }

    fn delete(&self, key: &str) -> SecretStoreResult<()> {
        match self.on_entry(key, |e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// How long to let D-Bus start the Secret Service again before the one retry.
const RESTART_GRACE: std::time::Duration = std::time::Duration::from_millis(300);

/// Run a keychain call, and once more on a new connection when the Secret Service went away (its
/// daemon crashed or restarted: "disconnected from message bus without replying", or a session
/// the new daemon never opened). D-Bus starts the service again on the next call, and every
/// call here is idempotent (a read, a replace, a delete), so the retry cannot do anything twice
/// that matters. A locked keychain is not retried: that needs the person.
fn once_more_if_vanished<T>(
    mut call: impl FnMut() -> Result<T, keyring::Error>,
) -> Result<T, keyring::Error> {
    match call() {
        Err(e) if vanished(&e) => {
            tracing::warn!("the keychain service went away; trying once more on a new connection");
            platform::reconnect();
            std::thread::sleep(RESTART_GRACE);
            call()
        }
        other => other,
    }
}

fn vanished(e: &keyring::Error) -> bool {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            let m = inner.to_string();
            [
                "NoReply",
                "disconnected from message bus",
                "ServiceUnknown",
                "UnknownObject",
                // The new daemon never opened the session this connection holds.
                "NoSession",
            ]
            .iter()
            .any(|sign| m.contains(sign))
        }
        _ => false,
    }
}

/// The Secret Service (Linux, the BSDs): one connection, held here so it can be replaced when
/// the service restarts (`keyring::Entry` keeps the first one for the life of the process).
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod platform {
    use std::sync::{Arc, Mutex, MutexGuard};

    use keyring_core::CredentialStore;
    pub use keyring_core::Entry;

    static STORE: Mutex<Option<Arc<CredentialStore>>> = Mutex::new(None);

    fn store() -> MutexGuard<'static, Option<Arc<CredentialStore>>> {
        STORE.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn entry(service: &str, key: &str) -> keyring_core::Result<Entry> {
        let current = {
            let mut held = store();
            match held.as_ref() {
                Some(s) => s.clone(),
                None => {
                    let fresh: Arc<CredentialStore> =
                        zbus_secret_service_keyring_store::Store::new()?;
                    *held = Some(fresh.clone());
                    fresh
                }
            }
        };
        current.build(service, key, None)
    }

    /// Forget the connection: the next call opens a new one (and a new session).
    pub fn reconnect() {
        *store() = None;
    }
}

/// macOS and Windows: `keyring`'s own store, which holds no session to lose.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
mod platform {
    pub use keyring::Entry;

    pub fn entry(service: &str, key: &str) -> keyring::Result<Entry> {
        Entry::new(service, key)
    }

    pub fn reconnect() {}
}

/// Turn a keyring error into one that says what to do. Variants that carry the stored bytes
/// (`BadEncoding`, `BadDataFormat`) are reduced to a fixed message so no secret can leak.
fn map_error(e: keyring::Error) -> SecretStoreError {
    match e {
        keyring::Error::NoStorageAccess(inner) => classify_platform(&inner.to_string(), true),
        keyring::Error::PlatformFailure(inner) => classify_platform(&inner.to_string(), false),
        keyring::Error::NoDefaultStore => {
            let why = match keyring::Entry::store_status() {
                Err(e) => short(&e.to_string()),
                Ok(()) => "no credential store".into(),
            };
            SecretStoreError::Unavailable(why)
        }
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            SecretStoreError::Other("a stored item is not in the expected format".into())
        }
        keyring::Error::TooLong(attr, limit) => SecretStoreError::Other(format!(
            "{attr} is longer than the keychain's limit of {limit}"
        )),
        other => SecretStoreError::Other(short(&other.to_string())),
    }
}

fn classify_platform(message: &str, no_access: bool) -> SecretStoreError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("locked") {
        SecretStoreError::Locked
    } else if lower.contains("dbus")
        || lower.contains("d-bus")
        || lower.contains("autolaunch")
        || lower.contains("serviceunknown")
        || lower.contains("secrets service")
        || lower.contains("no such")
    {
        SecretStoreError::Unavailable(short(message))
    } else if no_access {
        SecretStoreError::Locked
    } else {
        SecretStoreError::Other(short(message))
    }
}

fn short(message: &str) -> String {
    crate::error::sanitize_server_text(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(message: &str) -> keyring::Error {
        keyring::Error::PlatformFailure(message.to_string().into())
    }

    #[test]
    fn a_service_that_vanished_mid_call_is_asked_once_more() {
        let mut calls = 0;
        let result = once_more_if_vanished(|| {
            calls += 1;
            if calls == 1 {
                Err(platform(
                    "zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying",
                ))
            } else {
                Ok("value")
            }
        });
        assert_eq!(result.unwrap(), "value");
        assert_eq!(calls, 2);
    }

    #[test]
    fn other_failures_are_not_retried_and_a_second_loss_is_reported() {
        let mut calls = 0;
        let locked = once_more_if_vanished::<()>(|| {
            calls += 1;
            Err(platform("the collection is locked"))
        });
        assert!(matches!(
            map_error(locked.unwrap_err()),
            SecretStoreError::Locked
        ));
        assert_eq!(calls, 1);
        let mut calls = 0;
        let gone = once_more_if_vanished::<()>(|| {
            calls += 1;
            Err(platform("org.freedesktop.DBus.Error.ServiceUnknown"))
        });
        assert!(matches!(
            map_error(gone.unwrap_err()),
            SecretStoreError::Unavailable(_)
        ));
        assert_eq!(calls, 2);
    }
}
