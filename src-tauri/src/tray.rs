//! The app's own tray, used where no resident tray runs (macOS, Windows, or a Linux install
//! without `latchkey-tray`): the core's menu ([`tray_menu`]) drawn with Tauri's tray icon. A left
//! click opens the window (where the desktop reports clicks; on Linux the menu is the way in).

use latchkey_core::overview::Overview;
use latchkey_core::overview::tray_menu::{self, MenuAction, MenuLine};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::{AppState, window};

const TRAY_ID: &str = "latchkey";

fn icon(attention: bool) -> tauri::Result<Image<'static>> {
    if attention {
        Image::from_bytes(include_bytes!("../../icons/tray-attention.png"))
    } else {
        Image::from_bytes(include_bytes!("../../icons/tray.png"))
    }
}

fn menu<R: Runtime>(app: &AppHandle<R>, o: &Overview) -> tauri::Result<Menu<R>> {
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = Vec::new();
    for line in tray_menu::menu(o) {
        items.push(match line {
            MenuLine::Item { id, text, .. } => {
                Box::new(MenuItem::with_id(app, id, text, true, None::<&str>)?)
            }
            MenuLine::Separator => Box::new(PredefinedMenuItem::separator(app)?),
        });
    }
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i.as_ref()).collect();
    Menu::with_items(app, &refs)
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let o = app
        .state::<AppState>()
        .follow
        .overview()
        .unwrap_or_default();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(tray_menu::needs_you(&o))?)
        .tooltip(tray_menu::tooltip(&o))
        .menu(&menu(app, &o)?)
        .show_menu_on_left_click(false)
        .on_menu_event(
            |app, event| match tray_menu::action_of(event.id().as_ref()) {
                MenuAction::Quit => app.exit(0),
                MenuAction::RefreshAll => {
                    let app = app.clone();
                    tauri::async_runtime::spawn(async move {
                        let state = app.state::<AppState>();
                        if let Err(p) = state.follow.refresh_all().await {
                            tracing::warn!("refresh all: {}", p.message);
                        }
                    });
                }
                MenuAction::Open => window::show(app),
            },
        )
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
    if let Ok(i) = icon(tray_menu::needs_you(o)) {
        let _ = tray.set_icon(Some(i));
    }
    let _ = tray.set_tooltip(Some(tray_menu::tooltip(o)));
    match menu(app, o) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
        }
        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
    }
}
