//! MCP protocol rules the proxy needs, as pure functions: the revisions and how to tell them
//! apart ([`era`], in the core: the checkup asks the same question), the 2026-07-28 HTTP headers
//! ([`headers`]), and what changes between a 2025 client and a 2026-07-28 server
//! ([`translate`]).

pub use latchkey_core::protocol::era;
pub mod headers;
pub mod translate;
