//! Grants no person takes part in, asked for again whenever a token is due:
//!
//! - the client credentials grant (OAuth 2.1 §4.2; MCP extension
//!   `io.modelcontextprotocol/oauth-client-credentials`), authenticated with a secret
//!   (`client_secret_basic` / `_post`) or a signed JWT (`private_key_jwt`, RFC 7523 §2.2);
//! - the JWT-bearer grant (RFC 7523 §2.1) with a workload's own JWT as the assertion: workload
//!   identity federation (SEP-1933), the JWT being what Kubernetes, CI or a cloud gives the
//!   workload.
//!
//! Both send RFC 8707 `resource`. Errors (`invalid_grant`, `invalid_scope`,
//! `unauthorized_client`, ...) come back as they are: no retry, no other grant tried.

use oauth2::Scope;
use serde::Deserialize;

use super::dpop::{DpopHttp, DpopKey};
use super::jws::{self, SigningKey};
use super::metadata::AuthServerMetadata;
use super::token::{self, ClientCredentials, TokenResponse, TokenSet};
use crate::Secret;
use crate::http::HttpClient;
use crate::protocol::Scopes;
use crate::store::{GrantKind, TokenAuthMethod};
use crate::{Error, Result};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The `grant_type` a kind of machine grant sends.
pub fn grant_type(kind: GrantKind) -> &'static str {
    match kind {
        GrantKind::Workload | GrantKind::ViaIdp => JWT_BEARER,
        _ => "client_credentials",
    }
}

