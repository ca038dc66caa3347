//! Doing one finding's action, the same for `latchkey adopt` and the app's button. Which action
//! and its plan are `latchkey_clients::fixes` (re-exported here); this adds what needs the home:
//! the plan's secret names checked against the keychain, and applying it (consent is the
//! caller's; then secrets are stored, a backup is kept and the file is replaced atomically, see
//! [`super::backup`]).

use super::model::FileReport;
use super::rewrite::{self, Action, PlannedEdit, SecretNames};
use crate::Secret;
use crate::context::Latchkey;
use crate::{Error, Result, named_secrets};

pub use latchkey_clients::fixes::*;

/// [`plan`], with every moved secret's name checked against what the home already stores: the
/// same value is shared (one secret, two references); a different value gets its own name
/// (`<entry>-<client>/<VAR>`, then `-2`, `-3`, ...), never overwriting the other. The summary
/// says which.
pub async fn plan_for(
    lk: &Latchkey,
    file: &FileReport,
    name: &str,
    action: Action,
) -> Result<PlannedEdit> {
    let text = rewrite::read_current(&file.path)?;
    plan_for_text(lk, file, text, name, action, &[]).await
}

/// [`plan_for`] on `text` (the file as earlier changes of the same pass left it), counting the
/// secrets those changes will store (`pending`) as stored already.
pub async fn plan_for_text(
    lk: &Latchkey,
    file: &FileReport,
    text: String,
    name: &str,
    action: Action,
    pending: &[(String, Secret)],
) -> Result<PlannedEdit> {
    let replan = |names: &SecretNames| {
        rewrite::plan_text(
            &file.path,
            text.clone(),
            file.format,
            file.layout,
            name,
            action,
            names,
        )
    };
    let first = replan(&SecretNames::default())?;
    let stored = StoredOrPending { lk, pending };
    let mut names = SecretNames::default();
    let mut notes = Vec::new();
    let mut chosen: Vec<String> = Vec::new();
    for (proposed, value) in &first.secrets {
        match stored.get(proposed).await? {
            None => chosen.push(proposed.clone()),
            Some(existing) if &existing == value => {
                notes.push(format!(
                    "{proposed} is already stored with this value: both entries will use it"
                ));
                chosen.push(proposed.clone());
            }
            Some(_) => {
                let other = free_name(&stored, proposed, file, value, &chosen).await?;
                notes.push(format!(
                    "a different secret is already stored as {proposed}: this one is stored as {other}, and {proposed} is kept"
                ));
                names.rename(proposed, &other);
                chosen.push(other);
            }
        }
    }
    let mut edit = if names.is_empty() {
        first
    } else {
        replan(&names)?
    };
    edit.summary.extend(notes);
    Ok(edit)
}

/// The secrets of the home, and those a pass will store before this change.
struct StoredOrPending<'a> {
    lk: &'a Latchkey,
    pending: &'a [(String, Secret)],
}

impl StoredOrPending<'_> {
    async fn get(&self, name: &str) -> Result<Option<Secret>> {
        if let Some((_, value)) = self.pending.iter().find(|(n, _)| n == name) {
            return Ok(Some(value.clone()));
        }
        named_secrets::get(self.lk, name).await
    }
}

/// A name for `value` near `proposed` that is free (or already holds `value`) and that this
/// plan has not given to another secret.
async fn free_name(
    stored: &StoredOrPending<'_>,
    proposed: &str,
    file: &FileReport,
    value: &Secret,
    chosen: &[String],
) -> Result<String> {
    let (entry, var) = proposed.split_once('/').unwrap_or((proposed, ""));
    let client = rewrite::sanitize(&file.client.display_name().to_lowercase().replace(' ', "-"));
    for n in 1..100 {
        let base = if n == 1 {
            format!("{entry}-{client}")
        } else {
            format!("{entry}-{client}-{n}")
        };
        let candidate = format!("{base}/{var}");
        if chosen.contains(&candidate) {
            continue;
        }
        match stored.get(&candidate).await? {
            None => return Ok(candidate),
            Some(existing) if &existing == value => return Ok(candidate),
            Some(_) => continue,
        }
    }
    Err(Error::InvalidInput(format!(
        "too many secrets named like {proposed}; remove some with `latchkey secret rm`"
    )))
}

/// Why `url` needs `latchkey proxy` rather than a header helper, if it does: a grant bound to
/// a key (DPoP: each request needs its own proof), or a server Latchkey found speaking only the
/// 2026-07-28 protocol (the proxy bridges the client's 2025 sessions to it).
pub fn needs_the_proxy(lk: &Latchkey, url: &str) -> Result<Option<String>> {
    let canonical = crate::url_policy::canonical_resource(url)?;
    let store = lk.store();
    // The proxy remembers a server it found speaking 2026-07-28 as that revision.
    if store.cached_protocol(&canonical)?.as_deref() == Some("2026-07-28") {
        return Ok(Some(format!(
            "{url} speaks the 2026-07-28 protocol, which the client's own connection does not; `latchkey proxy` bridges it"
        )));
    }
    let Some(server) = store.server_by_url(&canonical)? else {
        return Ok(None);
    };
    let bound = store
        .grants_for_server(server.id)?
        .iter()
        .any(|g| g.dpop_bound);
    Ok(bound.then(|| {
        format!(
            "{url}'s tokens are bound to a key (DPoP): each request needs its own proof, which only `latchkey proxy` makes"
        )
    }))
}

/// Store the secrets, keep a backup, replace the file: the backup's id.
pub async fn apply(lk: &Latchkey, edit: &PlannedEdit, name: &str, action: Action) -> Result<i64> {
    let reason = format!(
        "adopt {name} ({})",
        match action {
            Action::MoveSecrets => "move secrets",
            Action::UseSignIn => "use sign-in",
            Action::UseHeadersHelper(_) => "use sign-in, header helper",
        }
    );
    super::backup::apply(lk, edit, &reason).await
}
