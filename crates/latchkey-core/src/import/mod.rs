//! `latchkey import <source>`: the sign-ins another tool keeps in plain text become Latchkey's
//! without a new sign-in, or are ended at their servers (`--revoke-instead`).
//!
//! For each cached grant, in this order, so that nothing is lost whatever fails:
//! 1. its server is found again as a sign-in finds it, and its authorization server must be
//!    the one the cache says issued the tokens (else nothing is sent anywhere);
//! 2. the registration and tokens are stored in Latchkey (the secret store);
//! 3. the cache file is backed up (in the secret store, byte for byte) and then its tokens
//!    are removed, only if the tool did not write it meanwhile;
//! 4. the grant is renewed once: proof that it works, and the plain-text copy is spent at
//!    servers that rotate refresh tokens. A refusal keeps it as "needs reconnect".
//!
//! Then the clients' config entries that start the tool for those servers are pointed at
//! `latchkey proxy`, as `adopt --use-sign-in` does (one backup per file). `latchkey restore`
//! puts any of these files back.

mod entries;
pub mod grant;
pub mod offer;
pub mod words;

use std::path::PathBuf;

use serde::Serialize;

use crate::clients::model::{ConfiguredServer, Layout};
use crate::clients::scan::Scan;
use crate::clients::token_caches::cached::{CachedGrant, Removal};
use crate::clients::token_caches::{self, copilot_cli, mcp_remote};
use crate::context::Latchkey;
use crate::{Error, Result};
pub use entries::{Entry, EntryOutcome};
pub use grant::Done;

pub use crate::clients::token_caches::Source;

/// What a tool's caches hold, read before anything changes (for the consent prompt).
#[derive(Debug)]
pub struct Found {
    pub source: Source,
    /// The cache files and folders read.
    pub caches: Vec<PathBuf>,
    pub grants: Vec<CachedGrant>,
    /// Clients' config entries that start the tool for one of those servers.
    pub entries: Vec<Entry>,
}

/// Read `source`'s caches found by `scan`; `urls` name servers no config names.
pub fn find(source: Source, scan: &Scan, urls: &[String]) -> Found {
    let servers: Vec<&ConfiguredServer> =
        scan.files.iter().flat_map(|f| f.servers.iter()).collect();
    let caches: Vec<PathBuf> = scan
        .files
        .iter()
        .filter(|f| f.client == source.client() && f.layout == Layout::TokenCache)
        .map(|f| f.path.clone())
        .collect();
    // A client's entry that keeps only the server's name: its URL from that client's config.
    let url_of = |name: &str| {
        scan.files
            .iter()
            .filter(|f| f.client == source.client() && f.layout != Layout::TokenCache)
            .flat_map(|f| f.servers.iter())
            .find(|s| s.name == name)
            .and_then(|s| s.url.clone())
    };
    let grants: Vec<CachedGrant> = caches
        .iter()
        .flat_map(|path| match source {
            Source::McpRemote => mcp_remote::cached(path, &servers, urls),
            Source::CopilotCli => copilot_cli::cached(path, crate::time::now() * 1000),
            _ => token_caches::cached_in_file(source.client(), path, &url_of),
        })
        .collect();
    let entries = entries::to_repoint(scan, source, &grants);
    Found {
        source,
        caches,
        grants,
        entries,
    }
}

/// How one cached grant ended, and the backup of its file when the file was changed.
#[derive(Debug, Serialize)]
pub struct GrantOutcome {
    pub server: String,
    pub file: PathBuf,
    pub result: Done,
    pub backup: Option<i64>,
    /// Why the file was left when the grant itself moved.
    pub file_left: Option<String>,
}

