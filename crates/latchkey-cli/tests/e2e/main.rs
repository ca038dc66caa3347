//! End-to-end tests: the real `latchkey` binary against real OAuth peers (the MCP TypeScript
//! SDK's auth server, panva's oidc-provider, a deliberately hostile server), with secrets in a
//! real Secret Service. Run them inside `tests/support/with-keyring.sh` (`make test` does).
//!
//! One test binary (fast to link), one module per capability, helpers in `support`. One test
//! by name: `make test-one NAME=import::` (any part of the test's path).

/// The OpenBao server fixture, shared with the core's tests.
#[path = "../../../latchkey-core/tests/support/openbao.rs"]
mod openbao_server;
mod support;

mod backends;
mod bad_input;
mod checkup;
mod clients;
mod concurrency;
mod faults;
mod header_helper;
mod import;
mod issue11;
mod issue12;
mod issue13;
mod issue17;
mod keychain;
mod leaks;
mod lifecycle_oidc;
mod lifecycle_sdk;
mod openbao;
mod proxy;
mod refresher;
mod run;
mod setup;
mod shell_docs;
mod soak;
mod token_caches;
