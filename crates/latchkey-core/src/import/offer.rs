//! The import as the window offers it, on one token cache's finding: what it would do, in the
//! words of the confirmation (nothing written), and what it did, in the words of the outcome.
//! The work is [`super::run`], the same as `latchkey import`.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{Found, Source, words};
use crate::clients::scan::Scan;
use crate::context::Latchkey;
use crate::overview::config_findings::{AdoptPlan, Fix, shown_path};
use crate::{Error, Result};

/// What an import from the window did: its sentence ([`words::outcome`]), and the backups
/// Undo puts back.
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
        changes.push(match &g.server {
            Some(url) => format!("{url}: moves into Latchkey ({})", words::renewable(g)),
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
    Ok(words::outcome(&found, &report))
}
