//! Where every Latchkey process logs (the CLI and its proxy, the resident tray, the window):
//! stderr, or the file `LATCHKEY_LOG_FILE` names, never stdout (stdout is a command's output
//! and, for `proxy`, the JSON-RPC stream). `LATCHKEY_LOG` sets the filter; `default` is the
//! filter without it. Logs never hold a secret: `Secret` does not print.

use tracing_subscriber::EnvFilter;

pub fn init(default: &str) {
    let filter =
        EnvFilter::try_from_env("LATCHKEY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let file = std::env::var_os("LATCHKEY_LOG_FILE").and_then(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
    });
    // `try_init`: a second call (a test that starts the app twice) keeps the first set-up.
    let _ = match file {
        Some(file) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init(),
        None => {
            use std::io::IsTerminal;
            let ansi = std::io::stderr().is_terminal();
            builder
                .with_ansi(ansi)
                .with_writer(std::io::stderr)
                .try_init()
        }
    };
}
