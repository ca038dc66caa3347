//! The OAuth 2.1 engine for MCP, one module a step:
//!
//! 1. [`challenge`]: read `WWW-Authenticate` (RFC 6750, RFC 9728 §5.1).
//! 2. [`discovery`]: protected-resource metadata (RFC 9728), then authorization-server metadata
//!    (RFC 8414 / OpenID Discovery) in the MCP spec's order, with the 2025-03-26 fallbacks.
//! 3. [`registration`]: pre-registered client, Client ID Metadata Document, or RFC 7591 DCR.
//! 4. [`authorize`]: PKCE S256, `state`, RFC 8707 `resource`, RFC 9207 `iss` checks;
//!    [`loopback`] receives the redirect (RFC 8252 §7.3).
//! 5. [`token`]: code exchange and refresh (with rotation) through the `oauth2` crate.
//! 6. [`revoke`]: RFC 7009.
//!
//! Grants without a person: [`machine`] (client credentials, workload JWT-bearer), with client
//! assertions signed by [`jws`]; [`token_exchange`] for identity assertions from a company
//! identity provider. [`dpop`] binds tokens to a key; [`pasted`] takes a redirect by hand.
//!
//! [`connect`] chains them into a sign-in; [`scopes`] picks what to ask for.

pub mod authorize;
pub mod challenge;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod jws;
pub mod loopback;
pub mod machine;
pub mod metadata;
pub mod pasted;
pub mod probe;
pub mod progress;
pub mod redirect;
pub mod registration;
pub mod revoke;
pub mod scopes;
pub mod token;
pub mod token_exchange;
pub mod userinfo;
