//! An in-memory [`SecretStore`] for unit tests of pure logic (never used by the binaries).
//! It keeps a version per key like KV v2 does, so [`MemoryStore::shared`] can stand in for a
//! store several machines write in tests of the lease and check-and-set logic.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{SecretStore, SecretStoreResult};
use crate::secrets::secret::Secret;

#[derive(Default)]
pub struct MemoryStore {
    /// Key → (value, version); a deleted key keeps its version, as KV v2 does.
    items: Mutex<HashMap<String, (Option<Secret>, u64)>>,
    shared: bool,
}

impl MemoryStore {
    /// A store that says other machines write it too.
    pub fn shared() -> Self {
        Self {
            shared: true,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        let items = self.items.lock().unwrap();
        items.values().filter(|(v, _)| v.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        Ok(self.get_versioned(key)?.0)
    }

    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
        let mut items = self.items.lock().unwrap();
        let entry = items.entry(key.to_string()).or_insert((None, 0));
        *entry = (Some(value.clone()), entry.1 + 1);
        Ok(())
    }

    fn delete(&self, key: &str) -> SecretStoreResult<()> {
        if let Some(entry) = self.items.lock().unwrap().get_mut(key) {
            entry.0 = None;
        }
        Ok(())
    }

    fn get_versioned(&self, key: &str) -> SecretStoreResult<(Option<Secret>, u64)> {
        let items = self.items.lock().unwrap();
        Ok(items.get(key).cloned().unwrap_or((None, 0)))
    }

    fn set_if_version(
        &self,
        key: &str,
        value: &Secret,
        version: u64,
    ) -> SecretStoreResult<Option<u64>> {
        let mut items = self.items.lock().unwrap();
        let entry = items.entry(key.to_string()).or_insert((None, 0));
        if entry.1 != version {
            return Ok(None);
        }
        *entry = (Some(value.clone()), version + 1);
        Ok(Some(version + 1))
    }

    fn shared(&self) -> bool {
        self.shared
    }
}
