//! Issue 15, item 5: `latchkey completions <shell>` and `latchkey man`, generated from the
//! argument parser. The completion script loads in a real bash and completes the commands; the
//! man page renders with a real man. (tests/package/deb.sh checks them installed by the .deb.)

use std::process::{Command, Stdio};

use crate::support::*;

fn latchkey_out(args: &[&str]) -> (i32, String) {
    let out = Command::new(latchkey_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    let (code, script) = latchkey_out(&["completions", "bash"]);
    assert_eq!(code, 0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latchkey.bash");
    std::fs::write(&file, script).unwrap();
    // What bash does on Tab: the completion function with the words typed so far.
    let complete = |line: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && complete -p latchkey && COMP_WORDS=({line}) && \
                 COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)) && COMP_LINE='{line}' && \
                 COMP_POINT=${{#COMP_LINE}} && _latchkey latchkey \"${{COMP_WORDS[-1]}}\" && \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            ))
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "bash could not load the script");
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = complete("latchkey co");
    assert!(
        commands
            .lines()
            .next()
            .unwrap()
            .contains("-F _latchkey latchkey"),
        "{commands}"
    );
    let offered: Vec<&str> = commands.lines().skip(1).collect();
    assert!(offered.contains(&"connect"), "{offered:?}");
    assert!(offered.contains(&"completions"), "{offered:?}");
    assert!(
        !offered.contains(&"list"),
        "only what starts with co: {offered:?}"
    );
    let flags = complete("latchkey clients --");
    assert!(flags.lines().any(|l| l == "--watch"), "{flags}");
}

#[test]
fn zsh_and_fish_scripts_name_every_command() {
    for shell in ["zsh", "fish"] {
        let (code, script) = latchkey_out(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for command in ["connect", "proxy", "clients", "setup", "man"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let (code, _) = latchkey_out(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_man_page_renders_with_man() {
    let (code, page) = latchkey_out(&["man"]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") || page.contains(".TH latchkey"),
        "roff"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latchkey.1");
    std::fs::write(&file, page).unwrap();
    let out = Command::new("man")
        .args(["-P", "cat", "-l"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .output()
        .expect("man is installed (scripts/install-system-deps.sh)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("NAME"), "{text}");
    let words: Vec<&str> = text.split_whitespace().collect();
    assert!(
        words
            .join(" ")
            .contains("latchkey - One sign-in for every MCP client"),
        "{text}"
    );
    for command in ["connect", "proxy", "revoke", "completions"] {
        assert!(text.contains(command), "the page lacks {command}: {text}");
    }
}