impl GrantOutcome {
    fn new(g: &CachedGrant) -> Self {
        Self {
            server: g.label(),
            file: g.file.clone(),
            result: Done::Failed(String::new()),
            backup: None,
            file_left: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub grants: Vec<GrantOutcome>,
    pub entries: Vec<EntryOutcome>,
}

/// Import every grant in `found` (or revoke them), take their tokens out of the caches (one
/// backup per file), renew the imported ones, then point the config entries of those that
/// moved at `latchkey proxy`.
pub async fn run(lk: &Latchkey, found: &Found, scan: &Scan, revoke_instead: bool) -> Report {
    let mut grants: Vec<GrantOutcome> = Vec::new();
    let mut stored = Vec::new();
    for g in &found.grants {
        let mut out = GrantOutcome::new(g);
        match revoke_instead {
            true => match grant::revoke(lk, g).await {
                Ok(done) => out.result = done,
                Err(e) => out.result = Done::Failed(e.to_string()),
            },
            false => match grant::store(lk, g, found.source.name()).await {
                Ok(row) => {
                    out.result = Done::Imported;
                    stored.push((grants.len(), row));
                }
                Err(e) => out.result = Done::Failed(e.to_string()),
            },
        }
        grants.push(out);
    }
    // The tokens leave each file once every grant of it is in Latchkey (or revoked): one
    // edit and one backup per file.
    let mut files: Vec<&std::path::Path> = Vec::new();
    for (g, out) in found.grants.iter().zip(&grants) {
        if !matches!(out.result, Done::Failed(_)) && !files.contains(&g.file.as_path()) {
            files.push(&g.file);
        }
    }
    let what = if revoke_instead { "revoke" } else { "import" };
    for file in files {
        let moved: Vec<usize> = (0..grants.len())
            .filter(|i| {
                found.grants[*i].file == file && !matches!(grants[*i].result, Done::Failed(_))
            })
            .collect();
        let of_file: Vec<&CachedGrant> = moved.iter().map(|i| &found.grants[*i]).collect();
        let result = remove(lk, &of_file, found.source, what).await;
        for i in moved {
            match &result {
                Ok(id) => grants[i].backup = Some(*id),
                Err(e) => grants[i].file_left = Some(e.to_string()),
            }
        }
    }
    for (i, (server, grant)) in stored {
        grants[i].result = grant::check(lk, &server, grant).await;
    }
    let moved: Vec<String> = found
        .grants
        .iter()
        .zip(&grants)
        .filter(|(_, o)| !revoke_instead && !matches!(o.result, Done::Failed(_)))
        .filter_map(|(g, _)| g.server.clone())
        .collect();
    let entries = match revoke_instead {
        true => Vec::new(),
        false => entries::point_at_proxy(lk, scan, &found.entries, &moved, found.source).await,
    };
    Report { grants, entries }
}

/// Take the tokens of `grants` (all of one file) out of it, after a backup of the file as
/// read; refused when the tool wrote the file since.
async fn remove(lk: &Latchkey, grants: &[&CachedGrant], source: Source, what: &str) -> Result<i64> {
    let first = grants
        .first()
        .ok_or_else(|| Error::InvalidInput("no grant".into()))?;
    let labels: Vec<String> = grants.iter().map(|g| g.label()).collect();
    let reason = format!("{what} {} ({})", source.name(), labels.join(", "));
    let original = first.original.expose();
    let client = match &first.removal {
        Removal::DeleteFile => {
            return crate::clients::backup::remove_file(lk, &first.file, original, &reason).await;
        }
        Removal::Entries { client, .. } => *client,
    };
    let keys: Vec<String> = grants
        .iter()
        .flat_map(|g| match &g.removal {
            Removal::Entries { keys, .. } => keys.clone(),
            Removal::DeleteFile => Vec::new(),
        })
        .collect();
    let changed = token_caches::without_tokens(client, original, &keys)
        .map_err(|why| Error::InvalidInput(format!("{}: {why}", first.file.display())))?;
    match changed {
        None => crate::clients::backup::remove_file(lk, &first.file, original, &reason).await,
        Some(new_text) => {
            let edit = crate::clients::rewrite::PlannedEdit {
                path: first.file.clone(),
                original: original.to_string(),
                new_text,
                secrets: Vec::new(),
                summary: Vec::new(),
            };
            crate::clients::backup::apply(lk, &edit, &reason).await
        }
    }
}
