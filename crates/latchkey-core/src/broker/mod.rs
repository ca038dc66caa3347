//! The broker: the single way to get a usable access token.
//!
//! It reads the grant; when the access token is due it refreshes under a cross-process lock per
//! grant (and, when the secret store is shared by several machines, a lease in that store),
//! re-reading the keychain after taking the lock (another process may have refreshed
//! meanwhile, and a rotated refresh token must never be sent twice). The new token set (with
//! the newest refresh token) is written to the keychain before anything uses the new access
//! token. `invalid_grant` marks the grant "needs reconnect" and keeps it; a network failure
//! changes nothing.

mod due;

use due::is_expired;
pub use due::{is_due, margin_for_lifetime, planned_refresh, refresh_margin};
use std::time::Duration;

use crate::Secret;
use crate::audit::{self, Event};
use crate::context::{Latchkey, keys};
use crate::grant_client::GrantClient;
use crate::oauth::dpop::{DpopHttp, DpopKey};
use crate::oauth::machine;
use crate::oauth::token::{self, GrantOwner, TokenSet};
use crate::protocol::Scopes;
use crate::store::{
    GrantKind, GrantRow, GrantStatus, ReconnectReason, RegistrationMethod, ServerRow,
};
use crate::time::now;
use crate::{Error, ErrorKind, Result};
use crate::{faults, home::lock};

const LOCK_TIMEOUT: Duration = Duration::from_secs(90);

/// A token handed out, and what the caller may want to show.
#[derive(Debug)]
pub struct Handed {
    pub access_token: Secret,
    pub expires_at: Option<i64>,
    pub scopes: Scopes,
    pub grant: GrantRow,
    pub server: ServerRow,
    /// This call refreshed the token (not another process).
    pub refreshed: bool,
    /// The DPoP key the token is bound to (RFC 9449): every request needs a proof made with it.
    pub dpop_key: Option<Secret>,
}

/// The server's default grant (the first account), as the CLI and proxy use it.
pub fn default_grant(lk: &Latchkey, server: &ServerRow) -> Result<GrantRow> {
    lk.store()
        .grants_for_server(server.id)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotConnected(server.url.clone()))
}

pub async fn read_tokens(lk: &Latchkey, grant: &GrantRow, server: &ServerRow) -> Result<TokenSet> {
    Ok(read_tokens_versioned(lk, grant, server).await?.0)
}

/// Whom a grant's stored tokens must say they belong to: this home, this grant, its issuer
/// and resource.
pub fn owner_of(lk: &Latchkey, grant: &GrantRow) -> GrantOwner {
    GrantOwner {
        installation: lk.home.installation_id().to_string(),
        grant: grant.id,
        issuer: grant.issuer.clone(),
        resource: grant.resource.clone(),
    }
}

/// The tokens and the store's version of them, for the check-and-set write after a refresh.
/// Tokens that belong to another home or grant are never handed out: the grant is marked for
/// a reconnect (its own tokens are not there) and the item is left alone.
async fn read_tokens_versioned(
    lk: &Latchkey,
    grant: &GrantRow,
    server: &ServerRow,
) -> Result<(TokenSet, u64)> {
    match lk
        .secrets
        .get_versioned(&keys::grant_tokens(grant.id))
        .await?
    {
        (Some(s), version) => match TokenSet::from_secret_for(&s, &owner_of(lk, grant)) {
            Ok(tokens) => Ok((tokens, version)),
            Err(e @ Error::ForeignTokens(_)) => {
                let detail = e.to_string();
                mark_needs_reconnect(
                    lk,
                    server,
                    grant,
                    &ReconnectReason::ForeignTokens { detail },
                )?;
                Err(e)
            }
            Err(e) => Err(e),
        },
        (None, _) => Err(Error::NeedsReconnect(server.url.clone())),
    }
}

