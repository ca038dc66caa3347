//! Every MCP server the clients on this machine know. Reading, planning and watching the
//! clients' config files is the `latchkey-clients` crate (re-exported here under the names the
//! core has always used); what needs the home stays here: [`adopt`] (a finding's fix, with its
//! secrets stored), [`backup`] (every rewrite kept and undoable) and [`setup`] (the one-pass
//! `latchkey setup`).

pub mod adopt;
pub mod backup;
pub mod setup;

pub use latchkey_clients::{
    findings, fixes, jetbrains_xml, model, parse, paths, rewrite, scan, schema, token_caches, watch,
};
pub use model::*;
