//! `latchkey secret set|ls|rm`: named secrets for local MCP servers, in the keychain.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use latchkey_core::secrets::secret::Secret;
use latchkey_core::time::{human_until, now};
use latchkey_core::{Error, Result, named_secrets};

use crate::cli::SecretCommand;

pub async fn run(cmd: SecretCommand) -> Result<ExitCode> {
    let lk = super::open()?;
    match cmd {
        SecretCommand::Set { name } => {
            named_secrets::check_name(&name)?;
            let value = read_value(&name)?;
            named_secrets::set(&lk, &name, value).await?;
            println!(
                "Stored {name} in the keychain. Use it as {}{name}",
                named_secrets::REFERENCE_PREFIX
            );
        }
        SecretCommand::Ls { json } => {
            let names = lk.store().secret_names()?;
            if json {
                let items: Vec<_> = names
                    .iter()
                    .map(|(n, c, u)| serde_json::json!({"name": n, "reference": format!("{}{n}", named_secrets::REFERENCE_PREFIX), "created_at": c, "updated_at": u}))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "secrets": items }))
                        .expect("serialises")
                );
            } else if names.is_empty() {
                println!(
                    "No secrets yet. Store one with: latchkey secret set <name>  (the value on stdin)"
                );
            } else {
                for (n, _, u) in names {
                    println!("{n}  (updated {})", human_until(u, now()));
                }
            }
        }
        SecretCommand::Migrate { to } => {
            let to = latchkey_core::secrets::backend::Backend::parse(&to)?;
            let done =
                latchkey_core::migrate_secrets::migrate(&lk, to, &|line| eprintln!("{line}"))
                    .await?;
            println!(
                "Moved {} secret(s) to {}{}; settings.toml now says backend = \"{}\".",
                done.moved,
                to.name(),
                if done.already > 0 {
                    format!(" ({} moved by an earlier run)", done.already)
                } else {
                    String::new()
                },
                to.name()
            );
            for key in &done.missing {
                eprintln!("warning: {key} was in neither backend (nothing to move)");
            }
            if std::env::var_os("LATCHKEY_BACKEND").is_some() {
                eprintln!("note: LATCHKEY_BACKEND is set and still overrides the settings file");
            }
        }
        SecretCommand::Rm { name } => {
            if !named_secrets::remove(&lk, &name).await? {
                return Err(Error::InvalidInput(format!("no secret named '{name}'")));
            }
            println!("Deleted {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The value from stdin: typed without echo at a terminal, else read whole (one trailing
/// newline dropped).
fn read_value(name: &str) -> Result<Secret> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Value for {name} (not shown): "))
            .map_err(|e| Error::Io(format!("cannot read the value: {e}")))?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::Io(format!("cannot read the value from stdin: {e}")))?;
        s.strip_suffix('\n')
            .map(|v| v.strip_suffix('\r').unwrap_or(v))
            .unwrap_or(&s)
            .to_string()
    };
    if value.is_empty() {
        return Err(Error::InvalidInput(
            "the value is empty (it is read from standard input)".into(),
        ));
    }
    Ok(Secret::new(value))
}
