//! `latchkey secret` and `latchkey run`: values from stdin into the keychain, references
//! replaced in the child's environment, exit codes and signals passed through.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::*;

#[test]
fn run_replaces_references_with_keychain_secrets() {
    let lk = Latchkey::new();
    let set = lk.run_with_stdin(
        &["secret", "set", "github/GITHUB_TOKEN"],
        "ghp-test-value-123\n",
    );
    set.ok();
    assert!(!set.stdout.contains("ghp-test-value-123"));
    let ls = lk.run(&["secret", "ls", "--json"]).ok().json();
    assert_eq!(ls["secrets"][0]["name"], "github/GITHUB_TOKEN");
    assert!(
        !ls.to_string().contains("ghp-test-value"),
        "ls never shows values"
    );
    assert!(
        !contains(&lk.home_bytes(), "ghp-test-value-123"),
        "the value is only in the keychain"
    );

    let out = lk
        .command(&[
            "run",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$GITHUB_TOKEN\" \"$PLAIN\"",
        ])
        .env("GITHUB_TOKEN", "latchkey:github/GITHUB_TOKEN")
        .env("PLAIN", "unchanged")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ghp-test-value-123|unchanged"
    );

    let missing = lk
        .command(&["run", "--", "true"])
        .env("API_KEY", "latchkey:acme/API_KEY")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("latchkey secret set acme/API_KEY"),
        "names the command that fixes it: {err}"
    );

    lk.run(&["secret", "rm", "github/GITHUB_TOKEN"]).ok();
    assert!(
        lk.run(&["secret", "ls", "--json"]).ok().json()["secrets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(lk.run(&["secret", "rm", "github/GITHUB_TOKEN"]).code, 1);
}

#[test]
fn run_passes_the_exit_code_through() {
    let lk = Latchkey::new();
    let out = lk
        .command(&["run", "--", "sh", "-c", "exit 7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let out = lk
        .command(&["run", "--", "/nonexistent/program"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot start '/nonexistent/program'"));
}

#[test]
fn run_passes_signals_through_to_a_child_that_traps_them() {
    let lk = Latchkey::new();
    let mut child = lk
        .command(&[
            "run",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.1; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // The pid we started is the command itself (exec): the signal reaches its trap.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "got-term");
    assert_eq!(status.code(), Some(42));
}

#[test]
fn secret_values_never_come_from_argv_and_bad_names_are_refused() {
    let lk = Latchkey::new();
    assert_eq!(
        lk.run(&["secret", "set", "a", "value"]).code,
        2,
        "no value argument exists"
    );
    let bad = lk.run_with_stdin(&["secret", "set", "../etc"], "x");
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("is not a secret name"),
        "{}",
        bad.stderr
    );
    let empty = lk.run_with_stdin(&["secret", "set", "a/B"], "");
    assert_eq!(empty.code, 1);
}

/// A stand-in for the 1Password CLI: the real `op` cannot be installed here (docs/cli.md says
/// so), so this checks the call Latchkey makes and answers like `op read --no-newline`.
fn fake_op_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("op");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         [ \"$1 $2 $3\" = \"read --no-newline --\" ] || { echo \"[ERROR] unexpected arguments: $*\" >&2; exit 2; }\n\
         case \"$4\" in\n\
           'op://Private/GitHub/token') printf '%s' 'op-value-123' ;;\n\
           *) echo \"[ERROR] 2026/11/26 12:00:00 \\\"$4\\\" isn't an item\" >&2; exit 1 ;;\n\
         esac\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn run_resolves_op_references_through_the_1password_cli() {
    let lk = Latchkey::new();
    let op = fake_op_dir();
    let path = format!("{}:/usr/bin:/bin", op.path().display());
    let run = |var: &str, path: &str| {
        lk.command(&["run", "--", "sh", "-c", "printf '%s' \"$GH\""])
            .env("GH", var)
            .env("PATH", path)
            .output()
            .unwrap()
    };

    let ok = run("op://Private/GitHub/token", &path);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "op-value-123");

    let rows = [
        (
            "an item op does not have",
            "op://Private/Missing/token",
            path.as_str(),
            "op read op://Private/Missing/token failed: [ERROR]",
        ),
        (
            "a malformed reference",
            "op://Private/GitHub",
            path.as_str(),
            "is not a 1Password reference",
        ),
        (
            "no op installed",
            "op://Private/GitHub/token",
            "/usr/bin:/bin",
            "`op`) is not installed",
        ),
    ];
    for (name, reference, path, want) in rows {
        let out = run(reference, path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: the command must not run");
    }
}
