//! Every MCP server the clients on this machine know: where each client keeps its config files
//! ([`paths`]), reading them whatever their format ([`parse`]), each client's schema
//! ([`schema`]), what deserves the user's attention ([`findings`]), and the scan that puts it
//! together, one server per endpoint ([`scan`]).
//!
//! Reading never changes a file and never keeps a secret value: findings name where a secret
//! sits (`env.GITHUB_TOKEN`), never what it is.

pub mod adopt;
pub mod backup;
pub mod findings;
pub mod jetbrains_xml;
pub mod model;
pub mod parse;
pub mod paths;
pub mod rewrite;
pub mod scan;
pub mod schema;
pub mod setup;
pub mod token_caches;
pub mod watch;

pub use model::*;
