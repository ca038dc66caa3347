//! Metadata documents: protected-resource metadata (RFC 9728) and authorization-server metadata
//! (RFC 8414 / OpenID Discovery). Unknown fields are kept so nothing is lost when stored.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Result, url_policy};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProtectedResourceMetadata {
    pub resource: String,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_metadata_document_supported: Option<bool>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ProtectedResourceMetadata {
    /// RFC 9449 §5.1 / RFC 9728: the resource says it takes DPoP-bound tokens.
    pub fn takes_dpop(&self) -> bool {
        self.extra.get("dpop_bound_access_tokens_required") == Some(&serde_json::Value::Bool(true))
            || self
                .extra
                .get("dpop_signing_alg_values_supported")
                .and_then(|v| v.as_array())
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("ES256")))
    }
}

impl AuthServerMetadata {
    /// The server binds tokens to a key (RFC 9449) and takes ES256 proofs, the algorithm
    /// Latchkey's DPoP keys use.
    pub fn offers_dpop(&self) -> bool {
        self.extra
            .get("dpop_signing_alg_values_supported")
            .and_then(|v| v.as_array())
            .is_some_and(|algs| algs.iter().any(|a| a.as_str() == Some("ES256")))
    }

    /// The 2025-03-26 fallback when a server publishes no metadata at all: default endpoints at
    /// the server's origin.
    pub fn legacy_defaults(origin: &Url) -> Self {
        let base = url_policy::origin(origin);
        Self {
            issuer: base.clone(),
            authorization_endpoint: format!("{base}/authorize"),
            token_endpoint: format!("{base}/token"),
            registration_endpoint: Some(format!("{base}/register")),
            revocation_endpoint: None,
            userinfo_endpoint: None,
            scopes_supported: None,
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            token_endpoint_auth_methods_supported: None,
            grant_types_supported: None,
            authorization_response_iss_parameter_supported: None,
            client_id_metadata_document_supported: None,
            extra: Default::default(),
        }
    }

    /// Every endpoint must be an absolute https URL (http only on loopback, and never for an
    /// https MCP server).
    pub fn check_endpoints(&self, mcp_server: &Url) -> Result<()> {
        let mut endpoints = vec![
            ("authorization_endpoint", Some(&self.authorization_endpoint)),
            ("token_endpoint", Some(&self.token_endpoint)),
            ("registration_endpoint", self.registration_endpoint.as_ref()),
            ("revocation_endpoint", self.revocation_endpoint.as_ref()),
        ];
        endpoints.retain(|(_, v)| v.is_some());
        for (name, value) in endpoints {
            let value = value.expect("retained");
            let url = Url::parse(value).map_err(|_| {
                Error::Discovery(format!("authorization server's {name} is not a URL"))
            })?;
            url_policy::check_transport(&url, Some(mcp_server))?;
        }
        Ok(())
    }

    /// PKCE S256 is mandatory; a server that does not advertise it is refused (MCP 2025-11-25).
    pub fn check_pkce(&self) -> Result<()> {
        match &self.code_challenge_methods_supported {
            None => Err(Error::Discovery(format!(
                "the authorization server {} does not advertise code_challenge_methods_supported; MCP requires PKCE, so Latchkey will not continue",
                self.issuer
            ))),
            Some(methods) if !methods.iter().any(|m| m == "S256") => {
                Err(Error::Discovery(format!(
                    "the authorization server {} does not support PKCE S256",
                    self.issuer
                )))
            }
            Some(_) => Ok(()),
        }
    }

    pub fn supports_scope(&self, scope: &str) -> bool {
        self.scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x == scope))
    }
}
