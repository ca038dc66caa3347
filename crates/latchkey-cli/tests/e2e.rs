//! End-to-end tests: the real `latchkey` binary against real OAuth peers (the MCP TypeScript
//! SDK's auth server, panva's oidc-provider, a deliberately hostile server), with secrets in a
//! real Secret Service. Run them inside `tests/support/with-keyring.sh` (`make test` does).
//!
//! One test binary (fast to link), one module per capability, helpers in `support`.

/// The OpenBao server fixture, shared with the core's tests.
#[path = "../../latchkey-core/tests/support/openbao.rs"]
mod openbao_server;
#[path = "e2e/support.rs"]
mod support;

#[path = "e2e/backends.rs"]
mod backends;
#[path = "e2e/bad_input.rs"]
mod bad_input;
#[path = "e2e/checkup.rs"]
mod checkup;
#[path = "e2e/clients.rs"]
mod clients;
#[path = "e2e/concurrency.rs"]
mod concurrency;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/header_helper.rs"]
mod header_helper;
#[path = "e2e/import.rs"]
mod import;
#[path = "e2e/issue11.rs"]
mod issue11;
#[path = "e2e/issue12.rs"]
mod issue12;
#[path = "e2e/issue13.rs"]
mod issue13;
#[path = "e2e/issue17.rs"]
mod issue17;
#[path = "e2e/keychain.rs"]
mod keychain;
#[path = "e2e/leaks.rs"]
mod leaks;
#[path = "e2e/lifecycle_oidc.rs"]
mod lifecycle_oidc;
#[path = "e2e/lifecycle_sdk.rs"]
mod lifecycle_sdk;
#[path = "e2e/openbao.rs"]
mod openbao;
#[path = "e2e/proxy.rs"]
mod proxy;
#[path = "e2e/refresher.rs"]
mod refresher;
#[path = "e2e/run.rs"]
mod run;
#[path = "e2e/setup.rs"]
mod setup;
#[path = "e2e/shell_docs.rs"]
mod shell_docs;
#[path = "e2e/soak.rs"]
mod soak;
#[path = "e2e/token_caches.rs"]
mod token_caches;
