//! "Start at login", through tauri-plugin-autostart (an XDG autostart entry on Linux, a launch
//! agent on macOS, the Run key on Windows). The entry starts the app with `--hidden`.

use latchkey_core::{Error, Result};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::AutoLaunchManager;

fn manager<R: Runtime>(app: &AppHandle<R>) -> Result<tauri::State<'_, AutoLaunchManager>> {
    app.try_state::<AutoLaunchManager>()
        .ok_or_else(|| Error::InvalidInput("start at login is not available in this build".into()))
}

pub fn enabled<R: Runtime>(app: &AppHandle<R>) -> Result<bool> {
    manager(app)?
        .is_enabled()
        .map_err(|e| Error::Io(format!("cannot read the start-at-login setting: {e}")))
}

pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<()> {
    let m = manager(app)?;
    // The plugin's auto-launch crate creates ~/.config/autostart but not ~/.config itself, so
    // on a fresh account enabling failed; make the whole path first.
    #[cfg(target_os = "linux")]
    if on && let Some(home) = std::env::var_os("HOME") {
        let dir = std::path::PathBuf::from(home)
            .join(".config")
            .join("autostart");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let r = if on { m.enable() } else { m.disable() };
    r.map_err(|e| Error::Io(format!("cannot change the start-at-login setting: {e}")))
}
