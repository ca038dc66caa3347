//! Moving a home's items in a store other machines can reach (pass, OpenBao/Vault) from the
//! folder every default home shared (`<folder>/<key>`, layout 1) into the home's own folder
//! (`<folder>/<installation id>/<key>`, layout 2), in place and with no new sign-in.
//!
//! Runs once, when a home written by an older Latchkey is first opened, under a file lock so
//! that several processes starting at once move everything exactly once; an interrupted run is
//! finished by the next one (every step is a copy, a read-back, then a delete).
//!
//! Before layout 2, two machines with default homes wrote the same `grant/1`: the older item
//! may hold the *other* machine's tokens. A grant's item is moved only when it matches what
//! this home's database recorded for that grant (its expiry and scopes, written together at
//! every sign-in and refresh); one that does not is left where it is (it may be another
//! home's) and the grant is marked for a reconnect, so no token ever reaches the wrong server.

use std::sync::Arc;

use crate::home::Home;
use crate::oauth::token::{GrantOwner, TokenSet};
use crate::secrets::backend::{self, Backend};
use crate::secrets::keys;
use crate::secrets::{Layout, SecretStore};
use crate::settings::Settings;
use crate::store::{GrantRow, ReconnectReason, Store};
use crate::{Error, Result, audit, home::lock};

/// The layout every home ends up in.
pub const CURRENT: u32 = 2;

/// What an upgrade did, for the log and the tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Upgraded {
    pub moved: usize,
    /// Grants whose old item did not match them: left in place, grant marked for a reconnect.
    pub left_for_reconnect: Vec<i64>,
}

/// Bring `store`'s home to the current layout (a no-op once it is there). Blocking: run it
/// where blocking calls are allowed (see [`crate::context::Latchkey::open`]).
pub fn upgrade(
    home: &Home,
    settings: &Settings,
    backend: Backend,
    store: &Store,
) -> Result<Upgraded> {
    if store.secret_layout()? >= CURRENT {
        return Ok(Upgraded::default());
    }
    if !backend.reachable_from_other_machines() {
        // The OS keychain never had the shared folder: nothing to move.
        store.set_secret_layout(CURRENT)?;
        return Ok(Upgraded::default());
    }
    let _guard = lock::acquire_blocking(&lock::lock_path(&home.locks_dir(), "secret-layout"))?;
    if store.secret_layout()? >= CURRENT {
        return Ok(Upgraded::default()); // another process did it while we waited
    }
    let (legacy, _) = backend::open_in(home, settings, backend, Layout::Legacy)?;
    let (current, _) = backend::open_in(home, settings, backend, Layout::Current)?;
    let done = move_items(home, store, legacy, current).map_err(|e| {
        Error::Io(format!(
            "moving this home's secrets into its own folder of the {} store did not finish ({e}); nothing was lost, and the next Latchkey command tries again",
            backend.name()
        ))
    })?;
    store.set_secret_layout(CURRENT)?;
    if done.moved > 0 || !done.left_for_reconnect.is_empty() {
        tracing::info!(
            "moved {} secret(s) into this home's own folder ({} grant(s) left for a reconnect)",
            done.moved,
            done.left_for_reconnect.len()
        );
    }
    Ok(done)
}

fn move_items(
    home: &Home,
    store: &Store,
    legacy: Arc<dyn SecretStore>,
    current: Arc<dyn SecretStore>,
) -> Result<Upgraded> {
    let mut out = Upgraded::default();
    for grant in store.all_grants()? {
        let key = keys::grant_tokens(grant.id);
        let Some(old) = legacy.get(&key)? else {
            continue; // moved by an interrupted run, or never there
        };
        let Some(tokens) = TokenSet::from_secret(&old)
            .ok()
            .filter(|t| matches_grant(t, &grant))
        else {
            let reason = ReconnectReason::SharedTokensAmbiguous;
            store.set_needs_reconnect(grant.id, &reason)?;
            let server_url = store
                .server_by_id(grant.server_id)?
                .map(|s| s.url)
                .unwrap_or_else(|| grant.resource.clone());
            audit::record(
                store,
                &server_url,
                Some(grant.id),
                audit::Event::NeedsReconnect,
                Some(&reason.to_string()),
            );
            out.left_for_reconnect.push(grant.id);
            continue;
        };
        let owner = GrantOwner {
            installation: home.installation_id().to_string(),
            grant: grant.id,
            issuer: grant.issuer.clone(),
            resource: grant.resource.clone(),
        };
        copy_then_delete(
            &*legacy,
            &*current,
            &key,
            tokens.owned_by(owner).to_secret(),
        )?;
        out.moved += 1;
    }
    let mut others: Vec<String> = store
        .registrations_with_secret()?
        .iter()
        .map(|r| keys::client_secret(r.id))
        .collect();
    others.extend(
        store
            .secret_names()?
            .iter()
            .map(|(name, ..)| keys::named_secret(name)),
    );
    others.extend(store.backups()?.iter().map(|(id, ..)| keys::backup(*id)));
    for key in others {
        if let Some(value) = legacy.get(&key)? {
            copy_then_delete(&*legacy, &*current, &key, value)?;
            out.moved += 1;
        }
    }
    Ok(out)
}

