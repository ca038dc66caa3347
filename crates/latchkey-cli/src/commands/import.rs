//! `latchkey import <source>`: another tool's plain-text sign-ins moved into Latchkey (or
//! revoked), with one consent; the work is the core's `import`.

use std::path::PathBuf;
use std::process::ExitCode;

use latchkey_core::clients::paths::PlatformDirs;
use latchkey_core::clients::scan;
use latchkey_core::import::{self, Done, Report, Source, words};
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
    for line in words::consent(found, revoke_instead) {
        println!("{line}");
    }
}

fn print_report(report: &Report) {
    for line in words::report(report) {
        println!("{line}");
    }
}
