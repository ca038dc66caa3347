//! The first-run pass as a person sees it, for the window's setup view and `latchkey setup`:
//! what was found per client, every change the one consent covers (file by file, with a diff
//! whose values are redacted), what is left to do by hand, and the servers to sign in to after.
//! Making the changes is [`crate::clients::setup`]; this only words it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::config_findings::{self, ConfigFinding, FindingKind};
use super::{Overview, Status};
use crate::clients::model::{Finding, Layout};
use crate::clients::rewrite::Action;
use crate::clients::scan::Scan;
use crate::clients::setup::{PassOutcome, PassPlan};

#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SetupView {
    /// One row per MCP client with a config file, the ones with something to fix first.
    pub clients: Vec<ClientFound>,
    /// The changes one consent covers, file by file.
    pub changes: Vec<FileChange>,
    /// Plain-text secrets the changes move to the secret store.
    pub secrets_moved: u32,
    /// Entries the changes point at Latchkey's sign-in (`latchkey proxy <url>`).
    pub entries_to_sign_in: u32,
    /// Findings Latchkey cannot fix in place, and entries whose change could not be planned.
    pub left_for_you: Vec<String>,
    /// Servers to sign in to after the changes, one after the other: those the changes point
    /// at Latchkey's sign-in and those Latchkey knows that need a sign-in again.
    pub sign_ins: Vec<SignInToDo>,
    /// Identifies the planned changes: applying refuses when the files no longer give this plan.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ClientFound {
    pub client: String,
    pub files: u32,
    pub servers: u32,
    pub plaintext_secrets: u32,
    /// Token caches (files where the client keeps MCP sign-ins in plain text), and the
    /// sign-ins they hold.
    pub token_caches: u32,
    pub cached_sign_ins: u32,
    pub own_sign_ins: u32,
    pub other_problems: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FileChange {
    pub file: String,
    /// `~` for the home folder.
    pub shown_file: String,
    pub client: String,
    pub entries: Vec<String>,
    /// One line per change (names, never values).
    pub changes: Vec<String>,
    /// The change as a unified diff, every moved value shown as `[redacted]`.
    pub diff: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SignInToDo {
    pub url: String,
    pub name: String,
}

/// What the pass did.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SetupDone {
    /// Files changed, each with its backup.
    pub changed: Vec<FileDone>,
    /// Where the pass stopped and why (nothing of that file was written).
    pub stopped: Option<String>,
    /// Files not reached after it stopped (`~` for home).
    pub not_reached: Vec<String>,
    /// Every backup of the pass: restoring them all undoes it.
    pub backups: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FileDone {
    pub shown_file: String,
    pub backup: i64,
}

/// The view of `plan` for the files of `scan`; `overview` (built from the same scan) says
/// which servers still need a sign-in.
pub fn view(scan: &Scan, plan: &PassPlan, overview: &Overview) -> SetupView {
    let home = dirs::home_dir();
    let shown = |p: &Path| config_findings::shown_path(p, home.as_deref());
    let mut left_for_you: Vec<String> = overview
        .config_findings
        .iter()
        .filter(|f| f.fix.is_none() && !fixed_by_plan(f, plan))
        .map(|f| {
            let entry = if f.entry.is_empty() {
                String::new()
            } else {
                format!("'{}': ", f.entry)
            };
            format!("{entry}{} ({})", f.what, f.shown_file)
        })
        .collect();
    left_for_you.extend(plan.skipped.iter().map(|s| {
        format!(
            "'{}' in {} was not changed: {}",
            s.entry,
            shown(&s.path),
            s.why
        )
    }));
    SetupView {
        clients: clients_found(scan, &overview.config_findings),
        changes: plan
            .files
            .iter()
            .map(|f| FileChange {
                file: f.path.display().to_string(),
                shown_file: shown(&f.path),
                client: f.client.display_name().to_string(),
                entries: f.entry_names(),
                changes: f.edit.summary.clone(),
                diff: crate::clients::setup::redacted_diff(f, &shown(&f.path)),
            })
            .collect(),
        secrets_moved: plan.secrets() as u32,
        entries_to_sign_in: plan
            .files
            .iter()
            .flat_map(|f| &f.entries)
            .filter(|(_, a)| *a == Action::UseSignIn)
            .count() as u32,
        left_for_you,
        sign_ins: overview
            .servers
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    Status::NotConnected | Status::NeedsReconnect { .. } | Status::Expired
                ) && (s.known_to_latchkey
                    || plan.files.iter().any(|f| f.sign_in_urls.contains(&s.url)))
            })
            .map(|s| SignInToDo {
                url: s.url.clone(),
                name: s.name.clone(),
            })
            .collect(),
        fingerprint: fingerprint(plan),
    }
}

