//! `latchkey completions <shell>` and `latchkey man`: both generated from the argument parser
//! (`cli.rs`), so they never disagree with what `latchkey` accepts. The packages install their
//! output (see the Makefile's `shell-docs`).

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use latchkey_core::{Error, Result};

use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "latchkey", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::Io(format!("cannot render the man page: {e}")))?;
    std::io::stdout()
        .write_all(&page)
        .map_err(|e| Error::Io(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
