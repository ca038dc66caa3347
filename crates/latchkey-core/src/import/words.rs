//! Every sentence of an import, for `latchkey import` (a line a sign-in: [`consent`],
//! [`report`]) and for the window (one sentence: [`outcome`]; its confirmation is
//! `offer::plan`). A cached sign-in's state is worded once ([`renewable`]); so is how each one
//! ended ([`super::Done`]), as a line here and counted in the window's sentence.

use super::offer::ImportDone;
use super::{Done, Found, Report, Source};
use crate::clients::token_caches::cached::CachedGrant;

/// Whether a cached sign-in renews itself once in Latchkey.
pub fn renewable(g: &CachedGrant) -> &'static str {
    match g.refresh_token {
        Some(_) => "renewable",
        None => "not renewable: it works until it expires",
    }
}

/// What `latchkey import` is about to do, for its consent: each sign-in and what happens to
/// the cache and to the entries.
pub fn consent(found: &Found, revoke_instead: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let n = found.grants.len();
    lines.push(format!(
        "{} keeps {n} sign-in{} in plain text ({}):",
        found.source.name(),
        if n == 1 { "" } else { "s" },
        found
            .caches
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for g in &found.grants {
        lines.push(format!("  - {} ({})", g.label(), renewable(g)));
    }
    if revoke_instead {
        lines.push("Each is revoked at its server (RFC 7009), then deleted from the cache (a backup is kept).".to_string());
        return lines;
    }
    lines.push("Each moves into Latchkey's secret store with no new sign-in; the cache file is backed up, then its tokens are deleted.".to_string());
    if !found.entries.is_empty() {
        match found.source {
            Source::McpRemote => lines
                .push("These entries will run `latchkey proxy` instead of mcp-remote:".to_string()),
            _ => lines.push(
                "These entries will run `latchkey proxy` instead of signing in on their own:"
                    .to_string(),
            ),
        }
        for e in &found.entries {
            lines.push(format!(
                "  - {}: {} ({})",
                e.client.display_name(),
                e.name,
                e.path.display()
            ));
        }
    }
    lines
}

/// What `latchkey import` did, a line a sign-in and an entry, then how to undo it.
pub fn report(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    let mut backups = Vec::new();
    for g in &report.grants {
        let said = match &g.result {
            Done::Imported => "imported, and renewed just now".to_string(),
            Done::NeedsReconnect(why) => format!(
                "imported, but its server refused to renew it ({why}); `latchkey connect {}` signs in again",
                g.server
            ),
            Done::ImportedUnchecked(why) => format!("imported; {why}"),
            Done::Revoked => "revoked at its server and deleted".to_string(),
            Done::DeletedOnly => {
                "deleted; its authorization server cannot revoke tokens (no revocation endpoint), so they stay valid there until they expire".to_string()
            }
            Done::Failed(why) => format!("not imported: {why}; nothing was changed for it"),
        };
        lines.push(format!("{}: {said}", g.server));
        match (&g.backup, &g.file_left) {
            (Some(id), _) => {
                backups.push(*id);
                lines.push(format!("  {} was removed (backup {id})", g.file.display()));
            }
            (None, Some(why)) => lines.push(format!("  {} was left: {why}", g.file.display())),
            (None, None) => {}
        }
    }
    for e in &report.entries {
        match (&e.backup, &e.error) {
            (Some(id), _) => {
                backups.push(*id);
                lines.push(format!(
                    "{} ({}): {} now run{} `latchkey proxy` (backup {id})",
                    e.client.display_name(),
                    e.path.display(),
                    e.names.join(", "),
                    if e.names.len() == 1 { "s" } else { "" }
                ));
            }
            (None, Some(why)) => lines.push(format!(
                "{} ({}): {} left as {}: {why}",
                e.client.display_name(),
                e.path.display(),
                e.names.join(", "),
                if e.names.len() == 1 {
                    "it was"
                } else {
                    "they were"
                }
            )),
            (None, None) => {}
        }
    }
    if !backups.is_empty() {
        let ids: Vec<String> = backups.iter().map(i64::to_string).collect();
        lines.push(format!(
            "Undo: `latchkey restore {}` puts these files back.",
            ids.join(" ")
        ));
    }
    lines
}

/// What an import from the window did, in one sentence: how many moved (or were revoked), which wait for a sign-in, what
/// was left and why.
pub fn outcome(found: &Found, report: &Report) -> ImportDone {
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
