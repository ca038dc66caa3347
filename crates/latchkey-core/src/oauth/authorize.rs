//! The authorization request (PKCE S256, `state`, RFC 8707 `resource`) and the validation of the
//! redirect that comes back (`state`, then RFC 9207 `iss`, then `error` or `code`).

use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use url::Url;

use crate::protocol::Scopes;
use crate::{Error, Result};

/// A pending authorization: what must be kept until the redirect arrives. The PKCE verifier is
/// not `Clone` and is consumed by the code exchange.
#[derive(Debug)]
pub struct PendingAuthorization {
    pub url: Url,
    pub state: CsrfToken,
    pub verifier: PkceCodeVerifier,
    /// The validated issuer the request went to (RFC 9207: compared with `iss` on return).
    pub issuer: String,
    /// Whether the authorization server promised to send `iss`.
    pub iss_required: bool,
    pub redirect_uri: String,
}

pub struct AuthorizationParams<'a> {
    pub authorization_endpoint: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a Scopes,
    /// The MCP server (RFC 8707); `None` at a company identity provider, where Latchkey signs
    /// in for an ID token and no resource.
    pub resource: Option<&'a str>,
    pub issuer: &'a str,
    pub iss_required: bool,
    /// OpenID Connect `prompt` (`login` when adding another account, so the server asks who
    /// signs in instead of reusing its session).
    pub prompt: Option<&'a str>,
}

pub fn build(params: AuthorizationParams<'_>) -> Result<PendingAuthorization> {
    let auth_url = AuthUrl::new(params.authorization_endpoint.to_string())
        .map_err(|_| Error::Discovery("authorization_endpoint is not a URL".into()))?;
    let redirect = RedirectUrl::new(params.redirect_uri.to_string())
        .map_err(|_| Error::Authorization("bad redirect URI".into()))?;
    let client = oauth2::basic::BasicClient::new(ClientId::new(params.client_id.to_string()))
        .set_auth_uri(auth_url)
        .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(params.scopes.iter().cloned().map(Scope::new));
    if let Some(resource) = params.resource {
        request = request.add_extra_param("resource", resource);
    }
    if let Some(prompt) = params.prompt {
        request = request.add_extra_param("prompt", prompt);
    }
    let (url, state) = request.url();
    Ok(PendingAuthorization {
        url,
        state,
        verifier,
        issuer: params.issuer.to_string(),
        iss_required: params.iss_required,
        redirect_uri: params.redirect_uri.to_string(),
    })
}

/// Check the redirect's query parameters and return the authorization code.
///
/// Order matters: a response with a missing or wrong `state` is discarded without looking at
/// anything else; then `iss` is compared byte for byte (never normalised); only a response that
/// passed both may have its `error` shown to the user.
pub fn validate_callback(
    query: &[(String, String)],
    expected_state: &str,
    issuer: &str,
    iss_required: bool,
) -> Result<String> {
    let get = |name: &str| -> Result<Option<&str>> {
        let mut values = query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(Error::Authorization(format!(
                "the redirect repeats the '{name}' parameter; discarded"
            )));
        }
        Ok(first)
    };
    check_state(query, expected_state)?;
    match get("iss")? {
        Some(iss) if iss != issuer => {
            return Err(Error::Authorization(format!(
                "the redirect came from issuer '{}' but the sign-in was sent to '{issuer}'; discarded (RFC 9207 mix-up protection)",
                crate::error::sanitize_server_text(iss)
            )));
        }
        None if iss_required => {
            return Err(Error::Authorization(format!(
                "the authorization server {issuer} promised an 'iss' parameter but the redirect has none; discarded"
            )));
        }
        _ => {}
    }
    if let Some(error) = get("error")? {
        let description = get("error_description")?.map(str::to_string);
        if error == "access_denied" {
            return Err(Error::SignInIncomplete(format!(
                "access was denied at the authorization server{}",
                description
                    .map(|d| format!(": {}", crate::error::sanitize_server_text(&d)))
                    .unwrap_or_default()
            )));
        }
        return Err(Error::oauth(
            crate::error::sanitize_server_text(error),
            description,
        ));
    }
    match get("code")? {
        Some(code) if !code.is_empty() => Ok(code.to_string()),
        _ => Err(Error::Authorization(
            "the redirect carries neither a code nor an error".into(),
        )),
    }
}

