//! Splits long secrets across several keychain items.
//!
//! Windows Credential Manager holds at most 2,560 bytes per credential and a JWT access token
//! (plus its refresh token) can be larger. Rather than special-casing one platform, every store
//! goes through this layer: values up to [`CHUNK_BYTES`] are stored as they are; longer ones are
//! written as numbered chunks under a fresh generation, and only then does the head item switch to
//! point at them, so a crash mid-write leaves the previous value readable.

use super::{SecretStore, SecretStoreResult};
use crate::secrets::secret::Secret;

/// Safely below Windows' 2,560-byte limit, even when the value is stored as UTF-16.
pub const CHUNK_BYTES: usize = 1200;
const HEAD_PREFIX: &str = "latchkey-chunked:v1:";

pub struct Chunked<S> {
    inner: S,
}

impl<S: SecretStore> Chunked<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }

    fn chunk_key(key: &str, generation: &str, i: usize) -> String {
        format!("{key}#{generation}.{i}")
    }

    fn parse_head(value: &str) -> Option<(String, usize)> {
        let rest = value.strip_prefix(HEAD_PREFIX)?;
        let (generation, count) = rest.split_once(':')?;
        Some((generation.to_string(), count.parse().ok()?))
    }

    fn delete_chunks(&self, key: &str, head: Option<&Secret>) -> SecretStoreResult<()> {
        if let Some((generation, count)) = head.and_then(|h| Self::parse_head(h.expose())) {
            for i in 0..count {
                self.inner.delete(&Self::chunk_key(key, &generation, i))?;
            }
        }
        Ok(())
    }
}

impl<S: SecretStore> SecretStore for Chunked<S> {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        let Some(head) = self.inner.get(key)? else {
            return Ok(None);
        };
        let Some((generation, count)) = Self::parse_head(head.expose()) else {
            return Ok(Some(head));
        };
        let mut value = String::new();
        for i in 0..count {
            match self.inner.get(&Self::chunk_key(key, &generation, i))? {
                Some(part) => value.push_str(part.expose()),
                None => {
                    return Err(super::SecretStoreError::Other(format!(
                        "keychain item '{key}' is incomplete (chunk {i} of {count} missing)"
                    )));
                }
            }
        }
        Ok(Some(Secret::new(value)))
    }

    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
        let old_head = self.inner.get(key)?;
        let text = value.expose();
        if text.len() <= CHUNK_BYTES && !text.starts_with(HEAD_PREFIX) {
            self.inner.set(key, value)?;
        } else {
            let generation = format!("{:016x}", rand::random::<u64>());
            let parts = split_at_char_boundaries(text, CHUNK_BYTES);
            for (i, part) in parts.iter().enumerate() {
                self.inner
                    .set(&Self::chunk_key(key, &generation, i), &Secret::new(*part))?;
            }
            let head = Secret::new(format!("{HEAD_PREFIX}{generation}:{}", parts.len()));
            self.inner.set(key, &head)?;
        }
        // Only now that the new value is readable, drop the previous chunks (best effort).
        let _ = self.delete_chunks(key, old_head.as_ref());
        Ok(())
    }

    fn delete(&self, key: &str) -> SecretStoreResult<()> {
        let head = self.inner.get(key)?;
        self.inner.delete(key)?;
        self.delete_chunks(key, head.as_ref())
    }
}

fn split_at_char_boundaries(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (part, tail) = rest.split_at(end);
        parts.push(part);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::secrets::memory::MemoryStore;

    struct Shared(Arc<MemoryStore>);
    impl SecretStore for Shared {
        fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
            self.0.set(key, value)
        }
        fn delete(&self, key: &str) -> SecretStoreResult<()> {
            self.0.delete(key)
        }
    }

    #[test]
    fn round_trips_short_long_and_multibyte_values() {
        let mem = Arc::new(MemoryStore::default());
        let store = Chunked::new(Shared(mem.clone()));
        let rows = [
            ("short", "abc".to_string()),
            ("exactly one chunk", "x".repeat(CHUNK_BYTES)),
            ("long jwt", format!("eyJ{}", "a".repeat(9000))),
            ("multibyte", "é".repeat(3000)),
            ("looks like a head", format!("{HEAD_PREFIX}zz:3")),
        ];
        for (name, value) in rows {
            store.set("k", &Secret::new(value.clone())).unwrap();
            assert_eq!(store.get("k").unwrap().unwrap().expose(), value, "{name}");
        }
        // Replacing a long value with a short one leaves no orphaned chunks.
        store.set("k", &Secret::new("x".repeat(5000))).unwrap();
        store.set("k", &Secret::new("short")).unwrap();
        assert_eq!(mem.len(), 1);
        store.delete("k").unwrap();
        assert!(mem.is_empty());
        assert_eq!(store.get("k").unwrap(), None);
    }

    #[test]
    fn every_stored_item_fits_the_windows_limit() {
        let mem = Arc::new(MemoryStore::default());
        let store = Chunked::new(Shared(mem.clone()));
        store.set("k", &Secret::new("é".repeat(20_000))).unwrap();
        let head = mem.get("k").unwrap().unwrap();
        let (generation, count) =
            Chunked::<MemoryStore>::parse_head(head.expose()).expect("stored in chunks");
        assert!(count > 1);
        for i in 0..count {
            let part = mem
                .get(&format!("k#{generation}.{i}"))
                .unwrap()
                .expect("chunk present");
            // UTF-16 size must stay under Windows' 2,560 bytes.
            assert!(
                part.expose().encode_utf16().count() * 2 <= 2560,
                "chunk {i}"
            );
        }
    }
}
