//! Signing in at the company identity provider in the browser (OpenID Connect, code + PKCE,
//! loopback redirect or a pasted address), for an ID token to exchange for identity
//! assertions. The ID token and the refresh token are kept together in the secret store
//! (`idp/<registration id>`, tied to this home and provider); an ID token that is about to
//! expire is renewed with the refresh token, under a lock, so concurrent renewals via the
//! provider (the app, proxies) spend one rotation.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Secret;
use crate::context::{Latchkey, keys};
use crate::http::HttpClient;
use crate::oauth::authorize::{self, AuthorizationParams};
use crate::oauth::loopback::Loopback;
use crate::oauth::metadata::AuthServerMetadata;
use crate::oauth::pasted::PastedAddresses;
use crate::oauth::progress::Progress;
use crate::oauth::redirect;
use crate::oauth::token::{self, ClientCredentials, TokenSet};
use crate::protocol::Scopes;
use crate::store::RegistrationRow;
use crate::{Error, Result, home::lock};

/// An ID token this close to its expiry is renewed before it is exchanged.
const RENEW_WITHIN: i64 = 60;

/// How the browser sign-in reaches the person.
pub struct BrowserSignIn {
    /// Start the browser here; otherwise the address is shown (through `progress`).
    pub open_browser: bool,
    /// Addresses the person pastes (the browser's final address, from another machine).
    pub pasted: Option<PastedAddresses>,
}

/// What is kept of the sign-in: the ID token, and what renews it.
#[derive(Serialize, Deserialize)]
struct KeptSignIn {
    id_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<Secret>,
    /// Whose it is: this home and this provider (checked on read, as a grant's tokens are).
    installation: String,
    issuer: String,
}

/// The provider's client as Latchkey uses it.
pub(super) struct IdpClient<'a> {
    pub http: &'a HttpClient,
    pub md: &'a AuthServerMetadata,
    pub registration: &'a RegistrationRow,
    pub secret: Option<&'a Secret>,
}

impl IdpClient<'_> {
    fn oauth(&self, redirect_uri: Option<&str>) -> Result<token::OAuthClient> {
        token::client(
            self.md,
            &ClientCredentials {
                client_id: &self.registration.client_id,
                client_secret: self.secret,
                auth_method: self.registration.auth_method,
                issuer: &self.md.issuer,
            },
            redirect_uri,
        )
    }
}

