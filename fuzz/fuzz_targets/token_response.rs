//! Token endpoint responses (RFC 6749 §5.1, plus the OpenID `id_token`).
//! The properties: `crates/latchkey-fuzz-checks/src/token_response.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::token_response::check(data));
