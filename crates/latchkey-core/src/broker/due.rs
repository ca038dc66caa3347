//! When a token is due for renewal: for the broker, which renews it (from the token set it
//! holds), and for the refresher and the window, which plan and show the next renewal (from the
//! grant's metadata alone, no keychain read).

use crate::oauth::token::TokenSet;
use crate::store::{GrantRow, GrantStatus};

/// Seconds before expiry at which a token counts as due: a fifth of its lifetime, but at
/// least a minute when the lifetime allows (and at most half of it).
pub fn refresh_margin(tokens: &TokenSet) -> i64 {
    match (tokens.obtained_at, tokens.expires_at) {
        (Some(start), Some(end)) if end > start => margin_for_lifetime(end - start),
        _ => 60,
    }
}

/// The refresh margin for a token that lives `lifetime` seconds: refresh at 80% of the
/// lifetime, at least 60 s before expiry when the lifetime allows (at most half of it).
pub fn margin_for_lifetime(lifetime: i64) -> i64 {
    (lifetime / 5).max(60.min(lifetime / 2))
}

pub fn is_due(tokens: &TokenSet, at: i64) -> bool {
    tokens
        .expires_at
        .is_some_and(|exp| exp - at <= refresh_margin(tokens))
}

pub(super) fn is_expired(tokens: &TokenSet, at: i64) -> bool {
    tokens.expires_at.is_some_and(|exp| exp <= at)
}

/// When the refresher should refresh `grant`, from its metadata alone (no keychain read):
/// the broker's due point plus a per-grant jitter of up to 5% of the lifetime (30 s at most),
/// always later than the broker's due point, so the broker agrees it is due.
pub fn planned_refresh(grant: &GrantRow) -> Option<i64> {
    if grant.status != GrantStatus::Active || !grant.renews_by_itself() {
        return None;
    }
    let expires = grant.access_expires_at?;
    let start = grant
        .last_refreshed_at
        .unwrap_or(grant.created_at)
        .max(grant.updated_at.min(expires));
    let lifetime = (expires - start).max(1);
    let margin = margin_for_lifetime(lifetime);
    Some(expires - margin + jitter(grant.id, lifetime))
}

fn jitter(grant_id: i64, lifetime: i64) -> i64 {
    let max = (lifetime / 20).min(30);
    if max <= 0 {
        return 0;
    }
    // A stable spread per grant (splitmix64 of the id): no two grants of one lifetime collide
    // more than chance says, and the same grant keeps its slot.
    let mut x = grant_id as u64 ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x % (max as u64 + 1)) as i64
}
