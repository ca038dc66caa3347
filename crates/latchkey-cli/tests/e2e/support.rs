//! Helpers: start a Node peer and read its ready line, run `latchkey` in a private home, talk
//! to admin endpoints with curl.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn latchkey_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_latchkey"))
}

/// A Node test peer; stopped (stdin closed, then killed) when dropped.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    pub ready: Value,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Peer {
    pub fn start(script: &str, env: &[(&str, &str)]) -> Peer {
        Peer::start_with("node", script, env)
    }

    /// The Python SDK peer, with the venv `make test` builds (scripts/install-python-peers.sh).
    pub fn start_python(script: &str, env: &[(&str, &str)]) -> Peer {
        let python = repo_root().join("target/tools/pyvenv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-python-peers.sh (make test does)",
            python.display()
        );
        Peer::start_with(python.to_str().unwrap(), script, env)
    }

    fn start_with(program: &str, script: &str, env: &[(&str, &str)]) -> Peer {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("peer.log");
        let mut cmd = Command::new(program);
        cmd.arg(repo_root().join(script))
            .current_dir(repo_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{program} {script}: {e} (make test installs it)"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "{script} did not get ready: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let ready: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            panic!(
                "{script} ready line: {line:?}; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        let stdin = child.stdin.take();
        Peer {
            child,
            stdin,
            ready,
            log,
            _dir: dir,
        }
    }

    pub fn mcp_url(&self) -> String {
        self.ready["mcp_url"].as_str().unwrap().to_string()
    }

    pub fn admin(&self, path: &str) -> String {
        format!("{}{path}", self.ready["admin_url"].as_str().unwrap())
    }

    pub fn stats(&self) -> Value {
        curl_json("GET", &self.admin("/stats"))
    }

    pub fn post_admin(&self, path: &str) -> Value {
        curl_json("POST", &self.admin(path))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn curl_json(method: &str, url: &str) -> Value {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-X", method, url])
        .output()
        .expect("curl is installed");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{method} {url}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// HTTP status of a JSON-RPC `initialize` POST to an MCP server with `token`.
pub fn mcp_status_with_token(mcp_url: &str, token: &str) -> u16 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#;
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
        ])
        .args([
            "-H",
            "content-type: application/json",
            "-H",
            "accept: application/json, text/event-stream",
        ])
        .args(["-H", &format!("authorization: Bearer {token}")])
        .args(["--data", body, mcp_url])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Prefixes of every token the test peers issue (SDK peer, hostile server). The whole suite is
/// a leak scan: no run's stderr (and no stdout but `latchkey token`'s) may contain one, and
/// every test's home is scanned when the test ends.
pub const CANARIES: [&str; 4] = ["canary-at-", "canary-rt-", "hostile-at-", "hostile-rt-"];

fn assert_no_canary(what: &str, bytes: &[u8]) {
    for canary in CANARIES {
        assert!(
            !contains(bytes, canary),
            "a token ({canary}…) leaked into {what}"
        );
    }
}

/// `latchkey run` arguments whose child prints `$V` as it received it.
pub const RUN_PRINTS_V: [&str; 5] = ["run", "--", "sh", "-c", "printf '%s' \"$V\""];

/// What the child of `cmd` (a `latchkey` command with [`RUN_PRINTS_V`]) sees for `V=reference`.
pub fn child_sees(mut cmd: Command, reference: &str) -> String {
    let out = cmd.env("V", reference).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `latchkey` in a private home (its own database and keychain namespace).
pub struct Latchkey {
    pub home: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    /// No `LATCHKEY_HOME`: `HOME` is the temporary folder and Latchkey uses its default home
    /// there (`~/.local/share/latchkey`), as on a machine of its own.
    default_home: bool,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|_| panic!("not JSON: {}", self.stdout))
    }
}

impl Latchkey {
    pub fn new() -> Latchkey {
        Latchkey {
            home: tempfile::tempdir().unwrap(),
            env: vec![],
            default_home: false,
        }
    }

    /// A machine of its own: `HOME` is a fresh folder and no `LATCHKEY_HOME` is set, so
    /// Latchkey uses the default home (whose keychain namespace every default home shares:
    /// use it with pass or OpenBao).
    pub fn default_home() -> Latchkey {
        Latchkey {
            home: tempfile::tempdir().unwrap(),
            env: vec![],
            default_home: true,
        }
    }

    /// Where Latchkey keeps this home's state.
    pub fn data_dir(&self) -> PathBuf {
        if self.default_home {
            self.home.path().join(".local/share/latchkey")
        } else {
            self.home.path().to_path_buf()
        }
    }

    /// `$BROWSER` is follow.sh (auto-approving servers) unless set otherwise.
    pub fn with_env(mut self, k: &str, v: &str) -> Latchkey {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(latchkey_bin());
        cmd.args(args)
            .current_dir(repo_root())
            .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
            .env("LATCHKEY_SIGNIN_TIMEOUT", "30");
        if self.default_home {
            cmd.env_remove("LATCHKEY_HOME")
                .env_remove("XDG_DATA_HOME")
                .env("HOME", self.home.path());
        } else {
            cmd.env("LATCHKEY_HOME", self.home.path());
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let out = output_with_input(self.command(args), input);
        assert_no_canary(
            &format!("the stderr of latchkey {}", args.join(" ")),
            &out.stderr,
        );
        if args.first() != Some(&"token") {
            assert_no_canary(
                &format!("the stdout of latchkey {}", args.join(" ")),
                &out.stdout,
            );
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn list(&self) -> Value {
        self.run(&["list", "--json"]).ok().json()
    }

    /// A `$BROWSER` stand-in in this home that counts its launches (one line each in the
    /// returned counter file), waits `delay_s`, then approves like follow.sh.
    pub fn counting_browser(&self, delay_s: u32) -> (PathBuf, PathBuf) {
        let counter = self.home.path().join("browser-count");
        let browser = self.home.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!(
                "#!/bin/sh\necho x >> '{}'\nsleep {delay_s}\nexec '{}' \"$@\"\n",
                counter.display(),
                repo_root().join("tests/browser/follow.sh").display()
            ),
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(&browser)
            .status()
            .unwrap();
        (browser, counter)
    }

    /// The home's installation id: the folder its items live in, in pass and OpenBao.
    pub fn installation_id(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("installation-id"))
            .expect("the home has an installation id once latchkey ran in it")
            .trim()
            .to_string()
    }

    /// Every file under the home, for leak checks.
    pub fn home_bytes(&self) -> Vec<u8> {
        all_bytes(self.home.path())
    }
}

impl Drop for Latchkey {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_no_canary(
                "a file of LATCHKEY_HOME (database, logs, locks)",
                &self.home_bytes(),
            );
        }
    }
}

/// The bytes of every file under `dir`, for leak checks.
pub fn all_bytes(dir: &Path) -> Vec<u8> {
    walk(dir)
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .flatten()
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Run `cmd` with `input` on its stdin (then closed), within 90 s: its output.
pub fn output_with_input(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    wait_with_timeout(child, Duration::from_secs(90))
}

pub fn wait_with_timeout(child: Child, timeout: Duration) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("latchkey did not finish within {timeout:?}");
        }
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// JSON-RPC lines for a typical client session: initialize, initialized, tools/list, one call.
pub fn session_lines(tool: &str, args: &str) -> String {
    [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#.to_string(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"{tool}","arguments":{args}}}}}"#),
    ]
    .join("\n")
        + "\n"
}

/// The proxy's stdout as JSON values, keyed by id.
pub fn responses(stdout: &str) -> std::collections::HashMap<String, Value> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|_| panic!("proxy printed a non-JSON line: {l:?}"))
        })
        .filter_map(|v| v.get("id").map(|id| (id.to_string(), v.clone())))
        .collect()
}

