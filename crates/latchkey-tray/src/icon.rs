//! The tray icon as a StatusNotifierItem (ksni: D-Bus only, no GTK): the core's menu
//! ([`tray_menu`]), its tooltip, and the calm or attention picture. Desktop panels read it over
//! D-Bus as they read any tray icon; a left click opens the window.

use std::path::PathBuf;

use ksni::menu::StandardItem;
use ksni::{Category, MenuItem, ToolTip, TrayMethods};
use latchkey_core::overview::Overview;
use latchkey_core::overview::tray_menu::{self, MenuAction, MenuLine};
use tokio::sync::watch;

use crate::{Order, Orders};

const CALM: &[u8] = include_bytes!("../../../icons/tray.png");
const ATTENTION: &[u8] = include_bytes!("../../../icons/tray-attention.png");

/// What the tray shows, from one overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    pub lines: Vec<MenuLine>,
    pub attention: bool,
    pub tooltip: String,
}

impl Look {
    pub fn of(o: &Overview) -> Self {
        Self {
            lines: tray_menu::menu(o),
            attention: tray_menu::needs_you(o),
            tooltip: tray_menu::tooltip(o),
        }
    }
}

/// The two pictures as files: a StatusNotifierItem names its picture (`IconName`, a path here,
/// as libappindicator does), so a panel loads it itself.
struct Pictures {
    calm: PathBuf,
    attention: PathBuf,
}

impl Pictures {
    fn write() -> std::io::Result<Self> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("latchkey-tray-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let pictures = Self {
            calm: dir.join("tray.png"),
            attention: dir.join("tray-attention.png"),
        };
        std::fs::write(&pictures.calm, CALM)?;
        std::fs::write(&pictures.attention, ATTENTION)?;
        Ok(pictures)
    }
}

impl Drop for Pictures {
    fn drop(&mut self) {
        if let Some(dir) = self.calm.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

struct Item {
    look: Look,
    pictures: Pictures,
    orders: Orders,
}

/// dbusmenu reads `_` as a mnemonic mark; a server named `my_server` keeps its underscore.
fn label(text: &str) -> String {
    text.replace('_', "__")
}

fn order(action: &MenuAction) -> Order {
    match action {
        MenuAction::Open => Order::Open,
        MenuAction::RefreshAll => Order::RefreshAll,
        MenuAction::Quit => Order::Quit,
    }
}

impl ksni::Tray for Item {
    fn id(&self) -> String {
        "latchkey".into()
    }

    fn title(&self) -> String {
        "Latchkey".into()
    }

    fn category(&self) -> Category {
        Category::ApplicationStatus
    }

    fn icon_name(&self) -> String {
        let p = if self.look.attention {
            &self.pictures.attention
        } else {
            &self.pictures.calm
        };
        p.to_string_lossy().into_owned()
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip {
            title: self.look.tooltip.clone(),
            ..ToolTip::default()
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        let _ = self.orders.send(Order::Open);
    }

    /// A panel asks this just before it shows the menu (dbusmenu `AboutToShow`): the window
    /// process is started on standby, so that "Open Latchkey" only has to show it.
    fn menu_about_to_show(&mut self) {
        let _ = self.orders.send(Order::MenuShown);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        self.look
            .lines
            .iter()
            .map(|line| match line {
                MenuLine::Item { text, action, .. } => {
                    let order = order(action);
                    StandardItem {
                        label: label(text),
                        activate: Box::new(move |item: &mut Self| {
                            let _ = item.orders.send(order.clone());
                        }),
                        ..StandardItem::default()
                    }
                    .into()
                }
                MenuLine::Separator => MenuItem::Separator,
            })
            .collect()
    }
}

pub struct TrayIcon(ksni::Handle<Item>);

impl TrayIcon {
    pub async fn spawn(look: Look, orders: Orders) -> Result<Self, String> {
        let pictures = Pictures::write().map_err(|e| format!("cannot write its pictures: {e}"))?;
        let item = Item {
            look,
            pictures,
            orders,
        };
        // The panel may start after us (at login): register when it comes.
        let handle = item
            .assume_sni_available(true)
            .spawn()
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self(handle))
    }

    /// Show every new look, in order, until the publisher ends.
    pub async fn follow(self, mut looks: watch::Receiver<Option<Look>>) {
        while looks.changed().await.is_ok() {
            let Some(look) = looks.borrow_and_update().clone() else {
                continue;
            };
            self.0.update(|item| item.look = look).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_menu_line_sends_its_order_and_keeps_underscores() {
        assert_eq!(label("my_server — Connected"), "my__server — Connected");
        for line in tray_menu::menu(&Overview::default()) {
            if let MenuLine::Item { id, action, .. } = line {
                let want = match id.as_str() {
                    "quit" => Order::Quit,
                    "refresh_all" => Order::RefreshAll,
                    _ => Order::Open,
                };
                assert_eq!(order(&action), want, "{id}");
            }
        }
    }
}
