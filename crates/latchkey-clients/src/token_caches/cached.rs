//! One sign-in as a cache holds it, read in full for an import: the tokens, the client
//! registration they were issued to, and where in the cache they sit (to remove them after).
//! The scan never builds these; only `latchkey import` does, with the person's consent.

use std::path::PathBuf;

use crate::model::ClientId;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct CachedGrant {
    /// The server's URL; `None` when neither the cache nor a client config names it.
    pub server: Option<String>,
    /// How the cache names the grant (mcp-remote's hash), for messages when it has no URL.
    pub key: String,
    /// The file its tokens are in, and that file's bytes when read: it is backed up as read
    /// and changed only if it still holds exactly this.
    pub file: PathBuf,
    pub original: Secret,
    pub client: Option<CachedClient>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    /// The scopes the tool asked for, when it kept them.
    pub requested_scopes: Vec<String>,
    /// The authorization server the tool says issued the tokens, checked against the one the
    /// server names now before anything is sent there.
    pub issuer: Option<String>,
    /// The token endpoint the tool renews at, when it kept it (Gemini CLI): checked likewise.
    pub token_endpoint: Option<String>,
    pub removal: Removal,
}

/// The client registration the tokens were issued to.
#[derive(Debug, Clone)]
pub struct CachedClient {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub redirect_uri: Option<String>,
    /// `token_endpoint_auth_method` as registered, when kept.
    pub auth_method: Option<String>,
}

/// How the tokens leave the cache once Latchkey holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// The file holds this grant alone (mcp-remote's `<hash>_tokens.json`): it is deleted, as
    /// the tool itself deletes it when a sign-in ends, so the tool sees "not signed in".
    DeleteFile,
    /// Entries of a file the tool keeps for every server (and other things: Claude Code's own
    /// login): their tokens are taken out as the tool itself does when a sign-in ends, and the
    /// rest of the file is written back in the tool's style.
    Entries { client: ClientId, keys: Vec<String> },
}

/// A grant's fields as one entry of a shared token file gives them; the file and its bytes are
/// added by the reader of the file.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub server: Option<String>,
    /// The server's name in the client's config, to find its URL when the entry has none.
    pub name: Option<String>,
    /// The entry's keys in the file (one server may sit under several).
    pub keys: Vec<String>,
    pub client: Option<CachedClient>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub issuer: Option<String>,
    pub token_endpoint: Option<String>,
}

impl CachedGrant {
    /// What the grant is called in messages: its server, else the cache's key for it.
    pub fn label(&self) -> String {
        self.server
            .clone()
            .unwrap_or_else(|| format!("{} (a server no client config names)", self.key))
    }
}

/// A non-empty string at `doc[key]`.
pub fn text(doc: &serde_json::Value, key: &str) -> Option<String> {
    doc.get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Space-separated scopes as a list.
pub fn scopes_of(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}
