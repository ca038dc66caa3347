//! The window process: `latchkey-app --window`, installed beside this binary. Started on Open,
//! told over its stdin to come to the front (`show`), to start a Connect (`connect <url>`) or
//! which servers we refresh now (`refreshing <url>...`) while it runs; it says on its stdout
//! which servers it refreshes, so the tray's menu shows them too, and when its window has closed
//! (`closing <n>`): it ends when we close its stdin, which we do only if we sent it nothing
//! after those `n` orders (the whole exchange: `latchkey_core::runtime::window_talk`). It ends
//! with us as well.
//!
//! While the tray's menu is open, Open is probably next: a window process is started on
//! standby ([`WindowProcess::stand_by`], its window built unseen with its page loading), so that
//! Open only has to show it. Not opened within [`STANDBY_FOR`] of the menu's last showing, it is
//! ended: a menu that was only looked at costs a start, never a resident WebKit.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use latchkey_core::runtime::follow::Follow;
use latchkey_core::runtime::window_talk::Talk;

use crate::{Order, Orders};

const APP: &str = "latchkey-app";

/// How long a window process that agreed to end may take before it is killed: it has nothing
/// left to do (no window, no sign-in), and one that hangs on its way out would keep its
/// WebKit's memory for as long as the tray runs.
const END_WITHIN: Duration = Duration::from_secs(if cfg!(test) { 1 } else { 10 });

/// How long a window process on standby waits for Open after the menu last showed. A person
/// picks from a menu within a second or two; one who left it open longer meets a cold start.
pub const STANDBY_FOR: Duration = Duration::from_secs(if cfg!(test) { 1 } else { 10 });

/// A window process that runs: the pid it started with, its stdin, its pid while it still runs
/// (0 once a thread that waits for its end has reaped it, so it never lingers as a zombie), and
/// how many orders it has been sent; and while it waits unseen for an Open, which showing of
/// the menu it waits for ([`WindowProcess::stand_by`]).
struct Running {
    id: u32,
    stdin: ChildStdin,
    pid: Arc<AtomicU32>,
    orders: u64,
    standby: Option<u64>,
}

impl Running {
    fn pid(&self) -> u32 {
        self.pid.load(Ordering::SeqCst)
    }

    fn say(&mut self, talk: &Talk) -> bool {
        self.pid() != 0
            && writeln!(self.stdin, "{talk}")
                .and_then(|()| self.stdin.flush())
                .is_ok()
    }
}

pub struct WindowProcess {
    app: PathBuf,
    /// Set for the window process beyond what it inherits (how it draws on this machine).
    env: Vec<(&'static str, &'static str)>,
    running: Option<Running>,
    /// What we follow: told which servers the window process refreshes.
    follow: Arc<Follow>,
    /// Where the window process's offer to end (and the end of a standby) comes back to us.
    orders: Orders,
    /// How many times the menu showed: a standby ends only when the last showing's time is up.
    menu_shown: u64,
}

