//! Revoke: tell the authorization server (RFC 7009) when it has an endpoint, then delete the
//! tokens locally. When the server cannot be reached nothing is deleted (say `--local` to drop
//! the local copy anyway).

use crate::Result;
use crate::audit::{self, Event};
use crate::broker;
use crate::context::{Latchkey, keys};
use crate::grant_client::GrantClient;
use crate::oauth::metadata::AuthServerMetadata;
use crate::oauth::revoke::{self, RevokeOutcome};
use crate::oauth::token;
use crate::store::{GrantRow, ServerRow, Store};

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

/// Revoke one account's grant (the app's per-account Revoke).
pub async fn revoke_grant(
    lk: &Latchkey,
    server: &ServerRow,
    grant: GrantRow,
    local_only: bool,
) -> Result<Revoked> {
    let outcome = if local_only {
        Revoked::LocalByRequest
    } else {
        match lk.secrets.get(&keys::grant_tokens(grant.id)).await? {
            None => Revoked::LocallyOnly,
            Some(secret) => {
                let tokens = token::TokenSet::from_secret(&secret)?;
                let client = GrantClient::load(lk, &grant).await?;
                match revoke::revoke(&lk.http, &client.oauth()?, &client.credentials(), &tokens)
                    .await?
                {
                    RevokeOutcome::RevokedAtServer => Revoked::AtServer,
                    RevokeOutcome::NoEndpoint => Revoked::LocallyOnly,
                }
            }
        }
    };
    lk.secrets.delete(&keys::grant_tokens(grant.id)).await?;
    lk.secrets.drop_lease(&keys::grant_tokens(grant.id)).await?;
    let store = lk.store();
    store.delete_grant(grant.id)?;
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
