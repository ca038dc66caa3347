//! Getting a client id, in the MCP spec's priority order:
//! 1. pre-registered credentials given by the user (`--client-id`, maybe a secret);
//! 2. a Client ID Metadata Document URL, when the authorization server supports it;
//! 3. RFC 7591 dynamic client registration, as a native public client;
//! 4. otherwise, a clear message asking the user for a client id.

use serde::{Deserialize, Serialize};
use url::Url;

use super::metadata::AuthServerMetadata;
use crate::Secret;
use crate::http::HttpClient;
use crate::store::{RegistrationMethod, TokenAuthMethod};
use crate::{Error, Result};

pub const CLIENT_NAME: &str = "Latchkey";

/// What the user gave us (flags or settings) to identify the client.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_metadata_url: Option<String>,
    /// A PEM private key for `private_key_jwt` (client credentials), in place of a secret.
    pub private_key: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub method: RegistrationMethod,
    pub auth_method: TokenAuthMethod,
}

/// How to authenticate at the token endpoint with a secret, honouring
/// `token_endpoint_auth_methods_supported` (RFC 8414 default: `client_secret_basic`).
pub fn secret_auth_method(md: &AuthServerMetadata) -> TokenAuthMethod {
    match &md.token_endpoint_auth_methods_supported {
        Some(methods) if methods.iter().any(|m| m == "client_secret_basic") => {
            TokenAuthMethod::ClientSecretBasic
        }
        Some(methods) if methods.iter().any(|m| m == "client_secret_post") => {
            TokenAuthMethod::ClientSecretPost
        }
        _ => TokenAuthMethod::ClientSecretBasic,
    }
}

/// Which way of registering applies, without doing any I/O.
pub fn choose(
    md: &AuthServerMetadata,
    options: &ClientOptions,
    legacy: bool,
) -> Result<RegistrationMethod> {
    if options.client_id.is_some() {
        return Ok(RegistrationMethod::Preregistered);
    }
    if options.client_metadata_url.is_some()
        && md.client_id_metadata_document_supported == Some(true)
    {
        return Ok(RegistrationMethod::MetadataDocument);
    }
    if md.registration_endpoint.is_some() {
        return Ok(if legacy {
            RegistrationMethod::LegacyDynamic
        } else {
            RegistrationMethod::Dynamic
        });
    }
    Err(Error::Registration(format!(
        "the authorization server {} offers no dynamic client registration{}; register Latchkey there and pass --client-id (and --client-secret-stdin if it issued a secret)",
        md.issuer,
        if options.client_metadata_url.is_some() {
            " and does not accept client ID metadata documents"
        } else {
            ""
        }
    )))
}

/// Register (or adopt) a client for `redirect_uri`.
pub async fn register(
    http: &HttpClient,
    md: &AuthServerMetadata,
    options: &ClientOptions,
    redirect_uri: &str,
    legacy: bool,
) -> Result<RegisteredClient> {
    match choose(md, options, legacy)? {
        RegistrationMethod::Preregistered => {
            let client_id = options.client_id.clone().unwrap_or_default();
            let auth_method = if options.client_secret.is_some() {
                secret_auth_method(md)
            } else {
                TokenAuthMethod::None
            };
            Ok(RegisteredClient {
                client_id,
                client_secret: options.client_secret.clone(),
                method: RegistrationMethod::Preregistered,
                auth_method,
            })
        }
        RegistrationMethod::MetadataDocument => {
            let url = options.client_metadata_url.clone().unwrap_or_default();
            let parsed = Url::parse(&url).map_err(|_| {
                Error::InvalidInput(format!("client metadata URL '{url}' is not a URL"))
            })?;
            if parsed.scheme() != "https" || parsed.path().trim_matches('/').is_empty() {
                return Err(Error::InvalidInput(format!(
                    "client metadata URL '{url}' must be an https URL with a path"
                )));
            }
            Ok(RegisteredClient {
                client_id: url,
                client_secret: None,
                method: RegistrationMethod::MetadataDocument,
                auth_method: TokenAuthMethod::None,
            })
        }
        method @ (RegistrationMethod::Dynamic | RegistrationMethod::LegacyDynamic) => {
            let endpoint = md.registration_endpoint.as_deref().unwrap_or_default();
            let mut client = dynamic_register(http, md, endpoint, redirect_uri).await?;
            client.method = method;
            Ok(client)
        }
        RegistrationMethod::Imported => Err(Error::Registration(
            "an imported registration is never chosen for a new sign-in".into(),
        )),
    }
}

