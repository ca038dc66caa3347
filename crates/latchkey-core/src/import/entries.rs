//! The clients' config entries that used the imported sign-in (`npx mcp-remote <url>`, or the
//! client's own remote entry): once the sign-in is Latchkey's, they run `latchkey proxy <url>`
//! instead, planned as `adopt --use-sign-in` plans it and written with a backup, atomically.

use std::path::PathBuf;

use serde::Serialize;

use super::Source;
use crate::clients::model::{ClientId, ConfiguredServer, FileReport, Finding, Layout};
use crate::clients::rewrite::{self, Action, PlannedEdit};
use crate::clients::scan::Scan;
use crate::clients::token_caches::cached::CachedGrant;
use crate::clients::{adopt, backup};
use crate::context::Latchkey;
use crate::url_policy::canonical_resource;

/// One config entry that starts the tool for a server whose grant is in its cache.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub client: ClientId,
    pub path: PathBuf,
    pub name: String,
    pub server: String,
}

/// What became of one file's entries: the backup of the file, or why it was left.
#[derive(Debug, Serialize)]
pub struct EntryOutcome {
    pub client: ClientId,
    pub path: PathBuf,
    pub names: Vec<String>,
    pub backup: Option<i64>,
    pub error: Option<String>,
}

/// The entries to point at `latchkey proxy` once the grants moved: for mcp-remote, every
/// client's entry that starts it for one of those servers; for a client's own cache, that
/// client's remote entries for them.
pub fn to_repoint(scan: &Scan, source: Source, grants: &[CachedGrant]) -> Vec<Entry> {
    let servers: Vec<String> = grants
        .iter()
        .filter_map(|g| canonical_resource(g.server.as_deref()?).ok())
        .collect();
    let mut out = Vec::new();
    for file in scan.files.iter().filter(|f| f.layout != Layout::TokenCache) {
        for s in &file.servers {
            let url = match source {
                Source::McpRemote => s.findings.iter().find_map(|f| match f {
                    Finding::McpRemoteWrapper { url } => canonical_resource(url).ok(),
                    _ => None,
                }),
                // Copilot CLI's `mcp-config.json` is listed once, as VS Code's (both read it).
                Source::CopilotCli
                    if file.client == ClientId::CopilotCli
                        || file.path.file_name() == Some("mcp-config.json".as_ref()) =>
                {
                    s.url.as_deref().and_then(|u| canonical_resource(u).ok())
                }
                _ if file.client == source.client() => {
                    s.url.as_deref().and_then(|u| canonical_resource(u).ok())
                }
                _ => None,
            };
            if let Some(url) = url.filter(|u| servers.contains(u)) {
                out.push(Entry {
                    client: file.client,
                    path: file.path.clone(),
                    name: s.name.clone(),
                    server: url,
                });
            }
        }
    }
    out
}

/// Point the entries of the servers in `moved` at `latchkey proxy` (as `adopt --use-sign-in`
/// plans it, each entry on the previous one's result); one backup per file.
pub async fn point_at_proxy(
    lk: &Latchkey,
    scan: &Scan,
    entries: &[Entry],
    moved: &[String],
    source: Source,
) -> Vec<EntryOutcome> {
    let moved: Vec<String> = moved
        .iter()
        .filter_map(|u| canonical_resource(u).ok())
        .collect();
    let mut out = Vec::new();
    for file in &scan.files {
        let wanted: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.path == file.path && moved.contains(&e.server))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let original = match rewrite::read_current(&file.path) {
            Ok(text) => text,
            Err(e) => {
                let names = wanted.iter().map(|e| e.name.clone()).collect();
                out.push(left(file.client, &file.path, names, e.to_string()));
                continue;
            }
        };
        let mut text = original.clone();
        let mut names = Vec::new();
        for e in wanted {
            let server = file.servers.iter().find(|s| s.name == e.name);
            let planned = match server.map(|s| why_not(file, s)) {
                Some(Some(why)) => Err(why),
                None => Err("the entry is gone from the file".to_string()),
                Some(None) => {
                    adopt::plan_for_text(lk, file, text.clone(), &e.name, Action::UseSignIn, &[])
                        .await
                        .map_err(|err| err.to_string())
                }
            };
            match planned {
                Ok(edit) => {
                    text = edit.new_text;
                    names.push(e.name.clone());
                }
                Err(why) => out.push(left(file.client, &file.path, vec![e.name.clone()], why)),
            }
        }
        if names.is_empty() {
            continue;
        }
        let edit = PlannedEdit {
            path: file.path.clone(),
            original,
            new_text: text,
            secrets: Vec::new(),
            summary: Vec::new(),
        };
        let reason = format!("import {}: {}", source.name(), names.join(", "));
        out.push(match backup::apply(lk, &edit, &reason).await {
            Ok(id) => EntryOutcome {
                client: file.client,
                path: file.path.clone(),
                names,
                backup: Some(id),
                error: None,
            },
            Err(e) => left(file.client, &file.path, names, e.to_string()),
        });
    }
    out
}

/// Why an entry is left as it is: a file or entry Latchkey does not rewrite, or headers of its
/// own that Latchkey's sign-in would drop (the same rules as `latchkey setup`).
fn why_not(file: &FileReport, server: &ConfiguredServer) -> Option<String> {
    if !adopt::can_change_entry(file, server) {
        return Some(format!(
            "Latchkey does not rewrite this entry; change it to `latchkey proxy <url>` by hand ({})",
            file.client.display_name()
        ));
    }
    let own: Vec<&str> = server
        .headers
        .iter()
        .map(String::as_str)
        .filter(|h| !h.eq_ignore_ascii_case("authorization"))
        .collect();
    (!own.is_empty()).then(|| {
        format!(
            "it sends headers of its own ({}), which Latchkey's sign-in would drop; change it by hand (`latchkey proxy <url> --header 'Name: value'` keeps one)",
            own.join(", ")
        )
    })
}

fn left(client: ClientId, path: &std::path::Path, names: Vec<String>, why: String) -> EntryOutcome {
    EntryOutcome {
        client,
        path: path.to_path_buf(),
        names,
        backup: None,
        error: Some(why),
    }
}
