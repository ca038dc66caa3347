//! One error type for the core. Its [`ErrorKind`] decides behaviour: whether the user must act,
//! whether a grant is dead, or whether to simply try again later. A passing failure
//! ([`ErrorKind::Transient`]) never deletes or downgrades anything.
//!
//! Messages never contain a secret: server-provided text is quoted only where the server is the
//! one we validated, and tokens are never formatted into errors.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the caller should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input or the server's setup is wrong; retrying will not help until someone changes it.
    Invalid,
    /// The user has to do something (sign in again, unlock the keychain, pass a client id).
    UserMustAct,
    /// The grant was rejected for good (`invalid_grant`): it needs a reconnect.
    GrantRejected,
    /// Network trouble, timeouts, 5xx: try again later; nothing was changed.
    Transient,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("insecure URL {url}: {reason}")]
    Insecure { url: String, reason: String },
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("client registration failed: {0}")]
    Registration(String),
    #[error("authorization failed: {0}")]
    Authorization(String),
    #[error("sign-in was not completed: {0}")]
    SignInIncomplete(String),
    /// No browser could be opened for the sign-in (none installed, no desktop, it failed).
    #[error("the browser could not open the sign-in page: {0}")]
    BrowserFailed(String),
    #[error("the authorization server rejected the request: {code}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        code: String,
        description: Option<String>,
    },
    #[error("{0} needs to be reconnected: run `latchkey connect {0}`")]
    NeedsReconnect(String),
    /// A grant without a person whose credentials the authorization server refused: it waits
    /// for new ones (a rotated workload JWT, or a new secret given to `connect`).
    #[error("{0}")]
    CredentialsRefused(String),
    #[error("not signed in to {0}: run `latchkey connect {0}`")]
    NotConnected(String),
    #[error("network error: {0}")]
    Network(String),
    #[error("{0}")]
    Keychain(#[from] SecretStoreError),
    #[error("database error: {0}")]
    Store(String),
    /// The secret store holds another grant's tokens where this grant's should be.
    #[error("{0}")]
    ForeignTokens(String),
    #[error("{0}")]
    Io(String),
}

/// Why the secret store (the OS keychain, pass, OpenBao or Vault) could not be used: every
/// backend answers with these. Messages say what to do; they never carry secret bytes.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretStoreError {
    #[error(
        "the OS keychain is not available ({0}). On Linux, Latchkey needs a Secret Service (gnome-keyring or KeePassXC) on a D-Bus session bus; run `latchkey doctor`. Latchkey never falls back to plain-text files"
    )]
    Unavailable(String),
    #[error(
        "the OS keychain is locked: unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`) and try again"
    )]
    Locked,
    #[error(
        "the OS keychain did not answer within {0} s (a hidden unlock prompt?): unlock it and try again"
    )]
    TimedOut(u64),
    #[error("the OS keychain refused the operation: {0}")]
    Other(String),
    /// Another secret backend (pass, OpenBao) cannot be used as it is set up; the text says
    /// what to do.
    #[error("{0}")]
    Unusable(String),
    /// A secret server (OpenBao) did not answer, or not now: try again later; nothing changed.
    #[error("{0}")]
    Unreachable(String),
}

impl SecretStoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SecretStoreError::Other(_) => ErrorKind::Invalid,
            SecretStoreError::Unreachable(_) => ErrorKind::Transient,
            _ => ErrorKind::UserMustAct,
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_)
            | Error::Insecure { .. }
            | Error::Discovery(_)
            | Error::Registration(_)
            | Error::Authorization(_)
            | Error::Store(_)
            | Error::Io(_) => ErrorKind::Invalid,
            Error::SignInIncomplete(_)
            | Error::BrowserFailed(_)
            | Error::NotConnected(_)
            | Error::ForeignTokens(_) => ErrorKind::UserMustAct,
            Error::Keychain(k) => k.kind(),
            Error::OAuth { code, .. } if is_permanent_oauth_error(code) => ErrorKind::GrantRejected,
            Error::OAuth { .. } => ErrorKind::Invalid,
            Error::NeedsReconnect(_) | Error::CredentialsRefused(_) => ErrorKind::GrantRejected,
            Error::Network(_) => ErrorKind::Transient,
        }
    }

    /// An OAuth error from the server: its code and description are server text, so both are
    /// made printable (no control characters) before they reach a terminal or the window.
    pub fn oauth(code: impl Into<String>, description: Option<String>) -> Self {
        Error::OAuth {
            code: sanitize_server_text(&code.into()),
            description: description.map(|d| sanitize_server_text(&d)),
        }
    }

    /// The OAuth error code, when the authorization server answered with one.
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            Error::OAuth { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn network(e: impl fmt::Display) -> Self {
        Error::Network(e.to_string())
    }
}

/// OAuth error codes after which retrying the same refresh can never succeed.
pub fn is_permanent_oauth_error(code: &str) -> bool {
    matches!(
        code,
        "invalid_grant" | "invalid_client" | "unauthorized_client" | "unsupported_grant_type"
    )
}

pub use latchkey_base::text::{printable, sanitize_server_text};

/// The base pieces' errors (URL policy, atomic writes, the clients' config files) are the core's
/// variants of the same name, so callers match one type.
impl From<latchkey_base::Error> for Error {
    fn from(e: latchkey_base::Error) -> Self {
        match e {
            latchkey_base::Error::InvalidInput(m) => Error::InvalidInput(m),
            latchkey_base::Error::Insecure { url, reason } => Error::Insecure { url, reason },
            latchkey_base::Error::Io(m) => Error::Io(m),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_decide_behaviour() {
        let rows: [(&str, Error, ErrorKind); 5] = [
            (
                "invalid_grant is permanent",
                Error::oauth("invalid_grant", None),
                ErrorKind::GrantRejected,
            ),
            (
                "invalid_scope is a setup problem",
                Error::oauth("invalid_scope", None),
                ErrorKind::Invalid,
            ),
            (
                "network is transient",
                Error::Network("reset".into()),
                ErrorKind::Transient,
            ),
            (
                "not connected needs the user",
                Error::NotConnected("x".into()),
                ErrorKind::UserMustAct,
            ),
            (
                "reconnect is a rejected grant",
                Error::NeedsReconnect("x".into()),
                ErrorKind::GrantRejected,
            ),
        ];
        for (name, err, kind) in rows {
            assert_eq!(err.kind(), kind, "{name}");
        }
    }
}
