//! Latchkey's headless core: everything that is not a window.
//!
//! - [`oauth`]: the OAuth 2.1 engine, one module a step (discovery, registration,
//!   authorize, token, revoke) plus [`oauth::connect`] which chains them.
//! - [`secrets`]: where tokens and client secrets live (the OS keychain).
//! - [`store`]: SQLite metadata (servers, registrations, grants, audit); never a secret.
//! - [`broker`]: the single way to get a usable access token.
//! - [`http`]: the guarded HTTP client every network call goes through.

pub mod actions;
pub mod audit;
pub mod bindings;
pub mod broker;
pub mod browser;
pub mod checkup;
pub mod clients;
pub mod context;
pub mod disconnect;
pub mod error;
pub mod faults;
pub mod grant_client;
pub mod home;
pub mod http;
pub mod idp;
pub mod import;
pub mod logging;
pub mod migrate_secrets;
pub mod named_secrets;
pub mod oauth;
pub mod overview;
pub mod protocol;
pub mod runtime;
pub mod secrets;
pub mod settings;
pub mod sign_in;
pub mod store;
pub mod test_hooks;
pub mod tuning;

// The base pieces, under the names the core has always used for them.
pub use latchkey_base::{atomic_file, time, url_policy};

pub use context::Latchkey;
pub use error::{Error, ErrorKind, Result};
pub use latchkey_base::secret::Secret;
