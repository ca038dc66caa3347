//! A whole sign-in: probe, discover, register, authorize in the browser, exchange the code, and
//! store the grant (metadata in SQLite, tokens in the keychain).

mod machine;

use std::time::Duration;

use url::Url;

use crate::Secret;
use crate::audit::{self, Event};
use crate::context::{Latchkey, keys};
use crate::http::HttpClient;
use crate::oauth::authorize::{self, AuthorizationParams};
use crate::oauth::challenge::BearerChallenge;
use crate::oauth::device::{self, DeviceCode};
use crate::oauth::discovery::{self, Discovered};
use crate::oauth::dpop::{DpopHttp, DpopKey};
use crate::oauth::loopback::Loopback;
use crate::oauth::pasted::PastedAddresses;
use crate::oauth::probe::{self, Probe};
use crate::oauth::redirect;
use crate::oauth::registration::{self, ClientOptions};
use crate::oauth::scopes::{self, Scopes};
use crate::oauth::token::{self, ClientCredentials, TokenSet};
use crate::oauth::userinfo;
use crate::store::{
    GrantKind, GrantRow, NewGrant, NewRegistration, RegistrationMethod, RegistrationRow, ServerRow,
};
use crate::{Error, Result, home::lock, url_policy};

#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    pub server_url: String,
    /// `--scope` flags; empty means "choose" (challenge, else `scopes_supported`, else none).
    pub scopes: Scopes,
    pub client: ClientOptions,
    /// Open the browser (`$BROWSER` or the desktop default); else only report the URL.
    pub open_browser: bool,
    /// A challenge already received (the proxy's 401/403), so the server is not probed again.
    pub challenge: Option<BearerChallenge>,
    pub timeout: Option<Duration>,
    /// Sign in as another account: ask the server to show its login (`prompt=login`).
    pub another_account: bool,
    /// A grant no person takes part in (no browser), instead of the authorization code.
    pub machine: Option<MachineSignIn>,
    /// Addresses the person pastes (the browser's final address, from a browser on another
    /// machine), taken as well as the loopback redirect.
    pub pasted: Option<PastedAddresses>,
    /// Sign in with a code entered on another device (RFC 8628) instead of a redirect.
    pub device: bool,
    /// Where no browser can open (no display, or the browser fails to start), sign in with a
    /// code instead when the server offers it: the app, which has no terminal to paste into.
    pub device_if_no_browser: bool,
}

/// A sign-in without a person: what the grant is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineSignIn {
    /// The client credentials grant, with `ClientOptions`' secret or private key.
    ClientCredentials,
    /// The JWT-bearer grant with the workload's JWT, read from this file now and at every
    /// renewal (its platform rotates it).
    Workload { token_file: std::path::PathBuf },
    /// The JWT-bearer grant with an identity assertion (ID-JAG) from this company identity
    /// provider (`latchkey idp connect`), made again at every renewal.
    ViaIdp { issuer: String },
}

pub use crate::oauth::progress::Progress;

#[derive(Debug)]
pub struct Connected {
    pub server: ServerRow,
    pub grant: GrantRow,
    pub registration: RegistrationRow,
    pub tokens: TokenSet,
}

#[derive(Debug)]
pub enum ConnectOutcome {
    Connected(Box<Connected>),
    /// The server answered without asking for a token.
    NoSignInNeeded,
}

/// The scopes a sign-in after a 403 `insufficient_scope` asks for: the ones the server's grant
/// holds and the ones the challenge names, so a step-up never loses what was granted (MCP
/// authorization, scope challenge handling). Every caller that steps up asks this.
pub fn step_up_scopes(lk: &Latchkey, server_url: &str, challenge: &BearerChallenge) -> Scopes {
    let held = lk
        .find_server(server_url)
        .and_then(|s| crate::broker::default_grant(lk, &s))
        .map(|g| g.scopes)
        .unwrap_or_default();
    held.union(challenge.scope.as_deref().unwrap_or_default())
}

