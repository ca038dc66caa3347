//! The window process: `latchkey-app --window`, installed beside this binary. Started on Open,
//! told over its stdin to come to the front (`show`), to start a Connect (`connect <url>`) or
//! which servers we refresh now (`refreshing <url>...`) while it runs; it says on its stdout
//! which servers it refreshes, so the tray's menu shows them too. It exits when its window
//! closes, and ends with us.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use latchkey_core::runtime::follow::Follow;
use latchkey_core::runtime::refreshing_note;

const APP: &str = "latchkey-app";

/// A window process that runs: its stdin, and its pid while it still does (0 once a thread
/// that waits for its end has reaped it, so it never lingers as a zombie).
struct Running {
    stdin: ChildStdin,
    pid: Arc<AtomicU32>,
}

impl Running {
    fn pid(&self) -> u32 {
        self.pid.load(Ordering::SeqCst)
    }
}

pub struct WindowProcess {
    app: PathBuf,
    running: Option<Running>,
    /// What we follow: told which servers the window process refreshes.
    follow: Arc<Follow>,
}

impl WindowProcess {
    pub fn beside_this_binary(follow: Arc<Follow>) -> Self {
        let app = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(APP)))
            .unwrap_or_else(|| PathBuf::from(APP));
        Self {
            app,
            running: None,
            follow,
        }
    }

    /// Tell the window process `line`, when it runs (one that starts later is told then).
    pub fn tell(&mut self, line: &str) {
        if let Some(r) = &mut self.running
            && r.pid() != 0
        {
            let _ = writeln!(r.stdin, "{line}").and_then(|()| r.stdin.flush());
        }
    }

    /// Open the window (starting its process, or telling the running one), and start a Connect
    /// for `connect` there.
    pub fn open(&mut self, connect: Option<&str>) {
        let order = match connect {
            Some(url) => format!("connect {url}\n"),
            None => "show\n".to_string(),
        };
        if let Some(r) = &mut self.running
            && r.pid() != 0
            && r.stdin.write_all(order.as_bytes()).is_ok()
            && r.stdin.flush().is_ok()
        {
            // (Logged: `make bench-app` once saw an Open load no window; this says which way
            // the Open went.)
            tracing::info!(
                "told the window process {} to {}",
                r.pid(),
                order.trim_end()
            );
            return;
        }
        self.running = None;
        let mut command = Command::new(&self.app);
        command
            .arg("--window")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if let Some(url) = connect {
            command.args(["--connect", url]);
        }
        match command.spawn() {
            Ok(mut child) => {
                let mut stdin = child.stdin.take().expect("stdin is piped");
                if let Some(stdout) = child.stdout.take() {
                    listen(stdout, self.follow.clone());
                }
                // Started while we refresh: it shows that from its first paint.
                if let Some(line) = self.follow.refreshing_line() {
                    let _ = writeln!(stdin, "{line}");
                }
                tracing::info!("started the window process {}", child.id());
                let pid = Arc::new(AtomicU32::new(child.id()));
                let gone = pid.clone();
                let waiting = std::thread::Builder::new()
                    .name("window-process".into())
                    .spawn(move || {
                        let _ = child.wait();
                        gone.store(0, Ordering::SeqCst);
                    });
                if let Err(e) = waiting {
                    tracing::warn!("cannot wait for the window process: {e}");
                }
                self.running = Some(Running { stdin, pid });
            }
            Err(e) => tracing::error!("cannot open the window ({}): {e}", self.app.display()),
        }
    }

    /// End the window process (Quit). It also ends by itself when we do (it watches for it).
    pub fn close(&mut self) {
        if let Some(r) = self.running.take() {
            let pid = r.pid();
            drop(r.stdin);
            if pid != 0 {
                // SAFETY: kill(2) on our own child's pid, which the waiting thread has not
                // reaped yet (pid is cleared once it has).
                unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGTERM);
                }
            }
        }
    }
}

/// What the window process says on its stdout: the servers it refreshes now. When it ends, it
/// refreshes nothing any more.
fn listen(stdout: ChildStdout, follow: Arc<Follow>) {
    let spawned = std::thread::Builder::new()
        .name("window-says".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match refreshing_note::parse(&line) {
                    Some(urls) => follow.set_refreshing_elsewhere(urls),
                    None => tracing::debug!("the window process said: {line}"),
                }
            }
            follow.set_refreshing_elsewhere(Vec::new());
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot listen to the window process: {e}");
    }
}