impl WindowProcess {
    pub fn beside_this_binary(follow: Arc<Follow>, orders: Orders) -> Self {
        let app = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(APP)))
            .unwrap_or_else(|| PathBuf::from(APP));
        Self {
            app,
            env: crate::rendering::window_env(),
            running: None,
            follow,
            orders,
            menu_shown: 0,
        }
    }

    /// Tell the window process something that is not an order, when it runs (one that starts
    /// later is told then).
    pub fn tell(&mut self, talk: &Talk) {
        if let Some(r) = &mut self.running {
            r.say(talk);
        }
    }

    /// Open the window (starting its process, or telling the running one: on standby, it only
    /// has to show its window), and start a Connect for `connect` there.
    pub fn open(&mut self, connect: Option<&str>) {
        let order = match connect {
            Some(url) => Talk::Connect(url.to_string()),
            None => Talk::Show,
        };
        if let Some(r) = &mut self.running
            && r.say(&order)
        {
            r.orders += 1;
            r.standby = None;
            tracing::info!("told the window process {} to {order}", r.id);
            return;
        }
        let mut args = vec!["--window".to_string()];
        if let Some(url) = connect {
            args.extend(["--connect".to_string(), url.to_string()]);
        }
        self.start(args, None);
    }

    /// The tray's menu is showing: start a window process on standby, unless one runs, and end
    /// it if no Open comes within [`STANDBY_FOR`] of the menu's last showing.
    pub fn stand_by(&mut self) {
        self.menu_shown += 1;
        let nth = self.menu_shown;
        match &mut self.running {
            Some(r) if r.pid() != 0 => match &mut r.standby {
                Some(waits_for) => *waits_for = nth,
                None => return,
            },
            _ => self.start(
                vec!["--window".to_string(), "--standby".to_string()],
                Some(nth),
            ),
        }
        let Some(id) = self.running.as_ref().map(|r| r.id) else {
            return;
        };
        let orders = self.orders.clone();
        let timing = std::thread::Builder::new()
            .name("standby".into())
            .spawn(move || {
                std::thread::sleep(STANDBY_FOR);
                let _ = orders.send(Order::StandbyOver { id, nth });
            });
        if let Err(e) = timing {
            tracing::warn!("cannot time the standby window process: {e}");
        }
    }

    /// The time of the menu's `nth` showing is up: end the window process `id` if it still
    /// waits unseen for that showing's Open.
    pub fn standby_over(&mut self, id: u32, nth: u64) {
        if self
            .running
            .as_ref()
            .is_some_and(|r| r.id == id && r.standby == Some(nth))
        {
            tracing::info!("the window process {id} on standby was not opened: ended");
            self.close();
        }
    }

    fn start(&mut self, args: Vec<String>, standby: Option<u64>) {
        self.running = None;
        let mut command = Command::new(&self.app);
        command
            .args(&args)
            .envs(self.env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        match command.spawn() {
            Ok(mut child) => {
                let id = child.id();
                let stdin = child.stdin.take().expect("stdin is piped");
                if let Some(stdout) = child.stdout.take() {
                    listen(id, stdout, self.follow.clone(), self.orders.clone());
                }
                tracing::info!("started the window process {id} ({})", args.join(" "));
                let mut running = Running {
                    id,
                    stdin,
                    pid: Arc::new(AtomicU32::new(id)),
                    orders: 0,
                    standby,
                };
                // Started while we refresh: it shows that from its first paint.
                if let Some(talk) = self.follow.refreshing_now() {
                    running.say(&talk);
                }
                let gone = running.pid.clone();
                let waiting = std::thread::Builder::new()
                    .name("window-process".into())
                    .spawn(move || {
                        let _ = child.wait();
                        gone.store(0, Ordering::SeqCst);
                    });
                if let Err(e) = waiting {
                    tracing::warn!("cannot wait for the window process: {e}");
                }
                self.running = Some(running);
            }
            Err(e) => tracing::error!("cannot open the window ({}): {e}", self.app.display()),
        }
    }

    /// The window process `id` offers to end: its window closed after `after` orders. Agree (close
    /// its stdin: the next Open starts a new process) unless we sent it one since, which shows
    /// its window again.
    pub fn closing(&mut self, id: u32, after: u64) {
        let Some(r) = self.running.take_if(|r| r.id == id && r.orders == after) else {
            if self.running.as_ref().is_some_and(|r| r.id == id) {
                tracing::info!("the window process {id} stays: it was asked to show again");
            }
            return;
        };
        tracing::info!("the window process {id} ends: its window closed");
        drop(r.stdin);
        let pid = r.pid;
        let watching = std::thread::Builder::new()
            .name("window-ending".into())
            .spawn(move || {
                std::thread::sleep(END_WITHIN);
                if pid.load(Ordering::SeqCst) == id {
                    tracing::warn!(
                        "the window process {id} did not end within {END_WITHIN:?}: killed"
                    );
                    kill(id, libc::SIGKILL);
                }
            });
        if let Err(e) = watching {
            tracing::warn!("cannot watch the window process end: {e}");
        }
    }

    /// End the window process (Quit). It also ends by itself when we do (it watches for it).
    pub fn close(&mut self) {
        if let Some(r) = self.running.take() {
            let pid = r.pid();
            drop(r.stdin);
            if pid != 0 {
                kill(pid, libc::SIGTERM);
            }
        }
    }
}

fn kill(pid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) on our own child's pid, which the waiting thread has not reaped yet (it
    // clears the pid once it has, and an unreaped pid is never reused).
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}

