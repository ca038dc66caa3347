//! A lease in a store several machines share: the cross-machine half of "one refresh at a time".
//!
//! The local file lock (`crate::home::lock`) serialises the processes of one machine. Two machines
//! that share an OpenBao/Vault mount also need to agree, or both would send the same refresh
//! token and the server's rotation would reject one of them (and, by reuse detection, often the
//! whole grant). The lease is an item in the same store, taken with check-and-set: of two
//! machines that read the same version, exactly one write succeeds; the other reads again and
//! waits. A holder that died stops counting after [`HOLD`], so a lost machine never blocks the
//! others for long; the machines' clocks must agree to well within that (NTP does).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{SecretStoreResult, Secrets};
use crate::secrets::secret::Secret;
use crate::time::now;
use crate::{Error, Result};

/// How long a lease counts without its holder releasing it: longer than a refresh takes
/// (its HTTP requests are bounded well below this). `LATCHKEY_LEASE_SECS` changes it (tests).
pub const HOLD: Duration = Duration::from_secs(60);

fn hold() -> Duration {
    crate::tuning::Tuning::get().lease
}
const POLL: Duration = Duration::from_millis(250);

#[derive(Serialize, Deserialize)]
struct Holder {
    holder: String,
    /// Unix seconds after which the lease is free again.
    until: i64,
}

/// A lease this process holds; give it back with [`Lease::release`].
pub struct Lease {
    secrets: Secrets,
    key: String,
    version: u64,
}

impl Secrets {
    /// Take the lease `name` when the store is shared, waiting up to `wait` for another holder;
    /// `None` (at once) for a store only this machine writes.
    pub async fn take_lease(&self, name: &str, wait: Duration) -> Result<Option<Lease>> {
        if !self.shared() {
            return Ok(None);
        }
        let key = lease_key(name);
        let me = holder_id();
        let deadline = Instant::now() + wait;
        loop {
            let (value, version) = self.get_versioned(&key).await?;
            let held_by_other = value
                .and_then(|v| serde_json::from_str::<Holder>(v.expose()).ok())
                .is_some_and(|h| h.until > now());
            if !held_by_other {
                let mine = Holder {
                    holder: me.clone(),
                    until: now() + hold().as_secs() as i64,
                };
                let value = Secret::new(serde_json::to_string(&mine).unwrap_or_default());
                if let Some(version) = self.set_if_version(&key, value, version).await? {
                    return Ok(Some(Lease {
                        secrets: self.clone(),
                        key,
                        version,
                    }));
                }
                // Another machine wrote between our read and our write: read again.
                continue;
            }
            if Instant::now() >= deadline {
                return Err(Error::Io(format!(
                    "another machine has been refreshing this grant for over {} s (lease {key} in the shared store); try again",
                    wait.as_secs()
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Remove the lease item of something that is gone (a revoked grant).
    pub async fn drop_lease(&self, name: &str) -> SecretStoreResult<()> {
        if !self.shared() {
            return Ok(());
        }
        self.delete(&lease_key(name)).await
    }
}

fn lease_key(name: &str) -> String {
    format!("lease/{name}")
}

impl Lease {
    /// Free the lease, unless it ran out and another machine holds it now (check-and-set).
    pub async fn release(self) {
        let free = Holder {
            holder: String::new(),
            until: 0,
        };
        let value = Secret::new(serde_json::to_string(&free).unwrap_or_default());
        let result: SecretStoreResult<_> = self
            .secrets
            .set_if_version(&self.key, value, self.version)
            .await;
        if let Err(e) = result {
            // It frees itself after HOLD; others wait at most that long.
            tracing::warn!("could not release the lease {}: {e}", self.key);
        }
    }
}

/// This process, on this machine: equal only to itself.
fn holder_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .or_else(|| std::env::var("COMPUTERNAME").ok())
            .unwrap_or_else(|| "unknown".into());
        format!(
            "{}/{}/{:016x}",
            host.trim(),
            std::process::id(),
            rand::random::<u64>()
        )
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::secrets::SecretStore;
    use crate::secrets::memory::MemoryStore;

    #[tokio::test]
    async fn a_store_only_this_machine_writes_needs_no_lease() {
        let secrets = Secrets::new(Arc::new(MemoryStore::default()));
        assert!(
            secrets
                .take_lease("grant/1", Duration::ZERO)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_dead_holder_times_out() {
        let store = Arc::new(MemoryStore::shared());
        let secrets = Secrets::new(store.clone());
        let first = secrets
            .take_lease("grant/1", Duration::ZERO)
            .await
            .unwrap()
            .expect("a shared store gives a lease");
        let e = secrets
            .take_lease("grant/1", Duration::from_millis(300))
            .await
            .err()
            .expect("held: the second waits, then gives up")
            .to_string();
        assert!(e.contains("another machine has been refreshing"), "{e}");
        assert!(
            secrets
                .take_lease("grant/2", Duration::ZERO)
                .await
                .unwrap()
                .is_some(),
            "leases are per grant"
        );
        first.release().await;
        let second = secrets
            .take_lease("grant/1", Duration::ZERO)
            .await
            .unwrap()
            .expect("released: free at once");

        // A holder that died (its time ran out) no longer counts.
        let (_, version) = store.get_versioned("lease/grant/1").unwrap();
        let dead = Holder {
            holder: "elsewhere/1/0".into(),
            until: now() - 1,
        };
        let value = Secret::new(serde_json::to_string(&dead).unwrap());
        assert!(
            store
                .set_if_version("lease/grant/1", &value, version)
                .unwrap()
                .is_some()
        );
        assert!(
            secrets
                .take_lease("grant/1", Duration::ZERO)
                .await
                .unwrap()
                .is_some()
        );
        // The lease the first taker still thinks it has ran out and was taken: releasing it
        // must not free the new holder's lease.
        second.release().await;
        let e = secrets.take_lease("grant/1", Duration::ZERO).await;
        assert!(e.is_err(), "the new holder keeps it");
    }

    #[test]
    fn check_and_set_lets_exactly_one_of_two_writers_win() {
        let store = Arc::new(MemoryStore::shared());
        store.set("grant/1", &Secret::new("a")).unwrap();
        let (_, v) = store.get_versioned("grant/1").unwrap();
        let wins: Vec<_> = ["x", "y"]
            .map(|val| {
                store
                    .set_if_version("grant/1", &Secret::new(val), v)
                    .unwrap()
            })
            .into_iter()
            .collect();
        assert_eq!(wins, vec![Some(v + 1), None]);
        assert_eq!(store.get("grant/1").unwrap().unwrap().expose(), "x");
    }
}
