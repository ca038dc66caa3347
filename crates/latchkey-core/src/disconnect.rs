//! Revoke: tell the authorization server (RFC 7009) when it has an endpoint, then delete the
//! tokens locally. When the server cannot be reached nothing is deleted (say `--local` to drop
//! the local copy anyway).

use crate::audit::{self, Event};
use crate::broker;
use crate::context::{Latchkey, keys};
use crate::grant_client::GrantClient;
use crate::oauth::metadata::AuthServerMetadata;
use crate::oauth::revoke::{self, RevokeOutcome};
use crate::oauth::token;
use crate::store::{GrantRow, ServerRow, Store};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Revoked {
    AtServer,
    /// The server has no revocation endpoint: the server-side grant remains until it expires.
    LocallyOnly,
    /// `--local`: the server was not asked.
    LocalByRequest,
}

/// Whether Revoke tells the authorization server: its stored metadata names a revocation
/// endpoint (RFC 7009). What the app's revoke plan and detail view both say.
pub fn revokes_at_server(store: &Store, issuer: &str) -> Result<bool> {
    Ok(store
        .auth_server_metadata(issuer)?
        .and_then(|json| serde_json::from_str::<AuthServerMetadata>(&json).ok())
        .is_some_and(|md| md.revocation_endpoint.is_some()))
}

pub async fn revoke_server(lk: &Latchkey, server: &ServerRow, local_only: bool) -> Result<Revoked> {
    let grant = broker::default_grant(lk, server)?;
    revoke_grant(lk, server, grant, local_only).await
}

/// Revoke one account's grant (the app's per-account Revoke). Runs under the grant's lock
/// (and lease), like a refresh: a refresh in flight finishes first, and then its newest tokens
/// are the ones revoked.
pub async fn revoke_grant(
    lk: &Latchkey,
    server: &ServerRow,
    grant: GrantRow,
    local_only: bool,
) -> Result<Revoked> {
    let key = keys::grant_tokens(grant.id);
    let outcome = broker::with_grant_locked(lk, grant.id, || async {
        let stored = match lk.secrets.get(&key).await? {
            None => None,
            Some(secret) => {
                match token::TokenSet::from_secret_for(&secret, &broker::owner_of(lk, &grant)) {
                    Ok(tokens) => Some(tokens),
                    // Another home's tokens under this grant's name: never sent anywhere, and
                    // left where they are (they are not ours to delete).
                    Err(Error::ForeignTokens(_)) => {
                        lk.store().delete_grant(grant.id)?;
                        return Ok(Revoked::LocallyOnly);
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let outcome = match (local_only, stored) {
            (true, _) => Revoked::LocalByRequest,
            (false, None) => Revoked::LocallyOnly,
            (false, Some(tokens)) => {
                let client = GrantClient::load(lk, &grant).await?;
                match revoke::revoke(
                    &client.http,
                    &client.oauth()?,
                    &client.credentials(),
                    &tokens,
                )
                .await?
                {
                    RevokeOutcome::RevokedAtServer => Revoked::AtServer,
                    RevokeOutcome::NoEndpoint => Revoked::LocallyOnly,
                }
            }
        };
        lk.secrets.delete(&key).await?;
        lk.store().delete_grant(grant.id)?;
        Ok(outcome)
    })
    .await?;
    lk.secrets.drop_lease(&key).await?;
    let store = lk.store();
    let (event, detail) = match outcome {
        Revoked::AtServer => (Event::Revoked, "revoked at the authorization server"),
        Revoked::LocallyOnly => (
            Event::RevokedLocally,
            "no revocation endpoint: the server-side grant remains until it expires",
        ),
        Revoked::LocalByRequest => (
            Event::RevokedLocally,
            "removed locally on request; the server was not asked",
        ),
    };
    audit::record(&store, &server.url, Some(grant.id), event, Some(detail));
    Ok(outcome)
}
