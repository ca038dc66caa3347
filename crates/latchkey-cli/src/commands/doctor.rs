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

/// `latchkey doctor <url>`: the checkup of one server's sign-in (latchkey_core::checkup), a line
/// per check, or `--json`. Exit 0 when every check is ok, 3 with warnings, 1 with a failure.
pub async fn checkup(server: &str, json: bool) -> Result<ExitCode> {
    use latchkey_core::checkup::{self, Verdict};
    // Without a home Latchkey can open, the checkup still runs (without the person's token).
    let report = match super::open() {
        Ok(lk) => checkup::run_for(&lk, server).await?,
        Err(_) => checkup::run(server, None).await?,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialises")
        );
    } else {
        println!("Checkup of {}", report.server);
        for c in &report.checks {
            let spec = if c.spec.is_empty() {
                String::new()
            } else {
                format!("  [{}]", c.spec)
            };
            println!(
                "{:<8} {}: {}{spec}",
                c.result.word(),
                c.check.replace('_', " "),
                c.says
            );
        }
        let count = |v: Verdict| report.checks.iter().filter(|c| c.result == v).count();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        println!(
            "{}, {}.",
            plural(count(Verdict::Failure), "failure", "failures"),
            plural(count(Verdict::Warning), "warning", "warnings")
        );
    }
    Ok(match report.worst {
        Verdict::Failure => ExitCode::from(1),
        Verdict::Warning => ExitCode::from(3),
        Verdict::Ok | Verdict::Skipped => ExitCode::SUCCESS,
    })
}
