//! `latchkey run -- <cmd> [args]`: environment values that are `latchkey:<name>` references
//! are replaced by secrets from the backend (and `op://...` ones through the 1Password CLI), then the command *replaces* this process (`exec` on Unix),
//! so it gets the terminal, signals and exit status exactly as if started directly. Nothing
//! secret stays in the MCP client's config file, and the secret stores' own credentials
//! (`BAO_TOKEN`, ...) and `LATCHKEY_*` are not passed on unless named with `--keep-env`.

use std::process::{Command, ExitCode};

use latchkey_core::audit::Event;
use latchkey_core::{Error, Result, named_secrets};

pub async fn run(command: Vec<String>, keep_env: &[String]) -> Result<ExitCode> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| Error::InvalidInput("no command given".into()))?;
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(_, v)| named_secrets::is_reference(v))
        .collect();
    let mut cmd = Command::new(program);
    cmd.args(args);
    let names: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    for name in named_secrets::withheld(names.iter().map(String::as_str), keep_env) {
        cmd.env_remove(name);
    }
    if !vars.is_empty() {
        let lk = super::open()?;
        for (var, secret) in named_secrets::resolve(&lk, &vars).await? {
            cmd.env(var, secret.expose());
        }
        let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
        let _ = lk.store().insert_audit(
            None,
            None,
            Event::TokenHandedOut.as_str(),
            Some(&format!(
                "latchkey run {program} (pid {}): {}",
                std::process::id(),
                names.join(", ")
            )),
        );
    }
    exec(cmd, program)
}

#[cfg(unix)]
fn exec(mut cmd: Command, program: &str) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec(); // only returns on failure
    Err(Error::Io(format!("cannot start '{program}': {err}")))
}

#[cfg(not(unix))]
fn exec(mut cmd: Command, program: &str) -> Result<ExitCode> {
    let status = cmd
        .status()
        .map_err(|e| Error::Io(format!("cannot start '{program}': {e}")))?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}
