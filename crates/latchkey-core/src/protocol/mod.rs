//! MCP protocol revisions, as pure rules the proxy and the checkup share: which revisions exist
//! and how a server's answer tells them apart ([`era`]), and the `_meta` keys a 2026-07-28
//! request carries its version, capabilities and client in.

pub mod era;

pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
pub const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";
