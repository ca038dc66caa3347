//! Why a grant waits for a reconnect: one typed reason, decided where the grant was given up
//! (the broker, the secret store's upgrade, forgetting an identity provider), kept in the
//! store's `status_reason` column as JSON and shown in the same words everywhere (the window's
//! attention line, `latchkey list`, the error a proxy gets).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReconnectReason {
    /// The authorization server refused to renew the grant (`invalid_grant` and the like):
    /// the error as Latchkey words it (server text made printable).
    Refused { error: String },
    /// The access token ran out and the server gave no refresh token to renew it.
    ExpiredWithoutRefreshToken,
    /// The server no longer knows Latchkey's own client registration (`invalid_client`): the
    /// registration was dropped, so the next sign-in registers again.
    RegistrationForgotten,
    /// The server does not accept the client id the person gave (`invalid_client`).
    ClientIdRefused {
        issuer: String,
        client_id: String,
        server_url: String,
    },
    /// The secret store holds another grant's tokens where this grant's should be.
    ForeignTokens { detail: String },
    /// Its tokens, found in a secret store several machines share, could not be told apart
    /// from another machine's.
    SharedTokensAmbiguous,
    /// The identity provider the grant was obtained through was removed from Latchkey.
    IdpRemoved { issuer: String },
    /// Words an older Latchkey stored (plain text, before reasons were typed).
    Other { text: String },
}

impl ReconnectReason {
    /// The column's value.
    pub fn to_column(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.to_string())
    }

    /// What the column holds: a typed reason, or an older Latchkey's words.
    pub fn from_column(text: &str) -> ReconnectReason {
        serde_json::from_str(text).unwrap_or_else(|_| ReconnectReason::Other {
            text: text.to_string(),
        })
    }
}

impl fmt::Display for ReconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { error } => f.write_str(error),
            Self::ExpiredWithoutRefreshToken => {
                f.write_str("expired; the server gave no refresh token")
            }
            Self::RegistrationForgotten => f.write_str(
                "the authorization server no longer knows this client registration (invalid_client); reconnect to register again",
            ),
            Self::ClientIdRefused {
                issuer,
                client_id,
                server_url,
            } => write!(
                f,
                "the authorization server {issuer} does not accept the client id '{client_id}' (invalid_client): ask its administrator for a valid one, then run `latchkey connect {server_url} --client-id <ID>` (with --client-secret-stdin if it has a secret)"
            ),
            Self::ForeignTokens { detail } => f.write_str(detail),
            Self::SharedTokensAmbiguous => f.write_str(
                "its tokens in the shared secret store could not be told apart from another machine's; sign in again",
            ),
            Self::IdpRemoved { issuer } => write!(
                f,
                "the identity provider {issuer} was removed from Latchkey"
            ),
            Self::Other { text } => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_comes_back_from_the_column_as_it_went_in() {
        let reasons = [
            ReconnectReason::Refused {
                error: "the authorization server rejected the request: invalid_grant".into(),
            },
            ReconnectReason::ExpiredWithoutRefreshToken,
            ReconnectReason::RegistrationForgotten,
            ReconnectReason::ClientIdRefused {
                issuer: "https://as".into(),
                client_id: "c1".into(),
                server_url: "https://mcp/x".into(),
            },
            ReconnectReason::ForeignTokens {
                detail: "another grant's".into(),
            },
            ReconnectReason::SharedTokensAmbiguous,
            ReconnectReason::IdpRemoved {
                issuer: "https://idp".into(),
            },
            ReconnectReason::Other {
                text: "{not json".into(),
            },
        ];
        for r in reasons {
            assert_eq!(ReconnectReason::from_column(&r.to_column()), r);
        }
    }

    #[test]
    fn an_older_latchkeys_words_are_kept_and_shown_as_they_were() {
        let old = "expired; the server gave no refresh token";
        let r = ReconnectReason::from_column(old);
        assert_eq!(r, ReconnectReason::Other { text: old.into() });
        assert_eq!(r.to_string(), old);
        assert_eq!(
            ReconnectReason::from_column("invalid_grant").to_string(),
            "invalid_grant"
        );
    }

    #[test]
    fn the_words_name_what_to_do() {
        let r = ReconnectReason::ClientIdRefused {
            issuer: "https://as".into(),
            client_id: "c1".into(),
            server_url: "https://mcp/x".into(),
        };
        assert!(
            r.to_string()
                .contains("`latchkey connect https://mcp/x --client-id <ID>`")
        );
        assert!(
            ReconnectReason::IdpRemoved {
                issuer: "https://idp".into()
            }
            .to_string()
            .contains("https://idp was removed")
        );
    }
}
