//! `latchkey`: the command line over latchkey-core. Thin: parse, call the core, print.
//! Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error.

mod cli;
mod commands;
mod logging;
mod proxy;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse(); // usage errors exit 2 here
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("latchkey: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "latchkey: {}",
                latchkey_core::error::printable(&e.to_string())
            );
            ExitCode::from(1)
        }
    }
}