/// Refuse early, with words, a grant the authorization server says it does not offer (when
/// it lists `grant_types_supported` at all).
pub fn check_offered(md: &AuthServerMetadata, kind: GrantKind) -> Result<()> {
    let wanted = grant_type(kind);
    match &md.grant_types_supported {
        Some(types) if !types.iter().any(|t| t == wanted) => Err(Error::Registration(format!(
            "the authorization server {} does not offer the {wanted} grant (it lists: {})",
            md.issuer,
            types
                .iter()
                .map(|t| crate::error::sanitize_server_text(t))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        _ => Ok(()),
    }
}

/// The client credentials grant, through the `oauth2` crate.
/// With `dpop`, the request carries a proof of that key (RFC 9449 §5) and the token is bound.
pub async fn client_credentials(
    http: &HttpClient,
    md: &AuthServerMetadata,
    creds: &ClientCredentials<'_>,
    scopes: &Scopes,
    resource: &str,
    dpop: Option<&DpopKey>,
) -> Result<TokenSet> {
    let client = token::client(md, creds, None)?;
    let mut request = client
        .exchange_client_credentials()
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .add_extra_param("resource", resource);
    for (name, value) in assertion_fields(creds)? {
        request = request.add_extra_param(name, value.expose().to_string());
    }
    let response = match dpop {
        Some(key) => request.request_async(&DpopHttp { http, key }).await,
        None => request.request_async(http).await,
    }
    .map_err(token::map_token_error)?;
    checked(token::token_set(&response, None, scopes))
}

/// The JWT-bearer grant with `assertion`. The `oauth2` crate has no builder for it (nor for
/// token exchange), so the form is sent here, with the same client authentication.
pub async fn jwt_bearer(
    http: &HttpClient,
    md: &AuthServerMetadata,
    creds: &ClientCredentials<'_>,
    assertion: &Secret,
    scopes: &Scopes,
    resource: &str,
    dpop: Option<&DpopKey>,
) -> Result<TokenSet> {
    let endpoint = url::Url::parse(&md.token_endpoint)
        .map_err(|_| Error::Discovery("token_endpoint is not a valid URL".into()))?;
    let mut form: Vec<(&str, String)> = vec![
        ("grant_type", JWT_BEARER.into()),
        ("assertion", assertion.expose().to_string()),
        ("resource", resource.into()),
    ];
    if !scopes.is_empty() {
        form.push(("scope", scopes.to_string()));
    }
    let request = authenticate(http.post(&endpoint), &mut form, creds)?
        .header(http::header::ACCEPT, "application/json");
    let (status, body) = match dpop {
        // Through the same client as the code exchange's, for the proof and its nonce retry.
        Some(key) => {
            use oauth2::AsyncHttpClient as _;
            let built = request.form(&form).build().map_err(|e| {
                Error::Authorization(format!("cannot build the token request: {e}"))
            })?;
            let mut as_http = http::Request::builder()
                .method(built.method().clone())
                .uri(built.url().as_str());
            for (name, value) in built.headers() {
                as_http = as_http.header(name, value);
            }
            let body = built
                .body()
                .and_then(|b| b.as_bytes())
                .unwrap_or_default()
                .to_vec();
            let as_http = as_http.body(body).map_err(|e| {
                Error::Authorization(format!("cannot build the token request: {e}"))
            })?;
            let response = DpopHttp { http, key }
                .call(as_http)
                .await
                .map_err(|e| e.0)?;
            (response.status().as_u16(), response.into_body())
        }
        None => {
            let fetched = http.send(request.form(&form)).await?;
            (fetched.status, fetched.body.to_vec())
        }
    };
    let response = read_token_response(status, &body)?;
    checked(token::token_set(&response, None, scopes))
}

/// The workload's JWT from its file, as it is now (platforms rotate it: read it every time).
/// Errors name the file and the problem, never its contents.
pub fn read_workload_token(path: &std::path::Path) -> Result<Secret> {
    read_jwt_file(path, "workload token")
}

/// A JWT kept in a file by whatever issues it (`what`: "workload token", "ID token"), as the
/// file holds it now. Errors name the file and the problem, never its contents.
pub fn read_jwt_file(path: &std::path::Path, what: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidInput(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?;
    let jwt = text.trim();
    if jwt.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    if jwt.split('.').count() != 3 || jwt.chars().any(char::is_whitespace) {
        return Err(Error::InvalidInput(format!(
            "the {what} file {} does not hold a JWT (three base64url parts joined by dots)",
            path.display()
        )));
    }
    Ok(Secret::new(jwt))
}

/// Client authentication on a hand-made token-endpoint form, as `creds` says: Basic for
/// `client_secret_basic`, a signed assertion for `private_key_jwt`, else `client_id` (and
/// `client_secret`) in the body.
pub fn authenticate(
    request: reqwest::RequestBuilder,
    form: &mut Vec<(&str, String)>,
    creds: &ClientCredentials<'_>,
) -> Result<reqwest::RequestBuilder> {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match (creds.auth_method, creds.client_secret) {
        (TokenAuthMethod::ClientSecretBasic, Some(secret)) => {
            Ok(request.basic_auth(encode(creds.client_id), Some(encode(secret.expose()))))
        }
        (TokenAuthMethod::PrivateKeyJwt, _) => {
            form.push(("client_id", creds.client_id.to_string()));
            for (name, value) in assertion_fields(creds)? {
                form.push((name, value.expose().to_string()));
            }
            Ok(request)
        }
        (_, secret) => {
            form.push(("client_id", creds.client_id.to_string()));
            if let Some(secret) = secret {
                form.push(("client_secret", secret.expose().to_string()));
            }
            Ok(request)
        }
    }
}

/// `client_assertion_type` and a fresh `client_assertion` for a `private_key_jwt` client
/// (whose PEM key is kept where a secret would be); nothing for any other client.
pub fn assertion_fields(creds: &ClientCredentials<'_>) -> Result<Vec<(&'static str, Secret)>> {
    if creds.auth_method != TokenAuthMethod::PrivateKeyJwt {
        return Ok(Vec::new());
    }
    let pem = creds.client_secret.ok_or_else(|| {
        Error::Store("the client's private key is missing from the secret store".into())
    })?;
    let key = SigningKey::from_pem(pem, None)?;
    let assertion = jws::client_assertion(&key, creds.client_id, creds.issuer)?;
    Ok(vec![
        (
            "client_assertion_type",
            Secret::new(jws::CLIENT_ASSERTION_TYPE),
        ),
        ("client_assertion", assertion),
    ])
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    error_description: Option<String>,
}

/// A token endpoint's answer: the tokens, the OAuth error it names, or words for anything else
/// (never the body, which may hold a token).
fn read_token_response(status: u16, body: &[u8]) -> Result<TokenResponse> {
    read_answer(status, body, "access_token and token_type")
}

/// A token endpoint's JSON answer as `T` (`expected` says what a good one holds), or the
/// OAuth error it names, or words for anything else (never the body).
pub fn read_answer<T: serde::de::DeserializeOwned>(
    status: u16,
    body: &[u8],
    expected: &str,
) -> Result<T> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|_| {
            Error::Authorization(format!(
                "the token response is not valid; expected JSON with {expected}"
            ))
        });
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => Err(Error::oauth(e.error, e.error_description)),
        Err(_) if status == 429 || status >= 500 => Err(Error::Network(format!(
            "the token endpoint answered HTTP {status}"
        ))),
        Err(_) => Err(Error::Authorization(format!(
            "the token endpoint answered HTTP {status} without an OAuth error"
        ))),
    }
}

fn checked(set: TokenSet) -> Result<TokenSet> {
    if set.access_token.expose().is_empty() {
        return Err(Error::Authorization(
            "the token response has an empty access_token".into(),
        ));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::TokenResponse as _;

    #[test]
    fn token_endpoint_answers_rows() {
        let ok = read_token_response(
            200,
            br#"{"access_token":"at-canary","token_type":"Bearer","expires_in":60}"#,
        )
        .unwrap();
        assert_eq!(ok.access_token().secret(), "at-canary");
        let rows: [(u16, &[u8], &str); 5] = [
            (
                400,
                br#"{"error":"invalid_grant","error_description":"expired"}"#,
                "invalid_grant",
            ),
            (400, br#"{"error":"invalid_scope"}"#, "invalid_scope"),
            (503, b"<html>down</html>", "HTTP 503"),
            (401, b"nope", "HTTP 401"),
            (200, br#"{"access_token":"at-canary"}"#, "not valid"),
        ];
        for (status, body, words) in rows {
            let e = read_token_response(status, body).unwrap_err().to_string();
            assert!(e.contains(words), "{status}: {e}");
            assert!(!e.contains("canary"), "{status}: {e}");
        }
    }

    #[test]
    fn workload_token_files_rows() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let good = write("good", "  aaa.bbb.ccc\n");
        assert_eq!(read_workload_token(&good).unwrap().expose(), "aaa.bbb.ccc");
        let rows = [
            (dir.path().join("missing"), "cannot read"),
            (write("empty", "\n"), "is empty"),
            (
                write("opaque", "canary-opaque-token"),
                "does not hold a JWT",
            ),
            (write("two", "canary.a.b\nx.y.z"), "does not hold a JWT"),
        ];
        for (path, words) in rows {
            let e = read_workload_token(&path).unwrap_err().to_string();
            assert!(e.contains(words), "{}: {e}", path.display());
            assert!(!e.contains("canary"), "{e}");
        }
    }

    #[test]
    fn a_grant_the_server_does_not_list_is_refused_with_words() {
        let mut md: AuthServerMetadata = serde_json::from_value(serde_json::json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
            "token_endpoint": "https://as.example/token",
            "grant_types_supported": ["authorization_code"]
        }))
        .unwrap();
        let e = check_offered(&md, GrantKind::Workload)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(JWT_BEARER) && e.contains("authorization_code"),
            "{e}"
        );
        md.grant_types_supported = None;
        assert!(check_offered(&md, GrantKind::ClientCredentials).is_ok());
    }
}
