//! Secret newtypes: they cannot be printed, only exposed on purpose, and their bytes are wiped
//! when they are dropped.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret string (access token, refresh token, client secret, API key).
///
/// `Debug` prints `Secret([redacted])`; there is no `Display`. Reading the value needs an
/// explicit [`Secret::expose`], which makes every place a secret leaves the program greppable.
/// Dropping one overwrites its bytes with zeros ([`ZeroizeOnDrop`]), so a value does not linger
/// in freed memory (a core dump, a swapped page).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short masked preview for display: `eyJh…(812 chars)`.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        format!("{head}…({} chars)", self.0.chars().count())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Secret {
    /// Overwrite the bytes with zeros (the allocation stays until the value is freed).
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("ghp_supersecretvalue");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert!(!format!("{:?}", Some(&s)).contains("supersecret"));
    }

    /// Issue 11 (14): a secret is wiped when dropped: `Secret` is `ZeroizeOnDrop`, and the
    /// wipe its `Drop` runs leaves zeros where the value was.
    #[test]
    fn secrets_are_wiped_on_drop() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
        let mut s = Secret::new("ghp_supersecretvalue");
        let (ptr, len) = (s.0.as_ptr(), s.0.len());
        s.wipe();
        // SAFETY: `wipe` keeps the allocation (it zeroes and clears the String, it does not
        // free it) and `s` is still alive, so these `len` bytes are ours and initialised.
        let after = unsafe { std::slice::from_raw_parts(ptr, len) };
        assert!(after.iter().all(|&b| b == 0), "{after:?}");
    }

    #[test]
    fn masked_shows_only_a_prefix() {
        let s = Secret::new("eyJhbGciOiJSUzI1NiJ9.payload.sig");
        let m = s.masked();
        assert!(m.starts_with("eyJh"));
        assert!(!m.contains("payload"));
    }
}
