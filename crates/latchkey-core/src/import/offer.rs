//! The import as the window offers it, on one token cache's finding: what it would do, in the
//! words of the confirmation (nothing written), and what it did, in the words of the outcome.
//! The work is [`super::run`], the same as `latchkey import`.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{Done, Found, Report, Source};
use crate::actions::AdoptPlan;
use crate::clients::scan::Scan;
use crate::context::Latchkey;
use crate::overview::config_findings::{Fix, shown_path};
use crate::{Error, Result};

/// What an import from the window did: its sentence, and the backups Undo puts back.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportDone {
    pub message: String,
    pub backups: Vec<i64>,
    /// Something was left as it was (the message says what and why).
    pub incomplete: bool,
}

/// The grants of the cache at `file` (a token file, or mcp-remote's folder), as scanned.
fn found(scan: &Scan, file: &str) -> Result<Found> {
    let report = scan
        .files
        .iter()
        .find(|f| f.path == Path::new(file))
        .ok_or_else(|| {
            Error::InvalidInput(format!("{file} is not a token cache Latchkey found"))
        })?;
    let source = Source::of_client(report.client).ok_or_else(|| {
        Error::InvalidInput(format!(
            "Latchkey does not import {}'s token cache",
            report.client.display_name()
        ))
    })?;
    let mut found = super::find(source, scan, &[]);
    let of_cache = |p: &Path| p == report.path || p.parent() == Some(report.path.as_path());
    found.grants.retain(|g| of_cache(&g.file));
    found.caches.retain(|p| p == &report.path);
    if found.grants.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{file} holds no sign-in any more; nothing to import"
        )));
    }
    Ok(found)
}

/// The confirmation of an import: each sign-in, what happens to the file and to the entries.
pub fn plan(scan: &Scan, file: &str) -> Result<AdoptPlan> {
    let found = found(scan, file)?;
    let home = dirs::home_dir();
    let shown = |p: &Path| shown_path(p, home.as_deref());
    let client = found.source.client().display_name();
    let mut changes = Vec::new();
    for g in &found.grants {
        let renewable = match g.refresh_token {
            Some(_) => "renewable",
            None => "not renewable: it works until it expires",
        };
        changes.push(match &g.server {
            Some(url) => format!("{url}: moves into Latchkey ({renewable})"),
            None => format!(
                "{}: left as it is; no client config names its server (`latchkey import {} --server <url>` imports it)",
                g.key,
                found.source.name()
            ),
        });
    }
    changes.push(format!(
        "{}: its tokens are deleted, after a backup",
        shown(Path::new(file))
    ));
    for e in &found.entries {
        changes.push(format!(
            "{}: '{}' will run `latchkey proxy {}`",
            e.client.display_name(),
            e.name,
            e.server
        ));
    }
    let n = found.grants.len();
    Ok(AdoptPlan {
        file: file.to_string(),
        client: client.to_string(),
        entry: String::new(),
        fix: Fix::ImportTokens,
        changes,
        message: format!(
            "Latchkey will move {} that {client} keeps in plain text into your keychain, with no new sign-in. A backup of each file is kept first: Undo puts them back.",
            if n == 1 {
                "the sign-in".to_string()
            } else {
                format!("the {n} sign-ins")
            }
        ),
        alternative: Some(
            "Or revoke them at their servers and delete them, to sign in afresh with Latchkey."
                .into(),
        ),
    })
}

/// Import (or revoke) the sign-ins of the cache at `file`.
pub async fn run(
    lk: &Latchkey,
    scan: &Scan,
    file: &str,
    revoke_instead: bool,
) -> Result<ImportDone> {
    let found = found(scan, file)?;
    let report = super::run(lk, &found, scan, revoke_instead).await;
    Ok(done(&found, &report))
}

/// The outcome's sentence: how many moved (or were revoked), which wait for a sign-in, what
/// was left and why.
fn done(found: &Found, report: &Report) -> ImportDone {
    let count = |f: &dyn Fn(&Done) -> bool| report.grants.iter().filter(|g| f(&g.result)).count();
    let plural = |n: usize| if n == 1 { "sign-in" } else { "sign-ins" };
    let imported = count(&|d| {
        matches!(
            d,
            Done::Imported | Done::ImportedUnchecked(_) | Done::NeedsReconnect(_)
        )
    });
    let refused = count(&|d| matches!(d, Done::NeedsReconnect(_)));
    let revoked = count(&|d| matches!(d, Done::Revoked));
    let deleted = count(&|d| matches!(d, Done::DeletedOnly));
    let mut parts = Vec::new();
    if imported > 0 {
        parts.push(format!(
            "Imported {imported} {} from {}",
            plural(imported),
            found.source.client().display_name()
        ));
    }
    if refused > 0 {
        parts.push(format!(
            "{refused} of them need{} a new sign-in: the server refused to renew {}",
            if refused == 1 { "s" } else { "" },
            if refused == 1 { "it" } else { "them" }
        ));
    }
    if revoked > 0 {
        parts.push(format!(
            "Revoked {revoked} {} at their servers and deleted them",
            plural(revoked)
        ));
    }
    if deleted > 0 {
        parts.push(format!(
            "Deleted {deleted} {}; their server cannot revoke tokens, so they stay valid there until they expire",
            plural(deleted)
        ));
    }
    let changed: Vec<String> = report
        .entries
        .iter()
        .filter(|e| e.backup.is_some())
        .flat_map(|e| {
            e.names
                .iter()
                .map(move |n| format!("{}'s {n}", e.client.display_name()))
        })
        .collect();
    if !changed.is_empty() {
        parts.push(format!(
            "{} now run{} latchkey proxy",
            changed.join(", "),
            if changed.len() == 1 { "s" } else { "" }
        ));
    }
    let mut left: Vec<String> = report
        .grants
        .iter()
        .filter_map(|g| match &g.result {
            Done::Failed(why) => Some(format!("{}: {why}", g.server)),
            _ => g
                .file_left
                .as_ref()
                .map(|why| format!("{}: {why}", g.file.display())),
        })
        .collect();
    left.extend(report.entries.iter().filter_map(|e| {
        e.error.as_ref().map(|why| {
            format!(
                "{} ({}): {why}",
                e.client.display_name(),
                e.names.join(", ")
            )
        })
    }));
    left.dedup();
    if !left.is_empty() {
        parts.push(format!("Left as it was: {}", left.join("; ")));
    }
    let mut backups: Vec<i64> = report.grants.iter().filter_map(|g| g.backup).collect();
    backups.dedup();
    backups.extend(report.entries.iter().filter_map(|e| e.backup));
    ImportDone {
        message: format!("{}.", parts.join(". ")),
        backups,
        incomplete: !left.is_empty(),
    }
}
