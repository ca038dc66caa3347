//! `url_policy::canonical_resource` on arbitrary strings (server URLs typed by the user, and
//! `resource` values from protected-resource metadata).
//!
//! Properties, when it returns Ok:
//! - idempotent: canonicalising the result again gives the same string;
//! - no fragment: the result never ends with (or contains) `#`;
//! - it names the same URL the `url` crate reads from the input (fragment aside), so the string
//!   surgery cannot move the resource to another host or path.

use latchkey_core::url_policy::canonical_resource;
use url::Url;

fn without_fragment(mut u: Url) -> Url {
    u.set_fragment(None);
    u
}

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(canonical) = canonical_resource(input) else {
        return;
    };
    assert!(!canonical.ends_with('#'), "{input:?} -> {canonical:?}");
    assert!(!canonical.contains('#'), "{input:?} -> {canonical:?}");
    let again = canonical_resource(&canonical);
    assert_eq!(
        again.as_deref().ok(),
        Some(canonical.as_str()),
        "not idempotent: {input:?} -> {canonical:?} -> {again:?}"
    );
    let want = without_fragment(Url::parse(input.trim()).expect("accepted input parses"));
    let got = Url::parse(&canonical).expect("canonical form parses");
    assert_eq!(
        got.as_str(),
        want.as_str(),
        "canonical form names another URL: {input:?} -> {canonical:?}"
    );
}
