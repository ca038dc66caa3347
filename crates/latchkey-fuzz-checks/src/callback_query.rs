//! The query string of the OAuth redirect that reaches the loopback listener.
//!
//! Property (both with and without the RFC 9207 `iss` promise): `validate_callback` returns a
//! code only when `state` appears exactly once with the expected value, `iss` (if present)
//! appears once and equals the issuer, `iss` is present when it was promised, there is no
//! `error`, and `code` appears exactly once, non-empty, and is what was returned.

use latchkey_core::oauth::authorize::validate_callback;

const STATE: &str = "expected-state";
const ISSUER: &str = "https://as.example.com";

fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for iss_required in [false, true] {
        let Ok(code) = validate_callback(&pairs, STATE, ISSUER, iss_required) else {
            continue;
        };
        assert_eq!(
            values(&pairs, "state"),
            [STATE],
            "state check bypassed: {pairs:?}"
        );
        let iss = values(&pairs, "iss");
        assert!(iss.len() <= 1, "repeated iss accepted: {pairs:?}");
        assert!(
            iss.iter().all(|i| *i == ISSUER),
            "wrong iss accepted: {pairs:?}"
        );
        assert!(
            !iss_required || !iss.is_empty(),
            "missing iss accepted although promised: {pairs:?}"
        );
        assert!(
            values(&pairs, "error").is_empty(),
            "error ignored: {pairs:?}"
        );
        assert_eq!(values(&pairs, "code"), [code.as_str()], "{pairs:?}");
        assert!(!code.is_empty());
    }
}
