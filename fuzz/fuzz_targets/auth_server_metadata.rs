//! RFC 8414 / OpenID Discovery authorization-server metadata documents.
//! The properties: `crates/latchkey-fuzz-checks/src/auth_server_metadata.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::auth_server_metadata::check(data));