/// Whether the redirect carries this sign-in's `state`, exactly once (constant-time compare).
/// A request without it is not this sign-in's answer at all: the loopback listener refuses it
/// and keeps waiting.
pub fn check_state(query: &[(String, String)], expected_state: &str) -> Result<()> {
    let mut states = query.iter().filter(|(k, _)| k == "state").map(|(_, v)| v);
    match (states.next(), states.next()) {
        (None, _) => Err(Error::Authorization(
            "the redirect has no 'state'; discarded (possible CSRF)".into(),
        )),
        (Some(_), Some(_)) => Err(Error::Authorization(
            "the redirect repeats the 'state' parameter; discarded".into(),
        )),
        (Some(s), None) if !constant_time_eq(s.as_bytes(), expected_state.as_bytes()) => {
            Err(Error::Authorization(
                "the redirect's 'state' does not match this sign-in; discarded (possible CSRF)"
                    .into(),
            ))
        }
        (Some(_), None) => Ok(()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn authorization_url_has_pkce_state_and_resource() {
        let pending = build(AuthorizationParams {
            authorization_endpoint: "https://as.test/authorize",
            client_id: "client-1",
            redirect_uri: "http://127.0.0.1:5000/callback",
            scopes: &Scopes::parse("mcp:read mcp:write"),
            resource: Some("https://mcp.test"),
            issuer: "https://as.test",
            iss_required: true,
            prompt: None,
        })
        .unwrap();
        let params: std::collections::HashMap<_, _> =
            pending.url.query_pairs().into_owned().collect();
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(params["code_challenge"].len(), 43);
        assert_eq!(
            params["resource"], "https://mcp.test",
            "no trailing slash added"
        );
        assert_eq!(params["scope"], "mcp:read mcp:write");
        assert_eq!(params["state"], pending.state.secret().as_str());
        assert_eq!(params["response_type"], "code");
        assert!(!pending.url.as_str().contains(pending.verifier.secret()));
    }

    #[test]
    fn no_scope_parameter_when_none_selected() {
        let pending = build(AuthorizationParams {
            authorization_endpoint: "https://as.test/authorize",
            client_id: "c",
            redirect_uri: "http://127.0.0.1:5000/callback",
            scopes: &Scopes::default(),
            resource: Some("https://mcp.test/mcp"),
            issuer: "https://as.test",
            iss_required: false,
            prompt: None,
        })
        .unwrap();
        assert!(!pending.url.query_pairs().any(|(k, _)| k == "scope"));
    }

    #[test]
    fn callback_rows() {
        let iss = "https://as.test/";
        type Row = (
            &'static str,
            Vec<(String, String)>,
            bool,
            std::result::Result<&'static str, &'static str>,
        );
        let rows: Vec<Row> = vec![
            (
                "good",
                q(&[("code", "c1"), ("state", "s"), ("iss", iss)]),
                true,
                Ok("c1"),
            ),
            (
                "good without iss when optional",
                q(&[("code", "c1"), ("state", "s")]),
                false,
                Ok("c1"),
            ),
            (
                "missing state",
                q(&[("code", "c1")]),
                false,
                Err("no 'state'"),
            ),
            (
                "wrong state",
                q(&[("code", "c1"), ("state", "x")]),
                false,
                Err("does not match"),
            ),
            (
                "wrong iss",
                q(&[
                    ("code", "c1"),
                    ("state", "s"),
                    ("iss", "https://evil.test/"),
                ]),
                false,
                Err("mix-up"),
            ),
            (
                "normalised-looking iss",
                q(&[("code", "c1"), ("state", "s"), ("iss", "https://AS.test/")]),
                false,
                Err("mix-up"),
            ),
            (
                "iss without slash",
                q(&[("code", "c1"), ("state", "s"), ("iss", "https://as.test")]),
                false,
                Err("mix-up"),
            ),
            (
                "missing iss when required",
                q(&[("code", "c1"), ("state", "s")]),
                true,
                Err("promised an 'iss'"),
            ),
            (
                "denied",
                q(&[("error", "access_denied"), ("state", "s"), ("iss", iss)]),
                true,
                Err("denied"),
            ),
            (
                "error hidden behind wrong iss",
                q(&[
                    ("error", "access_denied"),
                    ("error_description", "click here"),
                    ("state", "s"),
                    ("iss", "https://evil/"),
                ]),
                false,
                Err("mix-up"),
            ),
            (
                "duplicate code",
                q(&[("code", "a"), ("code", "b"), ("state", "s")]),
                false,
                Err("repeats"),
            ),
            ("nothing", q(&[("state", "s")]), false, Err("neither")),
        ];
        for (name, query, required, want) in rows {
            let got = validate_callback(&query, "s", iss, required);
            match (got, want) {
                (Ok(code), Ok(w)) => assert_eq!(code, w, "{name}"),
                (Err(e), Err(w)) => {
                    let msg = e.to_string();
                    assert!(msg.contains(w), "{name}: {msg}");
                    assert!(!msg.contains("click here"), "{name}: shows untrusted text");
                }
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }
}