/// What the window process `id` says on its stdout: the servers it refreshes now, and its offer
/// to end. When it ends, it refreshes nothing any more.
fn listen(id: u32, stdout: ChildStdout, follow: Arc<Follow>, orders: Orders) {
    let spawned = std::thread::Builder::new()
        .name("window-says".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match Talk::parse(&line) {
                    Some(Talk::Refreshing(urls)) => follow.set_refreshing_elsewhere(urls),
                    Some(Talk::Closing(after)) => {
                        let _ = orders.send(Order::WindowClosing { id, after });
                    }
                    _ => tracing::debug!("the window process said: {line}"),
                }
            }
            follow.set_refreshing_elsewhere(Vec::new());
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot listen to the window process: {e}");
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use latchkey_core::Latchkey;
    use latchkey_core::home::Home;
    use latchkey_core::http::HttpClient;
    use latchkey_core::runtime::follow::Follow;
    use latchkey_core::secrets::{Secrets, memory::MemoryStore};
    use latchkey_core::store::Store;

    use tokio::sync::mpsc::UnboundedReceiver;

    use super::WindowProcess;
    use crate::Order;

    /// A window process played by a shell script: it writes down its environment (`env`), its
    /// arguments (`args`, a line per start) and each line it is told (`heard`), and does what
    /// `on_eof` says when its stdin closes.
    fn window_process(dir: &Path, on_eof: &str) -> WindowProcess {
        window_process_telling(dir, on_eof).0
    }

    /// [`window_process`], and what it sends to the resident's orders (a standby's end).
    fn window_process_telling(
        dir: &Path,
        on_eof: &str,
    ) -> (WindowProcess, UnboundedReceiver<Order>) {
        let app = dir.join("latchkey-app");
        let heard = dir.join("heard");
        std::fs::write(
            &app,
            format!(
                "#!/bin/sh\nenv > '{}.tmp' && mv '{0}.tmp' '{0}'\necho \"$$ $*\" >> '{}'\n\
                 while read -r line; do echo \"$$ $line\" >> '{}'; done\n{on_eof}\n",
                dir.join("env").display(),
                dir.join("args").display(),
                heard.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
        let lk = Latchkey::from_parts(
            Home::at(dir.join("home"), true).unwrap(),
            Store::open_in_memory().unwrap(),
            Secrets::new(Arc::new(MemoryStore::default())),
            HttpClient::new().unwrap(),
        );
        let (orders, told) = tokio::sync::mpsc::unbounded_channel();
        let window = WindowProcess {
            app,
            env: Vec::new(),
            running: None,
            follow: Follow::new(Arc::new(lk)),
            orders,
            menu_shown: 0,
        };
        (window, told)
    }

    fn running_id(w: &WindowProcess) -> Option<u32> {
        w.running.as_ref().map(|r| r.id)
    }

    fn ends_within(pid: u32, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn heard(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("heard")).unwrap_or_default()
    }

    /// What `file` says once it says `want`, or after 5 s.
    fn once_it_says(dir: &Path, file: &str, want: &str) -> String {
        let started = Instant::now();
        loop {
            let said = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            if said == want || started.elapsed() > Duration::from_secs(5) {
                return said;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The menu showing starts a window process on standby (its window built unseen); the Open
    /// that follows only tells it to show, and its standby's time running out then changes
    /// nothing. A second showing while it runs starts no other.
    #[test]
    fn the_menu_showing_readies_a_window_process_that_open_only_shows() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = window_process(dir.path(), "exit 0");
        window.stand_by();
        let id = running_id(&window).expect("a window process on standby");
        assert_eq!(
            once_it_says(dir.path(), "args", &format!("{id} --window --standby\n")),
            format!("{id} --window --standby\n")
        );
        window.stand_by();
        assert_eq!(running_id(&window), Some(id), "still the one on standby");
        window.open(None);
        assert_eq!(running_id(&window), Some(id), "Open used it");
        assert_eq!(
            once_it_says(dir.path(), "heard", &format!("{id} show\n")),
            format!("{id} show\n")
        );
        window.standby_over(id, 2);
        assert_eq!(running_id(&window), Some(id), "opened: it stays");
        window.stand_by();
        assert_eq!(
            running_id(&window),
            Some(id),
            "its window shows: the menu starts nothing"
        );
        window.close();
        assert!(ends_within(id, Duration::from_secs(5)));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("args")).unwrap(),
            format!("{id} --window --standby\n"),
            "one process started in all"
        );
    }

    /// A window process on standby that no Open came for ends once the time after the menu's
    /// last showing is up (not the first's), and the next Open starts a new one.
    #[test]
    fn a_standby_that_no_open_came_for_ends_after_the_menus_last_showing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut window, mut told) = window_process_telling(dir.path(), "exit 0");
        window.stand_by();
        let id = running_id(&window).expect("a window process on standby");
        std::thread::sleep(super::STANDBY_FOR / 2);
        window.stand_by();
        let over = |told: &mut UnboundedReceiver<Order>| {
            let started = Instant::now();
            loop {
                if let Ok(order) = told.try_recv() {
                    return order;
                }
                assert!(started.elapsed() < super::STANDBY_FOR * 3, "no standby end");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        let first = over(&mut told);
        assert_eq!(first, Order::StandbyOver { id, nth: 1 });
        window.standby_over(id, 1);
        assert_eq!(
            running_id(&window),
            Some(id),
            "the menu showed again since: it waits on"
        );
        let second = over(&mut told);
        assert_eq!(second, Order::StandbyOver { id, nth: 2 });
        window.standby_over(id, 2);
        assert_eq!(running_id(&window), None);
        assert!(ends_within(id, Duration::from_secs(5)), "ended");
        assert_eq!(heard(dir.path()), "", "it was told nothing");

        window.open(None);
        let next = running_id(&window).expect("Open starts a new one");
        assert_ne!(next, id);
        window.close();
        assert!(ends_within(next, Duration::from_secs(5)));
    }

    /// The race `make bench-app` once lost an Open to: the window closed and its process
    /// offered to end (`closing 0`), and an Open was sent to it before we read the offer. That
    /// process is kept (it shows its window again); the offer after it is taken, the process
    /// ends, and the next Open starts a new one.
    #[test]
    fn an_open_that_crossed_the_offer_to_end_keeps_the_process_and_the_next_starts_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = window_process(dir.path(), "exit 0");
        window.open(None);
        let first = running_id(&window).expect("a window process started");
        window.open(None);
        window.closing(first, 0);
        assert_eq!(
            running_id(&window),
            Some(first),
            "asked to show since its offer: kept"
        );
        window.closing(first + 1, 1);
        assert_eq!(
            running_id(&window),
            Some(first),
            "another process's offer changes nothing"
        );

        window.closing(first, 1);
        assert_eq!(
            running_id(&window),
            None,
            "its offer counts every order: taken"
        );
        assert!(
            ends_within(first, Duration::from_secs(5)),
            "its stdin closed: it ended"
        );
        assert_eq!(heard(dir.path()), format!("{first} show\n"));

        window.open(Some("https://a.example/mcp"));
        let second = running_id(&window).expect("a new window process started");
        assert_ne!(second, first);
        window.open(None);
        let told = format!("{first} show\n{second} show\n");
        assert_eq!(
            once_it_says(dir.path(), "heard", &told),
            told,
            "the new one was started for the Connect (an argument) and told the next Open"
        );
        window.close();
        assert!(ends_within(second, Duration::from_secs(5)), "Quit ends it");
    }

    /// On a machine without a GPU the window process is started drawing on the CPU, GTK without
    /// GL; what it inherits otherwise stays (`rendering` decides what to set).
    #[test]
    fn the_window_process_is_started_with_how_it_draws_on_this_machine() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = window_process(dir.path(), "exit 0");
        window.env = crate::rendering::settings(false, |_| false);
        window.open(None);
        let id = running_id(&window).expect("a window process started");
        let started = Instant::now();
        let env = loop {
            if let Ok(env) = std::fs::read_to_string(dir.path().join("env")) {
                break env;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "it wrote no env"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        window.close();
        assert!(ends_within(id, Duration::from_secs(5)));
        let lines: Vec<&str> = env.lines().collect();
        assert!(
            lines.contains(&"WEBKIT_SKIA_ENABLE_CPU_RENDERING=1")
                && lines.contains(&"GDK_GL=disable"),
            "{env}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("PATH=")),
            "and it inherits the rest"
        );
    }

    /// A window process that agreed to end but hangs on its way out is killed: it has nothing
    /// left to do, and would keep its WebKit's memory for as long as the tray runs.
    #[test]
    fn a_window_process_that_does_not_end_after_agreeing_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = window_process(dir.path(), "trap '' TERM; while :; do sleep 0.1; done");
        window.open(None);
        let id = running_id(&window).unwrap();
        // (Should this test fail, the script would outlive it.)
        struct KillAtTheEnd(u32);
        impl Drop for KillAtTheEnd {
            fn drop(&mut self) {
                let cmdline = std::fs::read(format!("/proc/{}/cmdline", self.0));
                if cmdline.is_ok_and(|c| String::from_utf8_lossy(&c).contains("latchkey-app")) {
                    super::kill(self.0, libc::SIGKILL);
                }
            }
        }
        let _at_the_end = KillAtTheEnd(id);
        window.closing(id, 0);
        assert!(!ends_within(id, Duration::from_millis(500)), "it hangs");
        assert!(
            ends_within(id, Duration::from_secs(5)),
            "killed after END_WITHIN"
        );
    }
}
