//! `latchkey clients`: the scan on a real home, and `--watch --json` following edits live
//! (atomic-rename saves, half-written files).

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn watch_follows_saves_live_and_never_shows_a_half_written_file() {
    let home = tempfile::tempdir().unwrap();
    let mut child = with_home(home.path(), &["clients", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).expect("one JSON document per line"));
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first["servers"].as_array().unwrap().len(), 0);

    // An editor's atomic save of a file (and its folder) that did not exist at start.
    let cursor = home.path().join(".cursor/mcp.json");
    let started = Instant::now();
    write_atomically(
        &cursor,
        r#"{"mcpServers": {"linear": {"url": "https://mcp.linear.app/mcp"}}}"#,
    );
    let mut update = rx.recv_timeout(Duration::from_secs(3)).unwrap();
    while update["servers"].as_array().unwrap().is_empty() {
        update = rx.recv_timeout(Duration::from_secs(3)).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "seen in {:?}",
        started.elapsed()
    );
    assert_eq!(update["servers"][0]["key"], "https://mcp.linear.app/mcp");

    // A file written in two halves: the update must show the whole file, never "invalid JSON".
    let code = home.path().join(".config/Code/User/mcp.json");
    std::fs::create_dir_all(code.parent().unwrap()).unwrap();
    let full = r#"{"servers": {"gh": {"command": "github-mcp", "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}"#;
    let mut f = std::fs::File::create(&code).unwrap();
    std::io::Write::write_all(&mut f, &full.as_bytes()[..30]).unwrap();
    std::thread::sleep(Duration::from_millis(60));
    std::io::Write::write_all(&mut f, &full.as_bytes()[30..]).unwrap();
    drop(f);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = serde_json::Value::Null;
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(700)) {
            Ok(u) => last = u,
            Err(_) => break,
        }
    }
    let vscode = last["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["client"] == "vscode")
        .expect("the VS Code file");
    assert!(
        vscode["findings"].as_array().unwrap().is_empty(),
        "no garbage shown: {vscode}"
    );
    assert_eq!(vscode["servers"][0]["name"], "gh");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_scan_merges_flags_and_never_prints_a_secret() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write_atomically(
        &h.join(".cursor/mcp.json"),
        r#"{"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}},
        "linear": {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/mcp"]}
    }}"#,
    );
    write_atomically(
        &h.join(".codeium/windsurf/mcp_config.json"),
        r#"{"mcpServers": {"linear": {"serverUrl": "https://mcp.linear.app/mcp"},}}"#,
    );
    let out = with_home(h, &["clients", "--json"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("ghp_FAKE"),
        "the secret's value is never printed"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let linear = v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "https://mcp.linear.app/mcp")
        .unwrap();
    assert_eq!(
        linear["used_by"].as_array().unwrap().len(),
        2,
        "one server, two clients"
    );
    let human =
        String::from_utf8_lossy(&with_home(h, &["clients"]).output().unwrap().stdout).to_string();
    assert!(
        human.contains("plain-text secret at env.GITHUB_PERSONAL_ACCESS_TOKEN"),
        "{human}"
    );
    assert!(
        human.contains("Latchkey's proxy can take it over"),
        "{human}"
    );
    assert!(
        human.contains("the client will reject this file"),
        "{human}"
    );
}

