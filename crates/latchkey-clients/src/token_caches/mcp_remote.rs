//! `npx mcp-remote`'s cache: `${MCP_REMOTE_CONFIG_DIR:-~/.mcp-auth}/mcp-remote-v1/` (0.3.2 and
//! later; before, one `mcp-remote-<version>/` folder per release, never migrated, so old ones
//! still hold live tokens). Per server, `<hash>_tokens.json` holds the token response plus
//! `expires_at` (ms since the epoch) and `<hash>_client_info.json` the registration. The
//! server's URL is written nowhere: `<hash>` is the MD5 of the arguments that started it
//! ([`server_hash`]), so a grant is named by hashing the URLs the clients' configs give it.
//! Read from the published 0.15.1 bundle; see docs/client-configs-verified.md.

use std::collections::HashMap;
use std::path::Path;

use md5::{Digest, Md5};
use serde_json::Value;

use super::cached::{CachedClient, CachedGrant, Removal, scopes_of, text};
use super::{Fields, Grant, files_ending, grant_of, text_and_json};
use crate::findings;
use crate::model::ConfiguredServer;
use crate::secret::Secret;

const TOKENS_SUFFIX: &str = "_tokens.json";
const CLIENT_SUFFIX: &str = "_client_info.json";

/// The grants in one cache folder, each keyed by its hash until [`name`] names it.
pub fn grants(dir: &Path, now_ms: i64, read: &dyn Fn(&Path) -> Option<Value>) -> Vec<Grant> {
    const SNAKE: Fields = Fields {
        access: "access_token",
        refresh: "refresh_token",
        servers: &[],
    };
    files_ending(dir, TOKENS_SUFFIX)
        .into_iter()
        .filter_map(|n| {
            let doc = read(&dir.join(&n))?;
            let expires_ms = doc.get("expires_at").and_then(Value::as_i64);
            let mut grant = grant_of(&doc, &doc, &SNAKE, expires_ms, now_ms)?;
            grant.key = Some(n.strip_suffix(TOKENS_SUFFIX)?.to_string());
            Some(grant)
        })
        .collect()
}

/// Every sign-in in one cache folder, read in full for an import: the tokens, the expiry
/// (`expires_at` is in milliseconds), the scopes, the issuer mcp-remote recorded (0.14.3 and
/// later) and the registration beside it. Named like [`name`], plus `urls` the person gave
/// (someone who ran `npx mcp-remote <url>` by hand has no config naming it).
pub fn cached(dir: &Path, servers: &[&ConfiguredServer], urls: &[String]) -> Vec<CachedGrant> {
    let mut known = known_hashes(servers);
    for url in urls {
        known.insert(server_hash(url, &Flags::default()), url.clone());
    }
    files_ending(dir, TOKENS_SUFFIX)
        .into_iter()
        .filter_map(|name| {
            let hash = name.strip_suffix(TOKENS_SUFFIX)?.to_string();
            let file = dir.join(&name);
            let (original, doc) = text_and_json(&file)?;
            let client =
                text_and_json(&dir.join(format!("{hash}{CLIENT_SUFFIX}"))).and_then(|(_, c)| {
                    Some(CachedClient {
                        client_id: text(&c, "client_id")?,
                        client_secret: text(&c, "client_secret").map(Secret::new),
                        redirect_uri: c
                            .get("redirect_uris")
                            .and_then(|r| r.get(0))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        auth_method: text(&c, "token_endpoint_auth_method"),
                    })
                });
            Some(CachedGrant {
                server: known.get(&hash).cloned(),
                key: hash,
                file,
                original: Secret::new(original),
                client,
                access_token: text(&doc, "access_token").map(Secret::new),
                refresh_token: text(&doc, "refresh_token").map(Secret::new),
                expires_at: doc
                    .get("expires_at")
                    .and_then(Value::as_f64)
                    .filter(|ms| *ms > 0.0)
                    .map(|ms| (ms / 1000.0) as i64),
                scopes: scopes_of(doc.get("scope").and_then(Value::as_str)),
                requested_scopes: scopes_of(doc.get("requested_scope").and_then(Value::as_str)),
                issuer: text(&doc, "issuer"),
                token_endpoint: None,
                removal: Removal::DeleteFile,
            })
        })
        .collect()
}

/// Name each grant by the server whose hash it carries, among the servers the clients use.
pub fn name(grants: &mut [Grant], servers: &[&ConfiguredServer]) {
    let known = known_hashes(servers);
    for g in grants.iter_mut() {
        if let Some(url) = g.key.as_ref().and_then(|k| known.get(k)) {
            g.server = Some(url.clone());
        }
    }
}

/// Hash → URL for every way the configs start mcp-remote, and for every remote URL they name
/// (someone may have run `npx mcp-remote <url>` by hand).
fn known_hashes(servers: &[&ConfiguredServer]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for s in servers {
        if let Some(url) = &s.url {
            out.insert(server_hash(url, &Flags::default()), url.clone());
        }
        if let Some(url) = findings::mcp_remote_url(s.command.as_deref(), &s.args) {
            out.insert(server_hash(&url, &Flags::default()), url.clone());
            out.insert(server_hash(&url, &Flags::from_args(&s.args)), url);
        }
    }
    out
}

/// The arguments of `mcp-remote` that change its hash.
#[derive(Debug, Default, PartialEq)]
pub struct Flags {
    pub resource: Option<String>,
    pub authorize_params: Vec<(String, String)>,
    /// `Name: value` as given, before `${VAR}` substitution (mcp-remote hashes them so).
    pub headers: Vec<(String, String)>,
}