/// Like [`token`], but `Ok(None)` when there is nothing to use yet: the server is unknown, has no
/// grant, or its grant needs a reconnect (the proxy then signs in when the server asks).
pub async fn token_if_connected(
    lk: &Latchkey,
    server_url: &str,
    force: bool,
) -> Result<Option<Handed>> {
    let canonical = crate::url_policy::canonical_resource(server_url)?;
    let Some(server) = lk.store().server_by_url(&canonical)? else {
        return Ok(None);
    };
    match token_for_server(lk, &server, force).await {
        Ok(h) => Ok(Some(h)),
        Err(Error::NotConnected(_) | Error::NeedsReconnect(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn token_for_server(lk: &Latchkey, server: &ServerRow, force: bool) -> Result<Handed> {
    let grant = default_grant(lk, server)?;
    token_for_grant(lk, server, grant, force).await
}

/// A valid access token for `server` (URL or name), refreshed first when due.
/// `force` refreshes even when not due (after a 401 from the server).
pub async fn token(lk: &Latchkey, server: &str, force: bool) -> Result<Handed> {
    let server = lk.find_server(server)?;
    let grant = default_grant(lk, &server)?;
    token_for_grant(lk, &server, grant, force).await
}

pub async fn token_for_grant(
    lk: &Latchkey,
    server: &ServerRow,
    grant: GrantRow,
    force: bool,
) -> Result<Handed> {
    // A workload grant whose JWT file changed since it was refused asks again at once.
    let force = match grant.status {
        GrantStatus::NeedsReconnect if workload_token_renewed(&grant) => true,
        GrantStatus::NeedsReconnect => return Err(waiting_error(server, &grant)),
        GrantStatus::Active => force,
    };
    let tokens = read_tokens(lk, &grant, server).await?;
    if !force && !is_due(&tokens, now()) {
        return Ok(handed(tokens, grant, server.clone(), false));
    }
    refresh_locked(lk, server, grant, Some(&tokens), force).await
}

/// Refresh a grant now (the `refresh` command), even when not due. When another process
/// refreshes the same grant meanwhile (we wait for its lock), its new tokens are used rather
/// than spending one more rotation: several `latchkey refresh` at once make one refresh.
pub async fn refresh_now(lk: &Latchkey, server: &ServerRow, grant: GrantRow) -> Result<Handed> {
    let seen = read_tokens(lk, &grant, server).await.ok();
    refresh_locked(lk, server, grant, seen.as_ref(), true).await
}

async fn refresh_locked(
    lk: &Latchkey,
    server: &ServerRow,
    grant: GrantRow,
    seen: Option<&TokenSet>,
    force: bool,
) -> Result<Handed> {
    let id = grant.id;
    with_grant_locked(lk, id, || refresh_held(lk, server, grant, seen, force)).await
}

/// Run `work` holding the grant's cross-process lock (and, when the secret store is shared by
/// several machines, its lease in that store). Everything that writes or deletes a grant's
/// tokens runs under it: a refresh, a revoke, a new sign-in replacing the grant. So a revoke
/// never races a refresh into writing a live refresh token back as an orphan, and a refresh of
/// the old lineage never overwrites the tokens a new sign-in just stored.
pub async fn with_grant_locked<T, F, Fut>(lk: &Latchkey, grant_id: i64, work: F) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let path = lock::lock_path(&lk.home.locks_dir(), &format!("grant-{grant_id}"));
    let (_guard, _waited) = lock::acquire(&path, LOCK_TIMEOUT).await?;
    // The lock covers this machine; machines sharing the store agree through a lease in it.
    let lease = lk
        .secrets
        .take_lease(&keys::grant_tokens(grant_id), LOCK_TIMEOUT)
        .await?;
    let result = work().await;
    if let Some(lease) = lease {
        lease.release().await;
    }
    result
}

/// [`refresh_locked`] once the lock (and lease) are held.
async fn refresh_held(
    lk: &Latchkey,
    server: &ServerRow,
    grant: GrantRow,
    seen: Option<&TokenSet>,
    force: bool,
) -> Result<Handed> {
    // Re-read under the lock: another process may have refreshed (rotating the refresh token).
    let grant = lk
        .store()
        .grant(grant.id)?
        .ok_or_else(|| Error::NotConnected(server.url.clone()))?;
    let force = match grant.status {
        GrantStatus::NeedsReconnect if workload_token_renewed(&grant) => true,
        GrantStatus::NeedsReconnect => return Err(waiting_error(server, &grant)),
        GrantStatus::Active => force,
    };
    let (current, version) = read_tokens_versioned(lk, &grant, server).await?;
    if lk.secrets.shared() && current.expires_at != grant.access_expires_at {
        // Another machine refreshed through the shared store: show what it got.
        lk.store().record_refresh(
            grant.id,
            current.expires_at,
            &current.scopes,
            current.refresh_token.is_some(),
        )?;
    }
    let someone_else_refreshed = seen.is_some_and(|s| s.access_token != current.access_token);
    if someone_else_refreshed && !is_due(&current, now()) {
        return Ok(handed(current, grant, server.clone(), false));
    }
    if !force && !is_due(&current, now()) {
        return Ok(handed(current, grant, server.clone(), false));
    }
    if current.refresh_token.is_none() && !grant.obtained_by.is_machine() {
        if is_expired(&current, now()) {
            let reason = ReconnectReason::ExpiredWithoutRefreshToken;
            mark_needs_reconnect(lk, server, &grant, &reason)?;
            return Err(Error::NeedsReconnect(server.url.clone()));
        }
        return Ok(handed(current, grant, server.clone(), false));
    }
    faults::pause_at("refresh:before-request");
    match refresh_request(lk, &grant, &current).await {
        Ok(new) => {
            faults::pause_at("refresh:after-response");
            // Whatever took the grant away (a revoke by an older Latchkey that took no lock)
            // must not get its tokens back as an orphan: write only to a grant that exists.
            if lk.store().grant(grant.id)?.is_none() {
                revoke_orphan(lk, &grant, &new).await;
                return Err(Error::NotConnected(server.url.clone()));
            }
            // Keychain first: the new refresh token must be durable before anything else. The
            // write is check-and-set against the version read under the lock: in a shared store,
            // a machine whose lease ran out must not overwrite a newer refresh token.
            let new = new.owned_by(owner_of(lk, &grant));
            let written = lk
                .secrets
                .set_if_version(&keys::grant_tokens(grant.id), new.to_secret(), version)
                .await?;
            if written.is_none() {
                audit::record(
                    &lk.store(),
                    &server.url,
                    Some(grant.id),
                    Event::RefreshFailed,
                    Some("another machine refreshed at the same time; using its tokens"),
                );
                let (theirs, _) = read_tokens_versioned(lk, &grant, server).await?;
                return Ok(handed(theirs, grant, server.clone(), false));
            }
            faults::pause_at("refresh:after-keychain-write");
            {
                let store = lk.store();
                store.record_refresh(
                    grant.id,
                    new.expires_at,
                    &new.scopes,
                    new.refresh_token.is_some(),
                )?;
                audit::record(&store, &server.url, Some(grant.id), Event::Refreshed, None);
            }
            faults::pause_at("refresh:after-store-write");
            let grant = lk.store().grant(grant.id)?.unwrap_or(grant);
            Ok(handed(new, grant, server.clone(), true))
        }
        Err(e) if e.oauth_code() == Some("invalid_client") => {
            Err(client_rejected(lk, server, &grant)?)
        }
        Err(e) if e.kind() == ErrorKind::GrantRejected => {
            let reason = ReconnectReason::Refused {
                error: e.to_string(),
            };
            mark_needs_reconnect(lk, server, &grant, &reason)?;
            if grant.obtained_by.is_machine() {
                // No person to send to a sign-in: the server's own words are the news.
                return Err(e);
            }
            Err(Error::NeedsReconnect(server.url.clone()))
        }
        Err(e) => {
            audit::record(
                &lk.store(),
                &server.url,
                Some(grant.id),
                Event::RefreshFailed,
                Some(&e.to_string()),
            );
            // A passing failure changes nothing; a still-valid token is still usable.
            if !force && !is_expired(&current, now()) {
                tracing::warn!("refresh failed ({e}); using the current token until it expires");
                return Ok(handed(current, grant, server.clone(), false));
            }
            Err(e)
        }
    }
}

/// The authorization server answered `invalid_client`: it no longer knows (or accepts) the
/// client this grant was obtained with. A registration Latchkey made itself is dropped, so the
/// next sign-in registers again instead of being refused for good; a client id the person gave
/// gets an error that says what to do. Either way the grant waits for a reconnect.
fn client_rejected(lk: &Latchkey, server: &ServerRow, grant: &GrantRow) -> Result<Error> {
    let store = lk.store();
    let registration = store.registration(grant.registration_id)?;
    let (reason, error) = match registration {
        // An imported registration is dropped the same way: the next sign-in is Latchkey's own.
        Some(r)
            if r.method.registered_by_latchkey() || r.method == RegistrationMethod::Imported =>
        {
            store.mark_registration_rejected(r.id)?;
            (
                ReconnectReason::RegistrationForgotten,
                Error::NeedsReconnect(server.url.clone()),
            )
        }
        other => {
            let reason = ReconnectReason::ClientIdRefused {
                issuer: grant.issuer.clone(),
                client_id: other.map(|r| r.client_id).unwrap_or_default(),
                server_url: server.url.clone(),
            };
            let error = Error::InvalidInput(reason.to_string());
            (reason, error)
        }
    };
    drop(store);
    mark_needs_reconnect(lk, server, grant, &reason)?;
    Ok(error)
}

/// The grant waits for the person to sign in again, for `reason` (which the app shows and
/// the history keeps).
fn mark_needs_reconnect(
    lk: &Latchkey,
    server: &ServerRow,
    grant: &GrantRow,
    reason: &ReconnectReason,
) -> Result<()> {
    let store = lk.store();
    store.set_needs_reconnect(grant.id, reason)?;
    audit::record(
        &store,
        &server.url,
        Some(grant.id),
        Event::NeedsReconnect,
        Some(&reason.to_string()),
    );
    Ok(())
}

/// Tokens a refresh got for a grant that is gone meanwhile: nothing will ever use them, so tell
/// the server to forget them (best effort; they are never stored).
async fn revoke_orphan(lk: &Latchkey, grant: &GrantRow, tokens: &TokenSet) {
    let outcome = async {
        let client = GrantClient::load(lk, grant).await?;
        crate::oauth::revoke::revoke(
            &client.http,
            &client.oauth()?,
            &client.credentials(),
            tokens,
        )
        .await
    }
    .await;
    if let Err(e) = outcome {
        tracing::warn!(
            "the grant was removed during a refresh; revoking its new tokens failed: {e}"
        );
    }
}

/// New tokens for a grant: its refresh token, or (for a grant without a person) the client's
/// own credentials or the workload's JWT as its file holds it now, for the scopes first asked.
async fn refresh_request(lk: &Latchkey, grant: &GrantRow, current: &TokenSet) -> Result<TokenSet> {
    let client = GrantClient::load(lk, grant).await?;
    let creds = client.credentials();
    match grant.obtained_by {
        GrantKind::Browser | GrantKind::Device => {
            let oauth = client.oauth()?;
            let (new, _id_token) = match &current.dpop_key {
                // A bound grant refreshes with a proof of the same key (RFC 9449 §5).
                Some(kept) => {
                    let key = DpopKey::from_secret(kept)?;
                    let http = DpopHttp {
                        http: &client.http,
                        key: &key,
                    };
                    token::refresh(&http, &oauth, current, Some(&grant.resource)).await?
                }
                None => {
                    token::refresh(&client.http, &oauth, current, Some(&grant.resource)).await?
                }
            };
            Ok(new)
        }
        // Grants without a person ask again; a bound one proves the same key (RFC 9449 §5).
        kind => {
            let key = bound_key(current)?;
            let (http, md, scopes) = (&client.http, &client.metadata, &grant.requested_scopes);
            let new = match jwt_bearer_assertion(lk, grant, md, kind).await? {
                None => {
                    machine::client_credentials(
                        http,
                        md,
                        &creds,
                        scopes,
                        &grant.resource,
                        key.as_ref(),
                    )
                    .await?
                }
                Some(assertion) => {
                    machine::jwt_bearer(
                        http,
                        md,
                        &creds,
                        &assertion,
                        scopes,
                        &grant.resource,
                        key.as_ref(),
                    )
                    .await?
                }
            };
            Ok(keeps_key(new, current))
        }
    }
}

/// The assertion a JWT-bearer renewal sends: the workload's JWT as its file holds it now, or a
/// fresh identity assertion from the identity provider (the chain again). `None` for the
/// client credentials grant.
async fn jwt_bearer_assertion(
    lk: &Latchkey,
    grant: &GrantRow,
    md: &crate::oauth::metadata::AuthServerMetadata,
    kind: GrantKind,
) -> Result<Option<Secret>> {
    let missing = |what: &str| Error::Store(format!("this grant does not say {what}"));
    match kind {
        GrantKind::Workload => {
            let path = grant
                .workload_token_file
                .as_deref()
                .ok_or_else(|| missing("where its workload JWT is"))?;
            machine::read_workload_token(std::path::Path::new(path)).map(Some)
        }
        GrantKind::ViaIdp => {
            let issuer = grant
                .via_idp
                .as_deref()
                .ok_or_else(|| missing("which identity provider it came from"))?;
            let scopes = &grant.requested_scopes;
            crate::idp::assertion(lk, issuer, &md.issuer, &grant.resource, scopes)
                .await
                .map(Some)
        }
        _ => Ok(None),
    }
}

/// The DPoP key a grant's tokens are bound to, if they are.
fn bound_key(current: &TokenSet) -> Result<Option<DpopKey>> {
    current
        .dpop_key
        .as_ref()
        .map(DpopKey::from_secret)
        .transpose()
}

/// New tokens keep the grant's key: they were bound to it.
fn keeps_key(new: TokenSet, current: &TokenSet) -> TokenSet {
    TokenSet {
        dpop_key: current.dpop_key.clone(),
        ..new
    }
}

/// What a grant that needs a reconnect waits for: a person's sign-in, or (without a person)
/// new credentials.
fn waiting_error(server: &ServerRow, grant: &GrantRow) -> Error {
    match grant.obtained_by {
        GrantKind::Browser | GrantKind::Device => Error::NeedsReconnect(server.url.clone()),
        _ => credentials_refused(server, grant),
    }
}

/// What a grant without a person waits for since its credentials were refused.
fn credentials_refused(server: &ServerRow, grant: &GrantRow) -> Error {
    let reason = grant
        .status_reason
        .as_ref()
        .map_or_else(|| "refused".to_string(), ToString::to_string);
    Error::CredentialsRefused(match (grant.obtained_by, &grant.workload_token_file) {
        (GrantKind::Workload, Some(file)) => format!(
            "{}: the workload's JWT in {file} was refused ({reason}); Latchkey asks again once the file holds a new one",
            server.url
        ),
        (GrantKind::ViaIdp, _) => format!(
            "{}: the grant via the identity provider {} was refused ({reason}); sign in there again (`latchkey idp connect`), then `latchkey connect {} --via-idp ...`",
            server.url,
            grant.via_idp.as_deref().unwrap_or("?"),
            server.url
        ),
        _ => format!(
            "{}: the client's credentials were refused ({reason}); give new ones with `latchkey connect {} --client-credentials --client-id <ID> --client-secret-stdin` (or --private-key-file)",
            server.url, server.url
        ),
    })
}

/// A workload grant whose JWT was refused waits, without asking again with the same JWT (a
/// refused assertion stays refused), until its platform writes a new one to the file.
fn workload_token_renewed(grant: &GrantRow) -> bool {
    if grant.obtained_by != GrantKind::Workload {
        return false;
    }
    let modified = grant
        .workload_token_file
        .as_deref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    modified.is_some_and(|m| m > grant.updated_at)
}

fn handed(tokens: TokenSet, grant: GrantRow, server: ServerRow, refreshed: bool) -> Handed {
    Handed {
        access_token: tokens.access_token,
        expires_at: tokens.expires_at,
        scopes: tokens.scopes,
        grant,
        server,
        refreshed,
        dpop_key: tokens.dpop_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(obtained: i64, expires: i64) -> TokenSet {
        TokenSet {
            access_token: Secret::new("a"),
            refresh_token: None,
            expires_at: Some(expires),
            scopes: Default::default(),
            obtained_at: Some(obtained),
            owner: None,
            dpop_key: None,
        }
    }

    #[test]
    fn due_rows() {
        let rows = [
            ("hour token, fresh", set(0, 3600), 100, false),
            ("hour token, at 80%", set(0, 3600), 2880, true),
            ("hour token, before 80%", set(0, 3600), 2870, false),
            ("10 s token, half left", set(0, 10), 4, false),
            ("10 s token, under half", set(0, 10), 5, true),
            ("2 min token, a minute left", set(0, 120), 60, true),
            ("expired", set(0, 3600), 4000, true),
        ];
        for (name, tokens, at, want) in rows {
            assert_eq!(is_due(&tokens, at), want, "{name}");
        }
        let no_expiry = TokenSet {
            expires_at: None,
            ..set(0, 1)
        };
        assert!(!is_due(&no_expiry, 1_000_000));
    }
}
