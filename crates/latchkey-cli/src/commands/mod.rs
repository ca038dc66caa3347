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

use std::io::Read;
use std::process::ExitCode;

use latchkey_core::oauth::registration::ClientOptions;
use latchkey_core::secret::Secret;
use latchkey_core::{Error, Latchkey, Result};

use crate::cli::{ClientFlags, Command};

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

/// Turn the client flags into core options, reading the secret from stdin when asked.
pub fn client_options(flags: &ClientFlags) -> Result<ClientOptions> {
    let client_secret = if flags.client_secret_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            Error::InvalidInput(format!("cannot read the client secret from stdin: {e}"))
        })?;
        let s = s.trim_end_matches(['\r', '\n']).to_string();
        if s.is_empty() {
            return Err(Error::InvalidInput(
                "--client-secret-stdin: standard input was empty".into(),
            ));
        }
        Some(Secret::new(s))
    } else {
        None
    };
    Ok(ClientOptions {
        client_id: flags.client_id.clone(),
        client_secret,
        client_metadata_url: flags.client_metadata_url.clone(),
        private_key: None,
    })
}
