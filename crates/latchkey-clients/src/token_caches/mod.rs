//! Files where other tools keep MCP sign-ins (access and refresh tokens) in plain text:
//! mcp-remote's cache folder and the MCP clients that write their tokens to a file. Each
//! format has its own module; this one reads a cache into a [`FileReport`] whose one finding
//! says how many sign-ins it holds, to which servers, and whether other users may read it.
//!
//! Like the config scan, reading never changes a file and never keeps a value: a token is
//! looked at only to say whether it is there.

pub mod cached;
mod claude_code;
mod codex;
pub mod copilot_cli;
mod gemini_cli;
pub mod mcp_remote;
mod opencode;
pub mod source;

use std::path::Path;

use serde_json::Value;

use super::model::{ClientId, ConfiguredServer, FileReport, Finding, Format, Location};
use super::parse;
pub use source::Source;

/// One sign-in a cache holds that still works (or can be renewed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The server's URL, else its name in the client's config; `None` when the cache does
    /// not say (mcp-remote keeps only a hash until [`mcp_remote::name`] finds it).
    pub server: Option<String>,
    /// How the cache keys the grant (mcp-remote's hash), to name it later.
    pub key: Option<String>,
    pub refreshable: bool,
}

/// Read the cache at `path` (a file, or mcp-remote's and Copilot CLI's folders). `None` when
/// it does not exist or holds no usable sign-in; an unreadable cache is reported as such.
/// `servers` are the entries the clients' configs name, to put a name on hashed grants.
pub fn read(location: &Location, path: &Path, servers: &[&ConfiguredServer]) -> Option<FileReport> {
    let mut report = FileReport {
        client: location.client,
        scope: location.scope,
        format: Format::Json,
        layout: location.layout,
        servers: Vec::new(),
        findings: Vec::new(),
        path: path.to_path_buf(),
    };
    let now_ms = crate::time::now() * 1000;
    // Read and parsed with the config files' guards (size, nesting) and words.
    let file = |p: &Path| -> Result<Option<Value>, String> {
        match parse::read(p)? {
            None => Ok(None),
            Some(text) => parse::parse(&text, Format::Json).map(|parsed| Some(parsed.value)),
        }
    };
    // In a folder, a file that is not JSON (half written, or not the tool's) is skipped.
    let in_folder = |p: &Path| file(p).ok().flatten();
    let mut grants = match location.client {
        ClientId::McpRemote => mcp_remote::grants(path, now_ms, &in_folder),
        ClientId::CopilotCli => copilot_cli::grants(path, now_ms, &in_folder),
        client => {
            let doc = match file(path) {
                Ok(None) => return None,
                Ok(Some(doc)) => doc,
                Err(reason) => {
                    report.findings.push(Finding::Unreadable { reason });
                    return Some(report);
                }
            };
            match client {
                ClientId::ClaudeCode => claude_code::grants(&doc, now_ms),
                ClientId::Codex => codex::grants(&doc, now_ms),
                ClientId::GeminiCli => gemini_cli::grants(&doc, now_ms),
                ClientId::Opencode => opencode::grants(&doc, now_ms),
                _ => return None,
            }
        }
    };
    if location.client == ClientId::McpRemote {
        mcp_remote::name(&mut grants, servers);
    }
    if grants.is_empty() {
        return None;
    }
    report
        .findings
        .push(finding(&grants, readable_by_others(path)));
    Some(report)
}

/// Every usable sign-in in the token file `path` of `client`, read in full for an import.
/// `url_of` finds a server's URL from its name in the client's config, for entries that keep
/// only the name.
pub fn cached_in_file(
    client: ClientId,
    path: &Path,
    url_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<cached::CachedGrant> {
    let Some((text, doc)) = text_and_json(path) else {
        return vec![];
    };
    let now_ms = crate::time::now() * 1000;
    let entries = match client {
        ClientId::ClaudeCode => claude_code::cached(&doc, now_ms),
        ClientId::Codex => codex::cached(&doc, now_ms),
        ClientId::GeminiCli => gemini_cli::cached(&doc, now_ms),
        ClientId::Opencode => opencode::cached(&doc, now_ms),
        _ => vec![],
    };
    let original = crate::secret::Secret::new(text);
    entries
        .into_iter()
        .map(|e| cached::CachedGrant {
            server: e.server.or_else(|| url_of(e.name.as_deref()?)),
            key: e.name.clone().unwrap_or_else(|| e.keys.join(", ")),
            file: path.to_path_buf(),
            original: original.clone(),
            client: e.client,
            access_token: e.access_token,
            refresh_token: e.refresh_token,
            expires_at: e.expires_at,
            scopes: e.scopes,
            requested_scopes: Vec::new(),
            issuer: e.issuer,
            token_endpoint: e.token_endpoint,
            removal: cached::Removal::Entries {
                client,
                keys: e.keys,
            },
        })
        .collect()
}

/// A token file read for an import: its text as it is (for the backup and the check that it
/// did not change) and its JSON, with the config files' guards. `None` when it is missing or
/// does not parse.
fn text_and_json(path: &Path) -> Option<(String, Value)> {
    let text = parse::read(path).ok()??;
    let value = parse::parse(&text, Format::Json).ok()?.value;
    Some((text, value))
}

/// The token file `text` of `client` without the tokens of entries `keys`, as that client
/// writes it; `None` when the client would delete the file (nothing left in it).
pub fn without_tokens(
    client: ClientId,
    text: &str,
    keys: &[String],
) -> Result<Option<String>, String> {
    let doc = parse::parse(text, Format::Json)?.value;
    Ok(match client {
        ClientId::ClaudeCode => claude_code::without_tokens(doc, keys),
        ClientId::Codex => codex::without_tokens(doc, keys),
        ClientId::GeminiCli => gemini_cli::without_tokens(doc, keys),
        ClientId::Opencode => opencode::without_tokens(doc, keys),
        other => {
            return Err(format!(
                "{} keeps no token file Latchkey edits",
                other.display_name()
            ));
        }
    })
}

fn finding(grants: &[Grant], readable_by_others: bool) -> Finding {
    let mut servers: Vec<String> = grants.iter().filter_map(|g| g.server.clone()).collect();
    servers.sort();
    servers.dedup();
    Finding::PlaintextTokenCache {
        grants: grants.len() as u32,
        refreshable: grants.iter().filter(|g| g.refreshable).count() as u32,
        servers,
        readable_by_others,
    }
}

/// Whether users other than the owner may read the cache: the file, or in a folder any file
/// of tokens (both folder formats name them `…tokens.json`; a leftover PKCE verifier is not).
#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let loose = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o044 != 0);
    if path.is_dir() {
        std::fs::read_dir(path)
            .map(|entries| {
                entries.flatten().any(|e| {
                    let path = e.path();
                    path.to_string_lossy().ends_with("tokens.json") && loose(&path)
                })
            })
            .unwrap_or(false)
    } else {
        loose(path)
    }
}

