//! Token requests through the `oauth2` crate: the code exchange and refresh (keeping the newest
//! refresh token: rotation), both with RFC 8707 `resource`; and [`TokenSet`], what is stored
//! in the keychain for a grant.

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    RevocationUrl, StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::metadata::AuthServerMetadata;
use crate::Secret;
use crate::http::OAuthHttpError;
use crate::protocol::Scopes;
use crate::store::TokenAuthMethod;
use crate::{Error, Result};

/// Fields beyond RFC 6749 that Latchkey reads from token responses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtraFields {
    /// OpenID Connect ID token: read for the account name only (display), never trusted for auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
}
impl ExtraTokenFields for ExtraFields {}

pub type TokenResponse = StandardTokenResponse<ExtraFields, BasicTokenType>;

pub type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointSet,
>;

/// The longest access-token lifetime Latchkey believes.
const MAX_LIFETIME_SECS: u64 = 10 * 365 * 86_400;

/// What the keychain holds for one grant, written as one item so the access and refresh tokens
/// always change together.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Unix seconds; `None` when the server did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub scopes: Scopes,
    /// When these tokens were issued (Unix seconds), to refresh at a share of their lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obtained_at: Option<i64>,
    /// The grant these tokens belong to, written with them and checked whenever they are read:
    /// a store several homes can reach must never hand one grant's tokens to another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<GrantOwner>,
    /// The grant's DPoP key (RFC 9449) when its tokens are bound to one: kept with them, as
    /// they are useless without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<Secret>,
}

/// Whose tokens these are: the home (installation id), the grant, and what the grant is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantOwner {
    pub installation: String,
    pub grant: i64,
    pub issuer: String,
    pub resource: String,
}

impl TokenSet {
    pub fn to_secret(&self) -> Secret {
        Secret::new(serde_json::to_string(self).expect("token set serialises"))
    }

    pub fn from_secret(s: &Secret) -> Result<Self> {
        serde_json::from_str(s.expose()).map_err(|_| {
            Error::Store("the keychain item for this grant is not in Latchkey's format".into())
        })
    }

    /// Read the item stored for `owner`'s grant. Tokens that say they belong to another home,
    /// grant, issuer or resource are an error, never tokens to use; an item written before
    /// tokens carried their owner is taken as it is.
    pub fn from_secret_for(s: &Secret, owner: &GrantOwner) -> Result<Self> {
        let set = Self::from_secret(s)?;
        match &set.owner {
            Some(found) if found != owner => Err(Error::ForeignTokens(format!(
                "the secret store holds, under grant {}'s name, tokens {}; they were not used. Sign in again (`latchkey connect {}`)",
                owner.grant,
                found.differs_from(owner),
                owner.resource
            ))),
            _ => Ok(set),
        }
    }

    /// The same tokens, marked as `owner`'s.
    pub fn owned_by(mut self, owner: GrantOwner) -> Self {
        self.owner = Some(owner);
        self
    }
}

impl GrantOwner {
    /// What tells `self` from `expected`, in words (never a secret: ids and URLs only).
    fn differs_from(&self, expected: &GrantOwner) -> String {
        if self.installation != expected.installation {
            "of another Latchkey installation (another machine or home)".into()
        } else if self.grant != expected.grant {
            format!("of another grant ({})", self.grant)
        } else if self.issuer != expected.issuer {
            format!(
                "from another authorization server ({})",
                crate::error::sanitize_server_text(&self.issuer)
            )
        } else {
            format!(
                "for another resource ({})",
                crate::error::sanitize_server_text(&self.resource)
            )
        }
    }
}

/// The client registration the token calls authenticate with.
pub struct ClientCredentials<'a> {
    pub client_id: &'a str,
    /// The secret; for `private_key_jwt`, the PEM private key.
    pub client_secret: Option<&'a Secret>,
    pub auth_method: TokenAuthMethod,
    /// The authorization server's issuer: the audience of a `private_key_jwt` assertion.
    pub issuer: &'a str,
}

