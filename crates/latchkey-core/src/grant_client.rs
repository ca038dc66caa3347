//! Talking to a grant's authorization server as the client that obtained it: its registration,
//! the server's metadata and the client secret (from the keychain), loaded once for the refresh
//! and revocation calls, and the HTTP client for the MCP server's calls (public addresses
//! only for a public server, see `http`).

use crate::Secret;
use crate::context::{Latchkey, keys};
use crate::http::HttpClient;
use crate::oauth::metadata::AuthServerMetadata;
use crate::oauth::token::{self, ClientCredentials, OAuthClient};
use crate::store::{GrantRow, RegistrationRow};
use crate::{Error, Result};

pub struct GrantClient {
    pub http: HttpClient,
    pub registration: RegistrationRow,
    pub metadata: AuthServerMetadata,
    secret: Option<Secret>,
}

impl GrantClient {
    pub async fn load(lk: &Latchkey, grant: &GrantRow) -> Result<Self> {
        let (registration, metadata, server) = {
            let store = lk.store();
            let server = store
                .server_by_id(grant.server_id)?
                .ok_or_else(|| Error::Store("the grant's server is missing".into()))?;
            let registration = store
                .registration(grant.registration_id)?
                .ok_or_else(|| Error::Store("the grant's client registration is missing".into()))?;
            let metadata = store
                .auth_server_metadata(&grant.issuer)?
                .and_then(|json| serde_json::from_str::<AuthServerMetadata>(&json).ok())
                .ok_or_else(|| {
                    Error::Store("the grant's authorization server metadata is missing".into())
                })?;
            (registration, metadata, server)
        };
        let server_url = url::Url::parse(&server.url)
            .map_err(|_| Error::Store("the grant's server URL does not parse".into()))?;
        let http = lk.http.for_server(&server_url).await?;
        let secret = if registration.has_secret {
            lk.secrets
                .get(&keys::client_secret(registration.id))
                .await?
        } else {
            None
        };
        Ok(Self {
            http,
            registration,
            metadata,
            secret,
        })
    }

    pub fn credentials(&self) -> ClientCredentials<'_> {
        ClientCredentials {
            client_id: &self.registration.client_id,
            client_secret: self.secret.as_ref(),
            auth_method: self.registration.auth_method,
            issuer: &self.metadata.issuer,
        }
    }

    pub fn oauth(&self) -> Result<OAuthClient> {
        token::client(&self.metadata, &self.credentials(), None)
    }
}
