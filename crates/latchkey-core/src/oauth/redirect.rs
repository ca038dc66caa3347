//! The browser half of an authorization-code sign-in: open the browser at the request (unless
//! told not to), then take the code from the loopback redirect, or from the address the
//! person pasted (a browser on another machine), checked the same way (`state`, `iss`,
//! errors). Used for MCP servers and for a company identity provider alike.

use std::time::Duration;

use super::authorize::{self, PendingAuthorization};
use super::loopback::{self, Loopback};
use super::pasted::PastedAddresses;
use crate::{Error, Result};

/// How the code may come back.
pub struct Waiting<'a> {
    /// Start the browser here; otherwise the caller has shown the address.
    pub open_browser: bool,
    /// Addresses the person pastes, taken as well as the loopback redirect.
    pub pasted: Option<&'a PastedAddresses>,
    /// How long the loopback waits; `None`: the default (or `LATCHKEY_CALLBACK_TIMEOUT`).
    pub timeout: Option<Duration>,
}

/// The authorization code, once the redirect (or a pasted address) passed every check.
/// `refused` hears why a pasted address was not taken (the person may paste again).
pub async fn code(
    pending: &PendingAuthorization,
    listener: Loopback,
    how: Waiting<'_>,
    refused: &(dyn Fn(String) + Send + Sync),
) -> Result<String> {
    let launched = match how.open_browser {
        true => Some(crate::browser::open(pending.url.as_str())?),
        false => None,
    };
    let expected_state = pending.state.secret().clone();
    let issuer = pending.issuer.clone();
    let iss_required = pending.iss_required;
    let validate = move |query: &[(String, String)]| {
        authorize::validate_callback(query, &expected_state, &issuer, iss_required)
    };
    let redirect = listener.wait(
        pending.state.secret().clone(),
        validate.clone(),
        how.timeout.unwrap_or_else(loopback::timeout_from_env),
    );
    let pasted = async {
        match how.pasted {
            Some(p) => {
                p.wait(
                    &pending.redirect_uri,
                    pending.state.secret(),
                    &validate,
                    refused,
                )
                .await
            }
            None => std::future::pending().await,
        }
    };
    match launched {
        // A browser launcher that reports failure ends the wait: no redirect can come.
        Some(launched) => tokio::select! {
            code = redirect => code,
            code = pasted => code,
            why = launched.failed() => Err(Error::BrowserFailed(why)),
        },
        None => tokio::select! {
            code = redirect => code,
            code = pasted => code,
        },
    }
}
