//! `latchkey setup`: the first-run pass the window offers, at a terminal. What was found per
//! client, every change (with `--dry-run`, as diffs whose values are redacted), one consent,
//! then the files changed one by one (a backup each) and a sign-in to each remote server.

use std::path::PathBuf;
use std::process::ExitCode;

use latchkey_core::actions;
use latchkey_core::clients::paths::PlatformDirs;
use latchkey_core::clients::{scan, setup};
use latchkey_core::overview::setup::{SetupView, done};
use latchkey_core::{Error, Result};

use crate::cli::ConnectArgs;

pub async fn run(yes: bool, dry_run: bool, no_connect: bool) -> Result<ExitCode> {
    let dirs = PlatformDirs::current().ok_or_else(|| Error::Io("no home directory".into()))?;
    let cwd: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    let found = scan::scan(&dirs, &cwd);
    let lk = super::open()?;
    let (view, plan) = actions::setup_plan(&lk, &found).await?;
    show_found(&view);
    show_changes(&view, dry_run);
    let sign_ins = if no_connect {
        &[][..]
    } else {
        &view.sign_ins[..]
    };
    if !sign_ins.is_empty() {
        println!(
            "\nThen sign in to {} remote server{}, one after the other (your browser opens for each):",
            sign_ins.len(),
            plural(sign_ins.len())
        );
        for s in sign_ins {
            println!("  {}", s.url);
        }
    }
    if plan.is_empty() && sign_ins.is_empty() {
        println!("\nNothing to set up: every entry Latchkey can change already goes through it.");
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        println!("\nDry run: nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    if !yes && !super::adopt::confirm("\nGo ahead?")? {
        println!("Nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = false;
    if !plan.is_empty() {
        let outcome = done(&setup::apply(&lk, &plan).await);
        for f in &outcome.changed {
            println!("Changed {} (backup {}).", f.shown_file, f.backup);
        }
        if let Some(stopped) = &outcome.stopped {
            failed = true;
            eprintln!("{stopped}");
            if !outcome.not_reached.is_empty() {
                eprintln!("Not reached: {}.", outcome.not_reached.join(", "));
            }
        }
        if !outcome.backups.is_empty() {
            let ids: Vec<String> = outcome.backups.iter().map(i64::to_string).collect();
            println!("Undo all of it: latchkey restore {}", ids.join(" "));
        }
        if failed {
            // Sign-ins wait until the files are right: a later `latchkey setup` goes on.
            return Ok(ExitCode::FAILURE);
        }
    }
    for s in sign_ins {
        println!("\nSigning in to {}…", s.url);
        let args = ConnectArgs {
            server_url: s.url.clone(),
            ..Default::default()
        };
        if let Err(e) = super::connect::run(args).await {
            failed = true;
            eprintln!("{}: {}", s.url, e);
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn show_found(view: &SetupView) {
    println!("Found:");
    for c in &view.clients {
        let mut parts = vec![format!(
            "{} server{}",
            c.servers,
            plural(c.servers as usize)
        )];
        for (n, one, many) in [
            (
                c.plaintext_secrets,
                "secret in plain text",
                "secrets in plain text",
            ),
            (
                c.cached_sign_ins,
                "sign-in in a plain-text token cache",
                "sign-ins in plain-text token caches",
            ),
            (
                c.own_sign_ins,
                "signs in on its own",
                "sign in on their own",
            ),
            (c.other_problems, "other problem", "other problems"),
        ] {
            match n {
                0 => {}
                1 => parts.push(format!("1 {one}")),
                n => parts.push(format!("{n} {many}")),
            }
        }
        println!("  {}: {}", c.client, parts.join(" · "));
    }
}

fn show_changes(view: &SetupView, diffs: bool) {
    if !view.changes.is_empty() {
        println!(
            "\nChanges ({} secret{} to the keychain, {} entr{} through Latchkey's sign-in; a backup of each file first):",
            view.secrets_moved,
            plural(view.secrets_moved as usize),
            view.entries_to_sign_in,
            if view.entries_to_sign_in == 1 {
                "y"
            } else {
                "ies"
            }
        );
    }
    for change in &view.changes {
        println!("  {} ({})", change.shown_file, change.client);
        for line in &change.changes {
            println!("    - {line}");
        }
        if diffs {
            println!("{}", change.diff);
        }
    }
    if !view.left_for_you.is_empty() {
        println!("\nLeft for you (Latchkey does not change these in place):");
        for line in &view.left_for_you {
            println!("  - {line}");
        }
    }
}
