//! `latchkey setup` (issue 16): the first-run pass on a home with many clients (the project's
//! fixture home), one consent for every file, Undo of all of it byte for byte; the sign-ins
//! after it against a real server; and a pass that meets a changed file, a file it cannot
//! write or a keychain locked half-way: it stops with words, half-writes nothing and says what
//! it did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::*;

const FIXTURE_HOME: &str = "crates/latchkey-clients/tests/fixtures/clients/linux/home";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` but Latchkey's own home, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".latchkey") {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn setup(home: &Path, args: &[&str]) -> Run {
    let mut all = vec!["setup"];
    all.extend_from_slice(args);
    let out = with_home(home, &all).stdin(Stdio::null()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The findings `latchkey clients --json` reports, as `kind @ path` strings.
fn findings(home: &Path) -> Vec<String> {
    let scan = clients_json(home);
    let mut out = Vec::new();
    for file in scan["files"].as_array().unwrap() {
        for f in file["findings"].as_array().unwrap() {
            out.push(format!("{} @ {}", f["kind"], file["path"]));
        }
    }
    out
}

#[test]
fn one_consent_fixes_every_file_of_a_home_with_many_clients_and_undo_puts_back_every_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path();
    copy_dir(&repo_root().join(FIXTURE_HOME), h);
    let before = snapshot(h);
    let file_findings_before = findings(h);

    // No consent at a pipe: nothing changes.
    let refused = setup(h, &["--no-connect"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    assert_eq!(snapshot(h), before);

    let dry = setup(h, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(snapshot(h), before, "a dry run writes nothing");
    for shown in [
        "Found:",
        "  Cursor: 7 servers",
        "~/.cursor/mcp.json (Cursor)",
        "--- ~/.codex/config.toml (now)",
        "+args = [\"proxy\", \"https://mcp.acme-internal.example/mcp\"]",
        "\"OPENAI_API_KEY\": \"[redacted]\"",
        "Left for you",
        "Then sign in to ",
        "Dry run: nothing was changed.",
    ] {
        assert!(dry.stdout.contains(shown), "{shown:?} in:\n{}", dry.stdout);
    }
    assert!(
        !dry.stdout.contains("/tmp/"),
        "paths in the home are shown with ~"
    );

    let done = setup(h, &["--yes", "--no-connect"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    let undo_line = done
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Undo all of it: latchkey restore "))
        .unwrap_or_else(|| panic!("{}", done.stdout))
        .to_string();
    let backups: Vec<&str> = undo_line.split_whitespace().collect();
    assert!(backups.len() >= 15, "a backup per file: {undo_line}");

    // Every secret moved is in the keychain and usable, and no file holds it any more (the
    // dry run did not print it either).
    let names = String::from_utf8_lossy(&with_home(h, &["secret", "ls"]).output().unwrap().stdout)
        .to_string();
    let names: Vec<&str> = names
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    let all = all_bytes(h);
    for name in &names {
        let value = child_sees(with_home(h, &RUN_PRINTS_V), &format!("latchkey:{name}"));
        assert!(value.len() >= 8, "{name}: {value:?}");
        assert!(!contains(&all, &value), "{name} is still in a file");
        assert!(!dry.stdout.contains(&value), "the dry run printed {name}");
    }

    // What is left is only what Latchkey cannot change in place: a second pass has nothing
    // to change, and every file still parses by its client's rules (no new file finding).
    let again = setup(h, &["--dry-run", "--no-connect"]);
    assert!(!again.stdout.contains("Changes ("), "{}", again.stdout);
    assert!(again.stdout.contains("Left for you"), "{}", again.stdout);
    assert_eq!(findings(h), file_findings_before);
    let scan = clients_json(h);
    let wrappers = scan["servers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().clone())
        .filter(|f| f["kind"] == "mcp_remote_wrapper")
        .count();
    assert_eq!(
        wrappers, 0,
        "every mcp-remote wrapper now signs in through Latchkey"
    );

    // Undo all of it: every byte as before.
    let mut restore = vec!["restore"];
    restore.extend(backups.iter().copied());
    let restored = with_home(h, &restore).output().unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(
        snapshot(h),
        before,
        "undo puts every file back byte for byte"
    );
}

/// Three files the pass changes, in the scan's order: Claude Desktop, Cursor, VS Code.
fn three_files(h: &Path) -> [PathBuf; 3] {
    let files = [
        (
            h.join(".config/Claude/claude_desktop_config.json"),
            r#"{ "mcpServers": { "gh": { "command": "npx", "args": ["-y", "server-github"], "env": { "GITHUB_TOKEN": "ghp_FAKEclaudeaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } } } }"#,
        ),
        (
            h.join(".cursor/mcp.json"),
            r#"{ "mcpServers": { "linear": { "command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] } } }"#,
        ),
        (
            h.join(".config/Code/User/mcp.json"),
            r#"{ "servers": { "slack": { "type": "stdio", "command": "npx", "args": ["slack-mcp"], "env": { "SLACK_BOT_TOKEN": "xoxb-1111111111-2222222222-FAKEaaaaaaaaaaaaaaaa" } } } }"#,
        ),
    ];
    for (path, text) in &files {
        write_atomically(path, text);
    }
    files.map(|(p, _)| p)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// `latchkey setup --yes --no-connect` parked after its first file until `resume` exists; runs
/// `meanwhile` while it waits.
fn setup_interrupted(h: &Path, meanwhile: impl FnOnce()) -> std::process::Output {
    let resume = h.join("resume");
    let mut child = with_home(h, &["setup", "--yes", "--no-connect"])
        .env("LATCHKEY_FAULT_PAUSE", "setup:after-file")
        .env("LATCHKEY_FAULT_RESUME", &resume)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    use std::io::BufRead;
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("paused at") {}
    assert!(line.contains("paused at setup:after-file"), "{line}");
    meanwhile();
    std::fs::write(&resume, "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let mut out = wait_with_timeout(child, std::time::Duration::from_secs(60));
    out.stderr = rest.into_bytes();
    out
}

#[test]
fn a_file_changed_during_the_pass_stops_it_there_with_words_and_nothing_half_written() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path();
    let [claude, cursor, vscode] = three_files(h);
    let vscode_before = read(&vscode);
    let edited = r#"{ "mcpServers": { "linear": { "url": "https://mcp.linear.app/mcp" } } }"#;
    let out = setup_interrupted(h, || write_atomically(&cursor, edited));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Changed ~/.config/Claude/claude_desktop_config.json (backup 1)."),
        "{stdout}"
    );
    assert!(
        stderr.contains("Stopped at ~/.cursor/mcp.json:")
            && stderr.contains("changed since Latchkey read it")
            && stderr.contains("Nothing of that file was written."),
        "{stderr}"
    );
    assert!(
        stderr.contains("Not reached: ~/.config/Code/User/mcp.json."),
        "{stderr}"
    );
    assert!(
        stdout.contains("Undo all of it: latchkey restore 1"),
        "{stdout}"
    );
    assert!(read(&claude).contains("latchkey:gh/GITHUB_TOKEN"));
    assert_eq!(read(&cursor), edited, "the person's edit is kept");
    assert_eq!(read(&vscode), vscode_before);

    // Run again: it goes on from where it is.
    let again = setup(h, &["--yes", "--no-connect"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(read(&cursor).contains("\"proxy\""), "{}", read(&cursor));
    assert!(read(&vscode).contains("latchkey:slack/SLACK_BOT_TOKEN"));
}

/// A file Latchkey may not replace (immutable: even root cannot rename over it).
struct Immutable(PathBuf);

impl Immutable {
    fn new(path: &Path) -> Immutable {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "chattr +i {} (e2fsprogs, a file system with attributes)",
            path.display()
        );
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_file_that_cannot_be_written_stops_the_pass_with_words_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path();
    let [claude, cursor, vscode] = three_files(h);
    let (cursor_before, vscode_before) = (read(&cursor), read(&vscode));
    let guard = Immutable::new(&cursor);
    let out = setup(h, &["--yes", "--no-connect"]);
    drop(guard);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Changed ~/.config/Claude/claude_desktop_config.json")
    );
    assert!(
        out.stderr.contains("Stopped at ~/.cursor/mcp.json:")
            && out.stderr.contains("Nothing of that file was written."),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Not reached: ~/.config/Code/User/mcp.json.")
    );
    assert!(read(&claude).contains("latchkey:gh/GITHUB_TOKEN"));
    assert_eq!(read(&cursor), cursor_before);
    assert_eq!(read(&vscode), vscode_before);
    let leftovers: Vec<_> = std::fs::read_dir(cursor.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

#[test]
fn a_keychain_locked_half_way_stops_the_pass_with_words_and_nothing_half_written() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path();
    let [claude, cursor, vscode] = three_files(h);
    let (cursor_before, vscode_before) = (read(&cursor), read(&vscode));
    // Its own D-Bus session and keyring: locked after the first file.
    let script = format!(
        "cd '{h}'; export HOME='{h}' LATCHKEY_HOME='{h}/.latchkey' LATCHKEY_KEYCHAIN_TIMEOUT=5 \
           LATCHKEY_FAULT_PAUSE=setup:after-file LATCHKEY_FAULT_RESUME='{h}/resume'; unset XDG_CONFIG_HOME; \
         '{bin}' setup --yes --no-connect </dev/null >'{h}/out' 2>'{h}/err' & pid=$!; \
         until grep -q 'paused at' '{h}/err'; do sleep 0.1; done; \
         dbus-send --session --dest=org.freedesktop.secrets --print-reply /org/freedesktop/secrets \
           org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null; \
         touch '{h}/resume'; wait $pid; echo \"exit=$?\"",
        h = h.display(),
        bin = latchkey_bin().display(),
    );
    let child = std::process::Command::new(repo_root().join("tests/support/with-keyring.sh"))
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let run = wait_with_timeout(child, std::time::Duration::from_secs(90));
    let (stdout, stderr) = (read(&h.join("out")), read(&h.join("err")));
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("exit=1"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("Changed ~/.config/Claude/claude_desktop_config.json"));
    assert!(
        stderr.contains("Stopped at ~/.cursor/mcp.json:")
            && (stderr.contains("keychain is locked")
                || stderr.contains("keychain did not answer")),
        "{stderr}"
    );
    assert!(read(&claude).contains("latchkey:gh/GITHUB_TOKEN"));
    assert_eq!(read(&cursor), cursor_before);
    assert_eq!(read(&vscode), vscode_before);
}

#[test]
fn after_the_files_setup_signs_in_to_each_server_they_now_point_at() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path();
    let cursor = h.join(".cursor/mcp.json");
    write_atomically(
        &cursor,
        &format!(
            r#"{{ "mcpServers": {{ "notes": {{ "command": "npx", "args": ["-y", "mcp-remote", "{}", "--allow-http"] }} }} }}"#,
            peer.mcp_url()
        ),
    );
    let out = with_home(h, &["setup", "--yes"])
        .env("BROWSER", repo_root().join("tests/browser/follow.sh"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("Signing in to {}", peer.mcp_url())),
        "{stdout}"
    );
    assert!(stdout.contains("Connected"), "{stdout}");
    assert!(read(&cursor).contains("\"proxy\""));
    let list: serde_json::Value =
        serde_json::from_slice(&with_home(h, &["list", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list["servers"][0]["status"], "connected", "{list}");
    // Nothing left to do: a second setup says so.
    let again = setup(h, &["--yes"]);
    assert!(
        again.stdout.contains("Nothing to set up"),
        "{}",
        again.stdout
    );
}
