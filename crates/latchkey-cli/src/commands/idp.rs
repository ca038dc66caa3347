use std::process::ExitCode;

use latchkey_core::Result;
use latchkey_core::idp;

use crate::cli::{ClientFlags, IdpCommand};

pub async fn run(cmd: IdpCommand) -> Result<ExitCode> {
    match cmd {
        IdpCommand::Connect {
            issuer,
            client_id,
            client_secret_stdin,
            id_token_file,
        } => {
            let client = super::client_options(&ClientFlags {
                client_id: Some(client_id),
                client_secret_stdin,
                client_metadata_url: None,
            })?;
            let lk = super::open()?;
            let file = std::path::absolute(&id_token_file).unwrap_or(id_token_file);
            let row = idp::connect(&lk, &issuer, &client, &file).await?;
            println!(
                "Identity provider {} kept: its ID token is read from {} at every use. Connect servers with `latchkey connect <url> --via-idp {} --client-id <ID>`.",
                row.issuer,
                file.display(),
                row.issuer
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
