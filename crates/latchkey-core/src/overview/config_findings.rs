//! What the MCP clients' config files need, for the window: each finding in plain words, the
//! file and entry it is about, and the one fix Latchkey can make there (or none, when the
//! person has to act or the file is one Latchkey does not change). Values never appear.

use serde::Serialize;
use ts_rs::TS;

use crate::clients::model::{FileReport, Finding};
use crate::clients::rewrite::Action;
use crate::clients::scan::Scan;
use crate::clients::{adopt, token_caches};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConfigFinding {
    /// The config file, as scanned; a fix sends it back to say which file.
    pub file: String,
    /// The same file as a person reads it: `~` for the home folder.
    pub shown_file: String,
    /// The MCP client that reads the file (`Goose`, `Cursor`, ...).
    pub client: String,
    /// The entry's name in the file; empty for a finding about the whole file.
    pub entry: String,
    /// What is wrong, in plain words.
    pub what: String,
    /// What kind of problem it is (for the counts of what needs the person).
    pub kind: FindingKind,
    pub fix: Option<Fix>,
}

/// The kinds of [`Finding`], without their details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    PlaintextSecret,
    McpRemoteWrapper,
    PlainHttp,
    ClientWillReject,
    Unreadable,
    PlaintextTokenCache,
}

impl FindingKind {
    fn of(finding: &Finding) -> Self {
        match finding {
            Finding::PlaintextSecret { .. } => Self::PlaintextSecret,
            Finding::McpRemoteWrapper { .. } => Self::McpRemoteWrapper,
            Finding::PlainHttp { .. } => Self::PlainHttp,
            Finding::ClientWillReject { .. } => Self::ClientWillReject,
            Finding::Unreadable { .. } => Self::Unreadable,
            Finding::PlaintextTokenCache { .. } => Self::PlaintextTokenCache,
        }
    }
}

/// The change Latchkey can make to one entry, with consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Values go to the secret store; the entry runs `latchkey run -- <command>`.
    MoveSecrets,
    /// The entry becomes `latchkey proxy <url>`.
    UseSignIn,
    /// A token cache's sign-ins move into Latchkey (`latchkey import`), or are revoked.
    ImportTokens,
}

impl Fix {
    /// The rewrite of a config entry this fix is; `None` for an import (not an entry's edit).
    pub fn action(self) -> Option<Action> {
        match self {
            Fix::MoveSecrets => Some(Action::MoveSecrets),
            Fix::UseSignIn => Some(Action::UseSignIn),
            Fix::ImportTokens => None,
        }
    }

    fn of(action: Action) -> Fix {
        match action {
            Action::MoveSecrets => Fix::MoveSecrets,
            Action::UseSignIn | Action::UseHeadersHelper(_) => Fix::UseSignIn,
        }
    }
}

/// Every finding in every scanned file, fixable ones first, then by client and entry.
pub fn build(scan: &Scan) -> Vec<ConfigFinding> {
    build_for_home(scan, dirs::home_dir().as_deref())
}