/// Sign in to `req.server_url`. One sign-in per server at a time across the app, the CLI and
/// every proxy: a lock keyed by the server's canonical URL. Whoever waited for another
/// sign-in of the same server uses the grant it got (when it covers the scopes asked for),
/// so several clients needing a sign-in at once open one browser tab.
pub async fn connect(
    lk: &Latchkey,
    req: ConnectRequest,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ConnectOutcome> {
    let canonical = url_policy::canonical_resource(&req.server_url)?;
    let started = crate::time::now();
    let lock_path = lock::lock_path(&lk.home.locks_dir(), &format!("signin-{canonical}"));
    let wait = req
        .timeout
        .unwrap_or_else(crate::oauth::loopback::timeout_from_env)
        + Duration::from_secs(60);
    let (_guard, waited) = lock::acquire(&lock_path, wait).await?;
    if waited
        && !req.another_account
        && let Some(theirs) = grant_just_made(lk, &canonical, &req.scopes, started).await?
    {
        return Ok(ConnectOutcome::Connected(Box::new(theirs)));
    }
    sign_in(lk, req, progress).await
}

/// The grant another sign-in of this server finished while we waited: active, written since
/// `since`, with every scope in `wanted`.
async fn grant_just_made(
    lk: &Latchkey,
    canonical: &str,
    wanted: &Scopes,
    since: i64,
) -> Result<Option<Connected>> {
    let found = {
        let store = lk.store();
        let Some(server) = store.server_by_url(canonical)? else {
            return Ok(None);
        };
        let grant = store.grants_for_server(server.id)?.into_iter().find(|g| {
            g.status == crate::store::GrantStatus::Active
                && g.updated_at >= since
                && g.scopes.covers(wanted)
        });
        match grant {
            Some(g) => match store.registration(g.registration_id)? {
                Some(r) => (server, g, r),
                None => return Ok(None),
            },
            None => return Ok(None),
        }
    };
    let (server, grant, registration) = found;
    let tokens = crate::broker::read_tokens(lk, &grant, &server).await?;
    Ok(Some(Connected {
        server,
        grant,
        registration,
        tokens,
    }))
}

/// [`connect`] once the server's sign-in lock is held.
async fn sign_in(
    lk: &Latchkey,
    req: ConnectRequest,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ConnectOutcome> {
    let server_url = url_policy::parse_server_url(&req.server_url)?;
    let canonical = url_policy::canonical_resource(&req.server_url)?;
    // Every call on this server's behalf: a public server's endpoints must be public too.
    let http = lk.http.for_server(&server_url).await?;
    progress(Progress::Discovering);
    let challenge = match req.challenge.clone() {
        Some(c) => Some(c),
        None => match probe::probe(&http, &server_url).await? {
            Probe::Challenge(c) => Some(c),
            Probe::Open if req.client.client_id.is_none() && req.scopes.is_empty() => {
                let store = lk.store();
                let server = store.upsert_server(&canonical)?;
                store.set_server_needs_sign_in(server.id, false)?;
                return Ok(ConnectOutcome::NoSignInNeeded);
            }
            _ => None,
        },
    };
    let discovered =
        discovery::discover(&http, &server_url, &canonical, challenge.as_ref()).await?;
    let req = ConnectRequest {
        challenge: challenge.clone(),
        ..req
    };
    if let Some(machine) = &req.machine {
        return machine::sign_in(
            lk,
            &http,
            &req,
            machine,
            &canonical,
            &discovered,
            challenge.as_ref(),
            progress,
        )
        .await;
    }
    if req.device {
        device::offered(&discovered.auth_server).ok_or_else(|| {
            Error::Discovery(format!(
                "the authorization server {} does not offer sign-in with a code (RFC 8628); use --no-browser and paste the address instead",
                discovered.auth_server.issuer
            ))
        })?;
    }
    discovered.auth_server.check_pkce()?;
    let md = &discovered.auth_server;
    let wanted = scopes::with_offline_access(
        scopes::select(
            &req.scopes,
            challenge.as_ref().and_then(|c| c.scope.as_deref()),
            discovered.protected_resource.as_ref(),
        ),
        md,
    );

    let server = {
        let store = lk.store();
        let server = store.upsert_server(&canonical)?;
        store.set_server_discovery(server.id, &discovered.resource, &md.issuer)?;
        store.set_server_needs_sign_in(server.id, true)?;
        store.save_auth_server(&md.issuer, &serde_json::to_string(md).unwrap_or_default())?;
        server
    };

    progress(Progress::Registering {
        issuer: md.issuer.clone(),
    });
    // An authorization server that forgot Latchkey's registration answers `invalid_client`:
    // drop that registration and register again, once.
    let mut retried = false;
    let code_offered = device::offered(md).is_some();
    let mut device = req.device
        || (req.device_if_no_browser && code_offered && crate::browser::no_display().is_some());
    let (registration, tokens, id_token) = loop {
        let (registration, client_secret, listener) =
            registration_for(lk, &http, &discovered, &req.client).await?;
        let client = (&registration, client_secret.as_ref());
        let outcome = match device {
            true => device_and_exchange(&http, &req, &discovered, &wanted, client, progress).await,
            false => {
                authorize_and_exchange(
                    &http,
                    &req,
                    &discovered,
                    &wanted,
                    client,
                    listener,
                    progress,
                )
                .await
            }
        };
        match outcome {
            Ok((tokens, id_token)) => break (registration, tokens, id_token),
            Err(Error::BrowserFailed(why))
                if !device && req.device_if_no_browser && code_offered =>
            {
                tracing::info!("the browser did not open ({why}); signing in with a code instead");
                device = true;
            }
            // A registration made before Latchkey asked for the device grant is refused it.
            Err(e)
                if !retried
                    && (e.oauth_code() == Some("invalid_client")
                        || (device && e.oauth_code() == Some("unauthorized_client")))
                    && registration.method.registered_by_latchkey() =>
            {
                tracing::warn!(
                    "{} no longer knows Latchkey's registration; registering again",
                    md.issuer
                );
                lk.store().mark_registration_rejected(registration.id)?;
                retried = true;
            }
            Err(e) => return Err(e),
        }
    };
    let account = match id_token.as_ref().and_then(token::account_from_id_token) {
        Some(a) => Some(a),
        None => userinfo::account(&http, md, &tokens, &server_url).await,
    };
    let grant = save_grant(
        lk,
        &server,
        &registration,
        &discovered,
        account,
        &wanted,
        &tokens,
        (
            match device {
                true => GrantKind::Device,
                false => GrantKind::Browser,
            },
            None,
        ),
    )
    .await?;
    let detail = format!("scopes: {}", grant.scopes);
    connected(lk, server, grant, registration, tokens, &detail)
}

/// A sign-in's end, whatever made the grant: the history says so (`detail`), the server no
/// longer waits for a sign-in, and the outcome carries the server as it is now.
pub(super) fn connected(
    lk: &Latchkey,
    server: ServerRow,
    grant: GrantRow,
    registration: RegistrationRow,
    tokens: TokenSet,
    detail: &str,
) -> Result<ConnectOutcome> {
    audit::record(
        &lk.store(),
        &server.url,
        Some(grant.id),
        Event::Connected,
        Some(detail),
    );
    lk.store().set_sign_in_wanted(server.id, false)?;
    let server = lk.store().server_by_id(server.id)?.unwrap_or(server);
    Ok(ConnectOutcome::Connected(Box::new(Connected {
        server,
        grant,
        registration,
        tokens,
    })))
}

/// The browser half of a sign-in with one registration: the authorization request, the
/// redirect, and the code exchange. The tokens and the ID token, if any.
async fn authorize_and_exchange(
    http: &HttpClient,
    req: &ConnectRequest,
    discovered: &Discovered,
    wanted: &Scopes,
    (registration, client_secret): (&RegistrationRow, Option<&Secret>),
    listener: Loopback,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(TokenSet, Option<Secret>)> {
    let md = &discovered.auth_server;
    let pending = authorize::build(AuthorizationParams {
        authorization_endpoint: &md.authorization_endpoint,
        client_id: &registration.client_id,
        redirect_uri: &listener.redirect_uri(),
        scopes: wanted,
        resource: Some(&discovered.resource),
        issuer: &md.issuer,
        iss_required: md.authorization_response_iss_parameter_supported == Some(true),
        prompt: req.another_account.then_some("login"),
    })?;
    progress(Progress::WaitingForBrowser {
        url: pending.url.to_string(),
        device_offered: device::offered(md).is_some(),
    });
    // The same redirect may be pasted by the person when the browser is on another machine.
    let refused = |why: String| progress(Progress::PastedRefused { why });
    let waiting = redirect::Waiting {
        open_browser: req.open_browser,
        pasted: req.pasted.as_ref(),
        timeout: req.timeout,
    };
    let code = redirect::code(&pending, listener, waiting, &refused).await?;

    progress(Progress::Exchanging);
    let creds = ClientCredentials {
        client_id: &registration.client_id,
        client_secret,
        auth_method: registration.auth_method,
        issuer: &md.issuer,
    };
    let oauth = token::client(md, &creds, Some(&pending.redirect_uri))?;
    if !binds_to_a_key(discovered, req.challenge.as_ref()) {
        return token::exchange_code(
            http,
            &oauth,
            code,
            pending.verifier,
            Some(&discovered.resource),
            wanted,
        )
        .await;
    }
    // The server binds tokens to a key (RFC 9449): a new key for this grant, a proof with the
    // code exchange, and the key kept with the tokens.
    let (key, kept) = DpopKey::generate()?;
    let (tokens, id_token) = token::exchange_code(
        &DpopHttp { http, key: &key },
        &oauth,
        code,
        pending.verifier,
        Some(&discovered.resource),
        wanted,
    )
    .await?;
    Ok((
        TokenSet {
            dpop_key: Some(kept),
            ..tokens
        },
        id_token,
    ))
}

/// The sign-in with a code (RFC 8628): the code is shown through `progress`, the person
/// approves on any device, and the token endpoint is polled as the server asks.
async fn device_and_exchange(
    http: &HttpClient,
    req: &ConnectRequest,
    discovered: &Discovered,
    wanted: &Scopes,
    (registration, client_secret): (&RegistrationRow, Option<&Secret>),
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(TokenSet, Option<Secret>)> {
    let md = &discovered.auth_server;
    let creds = ClientCredentials {
        client_id: &registration.client_id,
        client_secret,
        auth_method: registration.auth_method,
        issuer: &md.issuer,
    };
    let oauth = token::client(md, &creds, None)?;
    let show = |code: DeviceCode| progress(Progress::DeviceCode { code });
    let resource = &discovered.resource;
    if !binds_to_a_key(discovered, req.challenge.as_ref()) {
        let tokens = device::sign_in(http, http, &oauth, md, wanted, resource, show).await?;
        return Ok((tokens, None));
    }
    let (key, kept) = DpopKey::generate()?;
    let bound = DpopHttp { http, key: &key };
    let tokens = device::sign_in(http, &bound, &oauth, md, wanted, resource, show).await?;
    Ok((
        TokenSet {
            dpop_key: Some(kept),
            ..tokens
        },
        None,
    ))
}

/// Whether to ask for DPoP-bound tokens (RFC 9449): the authorization server must offer them
/// (ES256 among `dpop_signing_alg_values_supported`) and the MCP server must take them (its
/// challenge is `DPoP`, or its protected-resource metadata says so). An authorization server
/// offering DPoP is not enough: oidc-provider, for one, offers it by default, and a DPoP-bound
/// token is refused by every resource server that only knows `Bearer`.
pub(super) fn binds_to_a_key(discovered: &Discovered, challenge: Option<&BearerChallenge>) -> bool {
    discovered.auth_server.offers_dpop()
        && (challenge.is_some_and(|c| c.dpop)
            || discovered
                .protected_resource
                .as_ref()
                .is_some_and(|p| p.takes_dpop()))
}

/// Reuse a stored registration for this issuer when it fits (same way of registering, same
/// client id when one was given, and its redirect port is free); else register anew.
/// Registration state is per issuer: a client id is never sent to another authorization server.
async fn registration_for(
    lk: &Latchkey,
    http: &HttpClient,
    discovered: &Discovered,
    options: &ClientOptions,
) -> Result<(RegistrationRow, Option<Secret>, Loopback)> {
    let md = &discovered.auth_server;
    let method = registration::choose(md, options, discovered.legacy)?;
    let stored = lk.store().registrations_for(&md.issuer)?;
    // Clients kept for grants without a browser have no redirect URI: not for this sign-in.
    for reg in stored
        .into_iter()
        .filter(|r| r.method == method && !r.redirect_uri.is_empty())
    {
        let same_client = match method {
            RegistrationMethod::Preregistered => {
                options.client_id.as_deref() == Some(reg.client_id.as_str())
            }
            RegistrationMethod::MetadataDocument => {
                options.client_metadata_url.as_deref() == Some(reg.client_id.as_str())
            }
            _ => true,
        };
        if !same_client {
            continue;
        }
        // A pre-registered client may come with a new secret: take the one given now.
        if method == RegistrationMethod::Preregistered
            && options.client_secret.is_some() != reg.has_secret
        {
            continue;
        }
        let port = Url::parse(&reg.redirect_uri)
            .ok()
            .and_then(|u| u.port())
            .unwrap_or(0);
        let Ok(listener) = Loopback::bind(port).await else {
            continue;
        };
        let secret = match (&options.client_secret, reg.has_secret) {
            (Some(s), _) => Some(s.clone()),
            (None, true) => lk.secrets.get(&keys::client_secret(reg.id)).await?,
            (None, false) => None,
        };
        if reg.has_secret && secret.is_none() {
            continue; // its secret is gone from the keychain: register again
        }
        return Ok((reg, secret, listener));
    }
    let listener = Loopback::bind(0).await?;
    let redirect_uri = listener.redirect_uri();
    let client =
        registration::register(http, md, options, &redirect_uri, discovered.legacy).await?;
    let new = NewRegistration {
        issuer: &md.issuer,
        client_id: &client.client_id,
        method: client.method,
        auth_method: client.auth_method,
        redirect_uri: &redirect_uri,
    };
    let row = lk
        .keep_registration(new, client.client_secret.as_ref())
        .await?;
    Ok((row, client.client_secret, listener))
}

/// Store the grant: the tokens go to the keychain, the metadata to SQLite. A new sign-in for an
/// account the server already has replaces that grant; another account adds one. `how`: how
/// it was obtained, and where from (a workload's JWT file, or the identity provider's issuer).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn save_grant(
    lk: &Latchkey,
    server: &ServerRow,
    registration: &RegistrationRow,
    discovered: &Discovered,
    account: Option<String>,
    requested: &Scopes,
    tokens: &TokenSet,
    how: (GrantKind, Option<String>),
) -> Result<GrantRow> {
    let new = NewGrant {
        server_id: server.id,
        registration_id: registration.id,
        issuer: discovered.auth_server.issuer.clone(),
        resource: discovered.resource.clone(),
        account: account.clone(),
        scopes: tokens.scopes.clone(),
        requested_scopes: requested.clone(),
        access_expires_at: tokens.expires_at,
        has_refresh_token: tokens.refresh_token.is_some(),
        obtained_by: how.0,
        workload_token_file: how.1.clone().filter(|_| how.0 == GrantKind::Workload),
        via_idp: how.1.filter(|_| how.0 == GrantKind::ViaIdp),
        dpop_bound: tokens.dpop_key.is_some(),
    };
    let existing = lk
        .store()
        .grants_for_server(server.id)?
        .into_iter()
        .find(|g| g.account == account || (account.is_none() || g.account.is_none()));
    match existing {
        // Replacing a grant's tokens happens under its lock (and lease), like a refresh: a
        // refresh of the old lineage in flight finishes first, and never writes over these.
        Some(old) => {
            crate::broker::with_grant_locked(lk, old.id, || async {
                let owned = tokens
                    .clone()
                    .owned_by(crate::broker::owner_of(lk, &old_with(&old, &new)));
                lk.secrets
                    .set(&keys::grant_tokens(old.id), owned.to_secret())
                    .await?;
                let store = lk.store();
                store.replace_grant(old.id, &new)?;
                store
                    .grant(old.id)?
                    .ok_or_else(|| Error::Store("grant vanished".into()))
            })
            .await
        }
        None => {
            let row = lk.store().insert_grant(&new)?;
            let owned = tokens.clone().owned_by(crate::broker::owner_of(lk, &row));
            if let Err(e) = lk
                .secrets
                .set(&keys::grant_tokens(row.id), owned.to_secret())
                .await
            {
                let _ = lk.store().delete_grant(row.id);
                return Err(e.into());
            }
            Ok(row)
        }
    }
}

/// The grant `old` as it will be once `new` replaces it (its id, the new issuer and resource).
fn old_with(old: &GrantRow, new: &NewGrant) -> GrantRow {
    GrantRow {
        issuer: new.issuer.clone(),
        resource: new.resource.clone(),
        ..old.clone()
    }
}
