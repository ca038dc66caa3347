//! An OpenBao or HashiCorp Vault KV v2 mount as a [`SecretStore`]: for teams that keep secrets
//! in the vault they already run, and for grants several machines share. The server's own HA
//! is what keeps them through a lost machine.
//!
//! Each item is one KV v2 secret at `<mount>/data/<path>/<key>` holding `{"value": "..."}`.
//! KV v2 versions every write; Latchkey uses that for check-and-set
//! ([`SecretStore::set_if_version`]), so two machines never both rotate the same refresh token
//! (see `broker` and [`super::lease`]). Deleting removes every version (`metadata` delete), and
//! new items keep one version only, so a revoked or rotated token does not linger in the
//! history.

mod client;
pub mod config;

use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};

use self::client::{Client, Reply, status_error};
use self::config::KvConfig;
use super::{SecretStore, SecretStoreError, SecretStoreResult};
use crate::secrets::secret::Secret;

pub struct KvStore {
    client: Client,
    mount_checked: AtomicBool,
}

impl KvStore {
    pub fn new(config: KvConfig) -> Self {
        Self {
            client: Client::new(config),
            mount_checked: AtomicBool::new(false),
        }
    }

    pub fn describe(&self) -> String {
        self.client.config.describe()
    }

    fn config(&self) -> &KvConfig {
        &self.client.config
    }

    /// `<path>/<key>` under the mount, each segment checked (keys are Latchkey's own names).
    fn item(&self, key: &str) -> SecretStoreResult<String> {
        config::clean_segments(key)
            .filter(|k| k == key)
            .map(|k| format!("{}/{k}", self.config().path))
            .ok_or_else(|| SecretStoreError::Other(format!("'{key}' is not a usable KV item name")))
    }

    fn data_path(&self, key: &str) -> SecretStoreResult<String> {
        Ok(format!("{}/data/{}", self.config().mount, self.item(key)?))
    }

    fn metadata_path(&self, key: &str) -> SecretStoreResult<String> {
        Ok(format!(
            "{}/metadata/{}",
            self.config().mount,
            self.item(key)?
        ))
    }

    /// Once per process: the mount exists and is KV version 2 (a version 1 mount would take the
    /// writes under a literal `data/` folder and know nothing of check-and-set).
    fn check_mount(&self) -> SecretStoreResult<()> {
        if self.mount_checked.load(Ordering::Relaxed) {
            return Ok(());
        }
        let cfg = self.config();
        let path = format!("sys/internal/ui/mounts/{}", cfg.mount);
        let reply = self.client.call(Method::GET, &path, None)?;
        if reply.status != 200 {
            return Err(status_error(cfg, &reply, &format!("{}/", cfg.mount)));
        }
        let data = &reply.body["data"];
        let version = data["options"]["version"].as_str().unwrap_or("1");
        if data["type"] != "kv" || version != "2" {
            return Err(SecretStoreError::Unusable(format!(
                "{}/ on {} is not a KV version 2 mount (type {}, version {version}): Latchkey needs KV v2 for check-and-set; enable one (`{} secrets enable -path=<name> kv-v2`) and set mount in the settings",
                cfg.mount,
                cfg.flavor.product(),
                data["type"].as_str().unwrap_or("unknown"),
                cfg.flavor.cli(),
            )));
        }
        self.mount_checked.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn write(&self, key: &str, value: &Secret, cas: Option<u64>) -> SecretStoreResult<Reply> {
        self.check_mount()?;
        let mut body = json!({ "data": { "value": value.expose() } });
        if let Some(version) = cas {
            body["options"] = json!({ "cas": version });
        }
        self.client
            .call(Method::POST, &self.data_path(key)?, Some(&body))
    }

    /// Keep one version of a new item: older versions would hold rotated refresh tokens.
    /// Best effort: a policy without `update` on metadata only means a longer history.
    fn keep_one_version(&self, key: &str) {
        if let Ok(path) = self.metadata_path(key) {
            let body = json!({ "max_versions": 1 });
            if let Ok(r) = self.client.call(Method::POST, &path, Some(&body))
                && r.status >= 300
            {
                tracing::debug!("could not limit versions of a KV item: HTTP {}", r.status);
            }
        }
    }
}

/// A 400 whose errors say `text`: how KV v2 reports a check-and-set that did not match
/// ("check-and-set parameter did not match") or that the mount requires ("... required").
fn bad_request_says(reply: &Reply, text: &str) -> bool {
    reply.status == 400 && reply.errors().iter().any(|e| e.contains(text))
}

fn version_of(metadata: &Value) -> u64 {
    metadata["version"].as_u64().unwrap_or(0)
}

impl SecretStore for KvStore {
    fn get(&self, key: &str) -> SecretStoreResult<Option<Secret>> {
        Ok(self.get_versioned(key)?.0)
    }

    fn set(&self, key: &str, value: &Secret) -> SecretStoreResult<()> {
        let reply = self.write(key, value, None)?;
        if reply.status < 300 {
            if version_of(&reply.body["data"]) == 1 {
                self.keep_one_version(key);
            }
            return Ok(());
        }
        if !bad_request_says(&reply, "check-and-set parameter required") {
            return Err(status_error(self.config(), &reply, &self.data_path(key)?));
        }
        // The mount requires check-and-set on every write: write over what is there now.
        for _ in 0..3 {
            let (_, version) = self.get_versioned(key)?;
            if self.set_if_version(key, value, version)?.is_some() {
                return Ok(());
            }
        }
        Err(SecretStoreError::Unreachable(format!(
            "{} kept changing under another writer; nothing was changed",
            self.data_path(key)?
        )))
    }

    fn delete(&self, key: &str) -> SecretStoreResult<()> {
        self.check_mount()?;
        let path = self.metadata_path(key)?;
        let reply = self.client.call(Method::DELETE, &path, None)?;
        match reply.status {
            200..=299 => Ok(()),
            404 if reply.errors().is_empty() => Ok(()),
            _ => Err(status_error(self.config(), &reply, &path)),
        }
    }

    fn get_versioned(&self, key: &str) -> SecretStoreResult<(Option<Secret>, u64)> {
        self.check_mount()?;
        let path = self.data_path(key)?;
        let reply = self.client.call(Method::GET, &path, None)?;
        match reply.status {
            200 => {
                let data = &reply.body["data"];
                let value = data["data"]["value"].as_str().ok_or_else(|| {
                    SecretStoreError::Other(format!(
                        "{path} holds no \"value\" string: it was not written by Latchkey"
                    ))
                })?;
                Ok((Some(Secret::new(value)), version_of(&data["metadata"])))
            }
            // Missing, or its newest version deleted: KV v2 still counts that version for
            // check-and-set, and says which it is.
            404 if reply.errors().is_empty() => {
                Ok((None, version_of(&reply.body["data"]["metadata"])))
            }
            _ => Err(status_error(self.config(), &reply, &path)),
        }
    }

    fn set_if_version(
        &self,
        key: &str,
        value: &Secret,
        version: u64,
    ) -> SecretStoreResult<Option<u64>> {
        let reply = self.write(key, value, Some(version))?;
        if reply.status < 300 {
            let new = version_of(&reply.body["data"]);
            if new == 1 {
                self.keep_one_version(key);
            }
            return Ok(Some(new));
        }
        if bad_request_says(&reply, "check-and-set parameter did not match") {
            return Ok(None);
        }
        Err(status_error(self.config(), &reply, &self.data_path(key)?))
    }

    fn shared(&self) -> bool {
        true
    }
}
