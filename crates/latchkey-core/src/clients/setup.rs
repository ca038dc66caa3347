//! The first-run pass: every fix Latchkey can make to the scanned config files, planned at once
//! and made file by file after one consent. Each file's entries become one edit (each entry
//! planned on the text the previous one left, so each step is verified on its own), one backup
//! and one atomic write ([`super::backup`]). The pass stops at the first file it cannot change
//! (changed since it was read, not writable, the secret store refusing) and says what it did:
//! earlier files stay changed, with their backups, and nothing is half-written.

use std::path::PathBuf;

use super::adopt;
use super::model::{ClientId, ConfiguredServer, FileReport, Finding};
use super::rewrite::{Action, PlannedEdit};
use super::scan::Scan;
use crate::Secret;
use crate::context::Latchkey;
use crate::{Error, Result};

/// What one pass would change.
#[derive(Debug, Default)]
pub struct PassPlan {
    pub files: Vec<FileFix>,
    /// Entries with a fix whose plan failed (an anchor in YAML, an odd shape): left as they are.
    pub skipped: Vec<Skipped>,
}

/// One file's changes: one edit, one backup.
#[derive(Debug)]
pub struct FileFix {
    pub client: ClientId,
    pub path: PathBuf,
    /// The entries changed, in order, and how.
    pub entries: Vec<(String, Action)>,
    /// The servers of the entries that now sign in through Latchkey (canonical URLs).
    pub sign_in_urls: Vec<String>,
    pub edit: PlannedEdit,
}

#[derive(Debug, Clone)]
pub struct Skipped {
    pub client: ClientId,
    pub path: PathBuf,
    pub entry: String,
    pub why: String,
}

/// What a pass did.
#[derive(Debug, Default)]
pub struct PassOutcome {
    /// Files changed, with the id of each one's backup.
    pub done: Vec<(PathBuf, i64)>,
    /// The file the pass stopped at, and why; nothing of it was written.
    pub stopped: Option<(PathBuf, Error)>,
    /// Files the pass did not reach after stopping.
    pub not_reached: Vec<PathBuf>,
}

impl PassOutcome {
    /// The backups of the changed files: putting them all back undoes the pass.
    pub fn backups(&self) -> Vec<i64> {
        self.done.iter().map(|(_, id)| *id).collect()
    }
}

impl FileFix {
    /// The entries changed, each once.
    pub fn entry_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, _) in &self.entries {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        names
    }
}

impl PassPlan {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every secret the pass stores, for the count shown before consent.
    pub fn secrets(&self) -> usize {
        self.files.iter().map(|f| f.edit.secrets.len()).sum()
    }
}

/// The fix for one entry, and why an entry with findings gets none. A remote server runs
/// through Latchkey's sign-in (one sign-in then serves every client) unless the entry sends
/// headers of its own that are not a token in plain text Latchkey replaces (an API key, a
/// region, a reference to the person's own token: dropping them would break or change it), or
/// it is a server on this machine with nothing to fix (a desktop app's own server needs no
/// sign-in). A local server's plain-text secrets move to the keychain, and so do those an
/// `mcp-remote` wrapper kept in its env for its own headers (after it becomes the proxy, so
/// the file holds no secret and nothing is lost).
pub fn entry_actions(
    file: &FileReport,
    server: &ConfiguredServer,
) -> std::result::Result<Vec<Action>, Option<String>> {
    let mut actions: Vec<Action> = server
        .findings
        .iter()
        .filter_map(|f| adopt::action_for(file, server, f))
        .collect();
    if let Some(url) = &server.url {
        if !adopt::can_change_entry(file, server) {
            return Err(None);
        }
        let plaintext_tokens: Vec<&str> = server
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::PlaintextSecret { at, .. } => at.strip_prefix("headers."),
                _ => None,
            })
            .collect();
        let own: Vec<&str> = server
            .headers
            .iter()
            .map(String::as_str)
            .filter(|h| !(h.eq_ignore_ascii_case("authorization") && plaintext_tokens.contains(h)))
            .collect();
        if !own.is_empty() {
            return Err((!server.findings.is_empty()).then(|| {
                format!(
                    "it sends headers of its own ({}), which Latchkey's sign-in would drop; change it by hand (`latchkey proxy {url} --header 'Name: value'` keeps one)",
                    own.join(", ")
                )
            }));
        }
        let local = url::Url::parse(url).is_ok_and(|u| crate::url_policy::is_loopback(&u));
        if local && server.findings.is_empty() {
            return Err(None);
        }
        return Ok(vec![Action::UseSignIn]);
    }
    // The sign-in first: moving secrets then leaves the proxy's command as it is.
    actions.sort_by_key(|a| *a != Action::UseSignIn);
    actions.dedup();
    if actions.is_empty() {
        Err(None)
    } else {
        Ok(actions)
    }
}

