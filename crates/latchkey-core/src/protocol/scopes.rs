//! Scopes as OAuth writes them (RFC 6749 §3.3): a set of scope tokens, space-delimited in the
//! `scope` parameter, a token response, a `WWW-Authenticate` challenge and the store. Which
//! scopes to ask for is `oauth::scopes`.

use std::fmt;
use std::ops::Deref;

/// A set of scope tokens in the order first seen, each once, none empty and none with a space
/// inside (a token with whitespace is several tokens: the `scope` parameter is space-delimited,
/// so it could never be asked for as one). Reads as a `[String]`; serialised as a JSON list
/// (the keychain's token sets, the CLI's `--json`), written space-delimited by [`fmt::Display`]
/// (the `scope` parameter, the store's column) and read back by [`Scopes::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// A space-delimited `scope` value (a token response's, a challenge's, the store's).
    pub fn parse(delimited: &str) -> Scopes {
        Scopes::from_iter(delimited.split_whitespace())
    }

    /// These and then `others`' that are not among them: a step-up never loses a scope held.
    pub fn union(&self, others: &[String]) -> Scopes {
        self.iter().chain(others).collect()
    }

    /// Every scope of `wanted` is among these.
    pub fn covers(&self, wanted: &[String]) -> bool {
        wanted.iter().all(|w| self.0.contains(w))
    }

    /// The same scopes, in whatever order.
    pub fn same_set(&self, other: &Scopes) -> bool {
        self.len() == other.len() && self.covers(other)
    }

    /// Add `scope` at the end unless it is there.
    pub fn insert(&mut self, scope: &str) {
        self.extend_with(std::iter::once(scope));
    }

    fn extend_with<S: AsRef<str>>(&mut self, items: impl IntoIterator<Item = S>) {
        for item in items {
            for token in item.as_ref().split_whitespace() {
                if !self.0.iter().any(|t| t == token) {
                    self.0.push(token.to_string());
                }
            }
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(items: I) -> Self {
        let mut out = Scopes::default();
        out.extend_with(items);
        out
    }
}

impl From<Vec<String>> for Scopes {
    fn from(items: Vec<String>) -> Self {
        items.into_iter().collect()
    }
}

impl From<&[String]> for Scopes {
    fn from(items: &[String]) -> Self {
        items.iter().collect()
    }
}

impl Deref for Scopes {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Scopes {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Space-delimited: the `scope` parameter's form.
impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// A list, as written; read through the same rules (whitespace splits, duplicates go), so a
/// token set written by any version reads as a set.
impl<'de> serde::Deserialize<'de> for Scopes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<String>::deserialize(d)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn set(s: &str) -> Scopes {
        Scopes::parse(s)
    }

    #[test]
    fn a_set_of_tokens_whatever_the_input() {
        let rows: [(&str, Scopes, &[&str]); 4] = [
            ("duplicates go, order stays", set("b a b"), &["b", "a"]),
            ("runs of whitespace", set("  a\t b\n"), &["a", "b"]),
            (
                "a list item with a space is two",
                Scopes::from(
                    v("x")
                        .into_iter()
                        .chain(["y z".to_string()])
                        .collect::<Vec<_>>(),
                ),
                &["x", "y", "z"],
            ),
            (
                "empty items vanish",
                Scopes::from(vec![String::new(), "a".into()]),
                &["a"],
            ),
        ];
        for (name, got, want) in rows {
            assert_eq!(&got[..], want, "{name}");
        }
    }

    #[test]
    fn written_and_read_back_the_same_in_every_form() {
        let s = set("mcp:read mcp:write offline_access");
        assert_eq!(s.to_string(), "mcp:read mcp:write offline_access");
        assert_eq!(Scopes::parse(&s.to_string()), s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["mcp:read","mcp:write","offline_access"]"#);
        assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), s);
        assert_eq!(
            serde_json::from_str::<Scopes>(r#"["a","a","b c"]"#).unwrap(),
            set("a b c"),
            "a list written by hand reads as a set"
        );
    }

    #[test]
    fn the_same_set_in_any_order() {
        assert!(set("a b").same_set(&set("b a")));
        assert!(!set("a b").same_set(&set("a")));
        assert!(!set("a").same_set(&set("a b")));
    }
}