#[test]
fn adopt_rewrites_one_entry_with_consent_and_restore_puts_it_back() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let cursor = h.join(".cursor/mcp.json");
    let original = r#"{
  // servers for work
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
    },
    "linear": { "command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] }
  }
}
"#;
    write_atomically(&cursor, original);
    // No consent, no change.
    let refused = with_home(h, &["adopt", "linear", "--use-sign-in"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pass --yes"));
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);

    adopt_yes(h, &["linear", "--use-sign-in"]);
    adopt_yes(h, &["github", "--move-secrets"]);
    let changed = std::fs::read_to_string(&cursor).unwrap();
    assert!(
        changed.starts_with("{\n  // servers for work\n"),
        "the comment stays: {changed}"
    );
    assert!(!changed.contains("ghp_FAKE"), "the secret left the file");
    assert!(
        !contains(&all_bytes(h), "ghp_FAKE"),
        "no file anywhere (backups included) holds the secret"
    );

    let scan = clients_json(h);
    let all_findings: Vec<_> = scan["servers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().clone())
        .collect();
    assert!(
        all_findings.is_empty(),
        "nothing left to fix: {all_findings:?}"
    );
    // The moved secret is really usable by latchkey run.
    assert_eq!(
        child_sees(
            with_home(h, &RUN_PRINTS_V),
            "latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN"
        ),
        "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );

    // Restore the first backup: the file is byte for byte the original again.
    let list = String::from_utf8_lossy(
        &with_home(h, &["restore", "--list"])
            .output()
            .unwrap()
            .stdout,
    )
    .to_string();
    assert!(list.contains("adopt linear"), "{list}");
    let restored = with_home(h, &["restore", "1"]).output().unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
}

/// Issue 4: adopt in Goose's YAML and JetBrains' XML, the rest of each file byte for byte,
/// the secrets out of every file, and `restore` putting each file back exactly.
#[test]
fn adopt_in_goose_yaml_and_jetbrains_xml_changes_only_the_entry() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let fixtures = repo_root().join("crates/latchkey-clients/tests/fixtures/clients/linux/home");
    let goose = h.join(".config/goose/config.yaml");
    let goose_before = std::fs::read_to_string(fixtures.join(".config/goose/config.yaml")).unwrap();
    write_atomically(&goose, &goose_before);
    let jb_rel = ".config/JetBrains/IntelliJIdea2025.2/options/llm.mcpServers.xml";
    let jetbrains = h.join(jb_rel);
    let jb_before = std::fs::read_to_string(fixtures.join(jb_rel)).unwrap();
    write_atomically(&jetbrains, &jb_before);

    adopt_yes(h, &["slack", "--move-secrets"]);
    adopt_yes(h, &["crm", "--use-sign-in"]);
    adopt_yes(
        h,
        &[
            "github",
            "--move-secrets",
            "--file",
            jetbrains.to_str().unwrap(),
        ],
    );

    let goose_after = std::fs::read_to_string(&goose).unwrap();
    let jb_after = std::fs::read_to_string(&jetbrains).unwrap();
    for (before, after, kept) in [
        (&goose_before, &goose_after, "GOOSE_MODE: smart_approve\n"),
        (
            &jb_before,
            &jb_after,
            "<option name=\"name\" value=\"linear\" />",
        ),
    ] {
        assert!(after.contains(kept), "{after}");
        assert_ne!(before, after);
    }
    // Untouched entries keep their exact lines.
    assert!(goose_after.contains("  developer:\n    bundled: true\n    display_name: Developer\n"));
    assert!(!goose_after.contains("xoxb-") && !jb_after.contains("ghp_FAKE"));
    assert!(
        !contains(&all_bytes(h), "xoxb-713574888854") && !contains(&all_bytes(h), "ghp_FAKE8ZTr"),
        "no file anywhere (backups included) holds a moved secret"
    );

    // What the scan reads now: each adopted entry starts latchkey, nothing left to fix there.
    let scan = clients_json(h);
    for (name, client) in [
        ("slack", "goose"),
        ("crm", "goose"),
        ("github", "jetbrains"),
    ] {
        let server = scan["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["used_by"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["name"] == name && u["client"] == client)
            })
            .unwrap_or_else(|| panic!("{name} in {scan}"));
        assert_eq!(server["command"], "latchkey", "{name}: {server}");
        assert!(
            server["findings"].as_array().unwrap().is_empty(),
            "{name}: {server}"
        );
    }
    assert!(
        child_sees(
            with_home(h, &RUN_PRINTS_V),
            "latchkey:slack/SLACK_BOT_TOKEN"
        )
        .starts_with("xoxb-")
    );

    // Restoring the first backup of each file gives it back byte for byte.
    for (id, path, before) in [("1", &goose, &goose_before), ("3", &jetbrains, &jb_before)] {
        let restored = with_home(h, &["restore", id]).output().unwrap();
        assert!(
            restored.status.success(),
            "{}",
            String::from_utf8_lossy(&restored.stderr)
        );
        assert_eq!(&std::fs::read_to_string(path).unwrap(), before);
    }
}

/// A config file the user cannot read is a clear finding, never a crash, and the rest is still
/// listed. Root reads anything, so as root the scan runs as `nobody` (setpriv, util-linux).
#[test]
fn an_unreadable_config_file_is_a_finding_and_the_rest_is_listed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("home");
    let cursor = h.join(".cursor/mcp.json");
    let vscode = h.join(".vscode/mcp.json");
    write_atomically(
        &cursor,
        r#"{"mcpServers": {"secret-one": {"command": "x"}}}"#,
    );
    write_atomically(&vscode, r#"{"servers": {"readable": {"command": "y"}}}"#);
    for dir in [
        tmp.path(),
        h.as_path(),
        cursor.parent().unwrap(),
        vscode.parent().unwrap(),
    ] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&vscode, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&cursor, std::fs::Permissions::from_mode(0o000)).unwrap();
    let is_root = effective_uid() == 0;
    let cmd = if is_root {
        // `nobody` may not reach the build's target directory (a 0700 checkout): run a copy.
        let bin = tmp.path().join("latchkey");
        std::fs::copy(latchkey_bin(), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(latchkey_bin())
    };
    let out = in_home(cmd, &h, &["clients", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = scan["files"].as_array().unwrap();
    let unreadable = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(".cursor/mcp.json"))
        .unwrap();
    assert_eq!(
        unreadable["findings"],
        serde_json::json!([{ "kind": "unreadable", "reason": "permission denied" }])
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret-one"));
    assert!(
        files.iter().any(|f| f["servers"][0]["name"] == "readable"),
        "{scan}"
    );
}

/// The effective uid, from /proc (no libc call needed).
fn effective_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .unwrap()
}
