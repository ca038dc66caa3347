//! Which granted scopes can change things. The app shows write-capable scopes differently from
//! read-only ones, so a person sees at a glance what a grant lets a client do.
//!
//! OAuth scopes are free-form strings, so this is a reading of common conventions (GitHub's
//! `repo`, Google's `.../auth/drive`, `files:write`, `admin:org`, `mail.send`), erring towards
//! "write": calling a write scope read-only would be the harmful mistake.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ScopeAccess {
    /// Who you are and staying signed in (`openid`, `profile`, `email`, `offline_access`).
    Identity,
    /// Reads only.
    Read,
    /// Can create, change or delete something.
    Write,
}

const IDENTITY: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "address",
    "phone",
];
const READ_WORDS: &[&str] = &["read", "readonly", "view", "list", "get", "search", "query"];
const WRITE_WORDS: &[&str] = &[
    "write", "admin", "delete", "manage", "create", "update", "edit", "modify", "send", "post",
    "full", "all", "owner", "push", "publish", "execute", "exec", "deploy", "transfer", "pay",
];
/// Well-known scopes that grant write access without saying so.
const WRITE_NAMES: &[&str] = &["repo", "workflow", "gist", "mcp", "*"];

pub fn classify(scope: &str) -> ScopeAccess {
    let lower = scope.to_ascii_lowercase();
    if IDENTITY.contains(&lower.as_str()) {
        return ScopeAccess::Identity;
    }
    if WRITE_NAMES.contains(&lower.as_str()) {
        return ScopeAccess::Write;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // `ReadWrite` and `writer` are write; `readonly` and `reads` are read.
    let writes = words.iter().any(|w| {
        WRITE_WORDS
            .iter()
            .any(|l| w == l || (l.len() > 3 && w.contains(l)))
    });
    let reads = words.iter().any(|w| {
        READ_WORDS
            .iter()
            .any(|l| w == l || (l.len() > 3 && w.starts_with(l)))
    });
    if writes {
        ScopeAccess::Write
    } else if reads {
        ScopeAccess::Read
    } else {
        // A bare resource name (`drive`, `calendar`, `user`) usually means full access to it.
        ScopeAccess::Write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_rows() {
        let rows = [
            ("oidc", "openid", ScopeAccess::Identity),
            ("refresh", "offline_access", ScopeAccess::Identity),
            ("colon read", "files:read", ScopeAccess::Read),
            ("colon write", "files:write", ScopeAccess::Write),
            ("github read", "read:org", ScopeAccess::Read),
            ("github admin", "admin:org", ScopeAccess::Write),
            ("github repo", "repo", ScopeAccess::Write),
            (
                "google readonly",
                "https://www.googleapis.com/auth/drive.readonly",
                ScopeAccess::Read,
            ),
            (
                "google full",
                "https://www.googleapis.com/auth/drive",
                ScopeAccess::Write,
            ),
            ("dotted send", "mail.send", ScopeAccess::Write),
            ("camel readonly", "Calendars.ReadWrite", ScopeAccess::Write),
            ("prefix", "writer", ScopeAccess::Write),
            ("bare resource", "calendar", ScopeAccess::Write),
            ("search", "issues:search", ScopeAccess::Read),
        ];
        for (name, scope, want) in rows {
            assert_eq!(classify(scope), want, "{name}: {scope}");
        }
    }
}