/// The RFC 7591 request body Latchkey sends: a native client, public when the server allows it.
#[derive(Debug, Serialize)]
pub struct RegistrationRequest<'a> {
    pub client_name: &'a str,
    pub redirect_uris: Vec<&'a str>,
    pub grant_types: Vec<&'a str>,
    pub response_types: [&'a str; 1],
    pub token_endpoint_auth_method: &'a str,
    pub application_type: &'a str,
    pub software_id: &'a str,
    pub software_version: &'a str,
}

#[derive(Debug, Deserialize)]
struct RegistrationResponse {
    client_id: String,
    #[serde(default)]
    client_secret: Option<Secret>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RegistrationError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// How Latchkey asks to authenticate at the token endpoint when it registers: as a public
/// client (`none`) when the server allows it or does not say, else with the secret it will be
/// given, in the first way the server lists (`client_secret_basic`, then `client_secret_post`).
/// A strict server refuses a registration for a method it does not support.
pub fn method_to_request(md: &AuthServerMetadata) -> TokenAuthMethod {
    match &md.token_endpoint_auth_methods_supported {
        Some(methods) if !methods.iter().any(|m| m == "none") => {
            if methods.iter().any(|m| m == "client_secret_basic") {
                TokenAuthMethod::ClientSecretBasic
            } else if methods.iter().any(|m| m == "client_secret_post") {
                TokenAuthMethod::ClientSecretPost
            } else {
                TokenAuthMethod::None
            }
        }
        _ => TokenAuthMethod::None,
    }
}

/// No `scope` member: it is optional (RFC 7591 §2), and strict servers (oidc-provider) refuse
/// resource scopes there; scopes are asked for in the authorization request instead.
/// The device authorization grant (RFC 8628) is asked for too where the server offers it, so
/// the same client can sign in with a code when no browser is at hand.
pub fn registration_request(
    redirect_uri: &str,
    auth_method: TokenAuthMethod,
    with_device_code: bool,
) -> RegistrationRequest<'_> {
    let mut grant_types = vec!["authorization_code", "refresh_token"];
    if with_device_code {
        grant_types.push(super::device::DEVICE_CODE);
    }
    RegistrationRequest {
        client_name: CLIENT_NAME,
        redirect_uris: vec![redirect_uri],
        grant_types,
        response_types: ["code"],
        token_endpoint_auth_method: auth_method.as_str(),
        application_type: "native",
        software_id: "dev.latchkey.cli",
        software_version: env!("CARGO_PKG_VERSION"),
    }
}

/// Read an RFC 7591 registration response (pure; fuzzed). A secret is kept only when the
/// client will authenticate with it.
pub fn parse_registration_response(
    body: &[u8],
    md: &AuthServerMetadata,
) -> Result<RegisteredClient> {
    let resp: RegistrationResponse = serde_json::from_slice(body).map_err(|_| {
        Error::Registration("the registration response is not valid JSON with a client_id".into())
    })?;
    if resp.client_id.trim().is_empty() {
        return Err(Error::Registration(
            "the registration response has an empty client_id".into(),
        ));
    }
    let secret = resp.client_secret.filter(|s| !s.expose().is_empty());
    let auth_method = match (
        resp.token_endpoint_auth_method
            .as_deref()
            .and_then(TokenAuthMethod::parse),
        &secret,
    ) {
        (Some(m), Some(_)) => m,
        // A secret without a method: follow what the server says it accepts; a server that
        // accepts only "none" gets a public client (we asked for one), secret unused.
        (None, Some(_)) if accepts_only_none(md) => TokenAuthMethod::None,
        (None, Some(_)) => secret_auth_method(md),
        (_, None) => TokenAuthMethod::None,
    };
    let secret = if auth_method == TokenAuthMethod::None {
        None
    } else {
        secret
    };
    Ok(RegisteredClient {
        client_id: resp.client_id,
        client_secret: secret,
        method: RegistrationMethod::Dynamic,
        auth_method,
    })
}

