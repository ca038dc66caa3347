//! `latchkey doctor <url>`: a checkup of one MCP server's sign-in, for the person and for the
//! server's authors. Each step of what a client does (reach the server, read its challenge, its
//! protected-resource metadata, its authorization server's metadata, register) is tried on its
//! own and judged: ok, a warning (clients cope, some will not), or a failure (a spec-following
//! client cannot sign in), with the spec section it rests on. Unlike `connect`, it does not stop
//! at the first problem: every check that can still be made is made.
//!
//! - [`documents`]: judging the documents (pure, unit-tested).
//! - [`steps`]: fetching them, one step each.
//! - [`protocol`]: the MCP revisions it speaks, asked with the person's own token.

pub mod documents;
pub mod protocol;
mod steps;

use serde::Serialize;
use ts_rs::TS;

pub use steps::run;

use crate::context::Latchkey;

/// The checkup, with the person's own token when Latchkey holds one for the server (to ask
/// which MCP revisions it speaks; a token bound to a key needs a proof per request, so that
/// check is then skipped). What `latchkey doctor <url>` and the window's Details both run.
pub async fn run_for(lk: &Latchkey, server: &str) -> crate::Result<Checkup> {
    let token = crate::broker::token_if_connected(lk, server, false)
        .await
        .ok()
        .flatten()
        .filter(|h| h.dpop_key.is_none())
        .map(|h| h.access_token);
    run(server, token.as_ref()).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    /// Not checked: an earlier step failed, or it needs something the checkup does not have.
    Skipped,
    Warning,
    Failure,
}

impl Verdict {
    /// The word a line starts with.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Skipped => "skipped",
            Verdict::Warning => "warning",
            Verdict::Failure => "FAIL",
        }
    }
}

/// One check: what was looked at, what was found, and which rule says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Check {
    /// A stable name (`protected_resource_metadata`, `pkce`, ...).
    pub check: &'static str,
    pub result: Verdict,
    /// What was found, in a sentence; server text is made printable.
    pub says: String,
    /// The rule: "RFC 9728 §3.3", "MCP 2025-11-25 Authorization §Authorization Server Discovery".
    pub spec: &'static str,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Checkup {
    pub server: String,
    pub checks: Vec<Check>,
    /// The worst result (ok when every check is ok or skipped).
    pub worst: Verdict,
}

impl Checkup {
    pub fn new(server: impl Into<String>) -> Self {
        Self {
            server: server.into(),
            checks: Vec::new(),
            worst: Verdict::Ok,
        }
    }

    pub fn add(&mut self, check: &'static str, result: Verdict, says: String, spec: &'static str) {
        if result != Verdict::Skipped {
            self.worst = self.worst.max(result);
        }
        self.checks.push(Check {
            check,
            result,
            says: crate::error::sanitize_server_text(&says),
            spec,
        });
    }

    pub fn verdict_of(&self, check: &str) -> Option<Verdict> {
        self.checks
            .iter()
            .find(|c| c.check == check)
            .map(|c| c.result)
    }
}

/// The spec sections the checks cite.
pub mod spec {
    pub const TRANSPORT: &str = "MCP 2025-11-25 Authorization §Communication Security";
    pub const CHALLENGE: &str = "RFC 9728 §5.1";
    pub const PRM: &str = "RFC 9728 §3";
    pub const PRM_RESOURCE: &str = "RFC 9728 §3.3";
    pub const AS_METADATA: &str = "RFC 8414 §3";
    pub const ISSUER: &str = "RFC 8414 §3.3";
    pub const PKCE: &str = "MCP 2025-11-25 Authorization §Authorization Code Protection";
    pub const REGISTRATION: &str = "MCP 2025-11-25 Authorization §Client Registration Approaches";
    pub const DCR: &str = "RFC 7591 §3";
    pub const REFRESH: &str = "OAuth 2.1 §4.3, OIDC Core §11 (offline_access)";
    pub const SCOPES: &str = "MCP 2025-11-25 Authorization §Scope Selection Strategy";
    pub const REVOCATION: &str = "RFC 7009";
    pub const PROTOCOL: &str = "MCP 2025-11-25 Lifecycle §Version Negotiation";
}
