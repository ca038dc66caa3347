//! Which grants to announce with a desktop notification: refresh rejected, expired, about to
//! expire without a refresh token, or an MCP client waiting for a sign-in no browser could be
//! opened for. Each condition is announced once, when it appears (also at start), and again only
//! after it cleared and came back. Pure, so it is tested without a desktop; the tray shows them.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{Overview, ServerView};

/// What was announced already: `url|status`.
#[derive(Default)]
pub struct Announced(Mutex<HashSet<String>>);

fn key(s: &ServerView) -> String {
    format!("{}|{}", s.url, s.status.word())
}

/// A notification: "<name> needs you", with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub url: String,
    pub title: String,
    pub body: String,
}

/// The servers to announce now.
pub fn newly_needing(announced: &Announced, o: &Overview) -> Vec<Announcement> {
    let mut seen = announced.0.lock().unwrap_or_else(|p| p.into_inner());
    let now: HashSet<String> = o
        .servers
        .iter()
        .filter(|s| s.attention.is_some())
        .map(key)
        .collect();
    let fresh = o
        .servers
        .iter()
        .filter(|s| s.attention.is_some() && !seen.contains(&key(s)))
        .map(|s| Announcement {
            url: s.url.clone(),
            title: format!("{} needs you", s.name),
            body: s.attention.clone().unwrap_or_default(),
        })
        .collect();
    *seen = now;
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overview::{Status, test_server as server};

    fn overview(servers: Vec<ServerView>) -> Overview {
        Overview {
            attention_count: servers.iter().filter(|s| s.attention.is_some()).count() as u32,
            servers,
            ..Overview::default()
        }
    }

    #[test]
    fn each_condition_is_announced_once_and_again_after_it_cleared() {
        let announced = Announced::default();
        let rejected = || {
            server(
                "https://a",
                Status::NeedsReconnect { reason: None },
                Some("reconnect"),
            )
        };
        let fine = || server("https://a", Status::NotConnected, None);

        let first = newly_needing(&announced, &overview(vec![rejected()]));
        assert_eq!(
            first,
            [Announcement {
                url: "https://a".into(),
                title: "https://a needs you".into(),
                body: "reconnect".into()
            }],
            "announced when it appears"
        );
        assert!(
            newly_needing(&announced, &overview(vec![rejected()])).is_empty(),
            "not twice"
        );
        assert!(newly_needing(&announced, &overview(vec![fine()])).is_empty());
        assert_eq!(
            newly_needing(&announced, &overview(vec![rejected()])).len(),
            1,
            "again after it cleared and came back"
        );
        // Another condition of the same server is news too.
        let expired = server("https://a", Status::Expired, Some("expired"));
        assert_eq!(newly_needing(&announced, &overview(vec![expired])).len(), 1);
    }
}
