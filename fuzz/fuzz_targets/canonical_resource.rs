//! `url_policy::canonical_resource` on arbitrary strings (server URLs typed by the user, and
//! The properties: `crates/latchkey-fuzz-checks/src/canonical_resource.rs` (replayed on every saved
//! regression by `make test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| latchkey_fuzz_checks::canonical_resource::check(data));
