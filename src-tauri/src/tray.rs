//! The tray icon: its picture says whether anything needs the person (the same counts as the
//! window's header: servers to reconnect, sign-ins about to lapse, secrets in plain text,
//! entries that sign in on their own); its menu starts with a line for each ("3 secrets in plain
//! text — Review…", opening the window), lists each server with a one-word status, then "Open
//! Latchkey", "Refresh all now" and "Quit". A left click opens the window (where the desktop
//! reports clicks; on Linux the menu is the way in).

use latchkey_core::overview::{Overview, ServerView, Status};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::{AppState, live, window};

const TRAY_ID: &str = "latchkey";
/// More than this many servers do not fit a menu; the window lists them all.
const MENU_SERVERS: usize = 12;

fn icon(attention: bool) -> tauri::Result<Image<'static>> {
    if attention {
        Image::from_bytes(include_bytes!("../../icons/tray-attention.png"))
    } else {
        Image::from_bytes(include_bytes!("../../icons/tray.png"))
    }
}

/// The tray menu's word for a server.
pub fn one_word(s: &ServerView) -> &'static str {
    match &s.status {
        Status::Connected { .. } if s.attention.is_some() => "Expiring",
        Status::Connected { .. } => "Connected",
        Status::Expired => "Expired",
        Status::NeedsReconnect { .. } => "Reconnect",
        Status::NotConnected => "Disconnected",
        Status::Refreshing => "Refreshing",
        Status::NoSignInNeeded => "Open",
    }
}

pub fn tooltip(o: &Overview) -> String {
    match o.needs_you.total {
        0 => "Latchkey: all good".to_string(),
        _ => format!("Latchkey: {}", o.needs_you.phrases.join(", ")),
    }
}

/// The menu's first lines: what needs the person, each opening the window.
pub fn review_lines(o: &Overview) -> Vec<String> {
    o.needs_you
        .phrases
        .iter()
        .map(|p| format!("{p} — Review…"))
        .collect()
}

fn needs_you(o: &Overview) -> bool {
    o.needs_you.total > 0
}

fn menu<R: Runtime>(app: &AppHandle<R>, o: &Overview) -> tauri::Result<Menu<R>> {
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = Vec::new();
    let review = review_lines(o);
    for (i, line) in review.iter().enumerate() {
        items.push(Box::new(MenuItem::with_id(
            app,
            format!("review:{i}"),
            line,
            true,
            None::<&str>,
        )?));
    }
    if !review.is_empty() {
        items.push(Box::new(PredefinedMenuItem::separator(app)?));
    }
    for s in o.servers.iter().take(MENU_SERVERS) {
        let text = format!("{} — {}", s.name, one_word(s));
        items.push(Box::new(MenuItem::with_id(
            app,
            format!("server:{}", s.url),
            text,
            true,
            None::<&str>,
        )?));
    }
    if o.servers.len() > MENU_SERVERS {
        let more = format!("…and {} more", o.servers.len() - MENU_SERVERS);
        items.push(Box::new(MenuItem::with_id(
            app,
            "more",
            more,
            true,
            None::<&str>,
        )?));
    }
    if !o.servers.is_empty() {
        items.push(Box::new(PredefinedMenuItem::separator(app)?));
    }
    items.push(Box::new(MenuItem::with_id(
        app,
        "open",
        "Open Latchkey",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(MenuItem::with_id(
        app,
        "refresh_all",
        "Refresh all now",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(MenuItem::with_id(
        app,
        "quit",
        "Quit",
        true,
        None::<&str>,
    )?));
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i.as_ref()).collect();
    Menu::with_items(app, &refs)
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let o = app
        .state::<AppState>()
        .overview()
        .unwrap_or_else(|_| empty_overview());
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(needs_you(&o))?)
        .tooltip(tooltip(&o))
        .menu(&menu(app, &o)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "quit" => app.exit(0),
            "refresh_all" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    if let Err(p) = live::refresh_all(&app, &state).await {
                        tracing::warn!("refresh all: {}", p.message);
                    }
                });
            }
            _ => window::show(app),
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

/// Bring icon, tooltip and menu up to date.
pub fn update<R: Runtime>(app: &AppHandle<R>, o: &Overview) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if let Ok(i) = icon(needs_you(o)) {
        let _ = tray.set_icon(Some(i));
    }
    let _ = tray.set_tooltip(Some(tooltip(o)));
    match menu(app, o) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
        }
        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
    }
}

fn empty_overview() -> Overview {
    Overview::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: Status, attention: bool) -> ServerView {
        ServerView {
            url: "https://a".into(),
            name: "a".into(),
            host: "a".into(),
            clients: vec![],
            status,
            scopes: vec![],
            account: None,
            accounts: vec![],
            attention: attention.then(|| "x".to_string()),
            known_to_latchkey: true,
        }
    }

    #[test]
    fn one_word_per_status() {
        let connected = || Status::Connected {
            expires_at: Some(1),
            refreshes_automatically: false,
        };
        let rows = [
            (server(connected(), false), "Connected"),
            (server(connected(), true), "Expiring"),
            (server(Status::Expired, true), "Expired"),
            (
                server(Status::NeedsReconnect { reason: None }, true),
                "Reconnect",
            ),
            (server(Status::NotConnected, false), "Disconnected"),
            (server(Status::Refreshing, false), "Refreshing"),
            (server(Status::NoSignInNeeded, false), "Open"),
        ];
        for (s, want) in rows {
            assert_eq!(one_word(&s), want, "{:?}", s.status);
            assert_eq!(want.split_whitespace().count(), 1);
        }
    }

    #[test]
    fn tooltip_and_menu_say_what_needs_the_person() {
        let calm = Overview::default();
        assert_eq!(tooltip(&calm), "Latchkey: all good");
        assert!(review_lines(&calm).is_empty());
        assert!(!needs_you(&calm));

        let mut o = Overview::default();
        o.needs_you.total = 4;
        o.needs_you.phrases = vec![
            "1 server needs a reconnect".into(),
            "3 secrets in plain text".into(),
        ];
        assert_eq!(
            tooltip(&o),
            "Latchkey: 1 server needs a reconnect, 3 secrets in plain text"
        );
        assert_eq!(
            review_lines(&o),
            [
                "1 server needs a reconnect — Review…",
                "3 secrets in plain text — Review…"
            ]
        );
        assert!(needs_you(&o));
    }
}
