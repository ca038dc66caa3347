//! One grant's status as a person reads it: the pill in the app and the line in `latchkey list`,
//! and whether it needs them ("attention"). Pure functions of the stored row and the clock.

use serde::Serialize;
use ts_rs::TS;

use crate::store::{GrantRow, GrantStatus};
use crate::time::human_until;

/// A grant without a refresh token is flagged this long before it expires, so the person can
/// reconnect at a moment of their choosing rather than find a client signed out.
pub const EXPIRY_WARNING: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Status {
    Connected {
        /// Unix seconds; `None` when the server gave no lifetime.
        expires_at: Option<i64>,
        refreshes_automatically: bool,
    },
    /// The access token expired and there is no refresh token: sign in again.
    Expired,
    /// The refresh was rejected for good (`invalid_grant`, client deleted by the server).
    NeedsReconnect {
        reason: Option<String>,
    },
    NotConnected,
    /// A refresh is running now (only the app knows this; the store never says it).
    Refreshing,
    /// The server answered without asking for a token.
    NoSignInNeeded,
}

impl Status {
    pub fn of_grant(g: &GrantRow, at: i64) -> Status {
        match g.status {
            GrantStatus::NeedsReconnect => Status::NeedsReconnect {
                reason: g.status_reason.as_ref().map(ToString::to_string),
            },
            GrantStatus::Active
                if g.access_expires_at.is_some_and(|e| e <= at) && !g.renews_by_itself() =>
            {
                Status::Expired
            }
            GrantStatus::Active => Status::Connected {
                expires_at: g.access_expires_at,
                refreshes_automatically: g.renews_by_itself(),
            },
        }
    }

    /// The stable one-word name `list --json` and the tray menu use.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Connected { .. } => "connected",
            Status::Expired => "expired",
            Status::NeedsReconnect { .. } => "needs_reconnect",
            Status::NotConnected => "not_connected",
            Status::Refreshing => "refreshing",
            Status::NoSignInNeeded => "no_sign_in_needed",
        }
    }

    /// "Connected · expires in 42 min · refreshes automatically": the words of the window's
    /// status pill too (`ui/src/lib/status.ts`; `crate::bindings` checks that both agree).
    pub fn sentence(&self, at: i64) -> String {
        match self {
            Status::Connected {
                expires_at: Some(e),
                refreshes_automatically,
            } => {
                // A refreshable token that has just run out reads "expired 2 min ago".
                let verb = if *e > at { "expires" } else { "expired" };
                let expiry = format!("{verb} {}", human_until(*e, at));
                if *refreshes_automatically {
                    format!("Connected · {expiry} · refreshes automatically")
                } else {
                    format!("Connected · {expiry}")
                }
            }
            Status::Connected {
                expires_at: None, ..
            } => "Connected".into(),
            Status::Expired => "Expired · sign in again".into(),
            Status::NeedsReconnect { .. } => "Needs reconnect".into(),
            Status::NotConnected => "Not connected".into(),
            Status::Refreshing => "Refreshing…".into(),
            Status::NoSignInNeeded => "No sign-in needed".into(),
        }
    }
}

/// Why this grant needs the person now, in plain words; `None` when it does not.
pub fn attention(g: &GrantRow, at: i64) -> Option<String> {
    match Status::of_grant(g, at) {
        Status::NeedsReconnect { reason } => Some(match reason {
            Some(r) => format!(
                "The server stopped accepting this sign-in ({r}). Reconnect to sign in again."
            ),
            None => "The server stopped accepting this sign-in. Reconnect to sign in again.".into(),
        }),
        Status::Expired => {
            Some("The sign-in expired and cannot renew itself. Reconnect to sign in again.".into())
        }
        Status::Connected {
            expires_at: Some(e),
            refreshes_automatically: false,
        } if e - at <= EXPIRY_WARNING => Some(format!(
            "Expires {} and cannot renew itself: reconnect before then to stay signed in.",
            human_until(e, at)
        )),
        _ => None,
    }
}

