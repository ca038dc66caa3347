//! `latchkey clients [--json] [--watch]`: every MCP server in every client's config files, one
//! entry per endpoint, with the clients and files that use it and what needs attention.
//! Read-only.

use std::path::PathBuf;
use std::process::ExitCode;

use latchkey_core::clients::paths::PlatformDirs;
use latchkey_core::clients::scan::{self, Scan};
use latchkey_core::clients::watch;
use latchkey_core::clients::{Finding, Transport, token_caches};
use latchkey_core::{Error, Result};

pub async fn run(json: bool, mut projects: Vec<PathBuf>, watch: bool) -> Result<ExitCode> {
    let dirs = PlatformDirs::current().ok_or_else(|| Error::Io("no home directory".into()))?;
    if let Ok(cwd) = std::env::current_dir() {
        projects.push(cwd);
    }
    tokio::task::spawn_blocking(move || {
        if watch {
            return watch_forever(&dirs, &projects, json);
        }
        print_scan(&scan::scan(&dirs, &projects), json);
        Ok(ExitCode::SUCCESS)
    })
    .await
    .map_err(|e| Error::Io(e.to_string()))?
}

/// `--watch`: print, then print again after every (debounced) change; one JSON line per update
/// with `--json`, so other programs can follow it.
fn watch_forever(dirs: &PlatformDirs, projects: &[PathBuf], json: bool) -> Result<ExitCode> {
    watch::follow_scans(dirs, projects, |result| {
        if json {
            println!("{}", serde_json::to_string(&result).expect("serialises"));
        } else {
            print_scan(&result, false);
            println!("-- watching for changes (Ctrl-C stops)");
        }
        std::io::Write::flush(&mut std::io::stdout()).is_ok()
    })?;
    Ok(ExitCode::SUCCESS)
}

fn print_scan(result: &Scan, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(result).expect("serialises")
        );
        return;
    }
    if result.files.is_empty() {
        println!("No MCP client config files found.");
        return;
    }
    for s in &result.servers {
        let transport = match s.transport {
            Transport::Stdio => "stdio",
            Transport::StreamableHttp => "http",
            Transport::Sse => "sse",
            Transport::Unknown => "?",
        };
        println!("{} ({transport})", s.key);
        let mut users: Vec<String> = s
            .used_by
            .iter()
            .map(|u| format!("{} ({}) as '{}'", u.client.display_name(), u.scope, u.name))
            .collect();
        users.dedup();
        println!("  used by: {}", users.join(", "));
        if !s.env.is_empty() {
            println!("  env: {}", s.env.join(", "));
        }
        if !s.headers.is_empty() {
            println!("  headers: {}", s.headers.join(", "));
        }
        for f in &s.findings {
            println!("  ! {}", describe(f));
        }
    }
    let troubled: Vec<_> = result
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .collect();
    if !troubled.is_empty() {
        println!();
        for f in troubled {
            for finding in &f.findings {
                println!("{}: {}", f.path.display(), describe(finding));
            }
        }
    }
}

fn describe(f: &Finding) -> String {
    match f {
        Finding::PlaintextSecret { at, looks_like } => {
            format!("plain-text secret at {at} (looks like {looks_like}): move it to the keychain")
        }
        Finding::McpRemoteWrapper { url } => {
            format!("runs `mcp-remote {url}`: Latchkey's proxy can take it over")
        }
        Finding::PlainHttp { url } => format!("remote server over plain http: {url}"),
        Finding::ClientWillReject { reason } => {
            format!("the client will reject this file: {reason}")
        }
        Finding::Unreadable { reason } => format!("not read: {reason}"),
        Finding::PlaintextTokenCache {
            grants,
            refreshable,
            servers,
            readable_by_others,
        } => format!(
            "plain-text token cache: {grants} sign-in{} to {} ({refreshable} with a refresh token){}",
            if *grants == 1 { "" } else { "s" },
            token_caches::servers_phrase(servers, *grants),
            if *readable_by_others {
                "; other users can read it"
            } else {
                ""
            }
        ),
    }
}
