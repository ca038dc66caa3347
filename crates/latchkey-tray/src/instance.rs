//! One resident per Latchkey home, over the D-Bus session bus: the first process owns
//! `dev.latchkey.Tray.h<installation id>`; a second launch finds the name taken, asks the
//! first to open its window, and ends. Per home, so a second home (`LATCHKEY_HOME`) has a tray
//! and refresher of its own.

use zbus::fdo::RequestNameFlags;
use zbus::{Connection, interface};

use crate::{Order, Orders};

const PATH: &str = "/dev/latchkey/Tray";
const INTERFACE: &str = "dev.latchkey.Tray";

pub enum Claim {
    /// This process is the resident; keep the connection for as long as it runs.
    First(Connection),
    /// Another process is, under this name.
    Running(String),
    /// No session bus: nothing to find a second launch with.
    NoBus(zbus::Error),
}

struct Resident(Orders);

#[interface(name = "dev.latchkey.Tray")]
impl Resident {
    /// Open the window, as the tray's "Open Latchkey" does.
    fn open(&self) {
        tracing::info!("asked to open by another launch");
        let _ = self.0.send(Order::Open);
    }
}

pub fn name(installation_id: &str) -> String {
    format!("{INTERFACE}.h{installation_id}")
}

pub async fn claim(installation_id: &str, orders: Orders) -> Claim {
    let name = name(installation_id);
    let connection = match zbus::connection::Builder::session()
        .and_then(|b| b.serve_at(PATH, Resident(orders)))
    {
        Ok(b) => match b.build().await {
            Ok(c) => c,
            Err(e) => return Claim::NoBus(e),
        },
        Err(e) => return Claim::NoBus(e),
    };
    match connection
        .request_name_with_flags(name.as_str(), RequestNameFlags::DoNotQueue.into())
        .await
    {
        Ok(zbus::fdo::RequestNameReply::PrimaryOwner) => Claim::First(connection),
        Ok(_) | Err(zbus::Error::NameTaken) => Claim::Running(name),
        Err(e) => Claim::NoBus(e),
    }
}

pub async fn ask_to_open(name: &str) -> zbus::Result<()> {
    let connection = Connection::session().await?;
    connection
        .call_method(Some(name), PATH, Some(INTERFACE), "Open", &())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_name_is_a_valid_bus_name_per_home() {
        let id = "0123456789abcdef0123456789abcdef";
        let name = super::name(id);
        assert_eq!(name, "dev.latchkey.Tray.h0123456789abcdef0123456789abcdef");
        assert!(zbus::names::WellKnownName::try_from(name.as_str()).is_ok());
        assert_ne!(super::name("ffff"), name);
    }
}
