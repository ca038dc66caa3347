//! What a sign-in reports as it goes (the CLI prints it, the window shows it): made by the
//! steps here and by the sign-ins that chain them (`sign_in`, `idp`).

use super::device::DeviceCode;

/// Steps of a sign-in, reported as they happen (the CLI prints them; the app shows them).
#[derive(Debug, Clone)]
pub enum Progress {
    Discovering,
    Registering {
        issuer: String,
    },
    WaitingForBrowser {
        url: String,
        /// The server also offers sign-in with a code (`--device`).
        device_offered: bool,
    },
    Exchanging,
    /// A grant without a person: asking the token endpoint with this `grant_type`.
    RequestingToken {
        grant_type: &'static str,
    },
    /// A pasted address was not this sign-in's redirect; the sign-in keeps waiting.
    PastedRefused {
        why: String,
    },
    /// Sign-in with a code: the person enters `code.user_code` at `code.verification_uri`.
    DeviceCode {
        code: DeviceCode,
    },
}
