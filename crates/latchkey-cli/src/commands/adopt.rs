//! `latchkey adopt` and `latchkey restore`: the one action per finding, with consent, a backup
//! and an atomic write; and putting a backup back.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use latchkey_core::clients::model::FileReport;
use latchkey_core::clients::paths::PlatformDirs;
use latchkey_core::clients::rewrite::Action;
use latchkey_core::clients::{adopt, backup, scan};
use latchkey_core::time::{human_until, now};
use latchkey_core::{Error, Result};

pub async fn run(
    name: &str,
    file: Option<PathBuf>,
    move_secrets: bool,
    native: bool,
    yes: bool,
) -> Result<ExitCode> {
    let dirs = PlatformDirs::current().ok_or_else(|| Error::Io("no home directory".into()))?;
    let cwd: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    let result = scan::scan(&dirs, &cwd);
    let report = adopt::file_for(&result, name, file.as_deref())?;
    let lk = super::open()?;
    let action = match (move_secrets, native) {
        (true, _) => Action::MoveSecrets,
        (false, false) => Action::UseSignIn,
        (false, true) => native_action(&lk, report, name)?,
    };
    let edit = adopt::plan_for(&lk, report, name, action).await?;
    println!(
        "{} ({}):",
        report.path.display(),
        report.client.display_name()
    );
    for line in &edit.summary {
        println!("  - {line}");
    }
    if !yes && !confirm("Change the file?")? {
        println!("Nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let id = adopt::apply(&lk, &edit, name, action).await?;
    println!("Done. The previous version is backup {id}: `latchkey restore {id}` puts it back.");
    Ok(ExitCode::SUCCESS)
}

/// `--native`: the client's own entry with Latchkey as its header helper, where the client has
/// one and the server does not need the proxy.
fn native_action(lk: &latchkey_core::Latchkey, report: &FileReport, name: &str) -> Result<Action> {
    let client = report.client.display_name();
    let helper = adopt::headers_helper_for(report.client).ok_or_else(|| {
        Error::InvalidInput(format!(
            "{client} runs no command for a server's headers; `--use-sign-in` alone makes '{name}' run `latchkey proxy`"
        ))
    })?;
    let server = report.servers.iter().find(|s| s.name == name);
    let url = server
        .and_then(|s| {
            s.url.clone().or_else(|| {
                latchkey_core::clients::findings::mcp_remote_url(s.command.as_deref(), &s.args)
            })
        })
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "'{name}' is not a remote server or an mcp-remote wrapper"
            ))
        })?;
    if let Some(why) = adopt::needs_the_proxy(lk, &url)? {
        return Err(Error::InvalidInput(format!(
            "{why}; run `latchkey adopt {name} --use-sign-in` without --native"
        )));
    }
    Ok(Action::UseHeadersHelper(helper))
}

pub(super) fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::InvalidInput(
            "Latchkey changes a client's config file only with consent: pass --yes".into(),
        ));
    }
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Io(e.to_string()))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn restore(ids: &[i64], list: bool) -> Result<ExitCode> {
    let lk = super::open()?;
    if list || ids.is_empty() {
        let backups = lk.store().backups()?;
        if backups.is_empty() {
            println!("No backups: Latchkey has not changed any client config file.");
        }
        for (id, path, at, reason) in backups {
            println!("{id:>4}  {}  {path}  ({reason})", human_until(at, now()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    // One after the other, stopping at the first that fails: what was restored is said.
    for id in ids {
        let undo = backup::restore(&lk, *id).await?;
        println!("Restored backup {id}. What it replaced is backup {undo}.");
    }
    Ok(ExitCode::SUCCESS)
}