/// A Unix password store (`pass`) with a throw-away GnuPG home and key, for the `pass` secret
/// backend (issue 6).
pub struct PassFixture {
    pub gnupg: tempfile::TempDir,
    pub store: tempfile::TempDir,
}

impl PassFixture {
    pub fn new() -> PassFixture {
        let gnupg = tempfile::tempdir().unwrap();
        let store = tempfile::tempdir().unwrap();
        let run = |cmd: &mut Command| {
            let out = cmd.env("GNUPGHOME", gnupg.path()).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        run(Command::new("gpg")
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args([
                "--quick-gen-key",
                "Latchkey e2e <e2e@latchkey.invalid>",
                "future-default",
                "default",
                "never",
            ]));
        let keys = run(Command::new("gpg").args(["--list-secret-keys", "--with-colons"]));
        let fingerprint = keys
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .unwrap()
            .to_string();
        run(Command::new("pass")
            .env("PASSWORD_STORE_DIR", store.path())
            .args(["init", &fingerprint]));
        PassFixture { gnupg, store }
    }

    /// A Latchkey home whose secrets go to this store.
    pub fn latchkey(&self) -> Latchkey {
        Latchkey::new()
            .with_env("LATCHKEY_BACKEND", "pass")
            .with_env(
                "PASSWORD_STORE_DIR",
                &self.store.path().display().to_string(),
            )
            .with_env("GNUPGHOME", &self.gnupg.path().display().to_string())
    }

    /// Entry names in the store (`folder/key`), from its files.
    pub fn entries(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else if let Some(rel) = p.strip_prefix(base).ok().and_then(|r| r.to_str())
                    && let Some(name) = rel.strip_suffix(".gpg")
                {
                    out.push(name.to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.store.path(), self.store.path(), &mut out);
        out
    }
}

impl Drop for PassFixture {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.gnupg.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

/// `latchkey <args>` with `home` as the user's home folder (the MCP clients' config files live
/// there) and its Latchkey home inside it.
pub fn with_home(home: &std::path::Path, args: &[&str]) -> std::process::Command {
    in_home(std::process::Command::new(latchkey_bin()), home, args)
}

/// `cmd` (latchkey, or a wrapper that starts it) with `args`, run in `home`.
pub fn in_home(
    mut cmd: std::process::Command,
    home: &std::path::Path,
    args: &[&str],
) -> std::process::Command {
    cmd.args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("LATCHKEY_HOME", home.join(".latchkey"));
    // Every variable that moves a client's files away from `home`.
    for moved in [
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "CLAUDE_CONFIG_DIR",
        "CODEX_HOME",
        "COPILOT_HOME",
        "GEMINI_CLI_HOME",
        "MCP_REMOTE_CONFIG_DIR",
    ] {
        cmd.env_remove(moved);
    }
    cmd
}

/// `latchkey clients --json` in `home`.
pub fn clients_json(home: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(
        &with_home(home, &["clients", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
}

pub fn write_atomically(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// `latchkey adopt <args> --yes` in `home`, which must succeed.
pub fn adopt_yes(home: &std::path::Path, args: &[&str]) {
    let mut all = vec!["adopt"];
    all.extend_from_slice(args);
    all.push("--yes");
    let out = with_home(home, &all).stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "latchkey {}: {}",
        all.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run the TypeScript SDK v1 client (tests/clients/ts-sdk-client.mjs, a 2025-06-18 client)
/// through `lk`'s proxy with these calls; its JSON report.
pub fn ts_client(lk: &Latchkey, url: &str, calls: Value, proxy_args: &[&str]) -> Value {
    let mut cmd = std::process::Command::new("node");
    cmd.arg(repo_root().join("tests/clients/ts-sdk-client.mjs"))
        .arg(latchkey_bin())
        .arg(url)
        .arg(calls.to_string())
        .args(proxy_args)
        .current_dir(repo_root())
        .env("LATCHKEY_HOME", lk.home.path())
        .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
        .env("LATCHKEY_SIGNIN_TIMEOUT", "30");
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let done = wait_with_timeout(child, std::time::Duration::from_secs(120));
    let text = String::from_utf8_lossy(&done.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default()).unwrap_or_else(|_| {
        panic!(
            "the client printed no report: {text}\n{}",
            String::from_utf8_lossy(&done.stderr)
        )
    })
}

pub fn result<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no result for {name}: {report}"))
}

/// A running `latchkey proxy` in `lk` for `url` (with `env`), its stdin, and its stdout lines
/// as JSON (a line that is not JSON ends the reader with a panic: the proxy must never write one).
pub fn live_proxy(
    lk: &Latchkey,
    url: &str,
    env: &[(&str, &str)],
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<Value>,
) {
    let mut cmd = lk.command(&["proxy", url]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match serde_json::from_str(&line) {
                Ok(v) => {
                    let _ = tx.send(v);
                }
                Err(_) => panic!("the proxy wrote a non-JSON line: {line}"),
            }
        }
    });
    (child, stdin, rx)
}

pub fn answer_to(rx: &std::sync::mpsc::Receiver<Value>, id: i64, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no answer to request {id} within {within:?}"));
        if v["id"] == id {
            return v;
        }
    }
}

pub const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#;
pub const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
