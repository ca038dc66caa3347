//! The names of the secrets `latchkey secret set` stores for local servers, and the
//! `latchkey:<name>` references a config file holds in their place (`latchkey run` replaces
//! them). The rewrite of a client's file writes those references; the core stores and reads the
//! values.

use crate::{Error, Result};

pub const REFERENCE_PREFIX: &str = "latchkey:";

/// Names are `[A-Za-z0-9._-]` segments separated by `/`, e.g. `github/GITHUB_TOKEN`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "'{name}' is not a secret name: use letters, digits, '.', '_', '-' and '/' (e.g. github/GITHUB_TOKEN)"
        )))
    }
}
