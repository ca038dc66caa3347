use std::process::ExitCode;

use latchkey_core::broker;
use latchkey_core::time::{human_until, now};
use latchkey_core::{Error, Result};

pub async fn run(server: Option<&str>, all: bool) -> Result<ExitCode> {
    let lk = super::open()?;
    let servers = match (server, all) {
        (Some(s), _) => vec![lk.find_server(s)?],
        (None, true) => lk.store().list_servers()?,
        (None, false) => return Err(Error::InvalidInput("say which server, or --all".into())),
    };
    let mut failed = 0;
    for server in servers {
        let grants = lk.store().grants_for_server(server.id)?;
        for grant in grants {
            if !grant.renews_by_itself() {
                println!("{}: no refresh token; skipped", server.url);
                continue;
            }
            match broker::refresh_now(&lk, &server, grant).await {
                Ok(h) => println!(
                    "{}: refreshed, {}",
                    server.url,
                    h.expires_at
                        .map(|e| format!("expires {}", human_until(e, now())))
                        .unwrap_or_else(|| "no expiry given".into())
                ),
                Err(e) => {
                    failed += 1;
                    eprintln!("{}: {e}", server.url);
                }
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
