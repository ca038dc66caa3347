//! A sign-in no person takes part in: the client credentials grant or a workload's JWT
//! (see [`super::machine`]). No browser, no registration (the client id is given), no refresh
//! token: the broker asks again whenever a token is due.
//!
//! Nothing is stored until the authorization server has issued a token: a wrong secret, key
//! or JWT leaves the home as it was.

use super::{ConnectOutcome, ConnectRequest, MachineSignIn, Progress, save_grant};
use crate::Secret;
use crate::context::{Latchkey, keys};
use crate::http::HttpClient;
use crate::oauth::challenge::BearerChallenge;
use crate::oauth::discovery::Discovered;
use crate::oauth::dpop::DpopKey;
use crate::oauth::machine;
use crate::oauth::registration;
use crate::oauth::scopes;
use crate::oauth::token::{ClientCredentials, TokenSet};
use crate::store::{GrantKind, RegistrationMethod, RegistrationRow, TokenAuthMethod};
use crate::{Error, Result};

#[allow(clippy::too_many_arguments)]
pub(super) async fn sign_in(
    lk: &Latchkey,
    http: &HttpClient,
    req: &ConnectRequest,
    machine: &MachineSignIn,
    canonical: &str,
    discovered: &Discovered,
    challenge: Option<&BearerChallenge>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ConnectOutcome> {
    let md = &discovered.auth_server;
    let kind = match machine {
        MachineSignIn::ClientCredentials => GrantKind::ClientCredentials,
        MachineSignIn::Workload { .. } => GrantKind::Workload,
        MachineSignIn::ViaIdp { .. } => GrantKind::ViaIdp,
    };
    machine::check_offered(md, kind)?;
    let client_id = req.client.client_id.as_deref().ok_or_else(|| {
        Error::InvalidInput(
            "a sign-in without a browser needs the client id the authorization server knows this client by (--client-id)".into(),
        )
    })?;
    // No `offline_access`: these grants get no refresh token; they are simply asked again.
    let wanted = scopes::select(
        &req.scopes,
        challenge.and_then(|c| c.scope.as_deref()),
        discovered.protected_resource.as_ref(),
    );
    let (auth_method, credential) = match (&req.client.private_key, &req.client.client_secret) {
        (Some(pem), _) => (TokenAuthMethod::PrivateKeyJwt, Some(pem.clone())),
        (None, Some(secret)) => (registration::secret_auth_method(md), Some(secret.clone())),
        (None, None) => (TokenAuthMethod::None, None),
    };
    if kind == GrantKind::ClientCredentials && credential.is_none() {
        return Err(Error::InvalidInput(
            "the client credentials grant needs the client's secret (--client-secret-stdin) or private key (--private-key-file)".into(),
        ));
    }
    progress(Progress::Registering {
        issuer: md.issuer.clone(),
    });
    let creds = ClientCredentials {
        client_id,
        client_secret: credential.as_ref(),
        auth_method,
        issuer: &md.issuer,
    };
    progress(Progress::RequestingToken {
        grant_type: machine::grant_type(kind),
    });
    // Bound to a key when both servers want it (RFC 9449), as for a browser sign-in.
    let bound = super::binds_to_a_key(discovered, challenge)
        .then(DpopKey::generate)
        .transpose()?;
    let key = bound.as_ref().map(|(key, _)| key);
    let resource = &discovered.resource;
    let (tokens, from) = match machine {
        MachineSignIn::ClientCredentials => (
            machine::client_credentials(http, md, &creds, &wanted, resource, key).await?,
            None,
        ),
        MachineSignIn::Workload { token_file } => {
            let jwt = machine::read_workload_token(token_file)?;
            let tokens =
                machine::jwt_bearer(http, md, &creds, &jwt, &wanted, resource, key).await?;
            (tokens, Some(token_file.display().to_string()))
        }
        MachineSignIn::ViaIdp { issuer } => {
            let assertion =
                crate::idp::assertion(lk, issuer, &md.issuer, resource, &wanted).await?;
            let tokens =
                machine::jwt_bearer(http, md, &creds, &assertion, &wanted, resource, key).await?;
            (tokens, Some(issuer.clone()))
        }
    };
    let tokens = TokenSet {
        dpop_key: bound.map(|(_, kept)| kept),
        ..tokens
    };

    // The server issued a token: now keep the server, the client and the grant.
    let server = {
        let store = lk.store();
        let server = store.upsert_server(canonical)?;
        store.set_server_discovery(server.id, &discovered.resource, &md.issuer)?;
        store.set_server_needs_sign_in(server.id, true)?;
        store.save_auth_server(&md.issuer, &serde_json::to_string(md).unwrap_or_default())?;
        server
    };
    let registration = keep_client(lk, &md.issuer, client_id, auth_method, credential).await?;
    let grant = save_grant(
        lk,
        &server,
        &registration,
        discovered,
        None,
        &wanted,
        &tokens,
        (kind, from),
    )
    .await?;
    let detail = format!(
        "{} for client {client_id}; scopes: {}",
        kind.as_str(),
        grant.scopes
    );
    super::connected(lk, server, grant, registration, tokens, &detail)
}

/// The pre-registered client these grants are made with: the stored one with the same id and
/// way of authenticating, or a new one. The secret or key given now replaces the stored one
/// (the person just gave it, and the server just accepted it).
async fn keep_client(
    lk: &Latchkey,
    issuer: &str,
    client_id: &str,
    auth_method: TokenAuthMethod,
    credential: Option<Secret>,
) -> Result<RegistrationRow> {
    let existing = lk.store().registrations_for(issuer)?.into_iter().find(|r| {
        r.method == RegistrationMethod::Preregistered
            && r.client_id == client_id
            && r.auth_method == auth_method
            && r.has_secret == credential.is_some()
            && r.redirect_uri.is_empty()
    });
    let (row, inserted) = match existing {
        Some(r) => (r, false),
        None => (
            lk.store().insert_registration(
                issuer,
                client_id,
                RegistrationMethod::Preregistered,
                auth_method,
                "",
                credential.is_some(),
            )?,
            true,
        ),
    };
    if let Some(secret) = credential
        && let Err(e) = lk.secrets.set(&keys::client_secret(row.id), secret).await
    {
        if inserted {
            let _ = lk.store().delete_registration(row.id);
        }
        return Err(e.into());
    }
    Ok(row)
}