/// This home wrote these tokens last: the expiry and scopes its database recorded with them.
fn matches_grant(tokens: &TokenSet, grant: &GrantRow) -> bool {
    tokens.expires_at == grant.access_expires_at && tokens.scopes.same_set(&grant.scopes)
}

fn copy_then_delete(
    from: &dyn SecretStore,
    to: &dyn SecretStore,
    key: &str,
    value: crate::secrets::secret::Secret,
) -> Result<()> {
    to.set(key, &value)?;
    if to.get(key)?.as_ref() != Some(&value) {
        return Err(Error::Io(format!(
            "{key} did not read back the same from its new place"
        )));
    }
    from.delete(key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::memory::MemoryStore;
    use crate::secrets::secret::Secret;
    use crate::store::{GrantStatus, NewGrant};

    fn grant(store: &Store, expires: i64, scopes: &[&str]) -> GrantRow {
        let server = store.upsert_server("https://x.test/mcp").unwrap();
        let reg = store
            .insert_registration(
                "https://as.test",
                "c",
                crate::store::RegistrationMethod::Dynamic,
                crate::store::TokenAuthMethod::None,
                "http://127.0.0.1:1/callback",
                false,
            )
            .unwrap();
        store
            .insert_grant(&NewGrant {
                server_id: server.id,
                registration_id: reg.id,
                issuer: "https://as.test".into(),
                resource: "https://x.test/mcp".into(),
                account: None,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                requested_scopes: Default::default(),
                access_expires_at: Some(expires),
                has_refresh_token: true,
                obtained_by: Default::default(),
                workload_token_file: None,
                via_idp: None,
                dpop_bound: false,
            })
            .unwrap()
    }

    fn tokens(access: &str, expires: i64, scopes: &[&str]) -> Secret {
        TokenSet {
            access_token: Secret::new(access),
            refresh_token: Some(Secret::new(format!("rt-{access}"))),
            expires_at: Some(expires),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            obtained_at: Some(0),
            owner: None,
            dpop_key: None,
        }
        .to_secret()
    }

    #[test]
    fn items_move_into_the_home_folder_and_a_foreign_grant_item_stays_put() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().to_path_buf(), true).unwrap();
        let store = Store::open_in_memory().unwrap();
        let ours = grant(&store, 1000, &["read"]);
        let theirs = grant(&store, 2000, &["read"]);
        store.record_secret_name("github/TOKEN").unwrap();
        let legacy = Arc::new(MemoryStore::default());
        let current = Arc::new(MemoryStore::default());
        legacy
            .set(&keys::grant_tokens(ours.id), &tokens("a", 1000, &["read"]))
            .unwrap();
        // Another machine's tokens under the second grant's key (another expiry).
        legacy
            .set(
                &keys::grant_tokens(theirs.id),
                &tokens("b", 2999, &["write"]),
            )
            .unwrap();
        legacy
            .set(&keys::named_secret("github/TOKEN"), &Secret::new("ghp_x"))
            .unwrap();

        let done = move_items(&home, &store, legacy.clone(), current.clone()).unwrap();
        assert_eq!(done.moved, 2);
        assert_eq!(done.left_for_reconnect, vec![theirs.id]);
        let moved = current.get(&keys::grant_tokens(ours.id)).unwrap().unwrap();
        let owner = TokenSet::from_secret(&moved).unwrap().owner.unwrap();
        assert_eq!(owner.installation, home.installation_id());
        assert_eq!(
            (owner.grant, owner.issuer.as_str()),
            (ours.id, "https://as.test")
        );
        assert!(legacy.get(&keys::grant_tokens(ours.id)).unwrap().is_none());
        assert!(
            legacy
                .get(&keys::grant_tokens(theirs.id))
                .unwrap()
                .is_some(),
            "another machine's item is not taken"
        );
        assert!(
            current
                .get(&keys::grant_tokens(theirs.id))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.grant(theirs.id).unwrap().unwrap().status,
            GrantStatus::NeedsReconnect
        );
        assert_eq!(
            current
                .get(&keys::named_secret("github/TOKEN"))
                .unwrap()
                .unwrap()
                .expose(),
            "ghp_x"
        );
        // Run again (an interrupted upgrade finishing): nothing moves twice.
        let again = move_items(&home, &store, legacy, current).unwrap();
        assert_eq!(again.moved, 0);
    }
}
