//! `WWW-Authenticate` header values (RFC 6750 / RFC 9728 §5.1) as the server sends them.
//! The properties: `crates/latchkey-fuzz-checks/src/www_authenticate.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::www_authenticate::check(data));
