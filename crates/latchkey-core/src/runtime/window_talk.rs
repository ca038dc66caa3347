//! What the resident tray and the window process it starts (Linux) say to each other, one line
//! at a time: the resident on the window process's stdin, the window process on its stdout.
//!
//! - `show`, `connect <url>` (resident to window): Open Latchkey (a second launch too); open it
//!   and start a Connect for that server (a notification's button). These are the *orders*,
//!   which the window process counts.
//! - `refreshing <url> <url> ...` (either way): the servers the sender is refreshing now (the
//!   word alone: none any more), shown "Refreshing…" by the other as well.
//! - `closing <n>` (window to resident): its window closed after `n` orders. The window process
//!   does not end by itself: it ends when the resident closes its stdin, which the resident does
//!   only when it has sent no order after those `n`. An Open that crossed the offer therefore
//!   shows a window in the process that is still there, and an Open after the resident took the
//!   offer starts a new process: no Open falls into a process on its way out.
//!
//! A server's address never holds a space, so no line needs quoting.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Talk {
    Show,
    Connect(String),
    Refreshing(Vec<String>),
    Closing(u64),
}

impl Talk {
    /// Whether this is an order the window process counts (see `closing`).
    pub fn is_order(&self) -> bool {
        matches!(self, Talk::Show | Talk::Connect(_))
    }

    /// What a line says; `None` for a line that says nothing of these (a newer or older peer's).
    pub fn parse(line: &str) -> Option<Talk> {
        let mut words = line.split_whitespace();
        let talk = match words.next()? {
            "show" => Talk::Show,
            "connect" => Talk::Connect(words.next()?.to_string()),
            "refreshing" => return Some(Talk::Refreshing(words.map(str::to_string).collect())),
            "closing" => Talk::Closing(words.next()?.parse().ok()?),
            _ => return None,
        };
        words.next().is_none().then_some(talk)
    }
}

impl fmt::Display for Talk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Talk::Show => f.write_str("show"),
            Talk::Connect(url) => write!(f, "connect {url}"),
            Talk::Refreshing(urls) => {
                f.write_str("refreshing")?;
                urls.iter().try_for_each(|u| write!(f, " {u}"))
            }
            Talk::Closing(n) => write!(f, "closing {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_reads_back_as_what_was_said() {
        let urls = vec![
            "https://a/mcp".to_string(),
            "http://127.0.0.1:9/x".to_string(),
        ];
        for talk in [
            Talk::Show,
            Talk::Connect("https://a/mcp".into()),
            Talk::Refreshing(urls.clone()),
            Talk::Refreshing(vec![]),
            Talk::Closing(0),
            Talk::Closing(17),
        ] {
            assert_eq!(Talk::parse(&talk.to_string()), Some(talk));
        }
        assert_eq!(
            Talk::Refreshing(urls).to_string(),
            "refreshing https://a/mcp http://127.0.0.1:9/x"
        );
        assert!(Talk::Show.is_order() && Talk::Connect("u".into()).is_order());
        assert!(!Talk::Closing(1).is_order() && !Talk::Refreshing(vec![]).is_order());
    }

    #[test]
    fn a_line_that_says_something_else_or_too_much_is_none() {
        for line in [
            "",
            "refreshingly https://a",
            "shows",
            "show now",
            "connect",
            "connect a b",
            "closing",
            "closing -1",
            "closing many",
            "closing 1 2",
        ] {
            assert_eq!(Talk::parse(line), None, "{line:?}");
        }
    }
}
