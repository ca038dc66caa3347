//! The HTTP side of the KV v2 store: one blocking request at a time (the store runs on a
//! blocking thread, like every [`SecretStore`](super::super::SecretStore)), the token and
//! namespace headers, logging in (token or AppRole) and logging in again when a token expired,
//! and turning what the server says into errors that say what to do.
//!
//! The token is sent only in `X-Vault-Token`; it never appears in a message. Server texts in
//! messages are cut to one line.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use super::config::{Auth, KvConfig, TokenSource};
use crate::error::sanitize_server_text;
use crate::secrets::secret::Secret;
use crate::secrets::{SecretStoreError, SecretStoreResult};

/// What the server answered: the status and the JSON body (`Null` when there was none).
pub(super) struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The body's `errors` array (empty when there is none).
    pub fn errors(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The largest answer read from the server: Latchkey's items are small (a config-file backup,
/// the largest, is at most 256 KiB); anything far beyond is refused rather than held.
const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// Read at most `cap` bytes of `resp`'s body; `Err` when there is more.
fn read_capped(resp: reqwest::blocking::Response, cap: usize) -> Result<Vec<u8>, ()> {
    use std::io::Read;
    if resp.content_length().is_some_and(|n| n as usize > cap) {
        return Err(());
    }
    let mut body = Vec::new();
    // A read error mid-body leaves what came: the JSON then does not parse, as before.
    let _ = resp.take(cap as u64 + 1).read_to_end(&mut body);
    if body.len() > cap { Err(()) } else { Ok(body) }
}

pub(super) struct Client {
    pub config: KvConfig,
    /// Built on first use, on the blocking thread (a blocking reqwest client must not be created
    /// inside the async runtime).
    http: OnceLock<std::result::Result<reqwest::blocking::Client, String>>,
    token: Mutex<Option<Secret>>,
}

impl Client {
    pub fn new(config: KvConfig) -> Self {
        Self {
            config,
            http: OnceLock::new(),
            token: Mutex::new(None),
        }
    }

    fn http(&self) -> SecretStoreResult<&reqwest::blocking::Client> {
        self.http
            .get_or_init(|| build_http(&self.config))
            .as_ref()
            .map_err(|e| SecretStoreError::Unusable(e.clone()))
    }

    /// `method /v1/<path>` with the token; when the server says 403 and a fresh token differs
    /// from the one used (an AppRole token that expired, an agent that rotated its file), log
    /// in again and retry once.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> SecretStoreResult<Reply> {
        let token = self.token()?;
        let reply = self.send(method.clone(), path, body, Some(&token))?;
        if reply.status != 403 {
            return Ok(reply);
        }
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let fresh = self.token()?;
        if fresh == token {
            return Ok(reply);
        }
        self.send(method, path, body, Some(&fresh))
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&Secret>,
    ) -> SecretStoreResult<Reply> {
        let url = format!("{}/v1/{path}", self.config.address);
        let mut req = self.http()?.request(method, &url);
        if let Some(t) = token {
            req = req.header("X-Vault-Token", t.expose());
        }
        if let Some(ns) = &self.config.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().map_err(|e| transport_error(&self.config, &e))?;
        let status = resp.status().as_u16();
        let body = read_capped(resp, MAX_REPLY_BYTES).map_err(|()| {
            SecretStoreError::Other(format!(
                "{} at {} answered more than {} MiB for {path}; refusing it",
                self.config.flavor.product(),
                self.config.address,
                MAX_REPLY_BYTES / (1024 * 1024)
            ))
        })?;
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(Reply { status, body })
    }

    fn token(&self) -> SecretStoreResult<Secret> {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = cached.as_ref() {
            return Ok(t.clone());
        }
        let fresh = match &self.config.auth {
            Auth::Token { source } => read_token(&self.config, source)?,
            Auth::AppRole {
                mount,
                role_id,
                secret_id_file,
            } => self.approle_login(mount, role_id, secret_id_file)?,
        };
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    fn approle_login(
        &self,
        mount: &str,
        role_id: &str,
        secret_id_file: &std::path::Path,
    ) -> SecretStoreResult<Secret> {
        let product = self.config.flavor.product();
        let secret_id = std::fs::read_to_string(secret_id_file).map_err(|e| {
            SecretStoreError::Unusable(format!(
                "cannot read the AppRole secret id from {}: {e}",
                secret_id_file.display()
            ))
        })?;
        let body = serde_json::json!({ "role_id": role_id, "secret_id": secret_id.trim() });
        let reply = self.send(
            reqwest::Method::POST,
            &format!("auth/{mount}/login"),
            Some(&body),
            None,
        )?;
        if reply.status == 200
            && let Some(token) = reply.body["auth"]["client_token"].as_str()
        {
            return Ok(Secret::new(token));
        }
        if matches!(reply.status, 400 | 403) {
            return Err(SecretStoreError::Unusable(format!(
                "{product} refused the AppRole login at auth/{mount} ({}): check role_id and the secret id in {}",
                first_error(&reply),
                secret_id_file.display()
            )));
        }
        Err(status_error(
            &self.config,
            &reply,
            &format!("auth/{mount}/login"),
        ))
    }
}

fn build_http(config: &KvConfig) -> std::result::Result<reqwest::blocking::Client, String> {
    let mut builder = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &config.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("{} is not a PEM CA certificate: {e}", path.display()))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up HTTPS for {}: {e}", config.address))
}