/// A finding without a fix of its own that the pass still fixes (a plain remote entry).
fn fixed_by_plan(f: &ConfigFinding, plan: &PassPlan) -> bool {
    plan.files.iter().any(|p| {
        p.path.display().to_string() == f.file && p.entries.iter().any(|(n, _)| *n == f.entry)
    })
}

fn clients_found(scan: &Scan, findings: &[ConfigFinding]) -> Vec<ClientFound> {
    let mut by_client: BTreeMap<&'static str, ClientFound> = BTreeMap::new();
    for file in &scan.files {
        let row = by_client
            .entry(file.client.display_name())
            .or_insert_with(|| ClientFound {
                client: file.client.display_name().to_string(),
                ..Default::default()
            });
        let grants = file.findings.iter().find_map(|f| match f {
            Finding::PlaintextTokenCache { grants, .. } => Some(*grants),
            _ => None,
        });
        match grants {
            Some(grants) => {
                row.token_caches += 1;
                row.cached_sign_ins += grants;
            }
            None if file.layout == Layout::TokenCache => {}
            None => {
                row.files += 1;
                row.servers += file.servers.len() as u32;
            }
        }
    }
    for f in findings {
        if let Some(row) = by_client.get_mut(f.client.as_str()) {
            match f.kind {
                FindingKind::PlaintextTokenCache => {}
                FindingKind::PlaintextSecret => row.plaintext_secrets += 1,
                FindingKind::McpRemoteWrapper => row.own_sign_ins += 1,
                _ => row.other_problems += 1,
            }
        }
    }
    let mut rows: Vec<ClientFound> = by_client.into_values().collect();
    rows.sort_by_key(|r| {
        (
            std::cmp::Reverse(
                r.plaintext_secrets + r.token_caches + r.own_sign_ins + r.other_problems,
            ),
            r.client.to_lowercase(),
        )
    });
    rows
}

/// Identifies a plan: the files, what each holds now and what it would hold after.
pub fn fingerprint(plan: &PassPlan) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for f in &plan.files {
        for part in [
            f.path.display().to_string().as_str(),
            &f.edit.original,
            &f.edit.new_text,
        ] {
            ctx.update(&(part.len() as u64).to_le_bytes());
            ctx.update(part.as_bytes());
        }
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What `outcome` did, as the window and the terminal say it.
pub fn done(outcome: &PassOutcome) -> SetupDone {
    let home = dirs::home_dir();
    let shown = |p: &Path| config_findings::shown_path(p, home.as_deref());
    SetupDone {
        changed: outcome
            .done
            .iter()
            .map(|(p, id)| FileDone {
                shown_file: shown(p),
                backup: *id,
            })
            .collect(),
        stopped: outcome.stopped.as_ref().map(|(p, e)| {
            format!(
                "Stopped at {}: {e}. Nothing of that file was written.",
                shown(p)
            )
        }),
        not_reached: outcome.not_reached.iter().map(|p| shown(p)).collect(),
        backups: outcome.backups(),
    }
}
