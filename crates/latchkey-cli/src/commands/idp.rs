use std::process::ExitCode;

use latchkey_core::Result;
use latchkey_core::idp::{self, IdTokenSource};

use crate::cli::{ClientFlags, IdpCommand};

pub async fn run(cmd: IdpCommand) -> Result<ExitCode> {
    match cmd {
        IdpCommand::Connect {
            issuer,
            client_id,
            client_secret_stdin,
            id_token_file,
            no_browser,
        } => {
            let client = ClientFlags {
                client_id: Some(client_id),
                client_secret_stdin,
                client_metadata_url: None,
            }
            .options()?;
            let lk = super::open()?;
            let no_browser =
                no_browser || (id_token_file.is_none() && super::connect::no_browser_can_open());
            let source = match &id_token_file {
                Some(file) => {
                    IdTokenSource::File(std::path::absolute(file).unwrap_or(file.clone()))
                }
                None => IdTokenSource::Browser(idp::BrowserSignIn {
                    open_browser: !no_browser,
                    // Standard input may already have given the client secret.
                    pasted: (no_browser && !client_secret_stdin).then(super::connect::pasted_lines),
                }),
            };
            let progress = super::connect::show_progress(no_browser);
            let row = idp::connect(&lk, &issuer, &client, source, &progress).await?;
            let kept = match &row.id_token_file {
                Some(file) => format!("its ID token is read from {file} at every use"),
                None => "signed in; Latchkey keeps the ID token and renews it".to_string(),
            };
            println!(
                "Identity provider {} kept: {kept}. Connect servers with `latchkey connect <url> --via-idp {} --client-id <ID>`.",
                row.issuer, row.issuer
            );
        }
        IdpCommand::List { json } => {
            let lk = super::open()?;
            let store = lk.store();
            let mut out = Vec::new();
            for row in store.idps()? {
                let grants = store.grants_via_idp(&row.issuer)?.len();
                out.push(serde_json::json!({
                    "issuer": row.issuer,
                    "signed_in": if row.id_token_file.is_some() { "id_token_file" } else { "browser" },
                    "id_token_file": row.id_token_file,
                    "grants": grants,
                }));
            }
            if json {
                println!("{}", serde_json::json!({ "idps": out }));
            } else if out.is_empty() {
                println!("No identity provider kept (`latchkey idp connect <issuer> ...`).");
            } else {
                for o in &out {
                    println!(
                        "{}  ({} grant(s) via it)",
                        o["issuer"].as_str().unwrap_or(""),
                        o["grants"]
                    );
                }
            }
        }
        IdpCommand::Rm { issuer } => {
            let lk = super::open()?;
            let n = idp::forget(&lk, &issuer).await?;
            println!("Forgot {issuer}; {n} grant(s) obtained via it now need a reconnect.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
