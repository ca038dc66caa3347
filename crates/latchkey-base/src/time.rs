//! Wall-clock helpers: Latchkey stores times as Unix seconds.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// "in 59 min", "in 2 h 5 min", "3 min ago": for humans, never parsed back.
pub fn human_until(at: i64, now: i64) -> String {
    let delta = at - now;
    let abs = delta.unsigned_abs();
    let text = if abs < 60 {
        format!("{abs} s")
    } else if abs < 3600 {
        format!("{} min", abs / 60)
    } else if abs < 86_400 {
        let (h, m) = (abs / 3600, (abs % 3600) / 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else {
        match abs / 86_400 {
            1 => "1 day".to_string(),
            d => format!("{d} days"),
        }
    };
    if delta >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::human_until;

    #[test]
    fn human_until_rows() {
        let rows = [
            ("seconds", 30, "in 30 s"),
            ("minutes", 59 * 60 + 10, "in 59 min"),
            ("hours", 2 * 3600 + 5 * 60, "in 2 h 5 min"),
            ("whole hours", 3 * 3600, "in 3 h"),
            ("days", 3 * 86_400, "in 3 days"),
            ("one day", 86_400 + 7200, "in 1 day"),
            ("past", -180, "3 min ago"),
        ];
        for (name, delta, want) in rows {
            assert_eq!(human_until(1000 + delta, 1000), want, "{name}");
        }
    }
}
