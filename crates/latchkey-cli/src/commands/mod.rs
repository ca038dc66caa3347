//! One module per command.

mod adopt;
mod clients;
mod connect;
mod daemon;
mod doctor;
mod idp;
mod import;
mod list;
mod log;
mod refresh;
mod revoke;
mod run;
mod secret;
mod setup;
mod shell_docs;
mod token;

use std::process::ExitCode;

use latchkey_core::{Latchkey, Result};

use crate::cli::Command;

pub async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Connect(args) => connect::run(args).await,
        Command::List { json } => list::run(json).await,
        Command::Token {
            server,
            json,
            dpop_proof,
            header: false,
        } => token::run(&server, json, dpop_proof).await,
        Command::Token {
            server,
            header: true,
            ..
        } => token::headers(&server).await,
        Command::Refresh { server, all } => refresh::run(server.as_deref(), all).await,
        Command::Revoke { server, local } => revoke::run(&server, local).await,
        Command::Proxy(args) => crate::proxy::run(args).await,
        Command::Doctor { server: None, .. } => doctor::run().await,
        Command::Doctor {
            server: Some(server),
            json,
        } => doctor::checkup(&server, json).await,
        Command::Log {
            server,
            json,
            limit,
        } => log::run(server.as_deref(), json, limit).await,
        Command::Daemon => daemon::run().await,
        Command::Secret(cmd) => secret::run(cmd).await,
        Command::Idp(cmd) => idp::run(cmd).await,
        Command::Run { keep_env, command } => run::run(command, &keep_env).await,
        Command::Adopt {
            name,
            file,
            use_sign_in: _,
            move_secrets,
            native,
            yes,
        } => adopt::run(&name, file, move_secrets, native, yes).await,
        Command::Import {
            source,
            revoke_instead,
            servers,
            yes,
            json,
        } => import::run(&source, revoke_instead, &servers, yes, json).await,
        Command::Restore { ids, list } => adopt::restore(&ids, list).await,
        Command::Setup {
            yes,
            dry_run,
            no_connect,
        } => setup::run(yes, dry_run, no_connect).await,
        Command::Clients {
            json,
            projects,
            watch,
        } => clients::run(json, projects, watch).await,
        Command::Completions { shell } => shell_docs::completions(shell),
        Command::Man => shell_docs::man(),
    }
}

pub fn open() -> Result<Latchkey> {
    Latchkey::open()
}
