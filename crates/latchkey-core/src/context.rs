//! [`Latchkey`]: the home, the store, the keychain and the HTTP client, opened once per process
//! and handed to every operation.

use std::sync::{Mutex, MutexGuard};

use crate::home::Home;
use crate::http::HttpClient;
use crate::secrets::Secrets;
use crate::secrets::backend::Backend;
use crate::store::{ServerRow, Store};
use crate::{Error, Result};

pub struct Latchkey {
    pub home: Home,
    store: Mutex<Store>,
    pub secrets: Secrets,
    pub http: HttpClient,
}

impl Latchkey {
    /// The real thing: `LATCHKEY_HOME` (or the platform data dir) and the secret backend its
    /// settings choose (the OS keychain unless told otherwise).
    pub fn open() -> Result<Self> {
        let home = Home::from_env()?;
        let settings = crate::settings::load(&home)?;
        let backend = Backend::chosen(&settings)?;
        let store = Store::open(&home.database_path())?;
        let store = upgrade_secret_layout(&home, &settings, backend, store)?;
        let (secrets, _) = crate::secrets::backend::open(&home, &settings, backend)?;
        Ok(Self::from_parts(
            home,
            store,
            Secrets::new(secrets),
            HttpClient::new()?,
        ))
    }

    pub fn from_parts(home: Home, store: Store, secrets: Secrets, http: HttpClient) -> Self {
        Self {
            home,
            store: Mutex::new(store),
            secrets,
            http,
        }
    }

    /// The SQLite store. Keep the guard short: never hold it across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keep a client registration: its row in the store and its secret (if it has one) in the
    /// secret store. When the secret cannot be stored the row is dropped again: a registration
    /// is never kept without the secret it needs.
    pub async fn keep_registration(
        &self,
        new: crate::store::NewRegistration<'_>,
        secret: Option<&crate::Secret>,
    ) -> Result<crate::store::RegistrationRow> {
        let row = self.store().insert_registration(
            new.issuer,
            new.client_id,
            new.method,
            new.auth_method,
            new.redirect_uri,
            secret.is_some(),
        )?;
        if let Some(secret) = secret
            && let Err(e) = self
                .secrets
                .set(&keys::client_secret(row.id), secret.clone())
                .await
        {
            let _ = self.store().delete_registration(row.id);
            return Err(e.into());
        }
        Ok(row)
    }

    /// Resolve `<server>` as the CLI accepts it: the URL, or a name shown by `list`
    /// (`host/path`, or the host alone when only one server lives there).
    pub fn find_server(&self, name_or_url: &str) -> Result<ServerRow> {
        let servers = self.store().list_servers()?;
        let canonical = crate::url_policy::canonical_resource(name_or_url).ok();
        if let Some(s) = servers
            .iter()
            .find(|s| Some(&s.url) == canonical.as_ref() || s.url == name_or_url)
        {
            return Ok(s.clone());
        }
        if let Some(s) = servers.iter().find(|s| display_name(&s.url) == name_or_url) {
            return Ok(s.clone());
        }
        let by_host: Vec<_> = servers
            .iter()
            .filter(|s| host_of(&s.url) == name_or_url)
            .collect();
        match by_host.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::InvalidInput(format!(
                "no server '{name_or_url}' is known; `latchkey list` shows them, `latchkey connect <url>` adds one"
            ))),
            _ => Err(Error::InvalidInput(format!(
                "'{name_or_url}' matches several servers; use the full URL"
            ))),
        }
    }
}

/// A home written by an older Latchkey keeps its secrets where every default home kept them:
/// move them into its own folder first ([`crate::secrets::layout`]). The stores' calls block (and
/// OpenBao's client must not run on an async runtime's thread), so the move runs on a thread
/// of its own; it happens once per home.
fn upgrade_secret_layout(
    home: &Home,
    settings: &crate::settings::Settings,
    backend: Backend,
    store: Store,
) -> Result<Store> {
    if store.secret_layout()? >= crate::secrets::layout::CURRENT {
        return Ok(store);
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            crate::secrets::layout::upgrade(home, settings, backend, &store).map(|_| store)
        })
        .join()
        .unwrap_or_else(|_| {
            Err(Error::Io(
                "moving the secrets to their own folder failed".into(),
            ))
        })
    })
}

/// `host[:port]/path` without the scheme: the name `list` shows.
pub fn display_name(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.trim_end_matches('/').to_string()
}

/// The host (and port) part of [`display_name`].
pub fn host_of(url: &str) -> String {
    display_name(url)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The names of items in the secret store (`secrets::keys`), under the name the core has
/// always used for them.
pub use crate::secrets::keys;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names() {
        assert_eq!(
            display_name("https://mcp.example.com/mcp"),
            "mcp.example.com/mcp"
        );
        assert_eq!(display_name("http://127.0.0.1:8080/"), "127.0.0.1:8080");
        assert_eq!(host_of("https://mcp.example.com/mcp"), "mcp.example.com");
    }
}