/// How long a client's unanswered wish to sign in is shown.
pub const SIGN_IN_WANTED_FOR: i64 = 24 * 3600;

/// A client (through `latchkey proxy`) needed a sign-in here that could not open a browser,
/// and there is no usable grant: the person is asked.
pub fn sign_in_wanted(s: &crate::store::ServerRow, grants: &[GrantRow], at: i64) -> Option<String> {
    let wanted = s.sign_in_wanted_at?;
    let usable = grants
        .iter()
        .any(|g| matches!(Status::of_grant(g, at), Status::Connected { .. }));
    (at - wanted < SIGN_IN_WANTED_FOR && !usable).then(|| {
        "An MCP client is waiting for you to sign in, and no browser could be opened for it: Connect here".to_string()
    })
}

/// When this grant's attention will change without anything else happening (a warning starts,
/// a token expires), so the app can look again then instead of polling.
pub fn next_change(g: &GrantRow, at: i64) -> Option<i64> {
    if g.status != GrantStatus::Active || g.renews_by_itself() {
        return None;
    }
    let e = g.access_expires_at?;
    [e - EXPIRY_WARNING, e].into_iter().find(|t| *t > at)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn grant(status: GrantStatus, expires_in: Option<i64>, refresh: bool) -> GrantRow {
        GrantRow {
            id: 1,
            server_id: 1,
            registration_id: 1,
            issuer: "https://as.example".into(),
            resource: "https://mcp.example/mcp".into(),
            account: None,
            scopes: Default::default(),
            requested_scopes: Default::default(),
            status,
            status_reason: Some(crate::store::ReconnectReason::Refused {
                error: "invalid_grant".into(),
            }),
            access_expires_at: expires_in.map(|d| 1_000_000 + d),
            has_refresh_token: refresh,
            is_default: true,
            created_at: 0,
            updated_at: 0,
            last_refreshed_at: None,
            obtained_by: crate::store::GrantKind::Browser,
            workload_token_file: None,
            via_idp: None,
            dpop_bound: false,
        }
    }

    #[test]
    fn status_and_attention_rows() {
        let at = 1_000_000;
        let rows: [(&str, GrantRow, &str, bool); 6] = [
            (
                "refreshing grant",
                grant(GrantStatus::Active, Some(2520), true),
                "Connected · expires in 42 min · refreshes automatically",
                false,
            ),
            (
                "long-lived without refresh",
                grant(GrantStatus::Active, Some(7200), false),
                "Connected · expires in 2 h",
                false,
            ),
            (
                "about to expire without refresh",
                grant(GrantStatus::Active, Some(600), false),
                "Connected · expires in 10 min",
                true,
            ),
            (
                "expired without refresh",
                grant(GrantStatus::Active, Some(-5), false),
                "Expired · sign in again",
                true,
            ),
            (
                "expired but refreshable",
                grant(GrantStatus::Active, Some(-5), true),
                "Connected · expired 5 s ago · refreshes automatically",
                false,
            ),
            (
                "rejected",
                grant(GrantStatus::NeedsReconnect, Some(100), true),
                "Needs reconnect",
                true,
            ),
        ];
        for (name, g, sentence, needs) in rows {
            assert_eq!(Status::of_grant(&g, at).sentence(at), sentence, "{name}");
            assert_eq!(attention(&g, at).is_some(), needs, "{name}");
        }
    }

    #[test]
    fn next_change_is_the_warning_then_the_expiry() {
        let at = 1_000_000;
        let g = grant(GrantStatus::Active, Some(3600), false);
        assert_eq!(next_change(&g, at), Some(at + 3600 - EXPIRY_WARNING));
        let g = grant(GrantStatus::Active, Some(60), false);
        assert_eq!(next_change(&g, at), Some(at + 60));
        let g = grant(GrantStatus::Active, Some(60), true);
        assert_eq!(
            next_change(&g, at),
            None,
            "refreshing grants need no warning"
        );
    }
}