/// Windows files inherit their folder's ACL (the user profile is private by default).
#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

/// The field names of one format.
struct Fields {
    access: &'static str,
    refresh: &'static str,
    /// Where the entry names its server, best first (a URL, else a name).
    servers: &'static [&'static str],
}

const CAMEL: Fields = Fields {
    access: "accessToken",
    refresh: "refreshToken",
    servers: &["serverUrl", "serverName"],
};

/// A usable grant from one entry: `tokens` holds the token fields (the entry itself, or an
/// object in it), `expires_ms` is when its access token expires.
fn grant_of(
    entry: &Value,
    tokens: &Value,
    fields: &Fields,
    expires_ms: Option<i64>,
    now_ms: i64,
) -> Option<Grant> {
    let refreshable = non_empty(tokens, fields.refresh);
    usable(
        non_empty(tokens, fields.access),
        refreshable,
        expires_ms,
        now_ms,
    )
    .then(|| Grant {
        server: fields
            .servers
            .iter()
            .find_map(|k| entry.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        key: None,
        refreshable,
    })
}

/// The names of the files in `dir` that end with `suffix`, sorted (none when it cannot be read).
fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whether `doc[key]` is a non-empty string.
fn non_empty(doc: &Value, key: &str) -> bool {
    doc.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// A grant still works when it can be renewed, or its access token has not expired (an
/// unknown expiry counts as working: the tool would try it).
fn usable(has_access: bool, refreshable: bool, expires_ms: Option<i64>, now_ms: i64) -> bool {
    refreshable || (has_access && expires_ms.is_none_or(|t| t <= 0 || t > now_ms))
}

/// Grants keyed by server: the same server under two keys (Claude Code writes such
/// duplicates) is one sign-in, the renewable copy preferred.
fn dedup_by_server(mut grants: Vec<Grant>) -> Vec<Grant> {
    grants.sort_by(|a, b| (&a.server, !a.refreshable).cmp(&(&b.server, !b.refreshable)));
    grants.dedup_by(|later, first| later.server.is_some() && later.server == first.server);
    grants
}

/// The servers of a cache's grants as a phrase: up to three names, then how many more, and
/// how many the cache does not name ("https://a/mcp, linear and 2 more").
pub fn servers_phrase(servers: &[String], grants: u32) -> String {
    let unnamed = (grants as usize).saturating_sub(servers.len());
    let mut parts: Vec<String> = servers.iter().take(3).cloned().collect();
    let more = servers.len().saturating_sub(3);
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    match (unnamed, parts.is_empty()) {
        (0, _) => {}
        (1, true) => parts.push("a server it does not name".into()),
        (n, true) => parts.push(format!("{n} servers it does not name")),
        (1, false) => parts.push("1 server it does not name".into()),
        (n, false) => parts.push(format!("{n} servers it does not name")),
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_read_as_a_phrase() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            servers_phrase(&names(&["https://a/mcp"]), 1),
            "https://a/mcp"
        );
        assert_eq!(servers_phrase(&[], 1), "a server it does not name");
        assert_eq!(
            servers_phrase(&names(&["a", "b"]), 3),
            "a, b and 1 server it does not name"
        );
        assert_eq!(
            servers_phrase(&names(&["a", "b", "c", "d", "e"]), 5),
            "a, b, c and 2 more"
        );
    }

    #[test]
    fn duplicates_of_one_server_count_once_and_the_renewable_one_stays() {
        let g = |server: Option<&str>, refreshable| Grant {
            server: server.map(str::to_string),
            key: None,
            refreshable,
        };
        let kept = dedup_by_server(vec![
            g(Some("https://a"), false),
            g(None, true),
            g(Some("https://a"), true),
            g(None, false),
        ]);
        assert_eq!(kept.len(), 3);
        assert!(kept.contains(&g(Some("https://a"), true)));
    }
}
