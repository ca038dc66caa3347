//! Where secrets live: tokens, refresh tokens and client secrets are only ever stored through a
//! [`SecretStore`]: the OS keychain ([`keychain::Keychain`], the default) or the Unix password
//! store ([`pass::PassStore`]), chosen by [`backend`]; [`memory`] is for unit tests of pure
//! logic.
//!
//! Keychain calls block (D-Bus, Security.framework, Win32), and a locked keyring can open an
//! invisible prompt and hang: [`Secrets`] runs every call on a blocking thread with a time-out.

pub mod backend;
pub mod chunked;
pub mod keychain;
pub mod keys;
pub mod layout;
pub mod lease;
pub mod memory;
pub mod op_refs;
pub mod openbao;
pub mod pass;
/// The secret newtype lives in `latchkey-base`, so the clients crate shares it.
pub use latchkey_base::secret;

use std::sync::Arc;
use std::time::Duration;

use crate::secrets::secret::Secret;

// The error type lives beside the core's Error (which wraps it), so error.rs imports nothing of
// secrets.
pub use crate::error::SecretStoreError;

pub type SecretStoreResult<T> = std::result::Result<T, SecretStoreError>;

/// `latchkey` for the default home; `latchkey-<hash>` for each other `LATCHKEY_HOME`: the
/// base of the folder a shared store keeps a home's items in (the pass folder, the KV path).
pub(crate) fn home_folder(keychain_service: &str) -> String {
    if keychain_service == "latchkey" {
        return "latchkey".into();
    }
    // FNV-1a: stable across versions and platforms (the std hasher is not).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in keychain_service.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("latchkey-{h:016x}")
}

/// Where a store that other machines can reach (pass, OpenBao/Vault) keeps this home's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `<folder>/<installation id>/<key>`: every home apart, even two default homes (or two
    /// homes given the same `folder`/`path`) on one store.
    Current,
    /// `<folder>/<key>`, before issue 11: what [`crate::secrets::layout`] moves from.
    Legacy,
}

/// The folder for `base` (the settings' folder/path, or [`home_folder`]) in `layout`.
pub(crate) fn shared_folder(base: &str, installation_id: &str, layout: Layout) -> String {
    match layout {
        Layout::Current => format!("{base}/{installation_id}"),
        Layout::Legacy => base.to_string(),
    }
}

/// Get/set/delete secrets by key. Implementations are blocking.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>>;
    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()>;
    /// Deleting a missing key is not an error.
    fn delete(&self, key: &str) -> SecretStoreResult<()>;

    /// The value and the version the store holds it at (0: never written). Stores without
    /// versions say 0; only a [`shared`](Self::shared) store's versions mean anything.
    fn get_versioned(&self, key: &str) -> SecretStoreResult<(Option<Secret>, u64)> {
        Ok((self.get(key)?, 0))
    }

    /// Write only if the key is still at `version` (check-and-set): `Some(new version)`, or
    /// `None` when another writer came first and nothing was written. Stores only this machine
    /// writes (the local lock already serialises them) just write.
    fn set_if_version(
        &self,
        key: &str,
        value: &Secret,
        version: u64,
    ) -> SecretStoreResult<Option<u64>> {
        self.set(key, value)?;
        Ok(Some(version + 1))
    }

    /// Whether other machines write this store too; the broker then takes a [`lease`] in it
    /// besides the local lock.
    fn shared(&self) -> bool {
        false
    }
}

/// Async front of a [`SecretStore`]: each call on a blocking thread, bounded by a time-out.
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl Secrets {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: crate::tuning::Tuning::get().keychain_timeout,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> SecretStoreResult<T> + Send + 'static,
    ) -> SecretStoreResult<T> {
        let store = self.store.clone();
        let task = tokio::task::spawn_blocking(move || f(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(SecretStoreError::Other(format!(
                "keychain call failed: {join}"
            ))),
            Err(_) => Err(SecretStoreError::TimedOut(self.timeout.as_secs())),
        }
    }

    pub async fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        let key = key.to_string();
        self.run(move |s| s.get(&key)).await
    }

    pub async fn set(&self, key: &str, value: Secret) -> SecretStoreResult<()> {
        let key = key.to_string();
        self.run(move |s| s.set(&key, &value)).await
    }

    pub async fn delete(&self, key: &str) -> SecretStoreResult<()> {
        let key = key.to_string();
        self.run(move |s| s.delete(&key)).await
    }

    pub async fn get_versioned(&self, key: &str) -> SecretStoreResult<(Option<Secret>, u64)> {
        let key = key.to_string();
        self.run(move |s| s.get_versioned(&key)).await
    }

    pub async fn set_if_version(
        &self,
        key: &str,
        value: Secret,
        version: u64,
    ) -> SecretStoreResult<Option<u64>> {
        let key = key.to_string();
        self.run(move |s| s.set_if_version(&key, &value, version))
            .await
    }

    pub fn shared(&self) -> bool {
        self.store.shared()
    }

    /// Write, read back and delete a throw-away item: what `latchkey doctor` reports.
    pub async fn probe(&self) -> SecretStoreResult<()> {
        let key = "doctor-probe";
        let value = Secret::new(format!("probe-{}", std::process::id()));
        self.set(key, value.clone()).await?;
        let back = self.get(key).await?;
        self.delete(key).await?;
        if back.as_ref() != Some(&value) {
            return Err(SecretStoreError::Other(
                "an item written to the keychain did not read back the same".into(),
            ));
        }
        Ok(())
    }
}
