//! The properties the fuzz targets check, in one place: `fuzz/` runs them under libFuzzer
//! (nightly, `cargo fuzz run <target>`), and `tests/regressions.rs` replays every input the
//! fuzzer found troublesome (`fuzz/regressions/<target>-<name>.bin`) through the same checks in
//! every `make test`, on the stable toolchain. One module a parser of outside input.

pub mod auth_server_metadata;
pub mod callback_query;
pub mod canonical_resource;
pub mod json_eq;
pub mod protected_resource_metadata;
pub mod registration_response;
pub mod token_response;
pub mod www_authenticate;

/// A target's name (its fuzz binary's, and its regression files' prefix) and its checks.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 7] = [
    ("www_authenticate", www_authenticate::check),
    ("canonical_resource", canonical_resource::check),
    (
        "protected_resource_metadata",
        protected_resource_metadata::check,
    ),
    ("auth_server_metadata", auth_server_metadata::check),
    ("token_response", token_response::check),
    ("registration_response", registration_response::check),
    ("callback_query", callback_query::check),
];
