//! Opening the authorization page. When `BROWSER` is set, Latchkey runs `$BROWSER <url>` (as git,
//! gh and Python do; the value may hold arguments); otherwise the desktop's default browser.

use std::process::Stdio;

use crate::{Error, Result};

/// A browser launch. Its launcher (`xdg-open`, `$BROWSER`) runs on in the background; when it
/// exits reporting failure (no browser to open, no desktop), [`Launched::failed`] says so, so
/// a sign-in does not wait in silence for a redirect that cannot come.
pub struct Launched {
    failed: tokio::sync::oneshot::Receiver<String>,
}

impl Launched {
    /// Resolves with why, only when the launcher failed; never otherwise.
    pub async fn failed(self) -> String {
        match self.failed.await {
            Ok(why) => why,
            Err(_) => std::future::pending().await,
        }
    }
}

/// Why no browser can open here, when that is known before trying: a Linux or BSD session with
/// no display (`DISPLAY`, `WAYLAND_DISPLAY`), as over SSH or in a container, or a macOS SSH
/// session (a browser would open on the Mac's own screen, if anyone's). `None` when `BROWSER`
/// is set (it says how) or a browser may well open.
pub fn no_display() -> Option<&'static str> {
    no_display_in(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

fn no_display_in(set: impl Fn(&str) -> bool) -> Option<&'static str> {
    if set("BROWSER") {
        return None;
    }
    if cfg!(target_os = "macos") {
        return (set("SSH_CONNECTION") || set("SSH_TTY"))
            .then_some("this is an SSH session: a browser would open on the Mac's own screen");
    }
    if cfg!(windows) {
        return None;
    }
    (!set("DISPLAY") && !set("WAYLAND_DISPLAY")).then_some(if set("SSH_CONNECTION") {
        "this SSH session has no display (no DISPLAY or WAYLAND_DISPLAY)"
    } else {
        "this session has no display (no DISPLAY or WAYLAND_DISPLAY)"
    })
}

/// Start the browser on `url` without waiting for it to exit (the loopback redirect tells us
/// when the user is done). The URL holds no secret: PKCE sends only the challenge.
pub fn open(url: &str) -> Result<Launched> {
    let (program, mut args) = match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        Some(browser) => {
            let mut words = browser.split_whitespace().map(str::to_string);
            let program = words.next().unwrap_or_default();
            (program, words.collect::<Vec<_>>())
        }
        None => default_opener(),
    };
    args.push(url.to_string());
    let mut command = std::process::Command::new(&program);
    command
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| Error::BrowserFailed(format!("cannot start the browser '{program}': {e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Reap it in the background so it does not linger as a zombie, and report a failure.
    std::thread::spawn(move || {
        if let Ok(status) = child.wait()
            && !status.success()
        {
            let _ = tx.send(format!("'{program}' exited with {status}"));
        }
    });
    Ok(Launched { failed: rx })
}

fn default_opener() -> (String, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open".into(), vec![])
    } else if cfg!(windows) {
        (
            "rundll32".into(),
            vec!["url.dll,FileProtocolHandler".into()],
        )
    } else {
        ("xdg-open".into(), vec![])
    }
}

/// What `latchkey doctor` says about the browser.
pub fn describe() -> String {
    match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        Some(b) => format!("$BROWSER = {b}"),
        None => format!("desktop default ({})", default_opener().0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_session_without_a_display_is_known_before_trying() {
        let with = |names: &'static [&'static str]| move |n: &str| names.contains(&n);
        assert!(no_display_in(with(&["DISPLAY"])).is_none());
        assert!(no_display_in(with(&["WAYLAND_DISPLAY"])).is_none());
        assert!(no_display_in(with(&[])).unwrap().contains("no display"));
        assert!(
            no_display_in(with(&["SSH_CONNECTION"]))
                .unwrap()
                .contains("SSH session")
        );
        assert!(
            no_display_in(with(&["BROWSER"])).is_none(),
            "BROWSER says how"
        );
    }
}
