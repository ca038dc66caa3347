//! What runs on its own while Latchkey is up: the refresher and what wakes it (the machine's
//! wake-ups, the network coming back, store changes), and the watch the window, the tray and
//! `clients --watch` follow changes with. The cross-process locks they take are `home::lock`.

pub mod follow;
pub mod net_probe;
pub mod refresher;
pub mod store_watch;
pub mod wake_watch;
pub mod window_talk;
