//! "Start at login", through tauri-plugin-autostart (an XDG autostart entry on Linux, a launch
//! agent on macOS, the Run key on Windows). The entry starts the app with `--hidden`. On Linux,
//! where the resident tray is installed beside the app ([`crate::resident`]), the entry starts
//! `latchkey-tray --hidden` itself: login then never loads WebKit only to hand over. It is the
//! same file the plugin writes (the same crate writes it), so an entry made before reads as on,
//! and turning it off removes either.

use latchkey_core::{Error, Result};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::AutoLaunchManager;

/// The login item: the plugin's, or on Linux the resident's.
fn login_item<R: Runtime>(app: &AppHandle<R>) -> Result<LoginItem<'_>> {
    #[cfg(target_os = "linux")]
    if app.env().appimage.is_none()
        && let Some(tray) = crate::resident::installed()
    {
        return Ok(LoginItem::Resident(resident_entry(
            &app.package_info().name,
            &tray,
        )));
    }
    app.try_state::<AutoLaunchManager>()
        .map(LoginItem::Plugin)
        .ok_or_else(|| Error::InvalidInput("start at login is not available in this build".into()))
}

enum LoginItem<'a> {
    Plugin(tauri::State<'a, AutoLaunchManager>),
    #[cfg(target_os = "linux")]
    Resident(auto_launch::AutoLaunch),
}

/// The XDG autostart entry (`~/.config/autostart/<name>.desktop`) that starts `tray --hidden`.
#[cfg(target_os = "linux")]
fn resident_entry(name: &str, tray: &std::path::Path) -> auto_launch::AutoLaunch {
    auto_launch::AutoLaunch::new(name, &tray.to_string_lossy(), &["--hidden"])
}

pub fn enabled<R: Runtime>(app: &AppHandle<R>) -> Result<bool> {
    let on = match login_item(app)? {
        LoginItem::Plugin(m) => m.is_enabled().map_err(|e| e.to_string()),
        #[cfg(target_os = "linux")]
        LoginItem::Resident(entry) => entry.is_enabled().map_err(|e| e.to_string()),
    };
    on.map_err(|e| Error::Io(format!("cannot read the start-at-login setting: {e}")))
}

pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<()> {
    let item = login_item(app)?;
    // The auto-launch crate creates ~/.config/autostart but not ~/.config itself, so on a
    // fresh account enabling failed; make the whole path first.
    #[cfg(target_os = "linux")]
    if on && let Some(home) = std::env::var_os("HOME") {
        let dir = std::path::PathBuf::from(home)
            .join(".config")
            .join("autostart");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let r = match item {
        LoginItem::Plugin(m) => {
            (if on { m.enable() } else { m.disable() }).map_err(|e| e.to_string())
        }
        #[cfg(target_os = "linux")]
        LoginItem::Resident(entry) => {
            (if on { entry.enable() } else { entry.disable() }).map_err(|e| e.to_string())
        }
    };
    r.map_err(|e| Error::Io(format!("cannot change the start-at-login setting: {e}")))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::path::Path;

    /// The entry names the resident and `--hidden`, under the name the plugin's entry has, so
    /// one made before this reads as on and is the one turned off.
    #[test]
    fn the_login_item_starts_the_resident_hidden_under_the_plugins_name() {
        let entry = super::resident_entry("Latchkey", Path::new("/usr/bin/latchkey-tray"));
        assert_eq!(entry.get_app_name(), "Latchkey");
        assert_eq!(entry.get_app_path(), "/usr/bin/latchkey-tray");
        assert_eq!(entry.get_args(), ["--hidden"]);
    }
}
