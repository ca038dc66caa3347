//! One cached sign-in, moved into Latchkey or ended at its server. Nothing is sent anywhere
//! until the server's authorization server is found again and is the one the cache says issued
//! the tokens.

use crate::Secret;
use crate::audit::{self, Event};
use crate::broker;
use crate::clients::token_caches::cached::{CachedClient, CachedGrant};
use crate::context::Latchkey;
use crate::http::HttpClient;
use crate::oauth::discovery::{self, Discovered};
use crate::oauth::probe::{self, Probe};
use crate::oauth::registration::secret_auth_method;
use crate::oauth::revoke::{self, RevokeOutcome};
use crate::oauth::token::{self, ClientCredentials, TokenSet};
use crate::sign_in::save_grant;
use crate::store::{
    GrantKind, GrantRow, GrantStatus, NewRegistration, RegistrationMethod, ServerRow,
    TokenAuthMethod,
};
use crate::{Error, Result, url_policy};

/// How one cached sign-in ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "why")]
pub enum Done {
    /// In Latchkey, and the server renewed it just now (so the cached copy is spent at
    /// servers that rotate refresh tokens).
    Imported,
    /// In Latchkey, but the server refused to renew it: it waits for a new sign-in.
    NeedsReconnect(String),
    /// In Latchkey, not renewed now (why: no refresh token, or the server was unreachable).
    ImportedUnchecked(String),
    /// Revoked at the server (RFC 7009) and deleted.
    Revoked,
    /// Deleted; the authorization server has no revocation endpoint, so the tokens stay valid
    /// there until they expire.
    DeletedOnly,
    /// Nothing was changed for it, and why.
    Failed(String),
}

/// The server of a cached grant, found as a sign-in finds it.
struct Found {
    url: String,
    canonical: String,
    http: HttpClient,
    discovered: Discovered,
}

async fn find_server(lk: &Latchkey, g: &CachedGrant) -> Result<Found> {
    let url = g.server.clone().ok_or_else(|| {
        Error::InvalidInput(format!(
            "no client config names the server of {}; pass --server <url> if you know it",
            g.key
        ))
    })?;
    let server_url = url_policy::parse_server_url(&url)?;
    let canonical = url_policy::canonical_resource(&url)?;
    let http = lk.http.for_server(&server_url).await?;
    let challenge = match probe::probe(&http, &server_url).await? {
        Probe::Challenge(c) => Some(c),
        Probe::Open | Probe::Unknown => None,
    };
    let discovered =
        discovery::discover(&http, &server_url, &canonical, challenge.as_ref()).await?;
    if let Some(cached) = &g.issuer
        && !same_issuer(cached, &discovered.auth_server.issuer)
    {
        return Err(Error::Discovery(format!(
            "the cache says {cached} issued these tokens, but {url} now names {}: they were not sent anywhere; sign in again",
            discovered.auth_server.issuer
        )));
    }
    if let Some(cached) = &g.token_endpoint
        && cached != &discovered.auth_server.token_endpoint
    {
        return Err(Error::Discovery(format!(
            "the cache renews these tokens at {cached}, but {url} now names {}: they were not sent anywhere; sign in again",
            discovered.auth_server.token_endpoint
        )));
    }
    Ok(Found {
        url,
        canonical,
        http,
        discovered,
    })
}

/// Issuers compare exactly (RFC 8414 §3.3), but for the trailing slash some tools add.
fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

fn client_of(g: &CachedGrant) -> Result<&CachedClient> {
    g.client.as_ref().ok_or_else(|| {
        Error::InvalidInput(format!(
            "the cache keeps no client registration for {}, and tokens cannot be renewed or revoked without one",
            g.label()
        ))
    })
}

/// The way the client authenticates at the token endpoint: as registered, else as a client
/// with that kind of credential would by default.
fn auth_method(client: &CachedClient, found: &Found) -> TokenAuthMethod {
    client
        .auth_method
        .as_deref()
        .and_then(TokenAuthMethod::parse)
        .unwrap_or(match client.client_secret {
            Some(_) => secret_auth_method(&found.discovered.auth_server),
            None => TokenAuthMethod::None,
        })
}

/// The cached tokens as Latchkey keeps tokens. Without an access token, one already expired:
/// the first use renews it.
fn tokens_of(g: &CachedGrant) -> TokenSet {
    TokenSet {
        access_token: g.access_token.clone().unwrap_or_else(|| Secret::new("")),
        refresh_token: g.refresh_token.clone(),
        expires_at: match g.access_token {
            Some(_) => g.expires_at,
            None => Some(0),
        },
        scopes: match g.scopes.is_empty() {
            true => g.requested_scopes.as_slice().into(),
            false => g.scopes.as_slice().into(),
        },
        obtained_at: None,
        owner: None,
        dpop_key: None,
    }
}

