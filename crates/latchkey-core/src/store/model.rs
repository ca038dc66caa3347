//! Rows of the store. These are the metadata shown to users (and serialised by `list --json`);
//! none of them holds a secret.

use serde::Serialize;

// Protocol vocabulary the rows hold; re-exported so `store::TokenAuthMethod` still names it.
use super::ReconnectReason;
pub use crate::protocol::{Scopes, TokenAuthMethod};

#[derive(Debug, Clone, Serialize)]
pub struct ServerRow {
    pub id: i64,
    pub url: String,
    pub resource: Option<String>,
    pub issuer: Option<String>,
    pub created_at: i64,
    /// `None` until a probe or sign-in found out; `Some(false)`: it answers without a token.
    pub needs_sign_in: Option<bool>,
    /// When a client last needed a sign-in here that could not open a browser (Unix seconds).
    pub sign_in_wanted_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMethod {
    /// Client id (and maybe secret) given by the user.
    Preregistered,
    /// Client ID Metadata Document: the client id is an https URL.
    MetadataDocument,
    /// RFC 7591 dynamic client registration.
    Dynamic,
    /// 2025-03-26 fallback: no metadata at all, default endpoints, DCR at `/register`.
    LegacyDynamic,
    /// Registered by another tool (mcp-remote, a client) and imported with its grant: used to
    /// renew and revoke that grant, never for a new sign-in (its redirect URI is the other
    /// tool's, on a port Latchkey does not listen on).
    Imported,
}

impl RegistrationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preregistered => "preregistered",
            Self::MetadataDocument => "metadata_document",
            Self::Dynamic => "dynamic",
            Self::LegacyDynamic => "legacy_dynamic",
            Self::Imported => "imported",
        }
    }

    /// Latchkey registered this client itself (RFC 7591), so it can register again.
    pub fn registered_by_latchkey(self) -> bool {
        matches!(self, Self::Dynamic | Self::LegacyDynamic)
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "preregistered" => Self::Preregistered,
            "metadata_document" => Self::MetadataDocument,
            "legacy_dynamic" => Self::LegacyDynamic,
            "imported" => Self::Imported,
            _ => Self::Dynamic,
        }
    }
}

/// A client registration to keep (see `Latchkey::keep_registration`).
#[derive(Debug, Clone, Copy)]
pub struct NewRegistration<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub method: RegistrationMethod,
    pub auth_method: TokenAuthMethod,
    /// Empty for a client that never redirects a browser (machine and identity-provider clients).
    pub redirect_uri: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegistrationRow {
    pub id: i64,
    pub issuer: String,
    pub client_id: String,
    pub method: RegistrationMethod,
    pub auth_method: TokenAuthMethod,
    pub redirect_uri: String,
    pub has_secret: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Active,
    /// The authorization server rejected the refresh (`invalid_grant`): the user must reconnect.
    /// The grant is kept so the user sees what it was.
    NeedsReconnect,
}

impl GrantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsReconnect => "needs_reconnect",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "needs_reconnect" => Self::NeedsReconnect,
            _ => Self::Active,
        }
    }
}

/// How a grant's tokens are obtained, and so how they are renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// A person signed in (authorization code + PKCE); renewed with the refresh token.
    #[default]
    Browser,
    /// A person approved a code on another device (RFC 8628); renewed with the refresh token.
    Device,
    /// The client credentials grant (extension `io.modelcontextprotocol/oauth-client-credentials`):
    /// the client's own secret or key; renewed by asking again.
    ClientCredentials,
    /// Workload identity federation (RFC 7523 JWT-bearer grant): the workload's JWT, read from
    /// a file at every renewal because its platform rotates it.
    Workload,
    /// Enterprise-managed authorization (SEP-990): an identity assertion (ID-JAG) from the
    /// company identity provider, by token exchange, redeemed with the JWT-bearer grant.
    ViaIdp,
}

impl GrantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Device => "device",
            Self::ClientCredentials => "client_credentials",
            Self::Workload => "workload",
            Self::ViaIdp => "via_idp",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "device" => Self::Device,
            "client_credentials" => Self::ClientCredentials,
            "workload" => Self::Workload,
            "via_idp" => Self::ViaIdp,
            _ => Self::Browser,
        }
    }

    /// Renewed without a person: a new token is requested whenever one is due.
    pub fn is_machine(self) -> bool {
        !matches!(self, Self::Browser | Self::Device)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub server_id: i64,
    pub registration_id: i64,
    pub issuer: String,
    pub resource: String,
    pub account: Option<String>,
    pub scopes: Scopes,
    pub requested_scopes: Scopes,
    pub status: GrantStatus,
    /// Why it waits for a reconnect (only when it does).
    pub status_reason: Option<ReconnectReason>,
    pub access_expires_at: Option<i64>,
    pub has_refresh_token: bool,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_refreshed_at: Option<i64>,
    pub obtained_by: GrantKind,
    /// For a workload grant: the file its JWT is read from (a path, never the token).
    pub workload_token_file: Option<String>,
    /// For a grant via an identity provider: that provider's issuer.
    pub via_idp: Option<String>,
    /// Its tokens are bound to a key Latchkey keeps (DPoP, RFC 9449): useless without it.
    pub dpop_bound: bool,
}

impl GrantRow {
    /// Its tokens are renewed without the person: by the refresh token, or by asking again
    /// with the client's own credentials or the workload's JWT.
    pub fn renews_by_itself(&self) -> bool {
        self.has_refresh_token || self.obtained_by.is_machine()
    }
}

/// What is needed to create a grant row.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub server_id: i64,
    pub registration_id: i64,
    pub issuer: String,
    pub resource: String,
    pub account: Option<String>,
    pub scopes: Scopes,
    pub requested_scopes: Scopes,
    pub access_expires_at: Option<i64>,
    pub has_refresh_token: bool,
    pub obtained_by: GrantKind,
    pub workload_token_file: Option<String>,
    pub via_idp: Option<String>,
    pub dpop_bound: bool,
}

/// A company identity provider Latchkey was signed in to (`latchkey idp connect`), for grants
/// via it. Its client (id, and secret in the secret store) is a registration row.
#[derive(Debug, Clone, Serialize)]
pub struct IdpRow {
    pub issuer: String,
    pub registration_id: i64,
    /// Where its ID token is read (single sign-on set up elsewhere), at every use.
    pub id_token_file: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub server_url: Option<String>,
    pub grant_id: Option<i64>,
    pub event: String,
    pub detail: Option<String>,
}
