//! Protocol vocabulary, pure and standing on nothing else of Latchkey's, which the OAuth steps,
//! the store, the proxy and the checkup share: MCP revisions and how a server's answer tells
//! them apart ([`era`]); the `_meta` keys a 2026-07-28 request carries its version,
//! capabilities and client in; OAuth's [`Scopes`] and [`TokenAuthMethod`].

pub mod client_auth;
pub mod era;
pub mod scopes;

pub use client_auth::TokenAuthMethod;
pub use scopes::Scopes;

pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
pub const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";
