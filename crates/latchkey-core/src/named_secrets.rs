//! Named secrets for local stdio servers (API keys), and the `latchkey:<name>` references that
//! `latchkey run` replaces with them. Values live only in the keychain (`secret/<name>`); the
//! names are kept in SQLite so they can be listed.

use crate::Secret;
use crate::context::Latchkey;
use crate::{Error, Result};

pub use latchkey_base::secret_name::{REFERENCE_PREFIX, check_name};

fn key(name: &str) -> String {
    crate::secrets::keys::named_secret(name)
}

pub async fn set(lk: &Latchkey, name: &str, value: Secret) -> Result<()> {
    check_name(name)?;
    if value.expose().is_empty() {
        return Err(Error::InvalidInput("the secret is empty".into()));
    }
    lk.secrets.set(&key(name), value).await?;
    lk.store().record_secret_name(name)
}

/// Store `value` as `name` unless a *different* value is stored there: adopt never overwrites
/// a secret another entry uses (its plan chose another name; this catches one stored since).
pub async fn set_new_or_same(lk: &Latchkey, name: &str, value: Secret) -> Result<()> {
    match get(lk, name).await? {
        Some(stored) if stored != value => Err(Error::InvalidInput(format!(
            "a different secret was stored as {name} since the plan was made; nothing was changed, plan again"
        ))),
        Some(_) => lk.store().record_secret_name(name),
        None => set(lk, name, value).await,
    }
}

pub async fn get(lk: &Latchkey, name: &str) -> Result<Option<Secret>> {
    check_name(name)?;
    Ok(lk.secrets.get(&key(name)).await?)
}

pub async fn remove(lk: &Latchkey, name: &str) -> Result<bool> {
    check_name(name)?;
    lk.secrets.delete(&key(name)).await?;
    lk.store().forget_secret_name(name)
}

/// Variables that hold the secret stores' own credentials (or Latchkey's settings), which the
/// command `latchkey run` starts never needs: a local MCP server handed `BAO_TOKEN` could read
/// every secret of the home. Exact names, then prefixes.
const STORE_CREDENTIALS: [&str; 4] = [
    "BAO_TOKEN",
    "VAULT_TOKEN",
    "OP_SERVICE_ACCOUNT_TOKEN",
    "OP_CONNECT_TOKEN",
];
const STORE_PREFIXES: [&str; 2] = ["OP_SESSION_", "LATCHKEY_"];

/// Of the variable names in `names`, those `latchkey run` removes from the child's
/// environment: the stores' credentials and `LATCHKEY_*`, except the ones in `keep`
/// (`--keep-env`).
pub fn withheld<'a>(names: impl IntoIterator<Item = &'a str>, keep: &[String]) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| {
            STORE_CREDENTIALS.contains(n) || STORE_PREFIXES.iter().any(|p| n.starts_with(p))
        })
        .filter(|n| !keep.iter().any(|k| k == n))
        .map(str::to_string)
        .collect()
}

/// The secret name a value refers to, when it is a `latchkey:<name>` reference.
pub fn reference(value: &str) -> Option<&str> {
    value
        .strip_prefix(REFERENCE_PREFIX)
        .filter(|n| !n.is_empty())
}

/// Whether `latchkey run` replaces this value: a `latchkey:<name>` or an `op://` reference.
pub fn is_reference(value: &str) -> bool {
    reference(value).is_some() || crate::secrets::op_refs::is_reference(value)
}

/// Resolve every reference among `vars`: `latchkey:<name>` from the secret backend, `op://...`
/// through the 1Password CLI. A missing secret is an error that names the command which sets
/// it; nothing is resolved partially.
pub async fn resolve(lk: &Latchkey, vars: &[(String, String)]) -> Result<Vec<(String, Secret)>> {
    let mut out = Vec::new();
    for (var, value) in vars {
        if crate::secrets::op_refs::is_reference(value) {
            out.push((
                var.clone(),
                crate::secrets::op_refs::read(var, value).await?,
            ));
            continue;
        }
        let Some(name) = reference(value) else {
            continue;
        };
        match get(lk, name).await? {
            Some(secret) => out.push((var.clone(), secret)),
            None => {
                return Err(Error::InvalidInput(format!(
                    "{var} refers to the secret '{name}', which is not in the keychain; store it with: latchkey secret set {name}"
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rows() {
        for (name, ok) in [
            ("github/GITHUB_TOKEN", true),
            ("a.b-c_d", true),
            ("", false),
            ("a//b", false),
            ("a b", false),
            ("../x", false),
            ("x/", false),
        ] {
            assert_eq!(check_name(name).is_ok(), ok, "{name}");
        }
    }

    /// Issue 11 (9): the stores' own credentials never reach the child of `latchkey run`.
    #[test]
    fn store_credentials_are_withheld_unless_kept() {
        let names = [
            "PATH",
            "BAO_TOKEN",
            "BAO_ADDR",
            "VAULT_TOKEN",
            "OP_SERVICE_ACCOUNT_TOKEN",
            "OP_SESSION_my",
            "LATCHKEY_HOME",
            "LATCHKEY_BACKEND",
            "GITHUB_TOKEN",
        ];
        assert_eq!(
            withheld(names, &["LATCHKEY_HOME".into()]),
            vec![
                "BAO_TOKEN",
                "VAULT_TOKEN",
                "OP_SERVICE_ACCOUNT_TOKEN",
                "OP_SESSION_my",
                "LATCHKEY_BACKEND"
            ]
        );
    }

    #[test]
    fn reference_rows() {
        assert_eq!(reference("latchkey:github/T"), Some("github/T"));
        assert_eq!(reference("latchkey:"), None);
        assert_eq!(reference("ghp_x"), None);
    }
}
