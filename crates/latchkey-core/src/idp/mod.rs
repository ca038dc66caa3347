//! Company identity providers, for enterprise-managed authorization (SEP-990, "cross-app
//! access"): sign in once at the provider, then get each MCP server's token from an identity
//! assertion (ID-JAG) the provider issues by token exchange, with no browser per server.
//!
//! `latchkey idp connect` keeps the provider: its metadata, Latchkey's client there (a
//! registration row; the secret in the secret store) and where its ID token comes from: a
//! sign-in in the browser ([`browser`]: the ID token and refresh token in the secret store), or
//! a file that single sign-on set up elsewhere writes (read again at every use, as it is
//! renewed there). `latchkey connect <url> --via-idp <issuer>` and every renewal then call
//! [`assertion`].

mod browser;

use std::path::{Path, PathBuf};

pub use browser::BrowserSignIn;

use crate::Secret;
use crate::context::{Latchkey, keys};
use crate::oauth::metadata::AuthServerMetadata;
use crate::oauth::progress::Progress;
use crate::oauth::registration::{self, ClientOptions};
use crate::oauth::token::ClientCredentials;
use crate::oauth::{discovery, machine, token_exchange};
use crate::protocol::Scopes;
use crate::store::{IdpRow, NewRegistration, ReconnectReason, RegistrationMethod, TokenAuthMethod};
use crate::{Error, Result, audit, url_policy};

/// Where the person's ID token at the provider comes from.
pub enum IdTokenSource {
    /// A sign-in in the browser now (OpenID Connect, code + PKCE); kept and renewed by Latchkey.
    Browser(BrowserSignIn),
    /// A file single sign-on set up elsewhere keeps current; read at every use.
    File(PathBuf),
}

/// Keep the identity provider `issuer` with the client `client` has there, and its ID token
/// (a sign-in in the browser, or a file that must hold a JWT now). Nothing is kept when the
/// sign-in fails or the file does not hold one.
pub async fn connect(
    lk: &Latchkey,
    issuer: &str,
    client: &ClientOptions,
    source: IdTokenSource,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<IdpRow> {
    let client_id = client.client_id.as_deref().ok_or_else(|| {
        Error::InvalidInput(
            "give the client id Latchkey has at the identity provider (--client-id)".into(),
        )
    })?;
    let issuer_url = url_policy::parse_server_url(issuer)?;
    let http = lk.http.for_server(&issuer_url).await?;
    let md = discovery::metadata_for_issuer(&http, issuer).await?;
    if let IdTokenSource::File(file) = &source {
        machine::read_jwt_file(file, "ID token")?;
    }
    let auth_method = match client.client_secret {
        Some(_) => registration::secret_auth_method(&md),
        None => TokenAuthMethod::None,
    };
    lk.store()
        .save_auth_server(&md.issuer, &serde_json::to_string(&md).unwrap_or_default())?;
    let new = NewRegistration {
        issuer: &md.issuer,
        client_id,
        method: RegistrationMethod::Preregistered,
        auth_method,
        redirect_uri: "",
    };
    let registration = lk
        .keep_registration(new, client.client_secret.as_ref())
        .await?;
    let id_token_file = match source {
        IdTokenSource::File(file) => Some(file.display().to_string()),
        IdTokenSource::Browser(how) => {
            let client = browser::IdpClient {
                http: &http,
                md: &md,
                registration: &registration,
                secret: client.client_secret.as_ref(),
            };
            if let Err(e) = browser::sign_in(lk, &client, how, progress).await {
                let _ = lk.store().delete_registration(registration.id);
                forget_client_secrets(lk, registration.id).await;
                return Err(e);
            }
            None
        }
    };
    let (row, previous) = {
        let store = lk.store();
        let previous = store.idp(&md.issuer)?;
        let row = store.upsert_idp(&md.issuer, registration.id, id_token_file.as_deref())?;
        (row, previous)
    };
    // The client it replaces is no longer used by anything.
    if let Some(old) = previous
        && old.registration_id != registration.id
    {
        let _ = lk.store().delete_registration(old.registration_id);
        forget_client_secrets(lk, old.registration_id).await;
    }
    Ok(row)
}

/// What the secret store keeps for a provider's client: its secret and its browser sign-in.
async fn forget_client_secrets(lk: &Latchkey, registration_id: i64) {
    let _ = lk
        .secrets
        .delete(&keys::client_secret(registration_id))
        .await;
    browser::forget(lk, registration_id).await;
}

/// An identity assertion from the provider `issuer` for the MCP authorization server
/// `audience` and the MCP server `resource`, made now from the provider's current ID token.
pub async fn assertion(
    lk: &Latchkey,
    issuer: &str,
    audience: &str,
    resource: &str,
    scopes: &Scopes,
) -> Result<Secret> {
    let (row, registration, md) = {
        let store = lk.store();
        let row = store.idp(issuer)?.ok_or_else(|| not_connected(issuer))?;
        let registration = store
            .registration(row.registration_id)?
            .ok_or_else(|| not_connected(issuer))?;
        let md = store
            .auth_server_metadata(issuer)?
            .and_then(|json| serde_json::from_str::<AuthServerMetadata>(&json).ok())
            .ok_or_else(|| not_connected(issuer))?;
        (row, registration, md)
    };
    let secret = match registration.has_secret {
        true => {
            lk.secrets
                .get(&keys::client_secret(registration.id))
                .await?
        }
        false => None,
    };
    let creds = ClientCredentials {
        client_id: &registration.client_id,
        client_secret: secret.as_ref(),
        auth_method: registration.auth_method,
        issuer: &md.issuer,
    };
    let http = lk
        .http
        .for_server(&url_policy::parse_server_url(issuer)?)
        .await?;
    let id_token = match row.id_token_file.as_deref() {
        Some(file) => machine::read_jwt_file(Path::new(file), "ID token")?,
        None => {
            let client = browser::IdpClient {
                http: &http,
                md: &md,
                registration: &registration,
                secret: secret.as_ref(),
            };
            browser::id_token(lk, &client).await?
        }
    };
    token_exchange::id_jag(&http, &md, &creds, &id_token, audience, resource, scopes).await
}

/// Forget the provider: every grant obtained via it waits for a reconnect (its next renewal
/// could not be made). The number of such grants.
pub async fn forget(lk: &Latchkey, issuer: &str) -> Result<usize> {
    let (row, dependents) = {
        let store = lk.store();
        let row = store.idp(issuer)?.ok_or_else(|| not_connected(issuer))?;
        (row, store.grants_via_idp(issuer)?)
    };
    for grant in &dependents {
        let reason = ReconnectReason::IdpRemoved {
            issuer: issuer.to_string(),
        };
        let store = lk.store();
        store.set_needs_reconnect(grant.id, &reason)?;
        if let Some(server) = store.server_by_id(grant.server_id)? {
            audit::record(
                &store,
                &server.url,
                Some(grant.id),
                audit::Event::NeedsReconnect,
                Some(&reason.to_string()),
            );
        }
    }
    {
        let store = lk.store();
        store.delete_idp(issuer)?;
        store.delete_registration(row.registration_id)?;
    }
    forget_client_secrets(lk, row.registration_id).await;
    Ok(dependents.len())
}

fn not_connected(issuer: &str) -> Error {
    Error::InvalidInput(format!(
        "Latchkey is not signed in to the identity provider {issuer}: run `latchkey idp connect {issuer} --client-id <ID>` first"
    ))
}
