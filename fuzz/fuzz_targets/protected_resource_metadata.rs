//! RFC 9728 protected-resource metadata documents, as fetched from the MCP server.
//! The properties: `crates/latchkey-fuzz-checks/src/protected_resource_metadata.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::protected_resource_metadata::check(data));
