//! Noticing that the machine woke from sleep, so the refresher plans again at once instead of
//! when its (monotonic, stopped during sleep) timer ends: logind's `PrepareForSleep(false)` on
//! the system bus. Where there is no system bus or no logind (containers, macOS, Windows) this
//! does nothing and the refresher's bounded sleep ([`crate::runtime::refresher::MAX_SLEEP`]) still caps
//! how late a refresh can be.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Notify;

/// Notify `woke` every time the machine resumes. Returns only when the bus goes away.
pub async fn watch(woke: Arc<Notify>) {
    if let Err(e) = run(woke).await {
        tracing::debug!("not watching for wake-ups (no logind on a system bus): {e}");
    }
}

async fn run(woke: Arc<Notify>) -> zbus::Result<()> {
    // No system bus socket: nothing to listen to. (Asking zbus anyway would leave a thread of
    // its blocking pool waking twice a second for nothing.)
    if std::env::var_os("DBUS_SYSTEM_BUS_ADDRESS").is_none()
        && !std::path::Path::new("/run/dbus/system_bus_socket").exists()
    {
        return Err(zbus::Error::Address("no system bus socket".into()));
    }
    let conn = zbus::Connection::system().await?;
    // Matched by interface, member and path (not by sender): a local process faking a wake-up
    // can only make the refresher plan again, which is harmless.
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .path("/org/freedesktop/login1")?
        .interface("org.freedesktop.login1.Manager")?
        .member("PrepareForSleep")?
        .build();
    let mut signals = zbus::MessageStream::for_match_rule(rule, &conn, None).await?;
    tracing::debug!("watching logind for wake-ups");
    while let Some(msg) = signals.next().await {
        let Ok(msg) = msg else { continue };
        // true: about to sleep; false: just woke up.
        if let Ok(false) = msg.body().deserialize::<bool>() {
            tracing::info!("the machine woke from sleep: planning again");
            woke.notify_one();
        }
    }
    Ok(())
}