pub fn client(
    md: &AuthServerMetadata,
    creds: &ClientCredentials<'_>,
    redirect_uri: Option<&str>,
) -> Result<OAuthClient> {
    let bad = |what: &str| Error::Discovery(format!("{what} is not a valid URL"));
    let mut client = oauth2::Client::new(ClientId::new(creds.client_id.to_string()))
        .set_auth_uri(
            AuthUrl::new(md.authorization_endpoint.clone())
                .map_err(|_| bad("authorization_endpoint"))?,
        )
        .set_token_uri(TokenUrl::new(md.token_endpoint.clone()).map_err(|_| bad("token_endpoint"))?)
        .set_revocation_url_option(
            md.revocation_endpoint
                .clone()
                .map(RevocationUrl::new)
                .transpose()
                .map_err(|_| bad("revocation_endpoint"))?,
        )
        .set_auth_type(match creds.auth_method {
            TokenAuthMethod::ClientSecretPost
            | TokenAuthMethod::None
            | TokenAuthMethod::PrivateKeyJwt => AuthType::RequestBody,
            TokenAuthMethod::ClientSecretBasic => AuthType::BasicAuth,
        });
    // A private key is never sent: each request carries an assertion signed with it instead
    // (`machine::assertion_fields`).
    if let Some(secret) = creds.client_secret
        && creds.auth_method != TokenAuthMethod::PrivateKeyJwt
    {
        client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    }
    if let Some(uri) = redirect_uri {
        client = client
            .set_redirect_uri(RedirectUrl::new(uri.to_string()).map_err(|_| bad("redirect URI"))?);
    }
    Ok(client)
}

/// Redeem an authorization code (with the PKCE verifier and `resource`). Returns the tokens
/// and the ID token, if any, for the account name.
pub async fn exchange_code<C>(
    http: &C,
    client: &OAuthClient,
    code: String,
    verifier: PkceCodeVerifier,
    resource: Option<&str>,
    requested_scopes: &Scopes,
) -> Result<(TokenSet, Option<Secret>)>
where
    C: for<'c> oauth2::AsyncHttpClient<'c, Error = OAuthHttpError>,
{
    let mut request = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier);
    if let Some(resource) = resource {
        request = request.add_extra_param("resource", resource);
    }
    let response = request.request_async(http).await.map_err(map_token_error)?;
    if response.access_token().secret().is_empty() {
        return Err(Error::Authorization(
            "the token response has an empty access_token".into(),
        ));
    }
    let id_token = response.extra_fields().id_token.clone();
    Ok((token_set(&response, None, requested_scopes), id_token))
}

/// Refresh. The returned set keeps the old refresh token when the server did not rotate it.
pub async fn refresh<C>(
    http: &C,
    client: &OAuthClient,
    current: &TokenSet,
    resource: Option<&str>,
) -> Result<(TokenSet, Option<Secret>)>
where
    C: for<'c> oauth2::AsyncHttpClient<'c, Error = OAuthHttpError>,
{
    let Some(refresh) = current.refresh_token.as_ref() else {
        return Err(Error::Authorization(
            "this grant has no refresh token".into(),
        ));
    };
    let token = RefreshToken::new(refresh.expose().to_string());
    let mut request = client.exchange_refresh_token(&token);
    if let Some(resource) = resource {
        request = request.add_extra_param("resource", resource);
    }
    let response = request.request_async(http).await.map_err(map_token_error)?;
    let id_token = response.extra_fields().id_token.clone();
    Ok((
        TokenSet {
            dpop_key: current.dpop_key.clone(),
            ..token_set(&response, current.refresh_token.clone(), &current.scopes)
        },
        id_token,
    ))
}

/// Build the stored set from a response. Scopes: the response's `scope` when present, else
/// the requested ones (RFC 6749 §5.1: omitted means "as requested").
pub fn token_set(
    response: &TokenResponse,
    previous_refresh: Option<Secret>,
    requested: &Scopes,
) -> TokenSet {
    let now = crate::time::now();
    TokenSet {
        access_token: Secret::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone()))
            .or(previous_refresh),
        // Servers' numbers are not trusted: a lifetime beyond ten years (or one that would
        // overflow, found by fuzzing) counts as ten years.
        expires_at: response
            .expires_in()
            .map(|d| now.saturating_add(d.as_secs().min(MAX_LIFETIME_SECS) as i64)),
        // Scope names reach the terminal and the window: no control characters (issue 11).
        scopes: response
            .scopes()
            .map(|s| {
                s.iter()
                    .map(|x| crate::error::sanitize_server_text(x))
                    .collect::<Scopes>()
            })
            .unwrap_or_else(|| requested.clone()),
        obtained_at: Some(now),
        owner: None,
        dpop_key: None,
    }
}