/// Store the cached grant as Latchkey's own: the server and its authorization server's
/// metadata, the registration (kept as imported: renewed and revoked with, never used for a
/// new sign-in), the tokens in the secret store. Refused when Latchkey already holds a sign-in
/// there (the cache's copy is left; `--revoke-instead` ends it).
pub async fn store(lk: &Latchkey, g: &CachedGrant, source: &str) -> Result<(ServerRow, GrantRow)> {
    let found = find_server(lk, g).await?;
    let client = client_of(g)?;
    let md = &found.discovered.auth_server;
    let server = {
        let store = lk.store();
        let server = store.upsert_server(&found.canonical)?;
        if store
            .grants_for_server(server.id)?
            .iter()
            .any(|g| g.status == GrantStatus::Active)
        {
            return Err(Error::InvalidInput(format!(
                "Latchkey is already signed in to {}; the cache's tokens were left as they are (`--revoke-instead` ends them)",
                found.url
            )));
        }
        store.set_server_discovery(server.id, &found.discovered.resource, &md.issuer)?;
        store.set_server_needs_sign_in(server.id, true)?;
        store.save_auth_server(&md.issuer, &serde_json::to_string(md).unwrap_or_default())?;
        server
    };
    let new = NewRegistration {
        issuer: &md.issuer,
        client_id: &client.client_id,
        method: RegistrationMethod::Imported,
        auth_method: auth_method(client, &found),
        redirect_uri: client.redirect_uri.as_deref().unwrap_or_default(),
    };
    let registration = lk
        .keep_registration(new, client.client_secret.as_ref())
        .await?;
    let tokens = tokens_of(g);
    let grant = save_grant(
        lk,
        &server,
        &registration,
        &found.discovered,
        None,
        &g.requested_scopes.as_slice().into(),
        &tokens,
        (GrantKind::Browser, None),
    )
    .await?;
    let store = lk.store();
    audit::record(
        &store,
        &server.url,
        Some(grant.id),
        Event::Connected,
        Some(&format!(
            "imported from {source}'s token cache; scopes: {}",
            grant.scopes
        )),
    );
    store.set_sign_in_wanted(server.id, false)?;
    Ok((server, grant))
}

/// Renew the imported grant once: proof it works, and its cached refresh token spent.
pub async fn check(lk: &Latchkey, server: &ServerRow, grant: GrantRow) -> Done {
    if !grant.has_refresh_token {
        return Done::ImportedUnchecked(
            "it has no refresh token: it works until it expires, then Connect signs in again"
                .into(),
        );
    }
    let id = grant.id;
    let failed = match broker::refresh_now(lk, server, grant).await {
        Ok(_) => return Done::Imported,
        Err(e) => e,
    };
    // The broker marks a grant the server refused (invalid_grant, invalid_client) as waiting
    // for a sign-in; anything else (the network) leaves it active for the refresher.
    match lk.store().grant(id).ok().flatten() {
        Some(g) if g.status == GrantStatus::NeedsReconnect => {
            Done::NeedsReconnect(g.status_reason.map_or_else(
                || "the server refused to renew it".into(),
                |r| r.to_string(),
            ))
        }
        _ => Done::ImportedUnchecked(format!(
            "not renewed now ({failed}); the refresher tries again"
        )),
    }
}

/// End the cached grant at its server (RFC 7009), as the client it was issued to.
pub async fn revoke(lk: &Latchkey, g: &CachedGrant) -> Result<Done> {
    let found = find_server(lk, g).await?;
    let client = client_of(g)?;
    let md = &found.discovered.auth_server;
    let creds = ClientCredentials {
        client_id: &client.client_id,
        client_secret: client.client_secret.as_ref(),
        auth_method: auth_method(client, &found),
        issuer: &md.issuer,
    };
    let oauth = token::client(md, &creds, None)?;
    Ok(
        match revoke::revoke(&found.http, &oauth, &creds, &tokens_of(g)).await? {
            RevokeOutcome::RevokedAtServer => Done::Revoked,
            RevokeOutcome::NoEndpoint => Done::DeletedOnly,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_compare_exactly_but_for_a_trailing_slash() {
        assert!(same_issuer(
            "https://as.example.com/",
            "https://as.example.com"
        ));
        assert!(!same_issuer(
            "https://as.example.com",
            "https://evil.example.com"
        ));
        assert!(!same_issuer(
            "https://as.example.com/a",
            "https://as.example.com/b"
        ));
    }

    #[test]
    fn a_grant_without_an_access_token_is_renewed_at_first_use() {
        let g = CachedGrant {
            server: None,
            key: "k".into(),
            file: "/x".into(),
            original: Secret::new("{}"),
            client: None,
            access_token: None,
            refresh_token: Some(Secret::new("R")),
            expires_at: Some(4_000_000_000),
            scopes: vec![],
            requested_scopes: vec!["read".into()],
            issuer: None,
            token_endpoint: None,
            removal: crate::clients::token_caches::cached::Removal::DeleteFile,
        };
        let t = tokens_of(&g);
        assert_eq!(t.expires_at, Some(0));
        assert_eq!(
            &t.scopes[..],
            ["read"],
            "the scopes asked for when none were granted"
        );
    }
}
