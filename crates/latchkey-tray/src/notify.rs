//! The "needs you" notifications: every condition is fixed by signing in again, so each
//! notification has a Connect button (XDG notification actions) that opens the window and
//! starts the Connect there; a click on the notification itself opens the window.

use latchkey_core::overview::announce::Announcement;

use crate::{Order, Orders};

/// Show `a` and wait, on a thread of its own, for what the person does with it (D-Bus calls
/// that block; they are few: one per server that needs attention).
pub fn show(a: Announcement, orders: Orders) {
    let spawned = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Latchkey")
                .summary(&a.title)
                .body(&a.body)
                // "default" is a click on the notification itself.
                .action("default", "Open Latchkey")
                .action("connect", "Connect")
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| match action {
                    "connect" => {
                        let _ = orders.send(Order::Connect(a.url.clone()));
                    }
                    "default" => {
                        let _ = orders.send(Order::Open);
                    }
                    _ => {}
                }),
                Err(e) => tracing::warn!("cannot show a notification: {e}"),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot show a notification: {e}");
    }
}
