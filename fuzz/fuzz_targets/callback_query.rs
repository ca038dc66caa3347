//! The query string of the OAuth redirect that reaches the loopback listener.
//! The properties: `crates/latchkey-fuzz-checks/src/callback_query.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::callback_query::check(data));
