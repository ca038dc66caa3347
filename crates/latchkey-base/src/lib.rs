//! The few pieces every Latchkey crate stands on and that stand on nothing of Latchkey's:
//! [`secret::Secret`] (a value that cannot print), [`url_policy`] (which URLs may be used and
//! how a server's address is written), [`atomic_file`] (replacing a file safely), [`time`] and
//! [`text`] (making other people's text printable).
//!
//! `latchkey-clients` (the clients' config files) and `latchkey-core` (everything else) both use
//! them; core's `Error` takes this crate's [`Error`] in as the variant of the same name.

pub mod atomic_file;
pub mod secret;
pub mod secret_name;
pub mod text;
pub mod time;
pub mod url_policy;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in these pieces and in reading or rewriting a client's config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is wrong; retrying will not help until someone changes it.
    #[error("{0}")]
    InvalidInput(String),
    /// A URL Latchkey will not send anything to.
    #[error("insecure URL {url}: {reason}")]
    Insecure { url: String, reason: String },
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
