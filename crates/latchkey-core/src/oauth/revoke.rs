//! RFC 7009 revocation: the refresh token first (which ends the whole grant at most servers),
//! then the access token.
//!
//! Requests go through the `oauth2` crate. That crate refuses a non-https revocation endpoint
//! (RFC 7009 §2 says clients MUST verify https), while Latchkey accepts plain http on loopback
//! addresses for development servers (MCP allows it there). For that one case only,
//! [`revoke_on_loopback`] sends the same form by hand.

use oauth2::{AccessToken, RefreshToken, RevocationErrorResponseType, StandardRevocableToken};

use super::token::{ClientCredentials, OAuthClient, TokenSet};
use crate::http::{HttpClient, OAuthHttpError};
use crate::{Error, Result};

/// What happened at the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// The authorization server confirmed the revocation.
    RevokedAtServer,
    /// The authorization server has no revocation endpoint: the server-side grant remains
    /// until it expires.
    NoEndpoint,
}

pub async fn revoke(
    http: &HttpClient,
    client: &OAuthClient,
    creds: &ClientCredentials<'_>,
    tokens: &TokenSet,
) -> Result<RevokeOutcome> {
    if client.revocation_url().is_none() {
        return Ok(RevokeOutcome::NoEndpoint);
    }
    let mut list = Vec::new();
    if let Some(r) = &tokens.refresh_token {
        list.push(StandardRevocableToken::RefreshToken(RefreshToken::new(
            r.expose().to_string(),
        )));
    }
    list.push(StandardRevocableToken::AccessToken(AccessToken::new(
        tokens.access_token.expose().to_string(),
    )));
    let endpoint = client
        .revocation_url()
        .expect("checked above")
        .url()
        .clone();
    if endpoint.scheme() == "http" && crate::url_policy::is_loopback(&endpoint) {
        return revoke_on_loopback(http, creds, &endpoint, list).await;
    }
    for token in list {
        let mut request = client.revoke_token(token).map_err(|e| {
            Error::Authorization(format!("cannot build the revocation request: {e}"))
        })?;
        for (name, value) in super::machine::assertion_fields(creds)? {
            request = request.add_extra_param(name, value.expose().to_string());
        }
        match request.request_async(http).await {
            Ok(()) => {}
            // RFC 7009 §2.2.1: the server may not revoke access tokens; that is not a failure.
            Err(oauth2::RequestTokenError::ServerResponse(resp))
                if *resp.error() == RevocationErrorResponseType::UnsupportedTokenType => {}
            Err(oauth2::RequestTokenError::ServerResponse(resp)) => {
                return Err(Error::oauth(
                    resp.error().as_ref(),
                    resp.error_description().cloned(),
                ));
            }
            Err(oauth2::RequestTokenError::Request(OAuthHttpError(inner))) => return Err(inner),
            Err(other) => {
                return Err(Error::Authorization(format!(
                    "revocation failed: {}",
                    crate::error::sanitize_server_text(&other.to_string())
                )));
            }
        }
    }
    Ok(RevokeOutcome::RevokedAtServer)
}

/// The RFC 7009 form, by hand, for a plain-http loopback endpoint (see the module docs).
/// Client authentication as the token endpoint uses it: Basic for `client_secret_basic`,
/// else `client_id` (and `client_secret`) in the body.
async fn revoke_on_loopback(
    http: &HttpClient,
    creds: &ClientCredentials<'_>,
    endpoint: &url::Url,
    tokens: Vec<StandardRevocableToken>,
) -> Result<RevokeOutcome> {
    use oauth2::RevocableToken;
    for token in tokens {
        let mut form = vec![("token", token.secret().to_string())];
        if let Some(hint) = token.type_hint() {
            form.push(("token_type_hint", hint.to_string()));
        }
        let request = super::machine::authenticate(http.post(endpoint), &mut form, creds)?;
        let fetched = http.send(request.form(&form)).await?;
        match fetched.status {
            200..=299 => {}
            429 | 500..=599 => {
                return Err(Error::Network(format!(
                    "revocation answered HTTP {}",
                    fetched.status
                )));
            }
            status => {
                let body: serde_json::Value =
                    serde_json::from_slice(&fetched.body).unwrap_or_default();
                let code = body
                    .get("error")
                    .and_then(|e| e.as_str())
                    .unwrap_or("")
                    .to_string();
                if code == "unsupported_token_type" {
                    continue;
                }
                let description = body
                    .get("error_description")
                    .and_then(|e| e.as_str())
                    .map(str::to_string);
                return Err(if code.is_empty() {
                    Error::Authorization(format!("revocation answered HTTP {status}"))
                } else {
                    Error::oauth(code, description)
                });
            }
        }
    }
    Ok(RevokeOutcome::RevokedAtServer)
}
