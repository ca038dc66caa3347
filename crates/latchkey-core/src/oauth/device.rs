//! The device authorization grant (RFC 8628): for a machine with no browser at all. Latchkey
//! asks the authorization server for a code, the person enters it at the server's address on
//! any device (a phone), and Latchkey polls the token endpoint as the server asks (`interval`,
//! `slow_down`) until the person has approved, refused, or the code expired.
//!
//! The `oauth2` crate does the requests and the polling; this module says what to show and
//! what its errors mean.

use std::time::Duration;

use oauth2::{
    DeviceAuthorizationUrl, RequestTokenError, Scope, StandardDeviceAuthorizationResponse,
};

use super::metadata::AuthServerMetadata;
use super::token::{self, OAuthClient, TokenSet};
use crate::http::{HttpClient, OAuthHttpError};
use crate::protocol::Scopes;
use crate::{Error, Result};

pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The server's device authorization endpoint, when it offers the grant.
pub fn offered(md: &AuthServerMetadata) -> Option<&str> {
    let endpoint = md.extra.get("device_authorization_endpoint")?.as_str()?;
    let listed = md
        .grant_types_supported
        .as_ref()
        .is_none_or(|types| types.iter().any(|t| t == DEVICE_CODE));
    listed.then_some(endpoint)
}

/// What the person is shown: where to go and the code to enter there.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    /// The address with the code in it (a QR code's content), when the server gives one.
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
}

/// Ask for a code, show it (`show`), and poll until the person is done. `token_http` makes the
/// token requests (a DPoP client for a bound grant).
pub async fn sign_in<C>(
    http: &HttpClient,
    token_http: &C,
    client: &OAuthClient,
    md: &AuthServerMetadata,
    scopes: &Scopes,
    resource: &str,
    show: impl FnOnce(DeviceCode),
) -> Result<TokenSet>
where
    C: for<'c> oauth2::AsyncHttpClient<'c, Error = OAuthHttpError>,
{
    let endpoint = offered(md).ok_or_else(|| {
        Error::Discovery(format!(
            "the authorization server {} does not offer sign-in with a code (no device_authorization_endpoint)",
            md.issuer
        ))
    })?;
    let url = DeviceAuthorizationUrl::new(endpoint.to_string())
        .map_err(|_| Error::Discovery("device_authorization_endpoint is not a valid URL".into()))?;
    let client = client.clone().set_device_authorization_url(url);
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .add_extra_param("resource", resource)
        .request_async(http)
        .await
        .map_err(token::map_token_error)?;
    show(DeviceCode {
        user_code: crate::error::sanitize_server_text(details.user_code().secret()),
        verification_uri: crate::error::sanitize_server_text(details.verification_uri()),
        verification_uri_complete: details
            .verification_uri_complete()
            .map(|u| crate::error::sanitize_server_text(u.secret())),
        expires_in: details.expires_in(),
    });
    let response = client
        .exchange_device_access_token(&details)
        .add_extra_param("resource", resource)
        .request_async(token_http, tokio::time::sleep, None)
        .await
        .map_err(polling_error)?;
    Ok(token::token_set(&response, None, scopes))
}

/// What the polling's end means to the person.
fn polling_error(e: RequestTokenError<OAuthHttpError, oauth2::DeviceCodeErrorResponse>) -> Error {
    use oauth2::DeviceCodeErrorResponseType as T;
    match e {
        RequestTokenError::ServerResponse(resp) => match resp.error() {
            T::ExpiredToken => Error::SignInIncomplete(
                "the code expired before it was approved; run the command again for a new one"
                    .into(),
            ),
            T::AccessDenied => {
                Error::SignInIncomplete("access was denied at the authorization server".into())
            }
            other => Error::oauth(other.as_ref(), resp.error_description().cloned()),
        },
        RequestTokenError::Request(OAuthHttpError(inner)) => inner,
        RequestTokenError::Parse(..) => Error::Authorization(
            "the token response is not valid; expected JSON with access_token and token_type"
                .into(),
        ),
        RequestTokenError::Other(msg) => Error::Authorization(format!(
            "unexpected token response: {}",
            crate::error::sanitize_server_text(&msg)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::{DeviceCodeErrorResponse, DeviceCodeErrorResponseType};

    fn md(extra: serde_json::Value) -> AuthServerMetadata {
        let mut v = serde_json::json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
            "token_endpoint": "https://as.example/token",
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_grant_is_offered_only_with_its_endpoint_and_not_unlisted() {
        let endpoint =
            serde_json::json!({"device_authorization_endpoint": "https://as.example/device"});
        assert_eq!(
            offered(&md(endpoint.clone())),
            Some("https://as.example/device")
        );
        let mut listed = endpoint.clone();
        listed["grant_types_supported"] = serde_json::json!(["authorization_code", DEVICE_CODE]);
        assert!(offered(&md(listed)).is_some());
        let mut unlisted = endpoint;
        unlisted["grant_types_supported"] = serde_json::json!(["authorization_code"]);
        assert!(offered(&md(unlisted)).is_none());
        assert!(offered(&md(serde_json::json!({}))).is_none());
    }

    #[test]
    fn polling_ends_say_what_to_do() {
        let end = |t: DeviceCodeErrorResponseType| {
            polling_error(RequestTokenError::ServerResponse(
                DeviceCodeErrorResponse::new(t, None, None),
            ))
            .to_string()
        };
        assert!(end(DeviceCodeErrorResponseType::ExpiredToken).contains("expired"));
        assert!(end(DeviceCodeErrorResponseType::AccessDenied).contains("denied"));
        assert!(
            end(DeviceCodeErrorResponseType::Basic(
                oauth2::basic::BasicErrorResponseType::InvalidClient
            ))
            .contains("invalid_client")
        );
    }
}