fn read_token(config: &KvConfig, source: &TokenSource) -> SecretStoreResult<Secret> {
    let product = config.flavor.product();
    let value = match source {
        TokenSource::Env(name) => std::env::var(name).unwrap_or_default(),
        TokenSource::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(SecretStoreError::Unusable(format!(
                    "cannot read the {product} token from {}: {e}",
                    path.display()
                )));
            }
        },
    };
    let value = value.trim();
    if value.is_empty() {
        let var = config.flavor.var("TOKEN");
        return Err(SecretStoreError::Unusable(format!(
            "no {product} token: set {var}, log in with `{} login` (it writes ~/.vault-token), or set token_file in the settings",
            config.flavor.cli()
        )));
    }
    Ok(Secret::new(value))
}

fn first_error(reply: &Reply) -> String {
    reply
        .errors()
        .first()
        .map(|e| sanitize_server_text(e))
        .unwrap_or_else(|| format!("HTTP {}", reply.status))
}

/// A request that got no answer: the server is down or unreachable (try again later), or its
/// certificate is not trusted (someone must act).
fn transport_error(config: &KvConfig, e: &reqwest::Error) -> SecretStoreError {
    let product = config.flavor.product();
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push(' ');
        source = s.source();
    }
    let chain = sanitize_server_text(&chain);
    if chain.contains("certificate") || chain.contains("UnknownIssuer") {
        let var = config.flavor.var("CACERT");
        return SecretStoreError::Unusable(format!(
            "{product} at {} has a TLS certificate this machine does not trust: set {var} (or ca_cert in the settings) to the CA that signed it. Latchkey never skips verification ({chain})",
            config.address
        ));
    }
    let why = if e.is_timeout() {
        "no answer in time"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    SecretStoreError::Unreachable(format!(
        "{product} at {} cannot be reached ({why}): is it running, and is the address right? Nothing was changed",
        config.address
    ))
}

/// An answer that is not what the operation wanted, as what to do about it.
pub(super) fn status_error(config: &KvConfig, reply: &Reply, path: &str) -> SecretStoreError {
    let product = config.flavor.product();
    let cli = config.flavor.cli();
    let said = first_error(reply);
    match reply.status {
        503 if said.contains("sealed") => SecretStoreError::Unusable(format!(
            "{product} at {} is sealed: unseal it (`{cli} operator unseal`) and try again. Nothing was changed",
            config.address
        )),
        403 => SecretStoreError::Unusable(format!(
            "{product} refused access to {path} ({said}): check the token, and that its policy allows create, read and update on {mount}/data/{folder}/* and read and delete on {mount}/metadata/{folder}/*",
            mount = config.mount,
            folder = config.path,
        )),
        404 if !reply.errors().is_empty() => SecretStoreError::Unusable(format!(
            "{product} has no KV v2 mount at {mount}/ ({said}): enable one (`{cli} secrets enable -path={mount} kv-v2`) or set mount in the settings",
            mount = config.mount,
        )),
        429 | 500..=599 => SecretStoreError::Unreachable(format!(
            "{product} at {} could not answer now ({said}); nothing was changed",
            config.address
        )),
        _ => SecretStoreError::Other(format!("{product} refused {path}: {said}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::Flavor;
    use super::*;

    fn config() -> KvConfig {
        KvConfig {
            flavor: Flavor::OpenBao,
            address: "http://127.0.0.1:8200".into(),
            namespace: None,
            mount: "secret".into(),
            path: "latchkey".into(),
            ca_cert: None,
            auth: Auth::Token {
                source: TokenSource::Env("BAO_TOKEN".into()),
            },
        }
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: serde_json::from_str(body).unwrap_or(Value::Null),
        }
    }

    /// What the real server said (status and body seen from OpenBao 2.7.2), and what a user reads.
    #[test]
    fn what_the_server_says_becomes_what_to_do() {
        let rows: [(u16, &str, &str, bool); 6] = [
            (
                503,
                r#"{"errors":["Vault is sealed"]}"#,
                "is sealed: unseal it (`bao operator unseal`)",
                false,
            ),
            (
                403,
                r#"{"errors":["permission denied"]}"#,
                "refused access to secret/data/latchkey/grant/1 (permission denied): check the token",
                false,
            ),
            (
                404,
                r#"{"errors":["no handler for route \"kv/data/x\". route entry not found."]}"#,
                "no KV v2 mount at secret/",
                false,
            ),
            (
                500,
                r#"{"errors":["internal error"]}"#,
                "could not answer now (internal error)",
                true,
            ),
            (429, "", "could not answer now (HTTP 429)", true),
            (
                400,
                r#"{"errors":["bad\nrequest"]}"#,
                "refused secret/data/latchkey/grant/1: bad request",
                false,
            ),
        ];
        for (status, body, want, transient) in rows {
            let e = status_error(
                &config(),
                &reply(status, body),
                "secret/data/latchkey/grant/1",
            );
            assert!(e.to_string().contains(want), "{status}: {e}");
            assert_eq!(
                e.kind() == crate::ErrorKind::Transient,
                transient,
                "{status}: {e}"
            );
        }
    }

    #[test]
    fn a_missing_token_says_how_to_get_one() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config();
        let e = read_token(&cfg, &TokenSource::File(dir.path().join("none")))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no OpenBao token: set BAO_TOKEN, log in with `bao login`"),
            "{e}"
        );
        std::fs::write(dir.path().join("t"), "  s.abc\n").unwrap();
        let t = read_token(&cfg, &TokenSource::File(dir.path().join("t"))).unwrap();
        assert_eq!(t.expose(), "s.abc", "trimmed as the CLI writes it");
    }
}
