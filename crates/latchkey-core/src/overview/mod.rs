//! What a person sees: one row per server with its status, scopes, account and the clients that
//! use it, "needs attention" first. The desktop app and `latchkey list` both show this; the
//! app's TypeScript types are generated from these Rust types (see [`bindings`]).
//!
//! Nothing here holds a secret: tokens stay in the keychain, the UI gets metadata only.

pub mod announce;
pub mod config_findings;
pub mod detail;
pub mod needs_you;
pub mod problem;
pub mod scope_access;
pub mod setup;
pub mod status;
pub mod tray_menu;

use std::collections::HashSet;

use serde::Serialize;
use ts_rs::TS;

pub use scope_access::ScopeAccess;
pub use status::Status;

use crate::clients::model::Transport;
use crate::clients::scan::{self, Scan};
use crate::context::{Latchkey, display_name, host_of};
use crate::store::{GrantRow, ServerRow};
use crate::{Result, url_policy};

#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct Overview {
    pub servers: Vec<ServerView>,
    pub attention_count: u32,
    /// When a status will change by the clock alone (a warning starts, a token expires).
    pub next_change_at: Option<i64>,
    pub generated_at: i64,
    /// What the MCP clients' config files need (plain-text secrets, `mcp-remote` wrappers...),
    /// each with the fix Latchkey can make.
    pub config_findings: Vec<config_findings::ConfigFinding>,
    /// What needs the person, counted: servers and config files alike.
    pub needs_you: needs_you::NeedsYou,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerView {
    /// The canonical URL: the key every action takes.
    pub url: String,
    /// `host/path`, as `latchkey list` names it.
    pub name: String,
    pub host: String,
    /// MCP clients whose config files use this server.
    pub clients: Vec<String>,
    /// The default account's status (or the server's, when nobody is signed in).
    pub status: Status,
    pub scopes: Vec<ScopeChip>,
    pub account: Option<String>,
    /// Every signed-in account, the default first.
    pub accounts: Vec<AccountView>,
    /// Why it needs the person now, in plain words.
    pub attention: Option<String>,
    /// `false`: found only in an MCP client's config file; Latchkey has not signed in yet.
    pub known_to_latchkey: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountView {
    pub grant_id: i64,
    pub account: Option<String>,
    pub is_default: bool,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScopeChip {
    pub name: String,
    pub access: ScopeAccess,
}

pub fn chips(scopes: &[String]) -> Vec<ScopeChip> {
    scopes
        .iter()
        .map(|s| ScopeChip {
            name: s.clone(),
            access: scope_access::classify(s),
        })
        .collect()
}

/// Build the overview from the store (and a client-config scan, when there is one).
/// `refreshing` holds the URLs of servers the caller is refreshing right now.
pub fn build(
    lk: &Latchkey,
    scan: Option<&Scan>,
    refreshing: &HashSet<String>,
    at: i64,
) -> Result<Overview> {
    let mut servers = Vec::new();
    let mut next_change_at: Option<i64> = None;
    {
        let store = lk.store();
        for s in store.list_servers()? {
            let grants = store.grants_for_server(s.id)?;
            for g in &grants {
                if let Some(t) = status::next_change(g, at) {
                    next_change_at = Some(next_change_at.map_or(t, |n| n.min(t)));
                }
            }
            let clients = scan
                .map(|sc| scan::clients_using(sc, &s.url))
                .unwrap_or_default();
            servers.push(server_view(&s, &grants, clients, refreshing, at));
        }
    }
    if let Some(sc) = scan {
        servers.extend(unknown_remote_servers(sc, &servers));
    }
    sort(&mut servers);
    let config_findings = scan.map(config_findings::build).unwrap_or_default();
    Ok(Overview {
        attention_count: servers.iter().filter(|s| s.attention.is_some()).count() as u32,
        needs_you: needs_you::count(&servers, &config_findings),
        servers,
        next_change_at,
        generated_at: at,
        config_findings,
    })
}

pub fn server_view(
    s: &ServerRow,
    grants: &[GrantRow],
    clients: Vec<String>,
    refreshing: &HashSet<String>,
    at: i64,
) -> ServerView {
    let default = grants.first();
    let status = match default {
        _ if refreshing.contains(&s.url) => Status::Refreshing,
        Some(g) => Status::of_grant(g, at),
        None if s.needs_sign_in == Some(false) => Status::NoSignInNeeded,
        None => Status::NotConnected,
    };
    let name = display_name(&s.url);
    ServerView {
        url: s.url.clone(),
        host: host_of(&s.url),
        name,
        clients,
        status,
        scopes: default.map(|g| chips(&g.scopes)).unwrap_or_default(),
        account: default.and_then(|g| g.account.clone()),
        accounts: grants
            .iter()
            .map(|g| AccountView {
                grant_id: g.id,
                account: g.account.clone(),
                is_default: g.is_default,
                status: Status::of_grant(g, at),
            })
            .collect(),
        attention: grants
            .iter()
            .find_map(|g| status::attention(g, at))
            .or_else(|| status::sign_in_wanted(s, grants, at)),
        known_to_latchkey: true,
    }
}

/// Remote servers the MCP clients use that Latchkey holds nothing for yet: shown as
/// "Not connected" so one click signs them in.
fn unknown_remote_servers(sc: &Scan, known: &[ServerView]) -> Vec<ServerView> {
    let mut out: Vec<ServerView> = Vec::new();
    for k in &sc.servers {
        if !matches!(k.transport, Transport::StreamableHttp | Transport::Sse) {
            continue;
        }
        let Some(url) = k.url.as_deref() else {
            continue;
        };
        let Ok(canonical) = url_policy::canonical_resource(url) else {
            continue;
        };
        if known.iter().chain(out.iter()).any(|s| s.url == canonical) {
            continue;
        }
        let name = display_name(&canonical);
        out.push(ServerView {
            host: host_of(&canonical),
            name,
            clients: scan::clients_using(sc, &canonical),
            status: Status::NotConnected,
            scopes: Default::default(),
            account: None,
            accounts: vec![],
            attention: None,
            known_to_latchkey: false,
            url: canonical,
        });
    }
    out
}

/// Needs attention first, then signed-in servers, then the rest; by name within each.
fn sort(servers: &mut [ServerView]) {
    servers.sort_by(|a, b| {
        let rank = |s: &ServerView| {
            (
                s.attention.is_none(),
                !matches!(s.status, Status::Connected { .. } | Status::Refreshing),
                !s.known_to_latchkey,
            )
        };
        rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
    });
}

/// A server row for tests of what is built from rows (the tray's menu, the announcements).
#[cfg(test)]
pub(crate) fn test_server(url: &str, status: Status, attention: Option<&str>) -> ServerView {
    ServerView {
        url: url.into(),
        name: url.into(),
        host: url.into(),
        clients: vec![],
        status,
        scopes: Default::default(),
        account: None,
        accounts: vec![],
        attention: attention.map(str::to_string),
        known_to_latchkey: true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clients::model::KnownServer;
    use crate::home::Home;
    use crate::http::HttpClient;
    use crate::protocol::Scopes;
    use crate::secrets::Secrets;
    use crate::secrets::memory::MemoryStore;
    use crate::store::{NewGrant, RegistrationMethod, Store, TokenAuthMethod};

    fn latchkey(dir: &std::path::Path) -> Latchkey {
        Latchkey::from_parts(
            Home::at(dir.to_path_buf(), true).unwrap(),
            Store::open_in_memory().unwrap(),
            Secrets::new(Arc::new(MemoryStore::default())),
            HttpClient::new().unwrap(),
        )
    }

    fn grant(lk: &Latchkey, url: &str, expires_in: i64, refresh: bool, at: i64) -> i64 {
        let store = lk.store();
        let server = store.upsert_server(url).unwrap();
        let reg = store
            .insert_registration(
                "https://as",
                "c",
                RegistrationMethod::Dynamic,
                TokenAuthMethod::None,
                "http://127.0.0.1:1/cb",
                false,
            )
            .unwrap();
        store
            .insert_grant(&NewGrant {
                server_id: server.id,
                registration_id: reg.id,
                issuer: "https://as".into(),
                resource: url.into(),
                account: None,
                scopes: Scopes::parse("read"),
                requested_scopes: Default::default(),
                access_expires_at: Some(at + expires_in),
                has_refresh_token: refresh,
                obtained_by: Default::default(),
                workload_token_file: None,
                via_idp: None,
                dpop_bound: false,
            })
            .unwrap()
            .id
    }

    fn remote(url: &str) -> KnownServer {
        KnownServer {
            key: url.into(),
            transport: Transport::StreamableHttp,
            url: Some(url.into()),
            command: None,
            args: vec![],
            env: vec![],
            headers: vec![],
            used_by: vec![],
            findings: vec![],
        }
    }

    #[test]
    fn attention_first_then_connected_then_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let lk = latchkey(dir.path());
        let at = crate::time::now();
        grant(&lk, "https://a.example/mcp", 3600, true, at);
        let rejected = grant(&lk, "https://b.example/mcp", 3600, true, at);
        lk.store()
            .set_needs_reconnect(
                rejected,
                &crate::store::ReconnectReason::Refused {
                    error: "invalid_grant".into(),
                },
            )
            .unwrap();
        grant(&lk, "https://c.example/mcp", 3600, false, at);
        lk.store().upsert_server("https://d.example/mcp").unwrap();
        let scan = Scan {
            projects: Vec::new(),
            servers: vec![
                remote("https://a.example/mcp"),
                remote("https://e.example/mcp/"),
            ],
            files: vec![],
        };
        let o = build(&lk, Some(&scan), &HashSet::new(), at).unwrap();
        let order: Vec<(&str, &str)> = o
            .servers
            .iter()
            .map(|s| (s.name.as_str(), s.status.word()))
            .collect();
        assert_eq!(
            order,
            [
                ("b.example/mcp", "needs_reconnect"),
                ("a.example/mcp", "connected"),
                ("c.example/mcp", "connected"),
                ("d.example/mcp", "not_connected"),
                ("e.example/mcp", "not_connected"),
            ],
            "a server in a client's config that Latchkey holds is listed once"
        );
        assert_eq!(o.attention_count, 1);
        assert!(!o.servers[4].known_to_latchkey);
        // c has no refresh token: the window looks again when its warning starts.
        assert_eq!(o.next_change_at, Some(at + 3600 - status::EXPIRY_WARNING));
    }

    #[test]
    fn a_server_being_refreshed_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let lk = latchkey(dir.path());
        let at = crate::time::now();
        grant(&lk, "https://a.example/mcp", 3600, true, at);
        let refreshing: HashSet<String> = ["https://a.example/mcp".to_string()].into();
        let o = build(&lk, None, &refreshing, at).unwrap();
        assert_eq!(o.servers[0].status, Status::Refreshing);
    }
}