fn accepts_only_none(md: &AuthServerMetadata) -> bool {
    md.token_endpoint_auth_methods_supported
        .as_ref()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|x| x == "none"))
}

async fn dynamic_register(
    http: &HttpClient,
    md: &AuthServerMetadata,
    endpoint: &str,
    redirect_uri: &str,
) -> Result<RegisteredClient> {
    let url = Url::parse(endpoint)
        .map_err(|_| Error::Registration("registration_endpoint is not a URL".into()))?;
    let body = registration_request(
        redirect_uri,
        method_to_request(md),
        super::device::offered(md).is_some(),
    );
    let fetched = http
        .send(
            http.post(&url)
                .header(http::header::ACCEPT, "application/json")
                .json(&body),
        )
        .await?;
    match fetched.status {
        200 | 201 => parse_registration_response(&fetched.body, md).map_err(|e| match e {
            Error::Registration(m) => Error::Registration(format!("{m} (from {url})")),
            other => other,
        }),
        429 | 500..=599 => Err(Error::Network(format!(
            "client registration at {url} answered HTTP {}; try again later",
            fetched.status
        ))),
        status => {
            let detail = serde_json::from_slice::<RegistrationError>(&fetched.body)
                .map(|e| {
                    let code = crate::error::sanitize_server_text(&e.error);
                    match e.error_description {
                        Some(d) => format!("{code}: {}", crate::error::sanitize_server_text(&d)),
                        None => code,
                    }
                })
                .unwrap_or_else(|_| format!("HTTP {status}"));
            let hint = if detail.contains("redirect_uri") {
                " (the server refused Latchkey's loopback redirect URI; it may need a pre-registered client: --client-id)"
            } else {
                ""
            };
            Err(Error::Registration(format!(
                "{url} refused the registration: {detail}{hint}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(value: serde_json::Value) -> AuthServerMetadata {
        let mut base = serde_json::json!({
            "issuer": "https://as.test",
            "authorization_endpoint": "https://as.test/authorize",
            "token_endpoint": "https://as.test/token",
        });
        base.as_object_mut()
            .unwrap()
            .extend(value.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn registration_priority_rows() {
        let cimd = ClientOptions {
            client_metadata_url: Some("https://app.test/client.json".into()),
            ..Default::default()
        };
        let pre = ClientOptions {
            client_id: Some("abc".into()),
            ..cimd.clone()
        };
        let none = ClientOptions::default();
        let all = md(
            serde_json::json!({"registration_endpoint": "https://as.test/register", "client_id_metadata_document_supported": true}),
        );
        let dcr_only = md(serde_json::json!({"registration_endpoint": "https://as.test/register"}));
        let nothing = md(serde_json::json!({}));
        let rows = [
            (
                "pre-registered wins",
                &all,
                &pre,
                Some(RegistrationMethod::Preregistered),
            ),
            (
                "metadata document next",
                &all,
                &cimd,
                Some(RegistrationMethod::MetadataDocument),
            ),
            (
                "DCR when the AS lacks CIMD",
                &dcr_only,
                &cimd,
                Some(RegistrationMethod::Dynamic),
            ),
            (
                "DCR without a CIMD URL",
                &all,
                &none,
                Some(RegistrationMethod::Dynamic),
            ),
            ("nothing possible", &nothing, &none, None),
        ];
        for (name, md, opts, want) in rows {
            assert_eq!(choose(md, opts, false).ok(), want, "{name}");
        }
        let err = choose(&nothing, &none, false).unwrap_err().to_string();
        assert!(err.contains("--client-id"), "{err}");
    }

    /// Issue 11 (14): the registration response, printed with `{:?}`, hides its secret.
    #[test]
    fn registration_response_debug_hides_the_secret() {
        let resp: RegistrationResponse =
            serde_json::from_str(r#"{"client_id":"c","client_secret":"cs-supersecret"}"#).unwrap();
        let shown = format!("{resp:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("client_id"), "{shown}");
    }

    /// Issue 17 (6): the method asked for at registration is one the server lists.
    #[test]
    fn the_auth_method_asked_for_is_one_the_server_lists() {
        let rows = [
            (
                "server does not say",
                serde_json::json!({}),
                TokenAuthMethod::None,
            ),
            (
                "none allowed",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_basic", "none"]}),
                TokenAuthMethod::None,
            ),
            (
                "basic only",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}),
                TokenAuthMethod::ClientSecretBasic,
            ),
            (
                "post only",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]}),
                TokenAuthMethod::ClientSecretPost,
            ),
            (
                "basic and post",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]}),
                TokenAuthMethod::ClientSecretBasic,
            ),
        ];
        for (name, v, want) in rows {
            assert_eq!(method_to_request(&md(v)), want, "{name}");
        }
    }

    #[test]
    fn dcr_body_is_a_native_public_client() {
        let body = serde_json::to_value(registration_request(
            "http://127.0.0.1:1234/callback",
            TokenAuthMethod::None,
            false,
        ))
        .unwrap();
        assert_eq!(body["application_type"], "native");
        assert_eq!(body["token_endpoint_auth_method"], "none");
        assert_eq!(body["redirect_uris"][0], "http://127.0.0.1:1234/callback");
        assert_eq!(
            body["grant_types"],
            serde_json::json!(["authorization_code", "refresh_token"])
        );
        assert!(body.get("scope").is_none());
        let with_device = serde_json::to_value(registration_request(
            "http://127.0.0.1:1234/callback",
            TokenAuthMethod::None,
            true,
        ))
        .unwrap();
        assert_eq!(
            with_device["grant_types"][2],
            super::super::device::DEVICE_CODE
        );
    }

    #[test]
    fn registration_response_rows() {
        let only_none = md(serde_json::json!({"token_endpoint_auth_methods_supported": ["none"]}));
        let post_only = md(
            serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_post"]}),
        );
        type Row<'a> = (
            &'a str,
            serde_json::Value,
            &'a AuthServerMetadata,
            Option<(TokenAuthMethod, bool)>,
        );
        let rows: [Row; 6] = [
            (
                "public client",
                serde_json::json!({"client_id": "c"}),
                &only_none,
                Some((TokenAuthMethod::None, false)),
            ),
            (
                "method given",
                serde_json::json!({"client_id": "c", "client_secret": "s", "token_endpoint_auth_method": "client_secret_basic"}),
                &post_only,
                Some((TokenAuthMethod::ClientSecretBasic, true)),
            ),
            (
                "unasked secret, AS takes only none",
                serde_json::json!({"client_id": "c", "client_secret": "s"}),
                &only_none,
                Some((TokenAuthMethod::None, false)),
            ),
            (
                "secret, AS takes post",
                serde_json::json!({"client_id": "c", "client_secret": "s"}),
                &post_only,
                Some((TokenAuthMethod::ClientSecretPost, true)),
            ),
            (
                "empty client id",
                serde_json::json!({"client_id": " "}),
                &only_none,
                None,
            ),
            (
                "no client id",
                serde_json::json!({"client_secret": "s"}),
                &only_none,
                None,
            ),
        ];
        for (name, body, md, want) in rows {
            let got = parse_registration_response(body.to_string().as_bytes(), md)
                .ok()
                .map(|c| (c.auth_method, c.client_secret.is_some()));
            assert_eq!(got, want, "{name}");
        }
        assert!(parse_registration_response(b"\xff{", &only_none).is_err());
    }

    #[test]
    fn secret_auth_method_rows() {
        let rows = [
            (
                "default is basic",
                serde_json::json!({}),
                TokenAuthMethod::ClientSecretBasic,
            ),
            (
                "post only",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_post"]}),
                TokenAuthMethod::ClientSecretPost,
            ),
            (
                "both prefers basic",
                serde_json::json!({"token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]}),
                TokenAuthMethod::ClientSecretBasic,
            ),
        ];
        for (name, v, want) in rows {
            assert_eq!(secret_auth_method(&md(v)), want, "{name}");
        }
    }
}
