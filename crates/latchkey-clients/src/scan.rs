//! The full scan: every known location (user-level, plus project-level for the projects Claude
//! Code knows and any given), read and parsed with the guards of [`super::parse`], then merged
//! into one [`KnownServer`] per endpoint: a remote server used by three clients is one server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::model::*;
use super::paths::{self, PlatformDirs};
use super::{findings, parse, schema, token_caches};

#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    pub servers: Vec<KnownServer>,
    /// Every config file found (missing ones are not listed).
    pub files: Vec<FileReport>,
    /// The project folders whose files were read (given, and the ones Claude Code knows): a
    /// watch follows their files too.
    #[serde(skip)]
    pub projects: Vec<PathBuf>,
}

/// Scan this machine (or a fixture home) for MCP servers.
pub fn scan(dirs: &PlatformDirs, extra_projects: &[PathBuf]) -> Scan {
    let mut files = Vec::new();
    let mut projects: Vec<PathBuf> = extra_projects.to_vec();
    let locations = paths::user_locations(dirs);
    let (caches, configs): (Vec<Location>, Vec<Location>) = locations
        .into_iter()
        .partition(|l| l.layout == Layout::TokenCache);
    for location in configs {
        for report in read_location(&location) {
            if location.layout == Layout::ClaudeJson {
                projects.extend(
                    report
                        .servers
                        .iter()
                        .filter_map(|s| s.project.as_ref().map(PathBuf::from)),
                );
                projects.extend(claude_project_dirs(&report.path));
            }
            files.push(report);
        }
    }
    projects.sort();
    projects.dedup();
    for project in &projects {
        for location in paths::project_locations(project) {
            // A project at $HOME names user files again (~/.cursor/mcp.json): read each once.
            let fresh: Vec<FileReport> = read_location(&location)
                .into_iter()
                .filter(|r| !files.iter().any(|f: &FileReport| f.path == r.path))
                .collect();
            files.extend(fresh);
        }
    }
    // After the configs: their entries name the servers of hashed caches (mcp-remote's).
    let named: Vec<&ConfiguredServer> = files.iter().flat_map(|f| &f.servers).collect();
    let cache_reports: Vec<FileReport> = caches
        .iter()
        .flat_map(|location| read_caches(location, &named))
        .collect();
    files.extend(cache_reports);
    Scan {
        servers: merge(&files),
        files,
        projects,
    }
}

