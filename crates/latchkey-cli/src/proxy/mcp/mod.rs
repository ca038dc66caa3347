//! MCP protocol rules the proxy needs, as pure functions: the revisions and how to tell them
//! apart ([`era`]), the 2026-07-28 HTTP headers ([`headers`]), and what changes between a
//! 2025 client and a 2026-07-28 server ([`translate`]).

pub mod era;
pub mod headers;
pub mod translate;
