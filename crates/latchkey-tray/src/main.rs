//! `latchkey-tray`: Latchkey's resident process on Linux. It keeps the tray icon and its menu,
//! the refresher, the store and config-file watches and the "needs you" notifications, and
//! never loads WebKit: the window is another process (`latchkey-app --window`), started on Open
//! and gone when closed. The login item starts it (`--hidden`); `latchkey-app` hands over to it.
//!
//! - [`instance`]: one resident per Latchkey home; a second launch asks the first to Open.
//! - [`icon`]: the tray's StatusNotifierItem and its menu, drawn from the core's words.
//! - [`window`]: the window process: started (or readied unseen while the menu shows), shown
//!   again, told to Connect, ended with us.
//! - [`notify`]: desktop notifications with a Connect button.
//! - [`rendering`]: how the window process draws on a machine without a GPU.

mod icon;
mod instance;
mod notify;
mod rendering;
mod window;

use std::sync::Arc;
use std::time::Instant;

use latchkey_core::Latchkey;
use latchkey_core::home::Home;
use latchkey_core::overview::announce::{Announced, newly_needing};
use latchkey_core::runtime::follow::{self, Follow};
use latchkey_core::runtime::window_talk::Talk;
use tokio::runtime::Handle;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc, watch};

use crate::icon::{Look, TrayIcon};
use crate::window::WindowProcess;

/// What the tray, the notifications and a second launch ask the resident to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// Open the window (or bring it to the front).
    Open,
    /// Open the window and start a Connect for this server there.
    Connect(String),
    RefreshAll,
    /// Tell the window process which servers this process refreshes now.
    TellWindow(Talk),
    /// The window process `id` offers to end: its window closed after `after` orders.
    WindowClosing {
        id: u32,
        after: u64,
    },
    /// The tray's menu is showing: Open is probably next.
    MenuShown,
    /// The time the window process `id` on standby waits for the menu's `nth` showing is up.
    StandbyOver {
        id: u32,
        nth: u64,
    },
    Quit,
}

pub type Orders = mpsc::UnboundedSender<Order>;

fn main() {
    let started = Instant::now();
    latchkey_core::logging::init("info");
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-V") {
        println!("latchkey-tray {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    // `--hidden`: started at login; stay in the tray until the person opens the window.
    let hidden = args.iter().any(|a| a == "--hidden");
    // One thread is plenty for a tray that mostly sleeps, and each thread is memory and
    // wake-ups; blocking work (the keychain, config scans) has threads of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    std::process::exit(rt.block_on(run(hidden, started)));
}

fn fail(e: impl std::fmt::Display) -> i32 {
    eprintln!("latchkey-tray: {e}");
    1
}

async fn run(hidden: bool, started: Instant) -> i32 {
    // Only the home's id first: a second launch asks the first to open and is gone before
    // the store, the keychain and TLS are opened.
    let home = match Home::from_env() {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let (orders, mut asked) = mpsc::unbounded_channel();
    let _instance = match instance::claim(home.installation_id(), orders.clone()).await {
        instance::Claim::First(connection) => Some(connection),
        instance::Claim::Running(name) => {
            if !hidden && let Err(e) = instance::ask_to_open(&name).await {
                eprintln!("latchkey-tray: Latchkey runs already, but did not answer: {e}");
                return 1;
            }
            return 0;
        }
        instance::Claim::NoBus(e) => {
            tracing::warn!("no D-Bus session ({e}): a second launch will not find this one");
            None
        }
    };
    let lk = match Latchkey::open() {
        Ok(lk) => Arc::new(lk),
        Err(e) => return fail(e),
    };

    let follow = Follow::new(lk.clone());
    let first = Look::of(&follow.overview().unwrap_or_default());
    let tray = match TrayIcon::spawn(first, orders.clone()).await {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("cannot show the tray icon ({e}); the refresher runs on");
            None
        }
    };
    tracing::info!("tray ready after {} ms", started.elapsed().as_millis());

    let stop = Arc::new(Notify::new());
    let rt = Handle::current();
    if let Err(e) = follow::start_refresher(&lk, &rt, stop.clone()) {
        tracing::warn!("cannot start the refresher: {e}");
    }
    let (look_tx, looks) = watch::channel(None::<Look>);
    let announced = Announced::default();
    let to_notify = orders.clone();
    let news = follow.clone();
    let followed = follow.start(&rt, stop.clone(), move |overview| {
        // The window process shows what this one refreshes ("Refreshing…") too.
        if let Some(talk) = news.refreshing_news() {
            let _ = to_notify.send(Order::TellWindow(talk));
        }
        match overview {
            Ok(o) => {
                look_tx.send_replace(Some(Look::of(o)));
                for a in newly_needing(&announced, o) {
                    notify::show(a, to_notify.clone());
                }
            }
            Err(e) => tracing::warn!("cannot read the store: {e}"),
        }
    });
    if let Err(e) = followed {
        tracing::warn!("cannot follow the store: {e}");
    }
    if let Some(tray) = tray {
        tokio::spawn(tray.follow(looks));
    }

    let mut window = WindowProcess::beside_this_binary(follow.clone(), orders.clone());
    if !hidden {
        window.open(None);
    }
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for signals");
        return 1;
    };
    loop {
        tokio::select! {
            order = asked.recv() => match order {
                Some(Order::Open) => window.open(None),
                Some(Order::Connect(url)) => window.open(Some(&url)),
                Some(Order::RefreshAll) => {
                    let follow = follow.clone();
                    tokio::spawn(async move {
                        if let Err(p) = follow.refresh_all().await {
                            tracing::warn!("refresh all: {}", p.message);
                        }
                    });
                }
                Some(Order::TellWindow(talk)) => window.tell(&talk),
                Some(Order::WindowClosing { id, after }) => window.closing(id, after),
                Some(Order::MenuShown) => window.stand_by(),
                Some(Order::StandbyOver { id, nth }) => window.standby_over(id, nth),
                Some(Order::Quit) | None => break,
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    stop.notify_waiters();
    window.close();
    0
}
