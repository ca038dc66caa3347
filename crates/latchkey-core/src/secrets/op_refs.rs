//! `op://vault/item/[section/]field` references in `latchkey run` environment values, resolved
//! through the 1Password CLI (`op read --no-newline`). Latchkey only checks the reference's
//! shape and runs `op`; signing in, biometric unlock and service-account tokens are `op`'s own
//! business. The real `op` cannot be installed on the machines that build Latchkey, so the
//! tests use a stand-in script: the process call and the parsing are tested, the real CLI is
//! not (docs/cli.md says so).

use std::time::Duration;

use crate::secrets::secret::Secret;
use crate::{Error, Result};

/// `op read` may wait for the person to unlock 1Password.
const OP_TIMEOUT: Duration = Duration::from_secs(120);

/// Whether `value` is an `op://` reference (checked further by [`check`]).
pub fn is_reference(value: &str) -> bool {
    value.starts_with("op://")
}

/// A well-formed reference: 3 or 4 path segments (vault, item, optional section, field) of
/// letters, digits, `-`, `_`, `.` and spaces, and an optional `?attribute=...` style query.
pub fn check(reference: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::InvalidInput(format!(
            "'{reference}' is not a 1Password reference ({why}): use op://vault/item/field or op://vault/item/section/field"
        )))
    };
    let Some(rest) = reference.strip_prefix("op://") else {
        return bad("it must start with op://");
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let segments: Vec<&str> = path.split('/').collect();
    if !(3..=4).contains(&segments.len()) {
        return bad("it needs a vault, an item and a field");
    }
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_. ".contains(c);
    if segments
        .iter()
        .any(|s| s.trim().is_empty() || !s.chars().all(ok_char))
    {
        return bad(
            "names may hold letters, digits, '-', '_', '.' and spaces; use an ID otherwise",
        );
    }
    if let Some(q) = query
        && !q.split('&').all(|kv| {
            kv.split_once('=').is_some_and(|(k, v)| {
                !k.is_empty()
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
            })
        })
    {
        return bad("the query must look like ?attribute=otp");
    }
    Ok(())
}

/// The secret `op read` gives for `reference`. `var` names the variable, for the error.
pub async fn read(var: &str, reference: &str) -> Result<Secret> {
    check(reference)?;
    let child = tokio::process::Command::new("op")
        .args(["read", "--no-newline", "--", reference])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::InvalidInput(format!(
                "{var} refers to {reference}, but the 1Password CLI (`op`) is not installed"
            )),
            _ => Error::Io(format!("cannot run op: {e}")),
        })?;
    let out = tokio::time::timeout(OP_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            Error::InvalidInput(format!(
                "op read {reference} did not answer within {} s (waiting for 1Password to be unlocked?)",
                OP_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| Error::Io(format!("op read failed: {e}")))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let first = said
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(Error::InvalidInput(format!(
            "{var}: op read {reference} failed: {} (sign in with `op signin`, or set OP_SERVICE_ACCOUNT_TOKEN)",
            crate::error::sanitize_server_text(first)
        )));
    }
    let value = String::from_utf8(out.stdout).map_err(|_| {
        Error::InvalidInput(format!("{var}: op read {reference} did not return text"))
    })?;
    if value.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{var}: op read {reference} returned an empty value"
        )));
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows() {
        let rows = [
            ("op://Private/GitHub/token", true),
            ("op://Private/GitHub Token/section 1/password", true),
            ("op://dev/db.prod/password?attribute=otp", true),
            ("op://Private/GitHub", false),
            ("op://a/b/c/d/e", false),
            ("op://a//c", false),
            ("op://a/b/c$(rm -rf)", false),
            ("op://a/b/c?attribute", false),
            ("op://a/b/c?attr=x;y", false),
            ("latchkey:x", false),
        ];
        for (r, ok) in rows {
            assert_eq!(check(r).is_ok(), ok, "{r}");
        }
        assert!(is_reference("op://a/b/c") && !is_reference("latchkey:a"));
    }
}
