use std::process::ExitCode;

use latchkey_core::Result;
use latchkey_core::home::Home;
use latchkey_core::secrets::Secrets;
use latchkey_core::secrets::backend::{self, Backend};
use latchkey_core::store::Store;

pub async fn run() -> Result<ExitCode> {
    let mut problems = 0;
    let mut report = |ok: bool, what: &str, detail: String| {
        if !ok {
            problems += 1;
        }
        println!("{} {what}: {detail}", if ok { "ok  " } else { "FAIL" });
    };
    let home = match Home::from_env() {
        Ok(h) => {
            report(true, "data directory", h.dir().display().to_string());
            h
        }
        Err(e) => {
            report(false, "data directory", e.to_string());
            return Ok(ExitCode::from(1));
        }
    };
    match Store::open(&home.database_path()) {
        Ok(_) => report(true, "database", home.database_path().display().to_string()),
        Err(e) => report(false, "database", e.to_string()),
    }
    // Where secrets live: the backend the settings (or LATCHKEY_BACKEND) choose, and whether
    // a throw-away item can be written, read back and deleted there.
    let chosen = latchkey_core::settings::load(&home).and_then(|settings| {
        let backend = Backend::chosen(&settings)?;
        let (store, about) = backend::open(&home, &settings, backend)?;
        Ok((backend, store, about))
    });
    match chosen {
        Ok((backend, store, about)) => {
            let source = if std::env::var_os("LATCHKEY_BACKEND").is_some() {
                "LATCHKEY_BACKEND"
            } else if latchkey_core::settings::path(&home).exists() {
                "settings.toml"
            } else {
                "the default"
            };
            report(
                true,
                "secret backend",
                format!("{} ({source})", backend.name()),
            );
            match Secrets::new(store).probe().await {
                Ok(()) => report(true, backend.name(), about),
                Err(e) => report(false, backend.name(), e.to_string()),
            }
        }
        Err(e) => report(false, "secret backend", e.to_string()),
    }
    report(true, "browser", latchkey_core::browser::describe());
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
