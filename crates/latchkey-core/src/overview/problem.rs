//! Errors as the app shows them: a plain sentence first, the technical detail one click away.
//! Built from [`crate::Error`], which never holds a secret, so neither does a problem.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Problem {
    pub kind: ErrorKind,
    /// What happened and what to do, in plain words.
    pub message: String,
    /// The technical detail (the error as the CLI prints it).
    pub detail: String,
}

impl From<&Error> for Problem {
    fn from(e: &Error) -> Self {
        let message = match e {
            Error::InvalidInput(m) => m.clone(),
            Error::Insecure { .. } => "Latchkey signs in only over https. Plain http is allowed only for a server on this computer.".into(),
            Error::Discovery(_) => "This server does not say how to sign in to it. Check the address: it may not be an MCP server, or it may not support sign-in.".into(),
            Error::Registration(_) => "The server's sign-in service would not register Latchkey. It may need a client id from its administrator.".into(),
            Error::Authorization(_) => "The answer from the browser did not match this sign-in, so Latchkey stopped to keep you safe. Try again.".into(),
            Error::SignInIncomplete(d) if d.contains("denied") => "The sign-in was declined in the browser. Nothing was changed.".into(),
            Error::SignInIncomplete(d) if d.contains("cancel") => "The sign-in was cancelled. Nothing was changed.".into(),
            Error::SignInIncomplete(_) => "The sign-in was not finished in the browser. Nothing was changed; try again when ready.".into(),
            Error::BrowserFailed(_) => "No browser could be opened for the sign-in. Open the sign-in page yourself, or set BROWSER.".into(),
            Error::OAuth { .. } if e.kind() == ErrorKind::GrantRejected => "The server no longer accepts this sign-in. Reconnect to sign in again.".into(),
            Error::OAuth { .. } => "The server's sign-in service refused the request.".into(),
            Error::NeedsReconnect(_) => "The server no longer accepts this sign-in. Reconnect to sign in again.".into(),
            Error::CredentialsRefused(m) => m.clone(),
            Error::NotConnected(_) => "You are not signed in to this server yet. Connect first.".into(),
            Error::Network(_) => "Could not reach the server. Check the address and your connection, then try again.".into(),
            Error::Keychain(
                crate::secrets::SecretStoreError::Unusable(m)
                | crate::secrets::SecretStoreError::Unreachable(m),
            ) => m.clone(),
            Error::Keychain(k) => match k.kind() {
                ErrorKind::UserMustAct => "The system keychain is locked or not available. Unlock it (log in to your desktop session) and try again. Nothing was changed.".into(),
                _ => "The system keychain refused the operation. Nothing was changed.".into(),
            },
            Error::Store(_) => "Latchkey's database could not be used. Nothing was changed.".into(),
            Error::ForeignTokens(_) => "The secret store holds another sign-in's tokens where this one's should be, so Latchkey did not use them. Reconnect to sign in again.".into(),
            Error::Io(_) => "A file could not be read or written.".into(),
        };
        Problem {
            kind: e.kind(),
            message,
            detail: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretStoreError;

    #[test]
    fn problems_say_what_to_do() {
        let rows = [
            (
                "offline",
                Error::Network("connection refused".into()),
                "Could not reach",
            ),
            (
                "denied",
                Error::SignInIncomplete("access was denied at the authorization server".into()),
                "declined",
            ),
            (
                "locked",
                Error::Keychain(SecretStoreError::Locked),
                "keychain is locked",
            ),
            (
                "insecure",
                Error::Insecure {
                    url: "http://x".into(),
                    reason: "r".into(),
                },
                "https",
            ),
            ("rejected", Error::oauth("invalid_grant", None), "Reconnect"),
        ];
        for (name, e, want) in rows {
            let p = Problem::from(&e);
            assert!(p.message.contains(want), "{name}: {}", p.message);
            assert_eq!(p.detail, e.to_string(), "{name}");
        }
    }
}
