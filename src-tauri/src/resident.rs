//! The split between the resident tray and the window (Linux). `latchkey-app` started at login
//! (`--hidden`) or from the menu hands over to `latchkey-tray`, the resident process that never
//! loads WebKit: it keeps the tray, the refresher, the watchers and the notifications, and starts
//! `latchkey-app --window` on Open. That window process ends when its window closes (once no
//! sign-in waits for its browser redirect and the resident agrees: see [`Talk::Closing`]), and
//! with the resident.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Mutex, MutexGuard};

use latchkey_core::runtime::window_talk::Talk;

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
        let Some(resident) = installed() else {
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

/// The resident's binary where it is installed: beside this one.
#[cfg(target_os = "linux")]
pub fn installed() -> Option<std::path::PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(RESIDENT)))
        .filter(|p| p.is_file())
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

/// The orders (`show`, `connect`) this process has carried out, the count it offered to end
/// at ([`Talk::Closing`]), and whether the resident still reads its offers.
struct Ending {
    orders: u64,
    offered_at: Option<u64>,
    resident_gone: bool,
}

static ENDING: Mutex<Ending> = Mutex::new(Ending {
    orders: 0,
    offered_at: None,
    resident_gone: false,
});

fn ending() -> MutexGuard<'static, Ending> {
    ENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the resident tells the window process, one line each on its stdin ([`Talk`]): `show`
/// (Open Latchkey, a second launch), `connect <url>` (a notification's Connect button),
/// `refreshing <url>...` (shown "Refreshing…" here too). Orders are carried out on the main
/// thread, as the offer to end is made, so an order either comes before the offer (the
/// window is there, and there is no offer) or is counted after it (the resident sees it sent
/// more than the offer counts, and keeps this process). Its stdin closing means: end now.
pub fn follow_orders<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("resident-orders".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                match Talk::parse(&line) {
                    Some(Talk::Refreshing(urls)) => app
                        .state::<AppState>()
                        .follow
                        .set_refreshing_elsewhere(urls),
                    Some(order) if order.is_order() => {
                        let on_main = app.clone();
                        let _ = app.run_on_main_thread(move || carry_out(&on_main, order));
                    }
                    _ => tracing::warn!("the resident asked for something unknown: {line}"),
                }
            }
            let on_main = app.clone();
            let _ = app.run_on_main_thread(move || end_if_offered(&on_main));
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot listen to the resident: {e}");
    }
}

fn carry_out<R: Runtime>(app: &AppHandle<R>, order: Talk) {
    match order {
        Talk::Connect(url) => attention::connect_from_notification(app, &url),
        _ => window::show(app),
    }
    let mut ending = ending();
    ending.orders += 1;
    ending.offered_at = None;
}

/// The resident closed our stdin: it took the offer to end (or it is gone itself).
fn end_if_offered<R: Runtime>(app: &AppHandle<R>) {
    let mut ending = ending();
    ending.resident_gone = true;
    let offered = ending.offered_at == Some(ending.orders);
    drop(ending);
    if offered && app.get_webview_window(window::MAIN).is_none() {
        app.exit(0);
    }
}

/// The window closed (and no sign-in waits for its redirect): offer the resident to end
/// ([`Talk::Closing`]) and stay until it answers. `false` when no resident reads the offer
/// (its stdin closed already, or a terminal's: started by hand): end now.
pub fn offer_to_end<R: Runtime>(app: &AppHandle<R>) -> bool {
    if app.get_webview_window(window::MAIN).is_some() {
        return true;
    }
    let mut ending = ending();
    if ending.resident_gone || std::io::stdin().is_terminal() {
        return false;
    }
    ending.offered_at = Some(ending.orders);
    say(&Talk::Closing(ending.orders));
    true
}

/// The window closed while a sign-in still waits for its browser redirect: keep the process
/// (and the loopback listener) until the sign-in ends, then offer to end, unless the window
/// came back.
pub fn end_after_sign_in<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if app.get_webview_window(window::MAIN).is_some() {
                return;
            }
            if !app.state::<AppState>().signing_in() {
                let on_main = app.clone();
                let _ = app.run_on_main_thread(move || {
                    if !offer_to_end(&on_main) {
                        on_main.exit(0);
                    }
                });
                return;
            }
        }
    });
}

/// Tell the resident something (a line on stdout, which it reads): which servers this window
/// process refreshes now, so its tray's menu says "Refreshing…" too, or the offer to end.
pub fn say(talk: &Talk) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{talk}").and_then(|()| out.flush());
}
