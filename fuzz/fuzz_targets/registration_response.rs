//! RFC 7591 dynamic client registration responses, read against a few fixed
//! The properties: `crates/latchkey-fuzz-checks/src/registration_response.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::registration_response::check(data));
