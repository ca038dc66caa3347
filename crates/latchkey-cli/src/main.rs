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
    if let Some(home) = &cli.home {
        // SAFETY: still one thread (no runtime, no logger yet); every later reader of the home
        // (this process's core, its children) sees it as LATCHKEY_HOME.
        unsafe { std::env::set_var("LATCHKEY_HOME", home) };
    }
    logging::init(cli.verbose);
    // The proxy runs on one thread: it only waits on sockets and pipes, and a message that
    // never hops between worker threads comes back sooner (measured: its added p99 latency
    // went from above a direct client's to below it, benches/README.md). The other commands
    // keep two workers.
    let built = if matches!(cli.command, cli::Command::Proxy(_)) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    };
    let runtime = match built {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("latchkey: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(commands::run(cli.command));
    // Do not wait for blocking threads: one may still be reading a stdin the client keeps
    // open (the proxy stopped by a signal).
    runtime.shutdown_background();
    match outcome {
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