pub fn map_token_error(e: RequestTokenError<OAuthHttpError, BasicErrorResponse>) -> Error {
    match e {
        RequestTokenError::ServerResponse(resp) => {
            Error::oauth(resp.error().as_ref(), resp.error_description().cloned())
        }
        RequestTokenError::Request(OAuthHttpError(inner)) => inner,
        // The body may hold tokens: never include it.
        RequestTokenError::Parse(err, _body) => Error::Authorization(format!(
            "the token response is not valid ({}); expected JSON with access_token and token_type",
            describe_parse_error(&err)
        )),
        RequestTokenError::Other(msg) => Error::Authorization(format!(
            "unexpected token response: {}",
            crate::error::sanitize_server_text(&msg)
        )),
    }
}

fn describe_parse_error(err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    // serde's message names the missing field but never quotes values of string fields.
    let inner = err.inner();
    if inner.is_data() {
        let msg = inner.to_string();
        match msg.split_once(" at line") {
            Some((head, _)) => head.to_string(),
            None => msg,
        }
    } else {
        "malformed JSON".into()
    }
}

/// The account name from an ID token's claims, for display only (no signature check: it is not
/// used for any security decision).
pub fn account_from_id_token(id_token: &Secret) -> Option<String> {
    account_from_claims(&unverified_claims(id_token)?)
}

/// A JWT's `exp` (Unix seconds), read without a signature check: only to know when to renew
/// a token Latchkey itself received from the issuer.
pub fn jwt_expiry(jwt: &Secret) -> Option<i64> {
    unverified_claims(jwt)?.get("exp")?.as_i64()
}

