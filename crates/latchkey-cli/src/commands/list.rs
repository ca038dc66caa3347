//! `latchkey list [--json]`. The JSON schema is documented in docs/cli.md and stable.

use std::process::ExitCode;

use std::collections::HashSet;

use latchkey_core::Result;
use latchkey_core::overview::{self, Status};
use latchkey_core::protocol::Scopes;
use latchkey_core::store::GrantRow;
use latchkey_core::time::now;
use serde::Serialize;

#[derive(Serialize)]
struct ListOutput {
    servers: Vec<ServerOut>,
}

#[derive(Serialize)]
struct ServerOut {
    name: String,
    url: String,
    resource: Option<String>,
    issuer: Option<String>,
    /// connected | expired | needs_reconnect | not_connected | no_sign_in_needed (the window's
    /// status of the default account)
    status: &'static str,
    scopes: Vec<String>,
    expires_at: Option<i64>,
    account: Option<String>,
    /// MCP clients whose config files use this server (directly, via mcp-remote, or via
    /// `latchkey proxy`).
    clients: Vec<String>,
    grants: Vec<GrantOut>,
    /// The text output's status line ("Connected · expires in 42 min · refreshes automatically").
    #[serde(skip)]
    sentence: String,
}

#[derive(Serialize)]
struct GrantOut {
    id: i64,
    account: Option<String>,
    status: &'static str,
    status_reason: Option<String>,
    scopes: Scopes,
    requested_scopes: Scopes,
    expires_at: Option<i64>,
    has_refresh_token: bool,
    /// browser | device | client_credentials | workload | via_idp
    obtained_by: &'static str,
    /// The identity provider a `via_idp` grant came through.
    via_idp: Option<String>,
    /// The tokens are bound to Latchkey's DPoP key (RFC 9449).
    dpop_bound: bool,
    default: bool,
    last_refreshed_at: Option<i64>,
}

fn grant_status(g: &GrantRow, at: i64) -> &'static str {
    Status::of_grant(g, at).word()
}

/// The servers Latchkey knows, as the window lists them (the core's overview: the same status,
/// order, account and clients), with each grant's details besides.
pub async fn run(json: bool) -> Result<ExitCode> {
    let lk = super::open()?;
    let at = now();
    // Which MCP clients use each server: a read-only scan of their config files.
    let scanned = latchkey_core::clients::paths::PlatformDirs::current().map(|dirs| {
        let cwd: Vec<std::path::PathBuf> = std::env::current_dir().into_iter().collect();
        latchkey_core::clients::scan::scan(&dirs, &cwd)
    });
    let overview = overview::build(&lk, scanned.as_ref(), &HashSet::new(), at)?;
    let mut servers = Vec::new();
    {
        let store = lk.store();
        for view in overview.servers.into_iter().filter(|v| v.known_to_latchkey) {
            let Some(s) = store.server_by_url(&view.url)? else {
                continue;
            };
            let grants = store.grants_for_server(s.id)?;
            let default = grants.first();
            servers.push(ServerOut {
                name: view.name,
                status: view.status.word(),
                sentence: view.status.sentence(at),
                scopes: view.scopes.into_iter().map(|c| c.name).collect(),
                expires_at: default.and_then(|g| g.access_expires_at),
                account: view.account,
                clients: view.clients,
                grants: grants
                    .iter()
                    .map(|g| GrantOut {
                        id: g.id,
                        account: g.account.clone(),
                        status: grant_status(g, at),
                        status_reason: g.status_reason.as_ref().map(ToString::to_string),
                        scopes: g.scopes.clone(),
                        requested_scopes: g.requested_scopes.clone(),
                        expires_at: g.access_expires_at,
                        has_refresh_token: g.has_refresh_token,
                        obtained_by: g.obtained_by.as_str(),
                        via_idp: g.via_idp.clone(),
                        dpop_bound: g.dpop_bound,
                        default: g.is_default,
                        last_refreshed_at: g.last_refreshed_at,
                    })
                    .collect(),
                url: s.url,
                resource: s.resource,
                issuer: s.issuer,
            });
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&ListOutput { servers }).expect("serialises")
        );
        return Ok(ExitCode::SUCCESS);
    }
    if servers.is_empty() {
        println!("No servers yet. Sign in to one with: latchkey connect <server-url>");
        return Ok(ExitCode::SUCCESS);
    }
    for s in &servers {
        println!("{}\n  {}", s.name, s.sentence);
        if !s.scopes.is_empty() {
            println!("  scopes: {}", s.scopes.join(" "));
        }
        if let Some(a) = &s.account {
            println!("  account: {a}");
        }
        if !s.clients.is_empty() {
            println!("  used by: {}", s.clients.join(", "));
        }
        if s.grants.len() > 1 {
            println!("  {} accounts", s.grants.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
