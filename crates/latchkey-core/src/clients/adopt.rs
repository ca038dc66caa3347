//! One finding's action, the same for `latchkey adopt` and the app's button: which of the
//! scanned files holds the entry, what can be done about each finding, and doing it (the plan
//! is shown first; consent is the caller's; then secrets are stored, a backup is kept and the
//! file is replaced atomically, see [`super::backup`]).
//!
//! Only files the scan found can be changed: a path coming from the window is looked up among
//! them, never opened as given.

use std::path::Path;

use super::model::{ClientId, ConfiguredServer, FileReport, Finding, Format, Layout};
use super::rewrite::{self, Action, Helper, PlannedEdit, SecretNames};
use super::scan::Scan;
use crate::context::Latchkey;
use crate::secrets::secret::Secret;
use crate::{Error, Result, secrets::env_secrets};

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

/// [`plan`], with every moved secret's name checked against what the home already stores: the
/// same value is shared (one secret, two references); a different value gets its own name
/// (`<entry>-<client>/<VAR>`, then `-2`, `-3`, ...), never overwriting the other. The summary
/// says which.
pub async fn plan_for(
    lk: &Latchkey,
    file: &FileReport,
    name: &str,
    action: Action,
) -> Result<PlannedEdit> {
    let text = rewrite::read_current(&file.path)?;
    plan_for_text(lk, file, text, name, action, &[]).await
}

/// [`plan_for`] on `text` (the file as earlier changes of the same pass left it), counting the
/// secrets those changes will store (`pending`) as stored already.
pub async fn plan_for_text(
    lk: &Latchkey,
    file: &FileReport,
    text: String,
    name: &str,
    action: Action,
    pending: &[(String, Secret)],
) -> Result<PlannedEdit> {
    let replan = |names: &SecretNames| {
        rewrite::plan_text(
            &file.path,
            text.clone(),
            file.format,
            file.layout,
            name,
            action,
            names,
        )
    };
    let first = replan(&SecretNames::default())?;
    let stored = StoredOrPending { lk, pending };
    let mut names = SecretNames::default();
    let mut notes = Vec::new();
    let mut chosen: Vec<String> = Vec::new();
    for (proposed, value) in &first.secrets {
        match stored.get(proposed).await? {
            None => chosen.push(proposed.clone()),
            Some(existing) if &existing == value => {
                notes.push(format!(
                    "{proposed} is already stored with this value: both entries will use it"
                ));
                chosen.push(proposed.clone());
            }
            Some(_) => {
                let other = free_name(&stored, proposed, file, value, &chosen).await?;
                notes.push(format!(
                    "a different secret is already stored as {proposed}: this one is stored as {other}, and {proposed} is kept"
                ));
                names.rename(proposed, &other);
                chosen.push(other);
            }
        }
    }
    let mut edit = if names.is_empty() {
        first
    } else {
        replan(&names)?
    };
    edit.summary.extend(notes);
    Ok(edit)
}

/// The secrets of the home, and those a pass will store before this change.
struct StoredOrPending<'a> {
    lk: &'a Latchkey,
    pending: &'a [(String, Secret)],
}

impl StoredOrPending<'_> {
    async fn get(&self, name: &str) -> Result<Option<Secret>> {
        if let Some((_, value)) = self.pending.iter().find(|(n, _)| n == name) {
            return Ok(Some(value.clone()));
        }
        env_secrets::get(self.lk, name).await
    }
}

/// A name for `value` near `proposed` that is free (or already holds `value`) and that this
/// plan has not given to another secret.
async fn free_name(
    stored: &StoredOrPending<'_>,
    proposed: &str,
    file: &FileReport,
    value: &Secret,
    chosen: &[String],
) -> Result<String> {
    let (entry, var) = proposed.split_once('/').unwrap_or((proposed, ""));
    let client = rewrite::sanitize(&file.client.display_name().to_lowercase().replace(' ', "-"));
    for n in 1..100 {
        let base = if n == 1 {
            format!("{entry}-{client}")
        } else {
            format!("{entry}-{client}-{n}")
        };
        let candidate = format!("{base}/{var}");
        if chosen.contains(&candidate) {
            continue;
        }
        match stored.get(&candidate).await? {
            None => return Ok(candidate),
            Some(existing) if &existing == value => return Ok(candidate),
            Some(_) => continue,
        }
    }
    Err(Error::InvalidInput(format!(
        "too many secrets named like {proposed}; remove some with `latchkey secret rm`"
    )))
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

/// Why `url` needs `latchkey proxy` rather than a header helper, if it does: a grant bound to
/// a key (DPoP: each request needs its own proof), or a server Latchkey found speaking only the
/// 2026-07-28 protocol (the proxy bridges the client's 2025 sessions to it).
pub fn needs_the_proxy(lk: &Latchkey, url: &str) -> Result<Option<String>> {
    let canonical = crate::url_policy::canonical_resource(url)?;
    let store = lk.store();
    // The proxy remembers a server it found speaking 2026-07-28 as that revision.
    if store.cached_protocol(&canonical)?.as_deref() == Some("2026-07-28") {
        return Ok(Some(format!(
            "{url} speaks the 2026-07-28 protocol, which the client's own connection does not; `latchkey proxy` bridges it"
        )));
    }
    let Some(server) = store.server_by_url(&canonical)? else {
        return Ok(None);
    };
    let bound = store
        .grants_for_server(server.id)?
        .iter()
        .any(|g| g.dpop_bound);
    Ok(bound.then(|| {
        format!(
            "{url}'s tokens are bound to a key (DPoP): each request needs its own proof, which only `latchkey proxy` makes"
        )
    }))
}

/// Store the secrets, keep a backup, replace the file: the backup's id.
pub async fn apply(lk: &Latchkey, edit: &PlannedEdit, name: &str, action: Action) -> Result<i64> {
    let reason = format!(
        "adopt {name} ({})",
        match action {
            Action::MoveSecrets => "move secrets",
            Action::UseSignIn => "use sign-in",
            Action::UseHeadersHelper(_) => "use sign-in, header helper",
        }
    );
    super::backup::apply(lk, edit, &reason).await
}

#[cfg(test)]
mod tests {
    use super::super::model::{ClientId, Transport};
    use super::*;

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
