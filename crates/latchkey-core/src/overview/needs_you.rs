//! What needs the person, counted once for the window's header, the tray and `latchkey list`:
//! servers to reconnect, sign-ins about to lapse, and what the MCP clients' config files need.
//! "All good" is said only when every count is zero.

use serde::Serialize;
use ts_rs::TS;

use super::config_findings::{ConfigFinding, FindingKind};
use super::{ServerView, Status};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct NeedsYou {
    /// Servers whose sign-in stopped working (rejected, or expired with no way to renew).
    pub reconnect: u32,
    /// Sign-ins about to expire that cannot renew themselves.
    pub expiring: u32,
    /// Secrets in plain text in the MCP clients' config files.
    pub plaintext_secrets: u32,
    /// Files where other tools keep MCP sign-ins in plain text (mcp-remote's cache, a
    /// client's token file).
    pub token_caches: u32,
    /// Config entries that sign in on their own (`npx mcp-remote`) instead of through Latchkey.
    pub own_sign_ins: u32,
    /// Other config-file problems: plain http, a file its client will reject or Latchkey
    /// cannot read.
    pub file_problems: u32,
    /// Everything above.
    pub total: u32,
    /// One short phrase per count that is not zero, the most urgent first
    /// ("2 servers need a reconnect", "3 secrets in plain text").
    pub phrases: Vec<String>,
}

pub fn count(servers: &[ServerView], findings: &[ConfigFinding]) -> NeedsYou {
    let mut n = NeedsYou::default();
    for s in servers.iter().filter(|s| s.attention.is_some()) {
        match s.status {
            Status::NeedsReconnect { .. } | Status::Expired => n.reconnect += 1,
            _ => n.expiring += 1,
        }
    }
    for f in findings {
        match f.kind {
            FindingKind::PlaintextSecret => n.plaintext_secrets += 1,
            FindingKind::PlaintextTokenCache => n.token_caches += 1,
            FindingKind::McpRemoteWrapper => n.own_sign_ins += 1,
            _ => n.file_problems += 1,
        }
    }
    n.total = n.reconnect
        + n.expiring
        + n.plaintext_secrets
        + n.token_caches
        + n.own_sign_ins
        + n.file_problems;
    n.phrases = [
        (
            n.reconnect,
            "server needs a reconnect",
            "servers need a reconnect",
        ),
        (
            n.expiring,
            "sign-in expires soon and cannot renew itself",
            "sign-ins expire soon and cannot renew themselves",
        ),
        (
            n.plaintext_secrets,
            "secret in plain text",
            "secrets in plain text",
        ),
        (
            n.token_caches,
            "plain-text token cache",
            "plain-text token caches",
        ),
        (
            n.own_sign_ins,
            "client entry signs in on its own",
            "client entries sign in on their own",
        ),
        (
            n.file_problems,
            "config file problem",
            "config file problems",
        ),
    ]
    .into_iter()
    .filter(|(count, ..)| *count > 0)
    .map(|(count, one, many)| match count {
        1 => format!("1 {one}"),
        _ => format!("{count} {many}"),
    })
    .collect();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: Status, attention: bool) -> ServerView {
        ServerView {
            url: "https://mcp.example/mcp".into(),
            name: "mcp.example/mcp".into(),
            host: "mcp.example".into(),
            clients: vec![],
            status,
            scopes: Default::default(),
            account: None,
            accounts: vec![],
            attention: attention.then(|| "Reconnect.".to_string()),
            known_to_latchkey: true,
        }
    }

    fn finding(kind: FindingKind) -> ConfigFinding {
        ConfigFinding {
            file: "/h/.cursor/mcp.json".into(),
            shown_file: "~/.cursor/mcp.json".into(),
            client: "Cursor".into(),
            entry: "github".into(),
            what: String::new(),
            kind,
            fix: None,
        }
    }

    #[test]
    fn all_good_only_when_nothing_needs_the_person() {
        let calm = count(
            &[
                server(Status::NotConnected, false),
                server(Status::Refreshing, false),
            ],
            &[],
        );
        assert_eq!(calm.total, 0);
        assert!(calm.phrases.is_empty());

        // One connected server and plain-text secrets: the header used to say "all good".
        let secrets = count(
            &[server(Status::Refreshing, false)],
            &[
                finding(FindingKind::PlaintextSecret),
                finding(FindingKind::PlaintextSecret),
                finding(FindingKind::PlaintextSecret),
            ],
        );
        assert_eq!(secrets.total, 3);
        assert_eq!(secrets.phrases, ["3 secrets in plain text"]);
    }

    #[test]
    fn each_kind_is_counted_and_said_most_urgent_first() {
        let n = count(
            &[
                server(Status::NeedsReconnect { reason: None }, true),
                server(Status::Expired, true),
                server(
                    Status::Connected {
                        expires_at: Some(1),
                        refreshes_automatically: false,
                    },
                    true,
                ),
            ],
            &[
                finding(FindingKind::McpRemoteWrapper),
                finding(FindingKind::PlaintextSecret),
                finding(FindingKind::PlainHttp),
                finding(FindingKind::Unreadable),
            ],
        );
        assert_eq!(
            (
                n.reconnect,
                n.expiring,
                n.plaintext_secrets,
                n.own_sign_ins,
                n.file_problems
            ),
            (2, 1, 1, 1, 2)
        );
        assert_eq!(n.total, 7);
        assert_eq!(
            n.phrases,
            [
                "2 servers need a reconnect",
                "1 sign-in expires soon and cannot renew itself",
                "1 secret in plain text",
                "1 client entry signs in on its own",
                "2 config file problems",
            ]
        );
    }
}
