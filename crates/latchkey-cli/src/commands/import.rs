//! `latchkey import <source>`: another tool's plain-text sign-ins moved into Latchkey (or
//! revoked), with one consent; the work is the core's `import`.

use std::path::PathBuf;
use std::process::ExitCode;

use latchkey_core::clients::paths::PlatformDirs;
use latchkey_core::clients::scan;
use latchkey_core::import::{self, Done, Report, Source};
use latchkey_core::{Error, Result};

pub async fn run(
    source: &str,
    revoke_instead: bool,
    servers: &[String],
    yes: bool,
    json: bool,
) -> Result<ExitCode> {
    let source = Source::parse(source)?;
    let dirs = PlatformDirs::current().ok_or_else(|| Error::Io("no home directory".into()))?;
    let cwd: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    let scan = scan::scan(&dirs, &cwd);
    let found = import::find(source, &scan, servers);
    if found.grants.is_empty() {
        if json {
            println!("{}", serde_json::json!({"grants": [], "entries": []}));
        } else {
            println!(
                "{} keeps no sign-in on this machine: nothing to import.",
                source.name()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !json || !yes {
        describe(&found, revoke_instead);
    }
    let question = match revoke_instead {
        true => "Revoke and delete them?",
        false => "Import them?",
    };
    if !yes && !super::adopt::confirm(question)? {
        println!("Nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let lk = super::open()?;
    let report = import::run(&lk, &found, &scan, revoke_instead).await;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| Error::Io(e.to_string()))?
        );
    } else {
        print_report(&report);
    }
    let all_done = report
        .grants
        .iter()
        .all(|g| !matches!(g.result, Done::Failed(_)) && g.file_left.is_none())
        && report.entries.iter().all(|e| e.error.is_none());
    Ok(match all_done {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// What is about to happen, for the consent.
fn describe(found: &import::Found, revoke_instead: bool) {
    let n = found.grants.len();
    println!(
        "{} keeps {n} sign-in{} in plain text ({}):",
        found.source.name(),
        if n == 1 { "" } else { "s" },
        found
            .caches
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for g in &found.grants {
        let renewable = match g.refresh_token {
            Some(_) => "renewable",
            None => "no refresh token",
        };
        println!("  - {} ({renewable})", g.label());
    }
    if revoke_instead {
        println!(
            "Each is revoked at its server (RFC 7009), then deleted from the cache (a backup is kept)."
        );
        return;
    }
    println!(
        "Each moves into Latchkey's secret store with no new sign-in; the cache file is backed up, then its tokens are deleted."
    );
    if !found.entries.is_empty() {
        match found.source {
            Source::McpRemote => {
                println!("These entries will run `latchkey proxy` instead of mcp-remote:")
            }
            _ => println!(
                "These entries will run `latchkey proxy` instead of signing in on their own:"
            ),
        }
        for e in &found.entries {
            println!(
                "  - {}: {} ({})",
                e.client.display_name(),
                e.name,
                e.path.display()
            );
        }
    }
}

fn print_report(report: &Report) {
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
        println!("{}: {said}", g.server);
        match (&g.backup, &g.file_left) {
            (Some(id), _) => {
                backups.push(*id);
                println!("  {} was removed (backup {id})", g.file.display());
            }
            (None, Some(why)) => println!("  {} was left: {why}", g.file.display()),
            (None, None) => {}
        }
    }
    for e in &report.entries {
        match (&e.backup, &e.error) {
            (Some(id), _) => {
                backups.push(*id);
                println!(
                    "{} ({}): {} now run{} `latchkey proxy` (backup {id})",
                    e.client.display_name(),
                    e.path.display(),
                    e.names.join(", "),
                    if e.names.len() == 1 { "s" } else { "" }
                );
            }
            (None, Some(why)) => println!(
                "{} ({}): {} left as {}: {why}",
                e.client.display_name(),
                e.path.display(),
                e.names.join(", "),
                if e.names.len() == 1 {
                    "it was"
                } else {
                    "they were"
                }
            ),
            (None, None) => {}
        }
    }
    if !backups.is_empty() {
        let ids: Vec<String> = backups.iter().map(i64::to_string).collect();
        println!(
            "Undo: `latchkey restore {}` puts these files back.",
            ids.join(" ")
        );
    }
}