/// Scan again after the files in `changed` changed. An editor may still be writing one: when a
/// changed file does not parse, wait a moment and read again (three times at most), so a
/// half-written file is not shown as broken (nor its half as the truth).
pub fn rescan_settled(
    dirs: &PlatformDirs,
    extra_projects: &[PathBuf],
    changed: &[PathBuf],
) -> Scan {
    let mut result = scan(dirs, extra_projects);
    for _ in 0..3 {
        let unsettled = result.files.iter().any(|f| {
            changed.iter().any(|c| c == &f.path)
                && f.findings
                    .iter()
                    .any(|x| matches!(x, Finding::Unreadable { .. }))
        });
        if !unsettled {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        result = scan(dirs, extra_projects);
    }
    result
}

/// Every project `~/.claude.json` lists, with or without servers of its own.
fn claude_project_dirs(path: &Path) -> Vec<PathBuf> {
    let Ok(Some(text)) = parse::read(path) else {
        return vec![];
    };
    let Ok(parsed) = parse::parse(&text, Format::Json) else {
        return vec![];
    };
    parsed
        .value
        .get("projects")
        .and_then(|p| p.as_object())
        .map(|p| {
            p.keys()
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

/// Read every file a location names (one, or several for a `*` pattern).
pub fn read_location(location: &Location) -> Vec<FileReport> {
    if location.layout == Layout::TokenCache {
        return read_caches(location, &[]);
    }
    paths::expand(&location.path)
        .into_iter()
        .filter_map(|path| read_file(location, path))
        .collect()
}

/// Every token cache a location names; `named` puts names on hashed grants.
fn read_caches(location: &Location, named: &[&ConfiguredServer]) -> Vec<FileReport> {
    paths::expand(&location.path)
        .into_iter()
        .filter_map(|path| token_caches::read(location, &path, named))
        .collect()
}

fn read_file(location: &Location, path: PathBuf) -> Option<FileReport> {
    let mut report = FileReport {
        client: location.client,
        scope: location.scope,
        format: location.format,
        layout: location.layout,
        servers: Vec::new(),
        findings: Vec::new(),
        path,
    };
    let text = match parse::read(&report.path) {
        Ok(None) => return None,
        Ok(Some(t)) => t,
        Err(reason) => {
            report.findings.push(Finding::Unreadable { reason });
            return Some(report);
        }
    };
    match parse::parse(&text, location.format) {
        Err(reason) => report.findings.push(Finding::Unreadable { reason }),
        Ok(parsed) => {
            if let Some(reason) = parsed.strict_violation {
                report.findings.push(Finding::ClientWillReject { reason });
            }
            match schema::servers(&parsed.value, location.layout) {
                Ok(servers) => report.servers = servers,
                Err(reason) => report.findings.push(Finding::Unreadable { reason }),
            }
        }
    }
    Some(report)
}

/// The endpoint that identifies a server across clients: its remote URL (also behind an
/// `mcp-remote` wrapper), canonicalised; else its command line.
pub fn endpoint_key(s: &ConfiguredServer) -> String {
    let remote = findings::mcp_remote_url(s.command.as_deref(), &s.args).or_else(|| s.url.clone());
    match remote {
        Some(u) => {
            crate::url_policy::canonical_resource(&u).unwrap_or_else(|_| u.trim().to_string())
        }
        None => {
            let mut key = s.command.clone().unwrap_or_default();
            for a in &s.args {
                key.push(' ');
                key.push_str(a);
            }
            if key.is_empty() {
                format!("(unnamed) {}", s.name)
            } else {
                key
            }
        }
    }
}

fn merge(files: &[FileReport]) -> Vec<KnownServer> {
    let mut by_key: BTreeMap<String, KnownServer> = BTreeMap::new();
    for file in files {
        for s in &file.servers {
            let key = endpoint_key(s);
            let wrapped = findings::mcp_remote_url(s.command.as_deref(), &s.args);
            let known = by_key.entry(key.clone()).or_insert_with(|| KnownServer {
                key: key.clone(),
                transport: if wrapped.is_some() {
                    Transport::StreamableHttp
                } else {
                    s.transport
                },
                url: wrapped.clone().or_else(|| s.url.clone()),
                command: if wrapped.is_some() || s.url.is_some() {
                    None
                } else {
                    s.command.clone()
                },
                args: if wrapped.is_some() || s.url.is_some() {
                    vec![]
                } else {
                    s.args.clone()
                },
                env: vec![],
                headers: vec![],
                used_by: vec![],
                findings: vec![],
            });
            // A direct remote entry knows the transport better than a wrapper does.
            if wrapped.is_none() && s.url.is_some() {
                known.transport = s.transport;
            }
            known.used_by.push(Use {
                client: file.client,
                scope: file.scope,
                path: file.path.clone(),
                name: s.name.clone(),
                project: s.project.clone(),
            });
            for e in &s.env {
                if !known.env.contains(e) {
                    known.env.push(e.clone());
                }
            }
            for h in &s.headers {
                if !known.headers.contains(h) {
                    known.headers.push(h.clone());
                }
            }
            for f in &s.findings {
                if !known.findings.contains(f) {
                    known.findings.push(f.clone());
                }
            }
        }
    }
    by_key.into_values().collect()
}

/// The MCP clients whose config files reach `server_url`: directly, through `mcp-remote`, or
/// through `latchkey proxy <url>` (Latchkey's own shim). Display names, sorted, once each.
pub fn clients_using(scan: &Scan, server_url: &str) -> Vec<String> {
    let Ok(wanted) = crate::url_policy::canonical_resource(server_url) else {
        return vec![];
    };
    let mut out: Vec<String> = Vec::new();
    for file in &scan.files {
        for s in &file.servers {
            let via_latchkey = s
                .command
                .as_deref()
                .is_some_and(|c| c.ends_with("latchkey"))
                && s.args.first().is_some_and(|a| a == "proxy")
                && s.args
                    .get(1)
                    .and_then(|u| crate::url_policy::canonical_resource(u).ok())
                    .as_deref()
                    == Some(wanted.as_str());
            if via_latchkey || endpoint_key(s) == wanted {
                let name = file.client.display_name().to_string();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Os;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn one_remote_server_used_by_three_clients_is_one_server() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(
            h,
            ".cursor/mcp.json",
            r#"{"mcpServers": {"linear": {"url": "https://mcp.linear.app/mcp"}}}"#,
        );
        write(
            h,
            ".config/Code/User/mcp.json",
            r#"{ // comment
            "servers": {"Linear": {"type": "http", "url": "https://MCP.linear.app/mcp"}}, }"#,
        );
        write(
            h,
            ".config/Claude/claude_desktop_config.json",
            r#"{"mcpServers": {"linear-bridge": {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/mcp"]}}}"#,
        );
        let scan = scan(&PlatformDirs::for_home(Os::Linux, h), &[]);
        let linear: Vec<_> = scan
            .servers
            .iter()
            .filter(|s| s.key == "https://mcp.linear.app/mcp")
            .collect();
        assert_eq!(linear.len(), 1, "{:#?}", scan.servers);
        let clients: Vec<_> = linear[0].used_by.iter().map(|u| u.client).collect();
        assert_eq!(clients.len(), 3);
        assert!(linear[0].findings.contains(&Finding::McpRemoteWrapper {
            url: "https://mcp.linear.app/mcp".into()
        }));
        assert_eq!(linear[0].transport, Transport::StreamableHttp);
    }

    #[test]
    fn clients_using_counts_direct_bridged_and_latchkey_entries() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(
            h,
            ".cursor/mcp.json",
            r#"{"mcpServers": {"l": {"command": "latchkey", "args": ["proxy", "https://mcp.linear.app/mcp"]}}}"#,
        );
        write(
            h,
            ".codeium/windsurf/mcp_config.json",
            r#"{"mcpServers": {"l": {"serverUrl": "https://mcp.linear.app/mcp"}}}"#,
        );
        write(
            h,
            ".config/Claude/claude_desktop_config.json",
            r#"{"mcpServers": {"l": {"command": "npx", "args": ["mcp-remote", "https://mcp.linear.app/mcp"]}, "o": {"command": "x"}}}"#,
        );
        let result = scan(&PlatformDirs::for_home(Os::Linux, h), &[]);
        assert_eq!(
            clients_using(&result, "https://mcp.linear.app/mcp"),
            vec!["Claude Desktop", "Cursor", "Windsurf"]
        );
        assert!(clients_using(&result, "https://other.test/mcp").is_empty());
    }

    #[test]
    fn claude_code_projects_are_scanned_too() {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let claude =
            serde_json::json!({"projects": {project.path().to_str().unwrap(): {"mcpServers": {}}}});
        write(home.path(), ".claude.json", &claude.to_string());
        write(
            project.path(),
            ".mcp.json",
            r#"{"mcpServers": {"db": {"command": "dbhub", "args": ["--dsn", "${DB_DSN}"]}}}"#,
        );
        write(
            project.path(),
            ".vscode/mcp.json",
            r#"{"servers": {"db": {"command": "dbhub", "args": ["--dsn", "${DB_DSN}"]}}}"#,
        );
        let scan = scan(&PlatformDirs::for_home(Os::Linux, home.path()), &[]);
        let db = scan
            .servers
            .iter()
            .find(|s| s.key == "dbhub --dsn ${DB_DSN}")
            .expect("found via the project");
        assert_eq!(db.used_by.len(), 2);
        assert!(
            db.findings.is_empty(),
            "a ${{VAR}} reference is not a secret"
        );
    }

    #[test]
    fn a_project_at_home_does_not_count_user_files_twice() {
        let home = tempfile::tempdir().unwrap();
        write(
            home.path(),
            ".cursor/mcp.json",
            r#"{"mcpServers": {"a": {"command": "x"}}}"#,
        );
        let scan = scan(
            &PlatformDirs::for_home(Os::Linux, home.path()),
            &[home.path().to_path_buf()],
        );
        assert_eq!(scan.files.len(), 1);
        assert_eq!(scan.servers[0].used_by.len(), 1);
    }

    #[test]
    fn broken_files_are_reported_and_never_hide_the_others() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(h, ".cursor/mcp.json", "{\"mcpServers\": {\"a\": ");
        write(
            h,
            ".codeium/windsurf/mcp_config.json",
            r#"{"mcpServers": {"ok": {"command": "x"},}}"#,
        );
        write(h, ".gemini/settings.json", r#"{"mcpServers": "nope"}"#);
        let scan = scan(&PlatformDirs::for_home(Os::Linux, h), &[]);
        let by_client = |c| scan.files.iter().find(|f| f.client == c).unwrap();
        assert!(
            matches!(&by_client(ClientId::Cursor).findings[0], Finding::Unreadable { reason } if reason.contains("invalid JSON"))
        );
        assert!(matches!(
            &by_client(ClientId::Windsurf).findings[0],
            Finding::ClientWillReject { .. }
        ));
        assert_eq!(
            by_client(ClientId::Windsurf).servers.len(),
            1,
            "still shown: the user should see what the client would lose"
        );
        assert!(
            matches!(&by_client(ClientId::GeminiCli).findings[0], Finding::Unreadable { reason } if reason.contains("not a map"))
        );
    }
}
