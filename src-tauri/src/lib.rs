//! Latchkey's desktop shell: the tray, the window and the refresher, as thin glue over
//! `latchkey-core`. Every behaviour lives in the core; this crate forwards commands, turns store
//! changes into window events and tray updates, and owns the app's lifetime.
//!
//! - [`commands`]: what the window may call (and nothing returns a token).
//! - [`tray`]: the tray icon (normal or needs-attention) and its menu.
//! - [`window`]: the one main window, created on demand and destroyed on close.
//! - [`live`]: publishes what the core follows to the window (and the tray, when it is here).
//! - [`attention`]: desktop notifications when a grant needs the person.
//! - [`resident`]: on Linux the tray lives in `latchkey-tray`, a process without WebKit; this
//!   binary is then only the window (`--window`), started by the tray on Open.

pub mod attention;
pub mod autostart;
pub mod commands;
pub mod live;
pub mod resident;
pub mod state;
pub mod tray;
pub mod window;

use std::sync::OnceLock;
use std::time::Instant;

use tauri::{Builder, Manager, RunEvent, Runtime};

pub use state::AppState;

/// When the process started, for the "launch to tray ready" figure.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// What to start besides the commands: tests with the mock runtime start none of it.
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub tray: bool,
    pub live: bool,
    pub window: WindowAtStart,
}

/// The window when the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowAtStart {
    /// None until the person opens it (started at login, or tests).
    None,
    Shown,
    /// Built unseen, its page loading, for an Open that is probably next: the resident's
    /// tray menu is open (`--window --standby`).
    Unseen,
}

/// The app for any runtime: the real one in [`run`], `MockRuntime` in tests.
pub fn run_app<R: Runtime>(builder: Builder<R>, state: AppState, features: Features) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::overview,
            commands::server_detail,
            commands::add_server,
            commands::connect,
            commands::open_again,
            commands::cancel_connect,
            commands::connect_with_code,
            commands::revoke_plan,
            commands::revoke,
            commands::refresh_all,
            commands::set_default_account,
            commands::forget_server,
            commands::get_autostart,
            commands::set_autostart,
            commands::adopt_plan,
            commands::adopt,
            commands::undo_adopt,
            commands::import_tokens,
            commands::checkup,
            commands::setup_plan,
            commands::setup_apply,
            commands::undo_setup,
            commands::setup_dismissed,
            commands::set_setup_dismissed,
            commands::take_connect_request,
        ])
        .setup(move |app| {
            if features.tray {
                tray::create(app.handle())?;
                tracing::info!("tray ready after {} ms", since_start());
            }
            tracing::debug!("setup after {} ms", since_start());
            // The window first: the watches start while its page loads.
            match features.window {
                WindowAtStart::Shown => window::show(app.handle()),
                WindowAtStart::Unseen => window::prepare(app.handle()),
                WindowAtStart::None => {}
            }
            if features.live {
                live::start(app.handle().clone(), features.tray)?;
            }
            Ok(())
        })
}

/// The real app. On Linux, `latchkey-app` (with `--hidden` at login) becomes the resident tray,
/// `latchkey-tray`, and `latchkey-app --window [--connect URL]` is the window it starts on
/// Open (`--window --standby` while its menu is open: the window built unseen). Where no
/// resident is installed, one process has the tray and the window: one instance,
/// notifications, optional start at login.
pub fn run() {
    STARTED.get_or_init(Instant::now);
    latchkey_core::logging::init("info");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let window_only = args.iter().any(|a| a == "--window");
    if !window_only {
        resident::hand_over(&args);
    }
    let state = match AppState::open() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("latchkey-app: {e}");
            std::process::exit(1);
        }
    };
    if window_only {
        tracing::debug!("window process: core opened after {} ms", since_start());
        resident::end_with_parent();
        if let Some(url) = args.windows(2).find(|w| w[0] == "--connect").map(|w| &w[1]) {
            state.request_connect(url);
        }
    }
    // `--hidden`: started at login; stay in the tray until the person opens the window.
    let hidden = args.iter().any(|a| a == "--hidden");
    let mut builder = tauri::Builder::default();
    if !window_only {
        builder = builder
            .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
                // A second launch focuses the first instead of starting another.
                window::show(app);
            }))
            .plugin(tauri_plugin_notification::init());
    }
    let builder = builder.plugin(tauri_plugin_autostart::init(
        tauri_plugin_autostart::MacosLauncher::LaunchAgent,
        Some(vec!["--hidden"]),
    ));
    let app = run_app(
        builder,
        state,
        Features {
            tray: !window_only,
            live: true,
            window: if window_only && args.iter().any(|a| a == "--standby") {
                WindowAtStart::Unseen
            } else if window_only || !hidden {
                WindowAtStart::Shown
            } else {
                WindowAtStart::None
            },
        },
    )
    .build(tauri::generate_context!())
    .expect("the Tauri app could not be built");
    if window_only {
        resident::follow_orders(app.handle().clone());
    }
    app.run(move |app, event| match event {
        // The last window closed: the one-process app keeps running in the tray; the window
        // process offers the resident to end (once no sign-in waits for its redirect) and ends
        // when the resident agrees. Quit (a code) exits.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => {
            if !window_only {
                api.prevent_exit();
            } else if app.try_state::<AppState>().is_some_and(|s| s.signing_in()) {
                api.prevent_exit();
                resident::end_after_sign_in(app);
            } else if resident::offer_to_end(app) {
                api.prevent_exit();
            }
        }
        RunEvent::Exit => {
            if let Some(state) = app.try_state::<AppState>() {
                state.stop();
            }
        }
        _ => {}
    });
}

fn since_start() -> u128 {
    STARTED.get().map(|t| t.elapsed().as_millis()).unwrap_or(0)
}
