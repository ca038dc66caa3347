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

use std::path::PathBuf;

use serde::Serialize;

use crate::clients::model::{ClientId, ConfiguredServer, Layout};
use crate::clients::scan::Scan;
use crate::clients::token_caches::cached::{CachedGrant, Removal};
use crate::clients::token_caches::mcp_remote;
use crate::context::Latchkey;
use crate::{Error, Result};
pub use entries::{Entry, EntryOutcome};
pub use grant::Done;

/// A tool whose token cache can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    McpRemote,
}

impl Source {
    pub const ALL: &[Source] = &[Source::McpRemote];

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Latchkey cannot import '{name}'; it imports: {}",
                    Self::ALL
                        .iter()
                        .map(|s| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::McpRemote => "mcp-remote",
        }
    }

    pub fn client(self) -> ClientId {
        match self {
            Source::McpRemote => ClientId::McpRemote,
        }
    }
}

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
    let grants: Vec<CachedGrant> = caches
        .iter()
        .flat_map(|path| match source {
            Source::McpRemote => mcp_remote::cached(path, &servers, urls),
        })
        .collect();
    let entries = entries::wrapping(scan, &grants);
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

/// Import every grant in `found` (or revoke them), then point the config entries of those
/// that moved at `latchkey proxy`.
pub async fn run(lk: &Latchkey, found: &Found, scan: &Scan, revoke_instead: bool) -> Report {
    let mut grants = Vec::new();
    let mut moved = Vec::new();
    for g in &found.grants {
        let outcome = match revoke_instead {
            true => revoke_one(lk, g, found.source).await,
            false => import_one(lk, g, found.source).await,
        };
        if !revoke_instead
            && !matches!(outcome.result, Done::Failed(_))
            && let Some(url) = &g.server
        {
            moved.push(url.clone());
        }
        grants.push(outcome);
    }
    let entries = match revoke_instead {
        true => Vec::new(),
        false => entries::point_at_proxy(lk, scan, &found.entries, &moved, found.source).await,
    };
    Report { grants, entries }
}

async fn import_one(lk: &Latchkey, g: &CachedGrant, source: Source) -> GrantOutcome {
    let mut out = GrantOutcome::new(g);
    let (server, grant) = match grant::store(lk, g, source.name()).await {
        Ok(stored) => stored,
        Err(e) => {
            out.result = Done::Failed(e.to_string());
            return out;
        }
    };
    match remove(lk, g, source, "import").await {
        Ok(id) => out.backup = Some(id),
        Err(e) => out.file_left = Some(e.to_string()),
    }
    out.result = grant::check(lk, &server, grant).await;
    out
}

async fn revoke_one(lk: &Latchkey, g: &CachedGrant, source: Source) -> GrantOutcome {
    let mut out = GrantOutcome::new(g);
    match grant::revoke(lk, g).await {
        Ok(done) => {
            out.result = done;
            match remove(lk, g, source, "revoke").await {
                Ok(id) => out.backup = Some(id),
                Err(e) => out.file_left = Some(e.to_string()),
            }
        }
        Err(e) => out.result = Done::Failed(e.to_string()),
    }
    out
}

/// Take the grant's tokens out of the cache, after a backup.
async fn remove(lk: &Latchkey, g: &CachedGrant, source: Source, what: &str) -> Result<i64> {
    let reason = format!("{what} {} ({})", source.name(), g.label());
    match g.removal {
        Removal::DeleteFile => {
            crate::clients::backup::remove_file(lk, &g.file, g.original.expose(), &reason).await
        }
    }
}
