//! Every MCP server the clients on this machine know: where each client keeps its config files
//! ([`paths`]), reading them whatever their format ([`parse`]), each client's schema
//! ([`schema`]), what deserves the user's attention ([`findings`]), the scan that puts it
//! together, one server per endpoint ([`scan`]), and following those files as they change
//! ([`watch`]). [`rewrite`] plans the change of one entry (and [`fixes`] which change a finding
//! calls for); [`token_caches`] reads the tokens other tools keep in plain files.
//!
//! Reading never changes a file and never keeps a secret value: findings name where a secret
//! sits (`env.GITHUB_TOKEN`), never what it is. Nothing here touches the keychain or the store:
//! storing a moved secret, the backup and writing the file are `latchkey-core`'s
//! (`clients::adopt`, `clients::backup`).

pub mod findings;
pub mod fixes;
pub mod jetbrains_xml;
pub mod model;
pub mod parse;
pub mod paths;
pub mod rewrite;
pub mod scan;
pub mod schema;
pub mod token_caches;
pub mod watch;

pub use latchkey_base::{Error, Result};
pub use model::*;

// The base pieces under short names inside this crate.
use latchkey_base::{secret, time, url_policy};
