//! `latchkey daemon`: the background refresher in the foreground, for machines without the
//! desktop app (servers, SSH sessions). Stops on SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use latchkey_core::runtime::refresher::Refresher;
use latchkey_core::{Result, runtime::store_watch};
use tokio::sync::Notify;

pub async fn run() -> Result<ExitCode> {
    let lk = Arc::new(super::open()?);
    let (_watcher, changed) = store_watch::watch(&lk.home)?;
    let stop = Arc::new(Notify::new());
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        signal_stop.notify_one();
    });
    eprintln!(
        "latchkey daemon: keeping grants fresh in {} (Ctrl-C stops)",
        lk.home.dir().display()
    );
    Refresher::new(lk, changed).run(stop).await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
