//! The clients' config entries that start the imported tool for a server (`npx mcp-remote
//! <url>`): once the sign-in is Latchkey's, they run `latchkey proxy <url>` instead, through
//! the same plan, backup and atomic write as `latchkey setup`.

use std::path::PathBuf;

use serde::Serialize;

use super::Source;
use crate::clients::model::{ClientId, Finding, Layout};
use crate::clients::scan::Scan;
use crate::clients::setup;
use crate::clients::token_caches::cached::CachedGrant;
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

/// The entries that wrap the tool around a server one of `grants` signs in to.
pub fn wrapping(scan: &Scan, grants: &[CachedGrant]) -> Vec<Entry> {
    let servers: Vec<String> = grants
        .iter()
        .filter_map(|g| canonical_resource(g.server.as_deref()?).ok())
        .collect();
    let mut out = Vec::new();
    for file in scan.files.iter().filter(|f| f.layout != Layout::TokenCache) {
        for s in &file.servers {
            let wrapped = s.findings.iter().find_map(|f| match f {
                Finding::McpRemoteWrapper { url } => canonical_resource(url).ok(),
                _ => None,
            });
            if let Some(url) = wrapped.filter(|u| servers.contains(u)) {
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

/// Point the entries of the servers in `moved` at `latchkey proxy`; one backup per file.
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
    let wanted: Vec<&Entry> = entries
        .iter()
        .filter(|e| moved.contains(&e.server))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    // The scan cut down to those entries, each with only its wrapper finding: the setup pass
    // then plans exactly "use the sign-in" for them and nothing else.
    let mut only = scan.clone();
    only.files
        .retain(|f| wanted.iter().any(|e| e.path == f.path));
    for file in &mut only.files {
        file.servers.retain(|s| {
            wanted
                .iter()
                .any(|e| e.path == file.path && e.name == s.name)
        });
        for s in &mut file.servers {
            s.findings
                .retain(|f| matches!(f, Finding::McpRemoteWrapper { .. }));
        }
    }
    let mut out = Vec::new();
    let plan = match setup::plan(lk, &only).await {
        Ok(plan) => plan,
        Err(e) => {
            return only
                .files
                .iter()
                .map(|f| left(f.client, &f.path, names_in(&wanted, &f.path), e.to_string()))
                .collect();
        }
    };
    for fix in &plan.files {
        let names: Vec<String> = fix.entries.iter().map(|(n, _)| n.clone()).collect();
        let reason = format!("import {}: {}", source.name(), names.join(", "));
        out.push(
            match crate::clients::backup::apply(lk, &fix.edit, &reason).await {
                Ok(id) => EntryOutcome {
                    client: fix.client,
                    path: fix.path.clone(),
                    names,
                    backup: Some(id),
                    error: None,
                },
                Err(e) => left(fix.client, &fix.path, names, e.to_string()),
            },
        );
    }
    for s in &plan.skipped {
        out.push(left(
            s.client,
            &s.path,
            vec![s.entry.clone()],
            s.why.clone(),
        ));
    }
    // Entries the pass could not plan at all (a file format Latchkey does not rewrite).
    for e in &wanted {
        let said = out
            .iter()
            .any(|o| o.path == e.path && o.names.contains(&e.name));
        if !said {
            let why = format!(
                "Latchkey does not rewrite this file; change the entry to `latchkey proxy {}` by hand",
                e.server
            );
            out.push(left(e.client, &e.path, vec![e.name.clone()], why));
        }
    }
    out
}

fn names_in(entries: &[&Entry], path: &std::path::Path) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.path == path)
        .map(|e| e.name.clone())
        .collect()
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
