//! `WWW-Authenticate` header values (RFC 6750 / RFC 9728 §5.1) as the server sends them.
//!
//! Properties:
//! - never panics, on valid UTF-8 and on arbitrary bytes (via `from_utf8_lossy`);
//! - a `Bearer` challenge is only reported when the text names the scheme `bearer`;
//! - `scope` entries are non-empty and contain no whitespace (they are split on it);
//! - several header values behave like trying each one in order (first `Bearer` wins).

use latchkey_core::oauth::challenge::{BearerChallenge, parse_bearer};

fn check_one(s: &str) -> Option<BearerChallenge> {
    let got = parse_bearer([s]);
    if let Some(ch) = &got {
        assert!(
            s.to_ascii_lowercase().contains("bearer"),
            "Bearer challenge found in a header without the word bearer: {s:?} -> {ch:?}"
        );
        if let Some(scopes) = &ch.scope {
            for sc in scopes {
                assert!(!sc.is_empty(), "empty scope from {s:?}");
                assert!(
                    !sc.chars().any(char::is_whitespace),
                    "scope with whitespace {sc:?} from {s:?}"
                );
            }
        }
    }
    // Deterministic.
    assert_eq!(parse_bearer([s]), got);
    got
}

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_one(s);
    }
    let lossy = String::from_utf8_lossy(data);
    check_one(&lossy);

    // Several WWW-Authenticate header values (one per line).
    let values: Vec<&str> = lossy.split('\n').collect();
    let all = parse_bearer(values.iter().copied());
    let one_by_one = values.iter().find_map(|v| parse_bearer([*v]));
    assert_eq!(all, one_by_one, "multi-value parse differs for {values:?}");
}
