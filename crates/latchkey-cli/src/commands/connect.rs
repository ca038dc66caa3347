use std::io::Write;
use std::process::ExitCode;

use latchkey_core::Result;
use latchkey_core::oauth::connect::{self, ConnectOutcome, ConnectRequest, Progress};
use latchkey_core::time::{human_until, now};

use crate::cli::ConnectArgs;

pub async fn run(args: ConnectArgs) -> Result<ExitCode> {
    let client = super::client_options(&args.client)?;
    let lk = super::open()?;
    let no_browser = args.no_browser;
    let request = ConnectRequest {
        server_url: args.server_url,
        scopes: args.scopes,
        client,
        open_browser: !no_browser,
        challenge: None,
        timeout: None,
        another_account: args.another_account,
    };
    let progress = move |p: Progress| match p {
        Progress::Discovering => eprintln!("Discovering the authorization server…"),
        Progress::Registering { issuer } => eprintln!("Authorization server: {issuer}"),
        Progress::WaitingForBrowser { url } => {
            if no_browser {
                println!("Open this URL to sign in:\n{url}");
                let _ = std::io::stdout().flush();
            } else {
                eprintln!("Waiting for you in the browser… (if it did not open, visit {url})");
            }
        }
        Progress::Exchanging => eprintln!("Exchanging the code for tokens…"),
    };
    match connect::connect(&lk, request, &progress).await? {
        ConnectOutcome::NoSignInNeeded => {
            println!("No sign-in needed: the server answers without a token.");
        }
        ConnectOutcome::Connected(c) => {
            let scopes = if c.grant.scopes.is_empty() {
                "(none)".to_string()
            } else {
                c.grant.scopes.join(" ")
            };
            let expiry = match c.tokens.expires_at {
                Some(at) => format!("expires {}", human_until(at, now())),
                None => "no expiry given".to_string(),
            };
            let refresh = if c.tokens.refresh_token.is_some() {
                "refreshes automatically"
            } else {
                "no refresh token: sign in again when it expires"
            };
            let account = c
                .grant
                .account
                .as_deref()
                .map(|a| format!(" as {a}"))
                .unwrap_or_default();
            println!("Connected{account}: scopes {scopes}, {expiry} · {refresh}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
