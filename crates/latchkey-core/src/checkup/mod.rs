//! `latchkey doctor <url>`: a checkup of one MCP server's sign-in, for the person and for the
//! server's authors. Each step of what a client does (reach the server, read its challenge, its
//! protected-resource metadata, its authorization server's metadata, register) is tried on its
//! own and judged: ok, a warning (clients cope, some will not), or a failure (a spec-following
//! client cannot sign in), with the spec section it rests on. Unlike `connect`, it does not stop
//! at the first problem: every check that can still be made is made.
//!
//! - [`documents`]: judging the documents (pure, unit-tested).
//! - [`steps`]: fetching them, one step each.

pub mod documents;
mod steps;

use serde::Serialize;

pub use steps::run;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable name (`protected_resource_metadata`, `pkce`, ...).
    pub check: &'static str,
    pub result: Verdict,
    /// What was found, in a sentence; server text is made printable.
    pub says: String,
    /// The rule: "RFC 9728 §3.3", "MCP 2025-11-25 Authorization §Authorization Server Discovery".
    pub spec: &'static str,
}

#[derive(Debug, Clone, Serialize)]
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