/// Sign in at the provider and keep the ID token (with a refresh token when the provider
/// gives one for `offline_access`).
pub(super) async fn sign_in(
    lk: &Latchkey,
    client: &IdpClient<'_>,
    how: BrowserSignIn,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<()> {
    let md = client.md;
    md.check_pkce()?;
    let offline = md
        .scopes_supported
        .as_ref()
        .is_none_or(|s| s.iter().any(|s| s == "offline_access"));
    let scopes: Scopes = std::iter::once("openid")
        .chain(offline.then_some("offline_access"))
        .collect();
    let listener = Loopback::bind(0).await?;
    let pending = authorize::build(AuthorizationParams {
        authorization_endpoint: &md.authorization_endpoint,
        client_id: &client.registration.client_id,
        redirect_uri: &listener.redirect_uri(),
        scopes: &scopes,
        resource: None,
        issuer: &md.issuer,
        iss_required: md.authorization_response_iss_parameter_supported == Some(true),
        // A refresh token for offline_access needs the person's consent (OpenID Connect §11).
        prompt: offline.then_some("consent"),
    })?;
    progress(Progress::WaitingForBrowser {
        url: pending.url.to_string(),
        device_offered: false,
    });
    let refused = |why: String| progress(Progress::PastedRefused { why });
    let waiting = redirect::Waiting {
        open_browser: how.open_browser,
        pasted: how.pasted.as_ref(),
        timeout: None,
    };
    let code = redirect::code(&pending, listener, waiting, &refused).await?;
    progress(Progress::Exchanging);
    let oauth = client.oauth(Some(&pending.redirect_uri))?;
    let (tokens, id_token) =
        token::exchange_code(client.http, &oauth, code, pending.verifier, None, &scopes).await?;
    let id_token = id_token.ok_or_else(|| {
        Error::Authorization(format!(
            "{} signed in but gave no ID token: is it an OpenID Connect provider, and does the client allow the openid scope?",
            md.issuer
        ))
    })?;
    keep(lk, client, id_token, tokens.refresh_token).await
}

/// The provider's current ID token, renewed first when it is about to expire.
pub(super) async fn id_token(lk: &Latchkey, client: &IdpClient<'_>) -> Result<Secret> {
    let kept = read(lk, client).await?;
    if !expiring(&kept.id_token) {
        return Ok(kept.id_token);
    }
    // One renewal at a time across processes; whoever waited reads what the first one kept.
    let path = lock::lock_path(
        &lk.home.locks_dir(),
        &format!("idp-{}", client.registration.id),
    );
    let (_guard, waited) = lock::acquire(&path, Duration::from_secs(60)).await?;
    let kept = match waited {
        true => read(lk, client).await?,
        false => kept,
    };
    if !expiring(&kept.id_token) {
        return Ok(kept.id_token);
    }
    let Some(refresh_token) = kept.refresh_token else {
        return Err(sign_in_again(
            client.md,
            "its ID token expired and there is no refresh token",
        ));
    };
    let current = TokenSet {
        access_token: Secret::new(""),
        refresh_token: Some(refresh_token),
        expires_at: None,
        scopes: Default::default(),
        obtained_at: None,
        owner: None,
        dpop_key: None,
    };
    let (renewed, id_token) = token::refresh(client.http, &client.oauth(None)?, &current, None)
        .await
        .map_err(|e| match e.oauth_code() {
            Some("invalid_grant") => sign_in_again(client.md, "it refused the refresh token"),
            _ => e,
        })?;
    let id_token =
        id_token.ok_or_else(|| sign_in_again(client.md, "its refresh gave no new ID token"))?;
    keep(lk, client, id_token.clone(), renewed.refresh_token).await?;
    Ok(id_token)
}

/// Forget what the sign-in kept.
pub(super) async fn forget(lk: &Latchkey, registration_id: i64) {
    let _ = lk.secrets.delete(&keys::idp_sign_in(registration_id)).await;
}

async fn keep(
    lk: &Latchkey,
    client: &IdpClient<'_>,
    id_token: Secret,
    refresh_token: Option<Secret>,
) -> Result<()> {
    let kept = KeptSignIn {
        id_token,
        refresh_token,
        installation: lk.home.installation_id().to_string(),
        issuer: client.md.issuer.clone(),
    };
    let json = serde_json::to_string(&kept).expect("the sign-in serialises");
    lk.secrets
        .set(
            &keys::idp_sign_in(client.registration.id),
            Secret::new(json),
        )
        .await?;
    Ok(())
}

async fn read(lk: &Latchkey, client: &IdpClient<'_>) -> Result<KeptSignIn> {
    let issuer = &client.md.issuer;
    let item = lk
        .secrets
        .get(&keys::idp_sign_in(client.registration.id))
        .await?
        .ok_or_else(|| sign_in_again(client.md, "its sign-in is not in the secret store"))?;
    let kept: KeptSignIn = serde_json::from_str(item.expose()).map_err(|_| {
        Error::Store(format!(
            "the secret store's item for the identity provider {issuer} is not in Latchkey's format"
        ))
    })?;
    if kept.installation != lk.home.installation_id() || &kept.issuer != issuer {
        return Err(Error::ForeignTokens(format!(
            "the secret store holds, under the identity provider {issuer}'s name, a sign-in of another home or provider; it was not used. Sign in again (`latchkey idp connect {issuer} ...`)"
        )));
    }
    Ok(kept)
}

/// Whether the ID token expires within [`RENEW_WITHIN`] (or says nothing readable about it).
fn expiring(id_token: &Secret) -> bool {
    match token::jwt_expiry(id_token) {
        Some(exp) => exp - crate::time::now() <= RENEW_WITHIN,
        None => false,
    }
}

fn sign_in_again(md: &AuthServerMetadata, why: &str) -> Error {
    Error::CredentialsRefused(format!(
        "the identity provider {} needs a new sign-in ({why}): run `latchkey idp connect {} --client-id <ID>`",
        md.issuer, md.issuer
    ))
}