impl Flags {
    pub fn from_args(args: &[String]) -> Self {
        let mut f = Flags::default();
        let mut disable_resource = false;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--resource" => f.resource = it.next().cloned(),
                "--disable-resource-parameter" => disable_resource = true,
                "--authorize-param" => {
                    if let Some((k, v)) = it.next().and_then(|p| p.split_once('=')) {
                        f.authorize_params.push((k.to_string(), v.to_string()));
                    }
                }
                "--header" => {
                    if let Some((k, v)) = it.next().and_then(|h| parse_header(h)) {
                        f.headers.push((k, v));
                    }
                }
                _ => {}
            }
        }
        if disable_resource {
            f.resource = None;
        }
        f
    }
}

/// `Name: value`, as mcp-remote reads `--header` (`^([A-Za-z0-9_-]+):\s*(.*)$`).
fn parse_header(h: &str) -> Option<(String, String)> {
    let (name, value) = h.split_once(':')?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then(|| (name.to_string(), value.trim_start().to_string()))
}

/// mcp-remote's `getServerUrlHash`: MD5 (hex) of the URL as typed, joined with `|` to the
/// resource, the authorize parameters and the headers (each a compact JSON object with sorted
/// keys) when given.
pub fn server_hash(url: &str, flags: &Flags) -> String {
    let mut parts = vec![url.to_string()];
    if let Some(r) = flags.resource.as_ref().filter(|r| !r.is_empty()) {
        parts.push(r.clone());
    }
    for pairs in [&flags.authorize_params, &flags.headers] {
        if !pairs.is_empty() {
            let sorted: std::collections::BTreeMap<&str, &str> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            parts.push(serde_json::to_string(&sorted).expect("strings serialise"));
        }
    }
    let digest = Md5::digest(parts.join("|").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors computed with mcp-remote 0.15.1's own `getServerUrlHash` under Node.
    #[test]
    fn hashes_match_mcp_remote() {
        assert_eq!(
            server_hash("https://mcp.example.com/mcp", &Flags::default()),
            "94baabe3c3fadb285b26c035e4e86046"
        );
        let flags = Flags::from_args(&[
            "-y".into(),
            "mcp-remote".into(),
            "https://mcp.example.com/mcp".into(),
            "--header".into(),
            "X-B: 2".into(),
            "--header".into(),
            "Authorization: Bearer ${TOKEN}".into(),
        ]);
        assert_eq!(
            server_hash("https://mcp.example.com/mcp", &flags),
            "b9bca070fa351f4569b9eb7f249eab2b"
        );
    }

    /// Files as mcp-remote 0.15.1 writes them: the tokens with `expires_at` in milliseconds
    /// and the issuer, the registration beside them; a second grant no config names.
    #[test]
    fn a_cache_folder_is_read_in_full_and_named_by_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let url = "https://mcp.example.com/mcp";
        let hash = server_hash(url, &Flags::default());
        let tokens = r#"{
  "access_token": "AT",
  "token_type": "Bearer",
  "expires_in": 3600,
  "scope": "read write",
  "refresh_token": "RT-SECRET-1",
  "issuer": "https://as.example.com",
  "expires_at": 1760000000123,
  "requested_scope": "read write offline_access"
}"#;
        std::fs::write(dir.path().join(format!("{hash}_tokens.json")), tokens).unwrap();
        std::fs::write(
            dir.path().join(format!("{hash}_client_info.json")),
            r#"{"redirect_uris": ["http://localhost:12345/oauth/callback"], "client_id": "cid",
                "client_secret": "CS", "token_endpoint_auth_method": "client_secret_post"}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ffff_tokens.json"),
            r#"{"access_token": "X", "token_type": "Bearer"}"#,
        )
        .unwrap();
        let found = cached(dir.path(), &[], &[url.to_string()]);
        assert_eq!(found.len(), 2);
        let g = found.iter().find(|g| g.key == hash).unwrap();
        assert_eq!(g.server.as_deref(), Some(url));
        assert_eq!(
            g.original.expose(),
            tokens,
            "kept byte for byte for the backup"
        );
        assert_eq!(g.access_token.as_ref().unwrap().expose(), "AT");
        assert_eq!(g.refresh_token.as_ref().unwrap().expose(), "RT-SECRET-1");
        assert_eq!(g.expires_at, Some(1_760_000_000));
        assert_eq!(g.scopes, ["read", "write"]);
        assert_eq!(g.requested_scopes, ["read", "write", "offline_access"]);
        assert_eq!(g.issuer.as_deref(), Some("https://as.example.com"));
        let client = g.client.as_ref().unwrap();
        assert_eq!(client.client_id, "cid");
        assert_eq!(client.client_secret.as_ref().unwrap().expose(), "CS");
        assert_eq!(
            client.redirect_uri.as_deref(),
            Some("http://localhost:12345/oauth/callback")
        );
        assert_eq!(client.auth_method.as_deref(), Some("client_secret_post"));
        let other = found.iter().find(|g| g.key == "ffff").unwrap();
        assert_eq!(other.server, None);
        assert!(other.client.is_none() && other.refresh_token.is_none());
        assert!(
            !format!("{found:?}").contains("RT-SECRET-1"),
            "secrets never print"
        );
    }

    #[test]
    fn flags_read_like_mcp_remote() {
        let f = Flags::from_args(&[
            "--resource".into(),
            "https://r".into(),
            "--disable-resource-parameter".into(),
            "--authorize-param".into(),
            "prompt=consent".into(),
            "--header".into(),
            "bad header: x".into(),
        ]);
        assert_eq!(f.resource, None);
        assert_eq!(
            f.authorize_params,
            vec![("prompt".into(), "consent".into())]
        );
        assert!(f.headers.is_empty());
    }
}
