//! `latchkey refresh <server> | --all`: the core's refresh (the same as the window's and the
//! tray's "Refresh all now"), said line by line.

use std::process::ExitCode;

use latchkey_core::actions::{self, RefreshStep};
use latchkey_core::time::{human_until, now};
use latchkey_core::{Error, Result};

pub async fn run(server: Option<&str>, all: bool) -> Result<ExitCode> {
    let lk = super::open()?;
    let servers = match (server, all) {
        (Some(s), _) => vec![lk.find_server(s)?],
        (None, true) => lk.store().list_servers()?,
        (None, false) => return Err(Error::InvalidInput("say which server, or --all".into())),
    };
    let failures = actions::refresh(&lk, servers, &|step| match step {
        RefreshStep::Skipped { url } => println!("{url}: no refresh token; skipped"),
        RefreshStep::Refreshed { url, expires_at } => println!(
            "{url}: refreshed, {}",
            expires_at
                .map(|e| format!("expires {}", human_until(e, now())))
                .unwrap_or_else(|| "no expiry given".into())
        ),
        RefreshStep::Failed { url, error } => eprintln!("{url}: {error}"),
        RefreshStep::Started { .. } | RefreshStep::Finished { .. } => {}
    })
    .await?;
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
