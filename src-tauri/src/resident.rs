//! The split between the resident tray and the window (Linux). `latchkey-app` started at login
//! (`--hidden`) or from the menu hands over to `latchkey-tray`, the resident process that never
//! loads WebKit: it keeps the tray, the refresher, the watchers and the notifications, and starts
//! `latchkey-app --window` on Open. That window process ends when its window closes (once no
//! sign-in waits for its browser redirect), and with the resident.

use std::io::{BufRead, Write};

use latchkey_core::runtime::refreshing_note;

use tauri::{AppHandle, Manager, Runtime};

use crate::{AppState, attention, window};

/// The resident's binary, installed beside this one.
#[cfg(target_os = "linux")]
const RESIDENT: &str = "latchkey-tray";

/// Become the resident tray where it is installed (this process is replaced and this never
/// returns); otherwise return, and the app runs tray and window in this one process.
/// `LATCHKEY_ONE_PROCESS=1` keeps the one-process design (`make bench-app` compares both).
pub fn hand_over(args: &[String]) {
    if std::env::var_os("LATCHKEY_ONE_PROCESS").is_some_and(|v| v == "1") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let Some(resident) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(RESIDENT)))
            .filter(|p| p.is_file())
        else {
            tracing::info!("{RESIDENT} is not installed beside this app: the tray runs here");
            return;
        };
        let err = std::process::Command::new(&resident).args(args).exec();
        tracing::warn!(
            "cannot start {}: {err}; the tray runs here",
            resident.display()
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = args;
}

/// The window process ends with the resident that started it, even when the resident is
/// killed: nothing is left behind without its tray.
pub fn end_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag of this process; getppid cannot fail.
    unsafe {
        let parent = libc::getppid();
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        if parent == 1 || libc::getppid() != parent {
            std::process::exit(0);
        }
    }
}

/// What the resident asks of the window process, one line each on its stdin: `show` (Open
/// Latchkey, a second launch), `connect <url>` (a notification's Connect button) or
/// `refreshing <url>...` (the servers it refreshes now, shown "Refreshing…" here too).
pub fn follow_orders<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("resident-orders".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { return };
                if let Some(urls) = refreshing_note::parse(&line) {
                    app.state::<AppState>()
                        .follow
                        .set_refreshing_elsewhere(urls);
                    continue;
                }
                match line.split_once(' ') {
                    Some(("connect", url)) => attention::connect_from_notification(&app, url),
                    _ if line == "show" => window::show(&app),
                    _ => tracing::warn!("the resident asked for something unknown: {line}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot listen to the resident: {e}");
    }
}

/// The window closed while a sign-in still waits for its browser redirect: keep the process
/// (and the loopback listener) until the sign-in ends, then exit, unless the window came back.
pub fn exit_after_sign_in<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if app.get_webview_window(window::MAIN).is_some() {
                return;
            }
            if !app.state::<AppState>().signing_in() {
                app.exit(0);
                return;
            }
        }
    });
}

/// Tell the resident which servers this window process refreshes now (a line on stdout, which
/// it reads), so its tray's menu says "Refreshing…" too.
pub fn tell_refreshing(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