fn build_for_home(scan: &Scan, home: Option<&std::path::Path>) -> Vec<ConfigFinding> {
    let mut out = Vec::new();
    for file in &scan.files {
        for finding in &file.findings {
            // A token cache Latchkey can import: the import is its fix.
            let fix = (matches!(finding, Finding::PlaintextTokenCache { .. })
                && crate::clients::token_caches::Source::of_client(file.client).is_some())
            .then_some(Fix::ImportTokens);
            out.push(item(file, home, "", finding, fix));
        }
        for server in &file.servers {
            for finding in &server.findings {
                let fix = adopt::action_for(file, server, finding).map(Fix::of);
                out.push(item(file, home, &server.name, finding, fix));
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

fn item(
    file: &FileReport,
    home: Option<&std::path::Path>,
    entry: &str,
    finding: &Finding,
    fix: Option<Fix>,
) -> ConfigFinding {
    let client = file.client.display_name();
    ConfigFinding {
        file: file.path.display().to_string(),
        shown_file: shown_path(&file.path, home),
        client: client.to_string(),
        entry: entry.to_string(),
        what: words(finding, client),
        kind: FindingKind::of(finding),
        fix,
    }
}

/// `~/...` for a path in the home folder; any other path as it is.
pub(crate) fn shown_path(path: &std::path::Path, home: Option<&std::path::Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if !rest.as_os_str().is_empty() => {
            format!("~{}{}", std::path::MAIN_SEPARATOR, rest.display())
        }
        _ => path.display().to_string(),
    }
}

/// What the scan said a secret looks like, as a noun a sentence can take ("a GitHub token",
/// "a secret (by its name and randomness)" → "GitHub token", "secret").
fn secret_noun(looks_like: &str) -> &str {
    let noun = looks_like
        .strip_prefix("a ")
        .or_else(|| looks_like.strip_prefix("an "))
        .unwrap_or(looks_like);
    noun.split(" (").next().unwrap_or(noun).trim()
}

fn words(finding: &Finding, client: &str) -> String {
    match finding {
        Finding::PlaintextSecret { at, looks_like } => format!(
            "Your {} is stored in plain text in {client}'s config, at {at}.",
            secret_noun(looks_like)
        ),
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
        Finding::PlaintextTokenCache {
            grants,
            refreshable,
            servers,
            readable_by_others,
        } => {
            let whose = match grants {
                1 => "your sign-in".to_string(),
                n => format!("{n} sign-ins"),
            };
            let renewal = match (*refreshable, *grants) {
                (0, _) => String::new(),
                (1, 1) => ", refresh token included".into(),
                (r, g) if r == g => ", refresh tokens included".into(),
                (r, _) => format!(", {r} with a refresh token"),
            };
            let others = if *readable_by_others {
                " Other users on this computer can read the file."
            } else {
                ""
            };
            format!(
                "{client} keeps {whose} to {} in plain text{renewal}.{others}",
                token_caches::servers_phrase(servers, *grants)
            )
        }
    }
}

/// What a fix to a client's config file will do, said before it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AdoptPlan {
    pub file: String,
    pub client: String,
    pub entry: String,
    pub fix: Fix,
    /// One line per change (names, never values).
    pub changes: Vec<String>,
    /// The sentence the confirmation shows.
    pub message: String,
    /// The other choice the confirmation offers, in words (an import's "revoke them instead").
    pub alternative: Option<String>,
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
            projects: Vec::new(),
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
            "Your GitHub token is stored in plain text in Cursor's config, at env.GITHUB_TOKEN."
        );
        assert_eq!(list[0].client, "Cursor");
        assert!(list[1..].iter().all(|f| f.fix.is_none()), "{list:?}");
        assert!(
            list.iter()
                .any(|f| f.entry.is_empty() && f.what.contains("reject"))
        );
    }

    /// A token cache's finding offers the import (every cache Latchkey reads, it imports); a
    /// finding about a config file does not.
    #[test]
    fn a_token_cache_offers_the_import_where_latchkey_imports_it() {
        let cache = |client, path: &str| FileReport {
            client,
            scope: "token cache",
            path: path.into(),
            format: Format::Json,
            layout: Layout::TokenCache,
            servers: vec![],
            findings: vec![Finding::PlaintextTokenCache {
                grants: 1,
                refreshable: 1,
                servers: vec!["https://a/mcp".into()],
                readable_by_others: false,
            }],
        };
        let scan = Scan {
            projects: Vec::new(),
            servers: vec![],
            files: vec![
                cache(ClientId::McpRemote, "/h/.mcp-auth/mcp-remote-v1"),
                cache(ClientId::CopilotCli, "/h/.copilot/mcp-oauth-config"),
            ],
        };
        let list = build(&scan);
        let fix_of = |client: &str| list.iter().find(|f| f.client == client).unwrap().fix;
        assert_eq!(fix_of("mcp-remote"), Some(Fix::ImportTokens));
        assert_eq!(fix_of("Copilot CLI"), Some(Fix::ImportTokens));
        assert_eq!(Fix::ImportTokens.action(), None, "not an entry's edit");
    }

    #[test]
    fn secrets_are_named_as_a_person_says_them_and_home_is_a_tilde() {
        assert_eq!(secret_noun("a GitHub token"), "GitHub token");
        assert_eq!(secret_noun("an API key (sk-…)"), "API key");
        assert_eq!(
            secret_noun("a secret (by its name and randomness)"),
            "secret"
        );
        assert_eq!(secret_noun("GitHub token"), "GitHub token");
        let home = std::path::Path::new("/home/ada");
        let sep = std::path::MAIN_SEPARATOR;
        assert_eq!(
            shown_path(
                std::path::Path::new("/home/ada/.cursor/mcp.json"),
                Some(home)
            ),
            format!("~{sep}.cursor/mcp.json")
        );
        assert_eq!(
            shown_path(std::path::Path::new("/home/adam/x.json"), Some(home)),
            "/home/adam/x.json",
            "a prefix of a name is not the home folder"
        );
        assert_eq!(shown_path(home, Some(home)), "/home/ada");
        assert_eq!(shown_path(std::path::Path::new("/etc/x"), None), "/etc/x");
    }
}
