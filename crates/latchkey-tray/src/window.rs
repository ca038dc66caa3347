//! The window process: `latchkey-app --window`, installed beside this binary. Started on Open,
//! told over its stdin to come to the front (`show`) or to start a Connect (`connect <url>`)
//! while it runs; it exits when its window closes, and ends with us.

use std::io::Write;
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

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
}

impl WindowProcess {
    pub fn beside_this_binary() -> Self {
        let app = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(APP)))
            .unwrap_or_else(|| PathBuf::from(APP));
        Self { app, running: None }
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
            return;
        }
        self.running = None;
        let mut command = Command::new(&self.app);
        command.arg("--window").stdin(Stdio::piped());
        if let Some(url) = connect {
            command.args(["--connect", url]);
        }
        match command.spawn() {
            Ok(mut child) => {
                let stdin = child.stdin.take().expect("stdin is piped");
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