fn unverified_claims(jwt: &Secret) -> Option<serde_json::Value> {
    use base64::Engine;
    let payload = jwt.expose().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The name a person knows the account by, from OpenID Connect claims (an ID token's or
/// userinfo's): email, then preferred_username, name, and the subject as the last resort.
pub fn account_from_claims(claims: &serde_json::Value) -> Option<String> {
    ["email", "preferred_username", "name", "sub"]
        .iter()
        .find_map(|k| {
            claims
                .get(*k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(crate::error::sanitize_server_text)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> std::result::Result<TokenResponse, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn token_set_keeps_old_refresh_token_when_not_rotated() {
        let resp = parse(
            serde_json::json!({"access_token": "a2", "token_type": "Bearer", "expires_in": 60}),
        )
        .unwrap();
        let set = token_set(&resp, Some(Secret::new("r1")), &Scopes::parse("x"));
        assert_eq!(set.refresh_token.unwrap().expose(), "r1");
        assert_eq!(set.scopes, Scopes::parse("x"));
        assert!(set.expires_at.unwrap() > crate::time::now());
    }

    #[test]
    fn token_set_takes_rotated_refresh_token_and_granted_scopes() {
        let resp = parse(serde_json::json!({"access_token": "a2", "token_type": "bearer", "refresh_token": "r2", "scope": "read"})).unwrap();
        let set = token_set(&resp, Some(Secret::new("r1")), &Scopes::parse("read write"));
        assert_eq!(set.refresh_token.unwrap().expose(), "r2");
        assert_eq!(set.scopes, Scopes::parse("read"));
        assert_eq!(set.expires_at, None);
    }

    #[test]
    fn absurd_lifetimes_are_clamped_not_overflowed() {
        for huge in ["18446744073709551615", "9223372036854775807"] {
            let resp = parse(
                serde_json::from_str(&format!(
                    r#"{{"access_token": "a", "token_type": "bearer", "expires_in": {huge}}}"#
                ))
                .unwrap(),
            )
            .unwrap();
            let set = token_set(&resp, None, &Scopes::default());
            let at = set.expires_at.unwrap();
            assert!(
                at > crate::time::now() && at <= crate::time::now() + MAX_LIFETIME_SECS as i64 + 5,
                "{huge}: {at}"
            );
        }
    }

    #[test]
    fn missing_access_token_is_an_error() {
        assert!(parse(serde_json::json!({"token_type": "Bearer"})).is_err());
    }

    /// Issue 11 (1): tokens carry their owner, and another owner's tokens are refused.
    #[test]
    fn tokens_of_another_owner_are_never_used() {
        let owner = |installation: &str, grant: i64, issuer: &str, resource: &str| GrantOwner {
            installation: installation.into(),
            grant,
            issuer: issuer.into(),
            resource: resource.into(),
        };
        let ours = owner("aa", 1, "https://as-x.test", "https://x.test/mcp");
        let set = |o: Option<GrantOwner>| TokenSet {
            access_token: Secret::new("at-y"),
            refresh_token: None,
            expires_at: None,
            scopes: Default::default(),
            obtained_at: None,
            owner: o,
            dpop_key: None,
        };
        let rows = [
            ("ours", Some(ours.clone()), None),
            ("written before owners", None, None),
            (
                "another machine",
                Some(owner("bb", 1, "https://as-x.test", "https://x.test/mcp")),
                Some("another Latchkey installation"),
            ),
            (
                "another grant",
                Some(owner("aa", 2, "https://as-x.test", "https://x.test/mcp")),
                Some("another grant"),
            ),
            (
                "another issuer",
                Some(owner("aa", 1, "https://as-y.test", "https://x.test/mcp")),
                Some("another authorization server"),
            ),
            (
                "another resource",
                Some(owner("aa", 1, "https://as-x.test", "https://y.test/mcp")),
                Some("another resource"),
            ),
        ];
        for (name, stored, want_error) in rows {
            let got = TokenSet::from_secret_for(&set(stored).to_secret(), &ours);
            match want_error {
                None => assert!(got.is_ok(), "{name}: {got:?}"),
                Some(words) => {
                    let e = got.unwrap_err();
                    let text = e.to_string();
                    assert!(text.contains(words), "{name}: {text}");
                    assert!(!text.contains("at-y"), "{name}: {text}");
                }
            }
        }
    }

    #[test]
    fn token_set_debug_is_redacted() {
        let set = TokenSet {
            access_token: Secret::new("AT-canary"),
            refresh_token: Some(Secret::new("RT-canary")),
            expires_at: None,
            scopes: Default::default(),
            obtained_at: None,
            owner: None,
            dpop_key: None,
        };
        let dbg = format!("{set:?}");
        assert!(!dbg.contains("canary"), "{dbg}");
        let back = TokenSet::from_secret(&set.to_secret()).unwrap();
        assert_eq!(back.refresh_token.unwrap().expose(), "RT-canary");
    }

    #[test]
    fn account_from_id_token_rows() {
        use base64::Engine;
        let enc = |v: serde_json::Value| {
            format!(
                "e30.{}.sig",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
            )
        };
        let rows = [
            (
                "email first",
                enc(serde_json::json!({"sub": "1", "email": "ada@example.com"})),
                Some("ada@example.com"),
            ),
            (
                "sub last",
                enc(serde_json::json!({"sub": "user-1"})),
                Some("user-1"),
            ),
            ("garbage", "not-a-jwt".to_string(), None),
        ];
        for (name, tok, want) in rows {
            assert_eq!(
                account_from_id_token(&Secret::new(tok)).as_deref(),
                want,
                "{name}"
            );
        }
        let exp = enc(serde_json::json!({"sub": "1", "exp": 1_900_000_000}));
        assert_eq!(jwt_expiry(&Secret::new(exp)), Some(1_900_000_000));
        assert_eq!(
            jwt_expiry(&Secret::new(enc(serde_json::json!({"sub": "1"})))),
            None
        );
        assert_eq!(jwt_expiry(&Secret::new("not-a-jwt")), None);
    }
}
