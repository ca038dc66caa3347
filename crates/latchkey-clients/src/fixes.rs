//! What Latchkey can do about a finding, the same for `latchkey adopt` and the app's button:
//! which of the scanned files holds the entry, which change a finding calls for, and the plan of
//! that change for the consent prompt. Nothing is written here: core's `clients::adopt` checks
//! the plan's secret names against the keychain and applies it.
//!
//! Only files the scan found can be changed: a path coming from the window is looked up among
//! them, never opened as given.

use std::path::Path;

use crate::model::{ClientId, ConfiguredServer, FileReport, Finding, Format, Layout};
use crate::rewrite::{self, Action, Helper, PlannedEdit};
use crate::scan::Scan;
use crate::{Error, Result};

/// The one file holding the entry `name` (the file named by `file`, when given).
pub fn file_for<'a>(scan: &'a Scan, name: &str, file: Option<&Path>) -> Result<&'a FileReport> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let wanted = file.map(canonical);
    let candidates: Vec<&FileReport> = scan
        .files
        .iter()
        .filter(|f| wanted.as_ref().is_none_or(|w| canonical(&f.path) == *w))
        .filter(|f| {
            f.servers
                .iter()
                .any(|s| s.name == name && s.project.is_none())
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::InvalidInput(format!(
            "no config file Latchkey knows has an entry '{name}'{}; `latchkey clients` lists them",
            file.map(|f| format!(" in {}", f.display()))
                .unwrap_or_default()
        ))),
        many => {
            let list: Vec<String> = many.iter().map(|f| f.path.display().to_string()).collect();
            Err(Error::InvalidInput(format!(
                "'{name}' is in several files; say which with --file: {}",
                list.join(", ")
            )))
        }
    }
}

/// What Latchkey can do about `finding` on `server` in `file`, when it can change that file.
pub fn action_for(
    file: &FileReport,
    server: &ConfiguredServer,
    finding: &Finding,
) -> Option<Action> {
    if !can_change_entry(file, server) {
        return None;
    }
    match finding {
        Finding::PlaintextSecret { at, .. }
            if at.starts_with("env.") && server.command.is_some() =>
        {
            Some(Action::MoveSecrets)
        }
        // A token in a remote entry's headers: Latchkey's sign-in replaces it.
        Finding::PlaintextSecret { at, .. }
            if at.starts_with("headers.") && server.url.is_some() =>
        {
            Some(Action::UseSignIn)
        }
        Finding::McpRemoteWrapper { .. } => Some(Action::UseSignIn),
        _ => None,
    }
}

/// Whether Latchkey changes this entry of this file at all: not per-project entries of
/// Claude Code's `~/.claude.json`, not a JetBrains URL server (it would have to move to the
/// IDE's command list: by hand), and only files [`can_change`] knows.
pub fn can_change_entry(file: &FileReport, server: &ConfiguredServer) -> bool {
    can_change(file.format, file.layout)
        && server.project.is_none()
        && !(file.layout == Layout::JetbrainsXml && server.command.is_none())
}

/// Whether [`rewrite::plan`] can change files of this format and layout.
pub fn can_change(format: Format, layout: Layout) -> bool {
    match format {
        Format::Json | Format::Jsonc => matches!(
            layout,
            Layout::McpServers
                | Layout::ClaudeJson
                | Layout::VscodeServers
                | Layout::VscodeSettings
                | Layout::ZedContextServers
                | Layout::OpencodeMcp
                | Layout::BareMap
                | Layout::McpServersOrBare
        ),
        Format::Toml => layout == Layout::CodexTables,
        Format::Yaml => matches!(layout, Layout::ContinueList | Layout::GooseExtensions),
        Format::Xml => layout == Layout::JetbrainsXml,
    }
}

/// The change, for the consent prompt: nothing is written yet. Secret names as proposed
/// (`<entry>/<VAR>`); [`plan_for`] checks them against the secrets already stored.
pub fn plan(file: &FileReport, name: &str, action: Action) -> Result<PlannedEdit> {
    rewrite::plan(&file.path, file.format, file.layout, name, action)
}

/// The header helper of `client`'s own remote entries, when it has one (Claude Code's
/// `headersHelper`, Codex's `http_headers_helper`; see docs/client-configs-verified.md).
pub fn headers_helper_for(client: ClientId) -> Option<Helper> {
    match client {
        ClientId::ClaudeCode => Some(Helper::ClaudeCode),
        ClientId::Codex => Some(Helper::Codex),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Transport;

    fn server(name: &str, url: Option<&str>, command: Option<&str>) -> ConfiguredServer {
        ConfiguredServer {
            name: name.into(),
            transport: Transport::Stdio,
            url: url.map(str::to_string),
            command: command.map(str::to_string),
            args: vec![],
            env: vec![],
            headers: vec![],
            disabled: false,
            project: None,
            findings: vec![],
        }
    }

    fn file(format: Format, layout: Layout) -> FileReport {
        FileReport {
            client: ClientId::Cursor,
            scope: "user",
            path: "/x/mcp.json".into(),
            format,
            layout,
            servers: vec![],
            findings: vec![],
        }
    }

    #[test]
    fn each_finding_gets_the_action_that_fixes_it_where_the_file_can_change() {
        let secret = |at: &str| Finding::PlaintextSecret {
            at: at.into(),
            looks_like: "GitHub token".into(),
        };
        let json = file(Format::Json, Layout::McpServers);
        let stdio = server("gh", None, Some("npx"));
        let remote = server("r", Some("https://r/mcp"), None);
        let rows = [
            (
                &json,
                &stdio,
                secret("env.GITHUB_TOKEN"),
                Some(Action::MoveSecrets),
            ),
            (&json, &stdio, secret("args[2]"), None),
            (
                &json,
                &remote,
                secret("headers.Authorization"),
                Some(Action::UseSignIn),
            ),
            (
                &json,
                &stdio,
                Finding::McpRemoteWrapper {
                    url: "https://r".into(),
                },
                Some(Action::UseSignIn),
            ),
            (
                &json,
                &remote,
                Finding::PlainHttp {
                    url: "http://r".into(),
                },
                None,
            ),
        ];
        for (f, s, finding, want) in rows {
            assert_eq!(action_for(f, s, &finding), want, "{finding:?}");
        }
        let toml = file(Format::Toml, Layout::McpServers);
        assert_eq!(
            action_for(&toml, &stdio, &secret("env.T")),
            None,
            "a layout the rewrite does not know"
        );
        let mut local = stdio.clone();
        local.project = Some("/p".into());
        assert_eq!(
            action_for(&json, &local, &secret("env.T")),
            None,
            "per-project entries"
        );
        assert!(can_change(Format::Yaml, Layout::GooseExtensions));
        assert!(can_change(Format::Xml, Layout::JetbrainsXml));
    }
}
