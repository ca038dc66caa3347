//! Token endpoint responses (RFC 6749 §5.1, plus the OpenID `id_token`).
//!
//! Properties:
//! - parsing, building the stored `TokenSet` and reading the account name never panic;
//! - the stored expiry is issue time + `expires_in` (clamped to ten years for absurd lifetimes,
//!   never overflowing or wrapping into the past);
//! - `TokenSet::to_secret` / `from_secret` round-trips (access token, refresh token, expiry,
//!   scopes);
//! - `account_from_id_token` never returns an empty name; it is also run on the raw input.

use latchkey_core::oauth::token::{TokenResponse, TokenSet, account_from_id_token, token_set};
use latchkey_core::secrets::secret::Secret;
use oauth2::TokenResponse as _;

fn account(token: &Secret) {
    if let Some(name) = account_from_id_token(token) {
        assert!(!name.is_empty());
    }
}

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    account(&Secret::new(String::from_utf8_lossy(data).into_owned()));

    let Ok(resp) = serde_json::from_slice::<TokenResponse>(data) else {
        return;
    };
    let set = token_set(&resp, None, &Default::default());
    let obtained = set.obtained_at.expect("token_set records when");
    // Issue time + expires_in; latchkey-core believes at most ten years (its MAX_LIFETIME_SECS),
    // so a longer lifetime may be cut, but never past what the server said, never into the past,
    // and never by overflow (regressions/token_response-expires-in-*.bin).
    const TEN_YEARS: u64 = 10 * 365 * 86_400;
    if let Some(d) = resp.expires_in() {
        let at = i128::from(set.expires_at.expect("expires_in gives an expiry"));
        let said = i128::from(obtained) + i128::from(d.as_secs());
        if d.as_secs() <= TEN_YEARS {
            assert_eq!(at, said, "expiry is not issue time + expires_in");
        } else {
            assert!(
                at >= i128::from(obtained) + i128::from(TEN_YEARS) && at <= said,
                "expiry {at} for expires_in {} issued at {obtained}",
                d.as_secs()
            );
        }
    } else {
        assert_eq!(set.expires_at, None);
    }
    let back = TokenSet::from_secret(&set.to_secret()).expect("own keychain format parses");
    assert_eq!(back.access_token.expose(), set.access_token.expose());
    assert_eq!(
        back.refresh_token.as_ref().map(Secret::expose),
        set.refresh_token.as_ref().map(Secret::expose)
    );
    assert_eq!(back.expires_at, set.expires_at);
    assert_eq!(back.obtained_at, set.obtained_at);
    assert_eq!(back.scopes, set.scopes);

    if let Some(id) = &resp.extra_fields().id_token {
        account(id);
    }
}
