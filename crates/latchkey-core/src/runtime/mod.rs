//! What runs on its own while Latchkey is up: the refresher and what wakes it (the machine's
//! wake-ups, the network coming back, store changes), the cross-process locks, and the watch
//! the window, the tray and `clients --watch` follow changes with.

pub mod follow;
pub mod lock;
pub mod net_probe;
pub mod refresher;
pub mod store_watch;
pub mod wake_watch;
