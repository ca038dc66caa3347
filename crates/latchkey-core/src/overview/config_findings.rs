//! What the MCP clients' config files need, for the window: each finding in plain words, the
//! file and entry it is about, and the one fix Latchkey can make there (or none, when the
//! person has to act or the file is one Latchkey does not change). Values never appear.

use serde::Serialize;
use ts_rs::TS;

use crate::clients::adopt;
use crate::clients::model::{FileReport, Finding};
use crate::clients::rewrite::Action;
use crate::clients::scan::Scan;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConfigFinding {
    /// The config file, as scanned; a fix sends it back to say which file.
    pub file: String,
    /// The MCP client that reads the file (`Goose`, `Cursor`, ...).
    pub client: String,
    /// The entry's name in the file; empty for a finding about the whole file.
    pub entry: String,
    /// What is wrong, in plain words.
    pub what: String,
    pub fix: Option<Fix>,
}

/// The change Latchkey can make to one entry, with consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Values go to the secret store; the entry runs `latchkey run -- <command>`.
    MoveSecrets,
    /// The entry becomes `latchkey proxy <url>`.
    UseSignIn,
}

impl Fix {
    pub fn action(self) -> Action {
        match self {
            Fix::MoveSecrets => Action::MoveSecrets,
            Fix::UseSignIn => Action::UseSignIn,
        }
    }

    fn of(action: Action) -> Fix {
        match action {
            Action::MoveSecrets => Fix::MoveSecrets,
            Action::UseSignIn => Fix::UseSignIn,
        }
    }
}

/// Every finding in every scanned file, fixable ones first, then by client and entry.
pub fn build(scan: &Scan) -> Vec<ConfigFinding> {
    let mut out = Vec::new();
    for file in &scan.files {
        for finding in &file.findings {
            out.push(item(file, "", finding, None));
        }
        for server in &file.servers {
            for finding in &server.findings {
                let fix = adopt::action_for(file, server, finding).map(Fix::of);
                out.push(item(file, &server.name, finding, fix));
            }
        }
    }
    out.sort_by(|a, b| {
        (a.fix.is_none(), &a.client, &a.entry, &a.file).cmp(&(
            b.fix.is_none(),
            &b.client,
            &b.entry,
            &b.file,
        ))
    });
    out
}

fn item(file: &FileReport, entry: &str, finding: &Finding, fix: Option<Fix>) -> ConfigFinding {
    ConfigFinding {
        file: file.path.display().to_string(),
        client: file.client.display_name().to_string(),
        entry: entry.to_string(),
        what: words(finding),
        fix,
    }
}

fn words(finding: &Finding) -> String {
    match finding {
        Finding::PlaintextSecret { at, looks_like } => {
            format!("A secret ({looks_like}) sits in plain text at {at}.")
        }
        Finding::McpRemoteWrapper { url } => format!(
            "Signs in to {url} on its own, through npx mcp-remote; Latchkey's sign-in can serve it."
        ),
        Finding::PlainHttp { url } => {
            format!("Talks to {url} over plain http: anyone on the network can read it.")
        }
        Finding::ClientWillReject { reason } => {
            format!("The client will reject this file: {reason}.")
        }
        Finding::Unreadable { reason } => format!("Latchkey could not read this file: {reason}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::model::{ClientId, ConfiguredServer, Format, Layout, Transport};

    #[test]
    fn fixable_findings_come_first_with_their_fix_and_no_value() {
        let server = |name: &str, findings: Vec<Finding>| ConfiguredServer {
            name: name.into(),
            transport: Transport::Stdio,
            url: None,
            command: Some("npx".into()),
            args: vec![],
            env: vec!["GITHUB_TOKEN".into()],
            headers: vec![],
            disabled: false,
            project: None,
            findings,
        };
        let scan = Scan {
            servers: vec![],
            files: vec![
                FileReport {
                    client: ClientId::Codex,
                    scope: "user",
                    path: "/h/.codex/config.toml".into(),
                    format: Format::Toml,
                    layout: Layout::McpServers,
                    servers: vec![server(
                        "codex-gh",
                        vec![Finding::PlaintextSecret {
                            at: "env.GITHUB_TOKEN".into(),
                            looks_like: "GitHub token".into(),
                        }],
                    )],
                    findings: vec![],
                },
                FileReport {
                    client: ClientId::Cursor,
                    scope: "user",
                    path: "/h/.cursor/mcp.json".into(),
                    format: Format::Json,
                    layout: Layout::McpServers,
                    servers: vec![server(
                        "github",
                        vec![Finding::PlaintextSecret {
                            at: "env.GITHUB_TOKEN".into(),
                            looks_like: "GitHub token".into(),
                        }],
                    )],
                    findings: vec![Finding::ClientWillReject {
                        reason: "a trailing comma".into(),
                    }],
                },
            ],
        };
        let list = build(&scan);
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].entry, "github");
        assert_eq!(list[0].fix, Some(Fix::MoveSecrets));
        assert_eq!(
            list[0].what,
            "A secret (GitHub token) sits in plain text at env.GITHUB_TOKEN."
        );
        assert_eq!(list[0].client, "Cursor");
        assert!(list[1..].iter().all(|f| f.fix.is_none()), "{list:?}");
        assert!(
            list.iter()
                .any(|f| f.entry.is_empty() && f.what.contains("reject"))
        );
    }
}
