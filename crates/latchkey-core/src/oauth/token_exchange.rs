//! RFC 8693 token exchange at a company identity provider for an identity assertion JWT
//! authorization grant (ID-JAG): enterprise-managed authorization (SEP-990,
//! draft-ietf-oauth-identity-assertion-authz-grant). The person's ID token from the provider
//! is exchanged for an assertion meant for one MCP authorization server (`audience`) and one
//! MCP server (`resource`), which that server then redeems with the JWT-bearer grant
//! ([`super::machine::jwt_bearer`]): no browser per server.

use serde::Deserialize;

use super::machine;
use super::metadata::AuthServerMetadata;
use super::token::ClientCredentials;
use crate::Secret;
use crate::http::HttpClient;
use crate::protocol::Scopes;
use crate::{Error, Result};

pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";

#[derive(Deserialize)]
struct Exchanged {
    access_token: Secret,
    #[serde(default)]
    issued_token_type: Option<String>,
}

/// Exchange `id_token` at the identity provider for an ID-JAG for `audience` (the MCP
/// authorization server's issuer) and `resource` (the MCP server).
pub async fn id_jag(
    http: &HttpClient,
    idp: &AuthServerMetadata,
    creds: &ClientCredentials<'_>,
    id_token: &Secret,
    audience: &str,
    resource: &str,
    scopes: &Scopes,
) -> Result<Secret> {
    let endpoint = url::Url::parse(&idp.token_endpoint).map_err(|_| {
        Error::Discovery("the identity provider's token_endpoint is not a valid URL".into())
    })?;
    let mut form: Vec<(&str, String)> = vec![
        ("grant_type", TOKEN_EXCHANGE.into()),
        ("requested_token_type", ID_JAG.into()),
        ("subject_token", id_token.expose().to_string()),
        ("subject_token_type", ID_TOKEN.into()),
        ("audience", audience.into()),
        ("resource", resource.into()),
    ];
    if !scopes.is_empty() {
        form.push(("scope", scopes.to_string()));
    }
    let request = machine::authenticate(http.post(&endpoint), &mut form, creds)?
        .header(http::header::ACCEPT, "application/json");
    let fetched = http.send(request.form(&form)).await?;
    let answer: Exchanged =
        machine::read_answer(fetched.status, &fetched.body, "access_token (the ID-JAG)")?;
    match answer.issued_token_type.as_deref() {
        Some(ID_JAG) | None => {}
        Some(other) => {
            return Err(Error::Authorization(format!(
                "the identity provider {} issued a '{}' instead of an identity assertion (ID-JAG)",
                idp.issuer,
                crate::error::sanitize_server_text(other)
            )));
        }
    }
    if answer.access_token.expose().split('.').count() != 3 {
        return Err(Error::Authorization(format!(
            "the identity provider {} answered the exchange with something that is not a JWT",
            idp.issuer
        )));
    }
    Ok(answer.access_token)
}
