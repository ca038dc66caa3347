//! Where the KV v2 store is and how to log in to it: the `[openbao]` (or `[vault]`) table of the
//! settings file first, then the ecosystem's own variables (`BAO_*` and `VAULT_*`; the backend's
//! own prefix wins), then the defaults (mount `secret`, the token in `~/.vault-token`).
//!
//! Resolution is pure: the environment comes in as a lookup function, so every row of the
//! precedence is a unit test.

use std::path::PathBuf;

use crate::settings::KvSettings;
use crate::{Error, Result};

/// OpenBao or HashiCorp Vault: the same HTTP API; the name decides which variables come first
/// and what messages call the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenBao,
    Vault,
}

impl Flavor {
    pub fn product(self) -> &'static str {
        match self {
            Flavor::OpenBao => "OpenBao",
            Flavor::Vault => "Vault",
        }
    }

    /// The command-line tool, for messages that say what to run.
    pub fn cli(self) -> &'static str {
        match self {
            Flavor::OpenBao => "bao",
            Flavor::Vault => "vault",
        }
    }

    /// The backend's own variable for `suffix` (`BAO_TOKEN` for OpenBao), for messages.
    pub fn var(self, suffix: &str) -> String {
        let [own, _] = self.vars(suffix);
        own
    }

    /// `ADDR` → `["BAO_ADDR", "VAULT_ADDR"]` for OpenBao, the other way round for Vault.
    fn vars(self, suffix: &str) -> [String; 2] {
        let bao = format!("BAO_{suffix}");
        let vault = format!("VAULT_{suffix}");
        match self {
            Flavor::OpenBao => [bao, vault],
            Flavor::Vault => [vault, bao],
        }
    }
}

/// How Latchkey logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A token: from `token_file`, `BAO_TOKEN`/`VAULT_TOKEN`, or `~/.vault-token` (the CLI's
    /// own token file, so `bao login` once is enough). `source` says which, for `doctor`.
    Token { source: TokenSource },
    /// AppRole: log in with a role id and a secret id read from a file; log in again when the
    /// token it gave expires.
    AppRole {
        mount: String,
        role_id: String,
        secret_id_file: PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A file holding the token (settings `token_file`, or `~/.vault-token`).
    File(PathBuf),
    /// An environment variable, by name; its value is read when needed, never kept in the config.
    Env(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvConfig {
    pub flavor: Flavor,
    /// `https://host:8200`, without a trailing slash.
    pub address: String,
    pub namespace: Option<String>,
    /// The KV v2 mount, without slashes (`secret`).
    pub mount: String,
    /// The folder inside the mount that holds this home's items, without outer slashes.
    pub path: String,
    /// Extra CA certificate (PEM) to trust besides the system's roots.
    pub ca_cert: Option<PathBuf>,
    pub auth: Auth,
}

impl KvConfig {
    /// Resolve the settings table and the environment (`env` looks a variable up).
    pub fn resolve(
        flavor: Flavor,
        settings: &KvSettings,
        default_path: &str,
        home_dir: Option<PathBuf>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<KvConfig> {
        let table = match flavor {
            Flavor::OpenBao => "[openbao]",
            Flavor::Vault => "[vault]",
        };
        let from_env = |suffix: &str| {
            flavor
                .vars(suffix)
                .into_iter()
                .find_map(|name| env(&name).filter(|v| !v.trim().is_empty()))
        };
        let addr_var = flavor.var("ADDR");
        let address = settings
            .address
            .clone()
            .or_else(|| from_env("ADDR"))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "no {} address: set {addr_var} or `address` in the settings file's {table} table",
                    flavor.product()
                ))
            })?;
        let address = check_address(address.trim(), flavor)?;
        let namespace = settings
            .namespace
            .clone()
            .or_else(|| from_env("NAMESPACE"))
            .map(|n| n.trim().trim_matches('/').to_string())
            .filter(|n| !n.is_empty());
        let mount = clean_segments(settings.mount.as_deref().unwrap_or("secret"))
            .ok_or_else(|| Error::InvalidInput(format!("{table} mount is not a usable path")))?;
        let path = match &settings.path {
            Some(p) => clean_segments(p)
                .ok_or_else(|| Error::InvalidInput(format!("{table} path is not a usable path")))?,
            None => default_path.to_string(),
        };
        let ca_cert = settings
            .ca_cert
            .clone()
            .or_else(|| from_env("CACERT").map(PathBuf::from));
        let auth = match settings.auth.as_deref().unwrap_or("token") {
            "token" => Auth::Token {
                source: token_source(flavor, settings, home_dir, env)?,
            },
            "approle" => Auth::AppRole {
                mount: clean_segments(settings.approle_mount.as_deref().unwrap_or("approle"))
                    .ok_or_else(|| {
                        Error::InvalidInput(format!("{table} approle_mount is not a usable path"))
                    })?,
                role_id: settings.role_id.clone().ok_or_else(|| {
                    Error::InvalidInput(format!("{table} auth = \"approle\" needs role_id"))
                })?,
                secret_id_file: settings.secret_id_file.clone().ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "{table} auth = \"approle\" needs secret_id_file (a file holding the secret id)"
                    ))
                })?,
            },
            other => {
                return Err(Error::InvalidInput(format!(
                    "{table} auth = \"{other}\" is not supported: use \"token\" or \"approle\""
                )));
            }
        };
        Ok(KvConfig {
            flavor,
            address,
            namespace,
            mount,
            path,
            ca_cert,
            auth,
        })
    }

    /// One line for `latchkey doctor`; names where the token comes from, never the token.
    pub fn describe(&self) -> String {
        let auth = match &self.auth {
            Auth::Token {
                source: TokenSource::Env(name),
            } => format!("token from {name}"),
            Auth::Token {
                source: TokenSource::File(p),
            } => format!("token from {}", p.display()),
            Auth::AppRole { mount, .. } => format!("AppRole login at auth/{mount}"),
        };
        let ns = self
            .namespace
            .as_deref()
            .map(|n| format!(", namespace {n}"))
            .unwrap_or_default();
        format!(
            "{} at {}{ns}, KV v2 mount {}/ (items under \"{}/\"), {auth}",
            self.flavor.product(),
            self.address,
            self.mount,
            self.path
        )
    }
}

