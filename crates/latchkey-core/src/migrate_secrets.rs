//! `latchkey secret migrate --to <backend>`: move every secret of this home (grants' tokens,
//! client secrets, `latchkey secret` values, config-file backups) to another backend, then make
//! it the one the settings choose.
//!
//! Each item is copied, read back from the target and compared, and only then deleted from the
//! source, so an interruption at any point leaves every item readable in at least one of the
//! two. Run again, it finishes the job: an item already gone from the source but present in the
//! target counts as moved.

use crate::context::{Latchkey, keys};
use crate::secrets::Secrets;
use crate::secrets::backend::{self, Backend};
use crate::{Error, Result, settings};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Copied, verified and deleted from the source now.
    pub moved: usize,
    /// Found only in the target: an earlier, interrupted run had moved them.
    pub already: usize,
    /// Listed in the store but in neither backend (nothing to move; reported).
    pub missing: Vec<String>,
}

/// Every key this home keeps in its secret backend, from the store's lists.
pub fn all_keys(lk: &Latchkey) -> Result<Vec<String>> {
    let store = lk.store();
    let mut keys: Vec<String> = store
        .all_grants()?
        .iter()
        .map(|g| keys::grant_tokens(g.id))
        .collect();
    keys.extend(
        store
            .registrations_with_secret()?
            .iter()
            .map(|r| keys::client_secret(r.id)),
    );
    keys.extend(
        store
            .secret_names()?
            .iter()
            .map(|(name, _, _)| keys::named_secret(name)),
    );
    keys.extend(store.backups()?.iter().map(|(id, ..)| keys::backup(*id)));
    keys.extend(
        store
            .idps()?
            .iter()
            .filter(|idp| idp.id_token_file.is_none())
            .map(|idp| keys::idp_sign_in(idp.registration_id)),
    );
    Ok(keys)
}

/// Whether an item found in the target is this home's own (so an earlier move may overwrite
/// it): only grant tokens say whose they are.
fn ours(lk: &Latchkey, key: &str, value: &crate::Secret) -> bool {
    key.starts_with("grant/")
        && crate::oauth::token::TokenSet::from_secret(value)
            .ok()
            .and_then(|t| t.owner)
            .is_some_and(|o| o.installation == lk.home.installation_id())
}

/// Move everything from `lk`'s backend to `to`, then record `to` in the settings file.
pub async fn migrate(
    lk: &Latchkey,
    to: Backend,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Migrated> {
    let current = settings::load(&lk.home)?;
    if Backend::chosen(&current)? == to {
        return Err(Error::InvalidInput(format!(
            "secrets are already in {}",
            to.name()
        )));
    }
    let (store, about) = backend::open(&lk.home, &current, to)?;
    let target = Secrets::new(store);
    target.probe().await?;
    progress(&format!("moving secrets to {about}"));
    let mut out = Migrated::default();
    for key in all_keys(lk)? {
        match lk.secrets.get(&key).await? {
            Some(value) => {
                if let Some(there) = target.get(&key).await?
                    && there != value
                    && !ours(lk, &key, &there)
                {
                    return Err(Error::InvalidInput(format!(
                        "{key} in {} already holds another value, which this home did not put there (another home's item?); nothing was overwritten, and nothing after it was moved",
                        to.name()
                    )));
                }
                target.set(&key, value.clone()).await?;
                let back = target.get(&key).await?;
                if back.as_ref() != Some(&value) {
                    return Err(Error::InvalidInput(format!(
                        "{key} did not read back the same from {}; it stays where it was, and nothing after it was moved",
                        to.name()
                    )));
                }
                lk.secrets.delete(&key).await?;
                out.moved += 1;
                progress(&format!("moved {key}"));
            }
            None if target.get(&key).await?.is_some() => out.already += 1,
            None => out.missing.push(key),
        }
    }
    settings::set_backend(&lk.home, to.name())?;
    Ok(out)
}