/// Plan every fix in `scan` (nothing is written). Secret names are chosen against the home's
/// secrets and those earlier files of the pass will store, so two entries never claim one name.
pub async fn plan(lk: &Latchkey, scan: &Scan) -> Result<PassPlan> {
    let mut out = PassPlan::default();
    let mut pending: Vec<(String, Secret)> = Vec::new();
    for file in &scan.files {
        let mut fixes: Vec<(&ConfiguredServer, Action)> = Vec::new();
        for server in &file.servers {
            match entry_actions(file, server) {
                Ok(actions) => fixes.extend(actions.into_iter().map(|a| (server, a))),
                Err(Some(why)) => out.skipped.push(Skipped {
                    client: file.client,
                    path: file.path.clone(),
                    entry: server.name.clone(),
                    why,
                }),
                Err(None) => {}
            }
        }
        if fixes.is_empty() {
            continue;
        }
        let original = match super::rewrite::read_current(&file.path) {
            Ok(text) => text,
            Err(e) => {
                for (server, _) in &fixes {
                    out.skipped.push(skipped(file, &server.name, &e));
                }
                continue;
            }
        };
        let mut text = original.clone();
        let mut entries = Vec::new();
        let mut sign_in_urls = Vec::new();
        let mut secrets = Vec::new();
        let mut summary = Vec::new();
        for (server, action) in fixes {
            match adopt::plan_for_text(lk, file, text.clone(), &server.name, action, &pending).await
            {
                Ok(edit) => {
                    text = edit.new_text;
                    pending.extend(edit.secrets.iter().cloned());
                    secrets.extend(edit.secrets);
                    summary.extend(edit.summary);
                    entries.push((server.name.clone(), action));
                    if action == Action::UseSignIn {
                        sign_in_urls.extend(remote_url(server));
                    }
                }
                // The secret store refusing is the whole pass's problem, not this entry's.
                Err(e @ Error::Keychain(_)) => return Err(e),
                Err(e) => out.skipped.push(skipped(file, &server.name, &e)),
            }
        }
        if entries.is_empty() {
            continue;
        }
        out.files.push(FileFix {
            client: file.client,
            path: file.path.clone(),
            entries,
            sign_in_urls,
            edit: PlannedEdit {
                path: file.path.clone(),
                original,
                new_text: text,
                secrets,
                summary,
            },
        });
    }
    Ok(out)
}

/// The server a remote entry or an `mcp-remote` wrapper talks to, canonical.
fn remote_url(server: &ConfiguredServer) -> Option<String> {
    let url = server
        .url
        .clone()
        .or_else(|| super::findings::mcp_remote_url(server.command.as_deref(), &server.args))?;
    crate::url_policy::canonical_resource(&url).ok()
}

fn skipped(file: &FileReport, entry: &str, why: &dyn std::fmt::Display) -> Skipped {
    Skipped {
        client: file.client,
        path: file.path.clone(),
        entry: entry.to_string(),
        why: why.to_string(),
    }
}

/// Make the planned changes, file by file; stops at the first file that fails.
pub async fn apply(lk: &Latchkey, plan: &PassPlan) -> PassOutcome {
    let mut out = PassOutcome::default();
    for (i, fix) in plan.files.iter().enumerate() {
        crate::faults::pause_at("setup:before-file");
        let reason = format!("setup: {}", fix.entry_names().join(", "));
        match super::backup::apply(lk, &fix.edit, &reason).await {
            Ok(id) => out.done.push((fix.path.clone(), id)),
            Err(e) => {
                out.stopped = Some((fix.path.clone(), e));
                out.not_reached = plan.files[i + 1..].iter().map(|f| f.path.clone()).collect();
                break;
            }
        }
        crate::faults::pause_at("setup:after-file");
    }
    out
}

/// The change to one file as a unified diff, every value the pass moves to the secret store
/// shown as `[redacted]` (the diff goes to a terminal; the secrets must not).
pub fn redacted_diff(fix: &FileFix, shown_path: &str) -> String {
    let redact = |text: &str| {
        let mut text = text.to_string();
        for (_, value) in &fix.edit.secrets {
            let value = value.expose();
            if !value.is_empty() {
                text = text.replace(value, "[redacted]");
            }
        }
        text
    };
    let (before, after) = (redact(&fix.edit.original), redact(&fix.edit.new_text));
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{shown_path} (now)"),
            &format!("{shown_path} (after)"),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(original: &str, new_text: &str, secret: &str) -> FileFix {
        FileFix {
            client: ClientId::Cursor,
            path: "/h/.cursor/mcp.json".into(),
            entries: vec![("gh".into(), Action::MoveSecrets)],
            sign_in_urls: vec![],
            edit: PlannedEdit {
                path: "/h/.cursor/mcp.json".into(),
                original: original.into(),
                new_text: new_text.into(),
                secrets: vec![("gh/TOKEN".into(), Secret::new(secret))],
                summary: vec![],
            },
        }
    }

    #[test]
    fn the_diff_shows_the_change_and_never_the_secret() {
        let f = fix(
            "{\n  \"env\": { \"TOKEN\": \"ghp_SECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" }\n}\n",
            "{\n  \"env\": { \"TOKEN\": \"latchkey:gh/TOKEN\" }\n}\n",
            "ghp_SECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        );
        let diff = redacted_diff(&f, "~/.cursor/mcp.json");
        assert!(!diff.contains("ghp_SECRET"), "{diff}");
        assert!(
            diff.contains("-  \"env\": { \"TOKEN\": \"[redacted]\" }"),
            "{diff}"
        );
        assert!(
            diff.contains("+  \"env\": { \"TOKEN\": \"latchkey:gh/TOKEN\" }"),
            "{diff}"
        );
        assert!(diff.starts_with("--- ~/.cursor/mcp.json (now)"), "{diff}");
    }
}