fn token_source(
    flavor: Flavor,
    settings: &KvSettings,
    home_dir: Option<PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<TokenSource> {
    if let Some(file) = &settings.token_file {
        return Ok(TokenSource::File(file.clone()));
    }
    if let Some(name) = flavor
        .vars("TOKEN")
        .into_iter()
        .find(|name| env(name).is_some_and(|v| !v.trim().is_empty()))
    {
        return Ok(TokenSource::Env(name));
    }
    match home_dir {
        Some(home) => Ok(TokenSource::File(home.join(".vault-token"))),
        None => Err(Error::InvalidInput(format!(
            "no {} token: set {} or `token_file` in the settings",
            flavor.product(),
            flavor.var("TOKEN")
        ))),
    }
}

/// `https://…` (or `http://…` to a loopback address: the server's token and every secret would
/// cross the network in clear) with a host, no path beyond `/`, no credentials.
fn check_address(address: &str, flavor: Flavor) -> Result<String> {
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "the {} address '{address}' is not usable: {why}",
            flavor.product()
        ))
    };
    let url = url::Url::parse(address).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("it must be an http(s) URL with a host"));
    }
    if url.scheme() == "http" && !crate::url_policy::is_loopback(&url) {
        return Err(bad(&format!(
            "plain http would send the {} token and every secret in clear text; use https (plain http only to a loopback address such as 127.0.0.1)",
            flavor.product()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry credentials"));
    }
    if url.query().is_some() || !url.path().trim_matches('/').is_empty() {
        return Err(bad("give only scheme, host and port"));
    }
    Ok(address.trim_end_matches('/').to_string())
}

/// `a/b` from ` /a/b/ `: segments of letters, digits and `@ . _ -`, none `.` or `..`.
pub(crate) fn clean_segments(path: &str) -> Option<String> {
    let trimmed = path.trim().trim_matches('/');
    let ok = !trimmed.is_empty()
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c))
        });
    ok.then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn resolve(flavor: Flavor, s: &KvSettings, env: &[(&str, &str)]) -> Result<KvConfig> {
        KvConfig::resolve(
            flavor,
            s,
            "latchkey",
            Some(PathBuf::from("/home/me")),
            &env_of(env),
        )
    }

    #[test]
    fn defaults_and_the_ecosystems_variables() {
        let c = resolve(
            Flavor::OpenBao,
            &KvSettings::default(),
            &[("BAO_ADDR", "http://127.0.0.1:8200/")],
        )
        .unwrap();
        assert_eq!(c.address, "http://127.0.0.1:8200");
        assert_eq!(c.mount, "secret", "the default mount");
        assert_eq!(c.path, "latchkey");
        assert_eq!(
            c.auth,
            Auth::Token {
                source: TokenSource::File(PathBuf::from("/home/me/.vault-token"))
            },
            "the CLI's own token file when no variable is set"
        );

        // The backend's own prefix wins; the twin is honoured when it is the only one.
        let both = [
            ("BAO_ADDR", "https://bao:8200"),
            ("VAULT_ADDR", "https://vault:8200"),
            ("BAO_TOKEN", "b"),
            ("VAULT_TOKEN", "v"),
            ("VAULT_NAMESPACE", "team/"),
        ];
        let bao = resolve(Flavor::OpenBao, &KvSettings::default(), &both).unwrap();
        let vault = resolve(Flavor::Vault, &KvSettings::default(), &both).unwrap();
        assert_eq!(bao.address, "https://bao:8200");
        assert_eq!(vault.address, "https://vault:8200");
        assert_eq!(
            bao.auth,
            Auth::Token {
                source: TokenSource::Env("BAO_TOKEN".into())
            }
        );
        assert_eq!(
            vault.auth,
            Auth::Token {
                source: TokenSource::Env("VAULT_TOKEN".into())
            }
        );
        assert_eq!(bao.namespace.as_deref(), Some("team"), "the twin, trimmed");
        let only_vault = resolve(
            Flavor::OpenBao,
            &KvSettings::default(),
            &[("VAULT_ADDR", "https://vault:8200")],
        )
        .unwrap();
        assert_eq!(only_vault.address, "https://vault:8200");
        assert!(
            !only_vault.describe().contains("b\"") && only_vault.describe().contains("OpenBao"),
            "{}",
            only_vault.describe()
        );
    }

    #[test]
    fn the_settings_file_comes_first() {
        let s = KvSettings {
            address: Some("https://team-bao:8200".into()),
            mount: Some("/kv/".into()),
            path: Some("people/alice".into()),
            namespace: Some("eng".into()),
            token_file: Some(PathBuf::from("/run/agent/token")),
            ..KvSettings::default()
        };
        let c = resolve(
            Flavor::OpenBao,
            &s,
            &[
                ("BAO_ADDR", "http://elsewhere:1"),
                ("BAO_TOKEN", "t"),
                ("BAO_NAMESPACE", "other"),
            ],
        )
        .unwrap();
        assert_eq!(c.address, "https://team-bao:8200");
        assert_eq!(c.mount, "kv");
        assert_eq!(c.path, "people/alice");
        assert_eq!(c.namespace.as_deref(), Some("eng"));
        assert_eq!(
            c.auth,
            Auth::Token {
                source: TokenSource::File(PathBuf::from("/run/agent/token"))
            }
        );
        let d = c.describe();
        assert!(
            d.contains("namespace eng") && d.contains("token from /run/agent/token"),
            "{d}"
        );
    }

    #[test]
    fn approle_needs_its_two_halves() {
        let mut s = KvSettings {
            address: Some("https://bao:8200".into()),
            auth: Some("approle".into()),
            ..KvSettings::default()
        };
        let e = resolve(Flavor::OpenBao, &s, &[]).unwrap_err().to_string();
        assert!(e.contains("needs role_id"), "{e}");
        s.role_id = Some("r".into());
        let e = resolve(Flavor::OpenBao, &s, &[]).unwrap_err().to_string();
        assert!(e.contains("needs secret_id_file"), "{e}");
        s.secret_id_file = Some(PathBuf::from("/etc/latchkey/secret-id"));
        let c = resolve(Flavor::Vault, &s, &[]).unwrap();
        assert_eq!(
            c.auth,
            Auth::AppRole {
                mount: "approle".into(),
                role_id: "r".into(),
                secret_id_file: PathBuf::from("/etc/latchkey/secret-id")
            }
        );
        s.auth = Some("userpass".into());
        let e = resolve(Flavor::Vault, &s, &[]).unwrap_err().to_string();
        assert!(e.contains("[vault] auth = \"userpass\""), "{e}");
    }

    #[test]
    fn unusable_addresses_and_paths_are_named() {
        let rows = [
            ("", "no OpenBao address: set BAO_ADDR"),
            ("ftp://bao", "http(s) URL"),
            ("https://u:p@bao:8200", "credentials"),
            ("https://bao:8200/v1/", "only scheme, host and port"),
            ("bao:8200", "not usable"),
            // Issue 11 (4): the token and every secret would cross the network in clear.
            ("http://bao.example.com:8200", "use https"),
            ("http://10.0.0.5:8200", "use https"),
            ("http://169.254.169.254", "use https"),
        ];
        for (addr, want) in rows {
            let env = [("BAO_ADDR", addr)];
            let e = resolve(Flavor::OpenBao, &KvSettings::default(), &env)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{addr}: {e}");
        }
        for loopback in [
            "http://127.0.0.1:8200",
            "http://localhost:8200",
            "http://[::1]:8200",
        ] {
            let c = resolve(
                Flavor::OpenBao,
                &KvSettings::default(),
                &[("BAO_ADDR", loopback)],
            );
            assert!(c.is_ok(), "{loopback}: {c:?}");
        }
        for bad in ["../etc", "a//b", "a b", "/"] {
            let s = KvSettings {
                address: Some("https://bao".into()),
                path: Some(bad.into()),
                ..KvSettings::default()
            };
            let e = resolve(Flavor::OpenBao, &s, &[]).unwrap_err().to_string();
            assert!(e.contains("[openbao] path"), "{bad}: {e}");
        }
    }
}
