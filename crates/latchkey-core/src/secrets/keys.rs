//! The names of the items a home keeps in its secret store.
//!
//! Keychain keys: one item per grant (its whole token set, `oauth::token::TokenSet`) and one per
//! registration with a client secret.

pub fn grant_tokens(grant_id: i64) -> String {
    format!("grant/{grant_id}")
}

pub fn client_secret(registration_id: i64) -> String {
    format!("client/{registration_id}")
}

/// A `latchkey secret` value (`latchkey:<name>` references).
pub fn named_secret(name: &str) -> String {
    format!("secret/{name}")
}

/// What a browser sign-in at a company identity provider keeps (its ID token and refresh
/// token), by the provider's client registration.
pub fn idp_sign_in(registration_id: i64) -> String {
    format!("idp/{registration_id}")
}

/// A client config file's backup, taken before Latchkey changed it.
pub fn backup(id: i64) -> String {
    format!("backup/{id}")
}
