//! The tray's words, for every tray that shows them (the resident tray on Linux, the app's own
//! tray elsewhere): its picture says whether anything needs the person (the same counts as the
//! window's header); its menu starts with a line for each ("3 secrets in plain text — Review…",
//! opening the window), lists each server with a one-word status, then "Open Latchkey",
//! "Refresh all now" and "Quit".

use super::{Overview, ServerView, Status};

/// More than this many servers do not fit a menu; the window lists them all.
pub const MENU_SERVERS: usize = 12;

/// What choosing a menu line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    /// Open the window (the review lines, the servers, "…and N more", "Open Latchkey").
    Open,
    RefreshAll,
    Quit,
}

/// One line of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuLine {
    Item {
        /// Stable across updates, so a desktop's menu keeps its place.
        id: String,
        text: String,
        action: MenuAction,
    },
    Separator,
}

/// What the menu line with this id does (a tray that reports clicks by id, such as Tauri's,
/// asks this; the ids are the ones [`menu`] gives).
pub fn action_of(id: &str) -> MenuAction {
    match id {
        "quit" => MenuAction::Quit,
        "refresh_all" => MenuAction::RefreshAll,
        _ => MenuAction::Open,
    }
}

/// The tray menu's word for a server.
pub fn one_word(s: &ServerView) -> &'static str {
    match &s.status {
        Status::Connected { .. } if s.attention.is_some() => "Expiring",
        Status::Connected { .. } => "Connected",
        Status::Expired => "Expired",
        Status::NeedsReconnect { .. } => "Reconnect",
        Status::NotConnected => "Disconnected",
        Status::Refreshing => "Refreshing",
        Status::NoSignInNeeded => "Open",
    }
}

pub fn tooltip(o: &Overview) -> String {
    match o.needs_you.total {
        0 => "Latchkey: all good".to_string(),
        _ => format!("Latchkey: {}", o.needs_you.phrases.join(", ")),
    }
}

/// Whether the tray shows its attention picture.
pub fn needs_you(o: &Overview) -> bool {
    o.needs_you.total > 0
}

/// The menu's first lines: what needs the person, each opening the window.
pub fn review_lines(o: &Overview) -> Vec<String> {
    o.needs_you
        .phrases
        .iter()
        .map(|p| format!("{p} — Review…"))
        .collect()
}

/// The whole menu, top to bottom.
pub fn menu(o: &Overview) -> Vec<MenuLine> {
    let item = |id: String, text: String, action| MenuLine::Item { id, text, action };
    let mut lines = Vec::new();
    let review = review_lines(o);
    for (i, line) in review.iter().enumerate() {
        lines.push(item(format!("review:{i}"), line.clone(), MenuAction::Open));
    }
    if !review.is_empty() {
        lines.push(MenuLine::Separator);
    }
    for s in o.servers.iter().take(MENU_SERVERS) {
        let text = format!("{} — {}", s.name, one_word(s));
        lines.push(item(format!("server:{}", s.url), text, MenuAction::Open));
    }
    if o.servers.len() > MENU_SERVERS {
        let more = format!("…and {} more", o.servers.len() - MENU_SERVERS);
        lines.push(item("more".into(), more, MenuAction::Open));
    }
    if !o.servers.is_empty() {
        lines.push(MenuLine::Separator);
    }
    lines.push(item(
        "open".into(),
        "Open Latchkey".into(),
        MenuAction::Open,
    ));
    lines.push(item(
        "refresh_all".into(),
        "Refresh all now".into(),
        MenuAction::RefreshAll,
    ));
    lines.push(MenuLine::Separator);
    lines.push(item("quit".into(), "Quit".into(), MenuAction::Quit));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overview::test_server;

    fn server(url: &str, status: Status, attention: bool) -> ServerView {
        test_server(url, status, attention.then_some("x"))
    }

    fn texts(lines: &[MenuLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| match l {
                MenuLine::Item { text, .. } => text.clone(),
                MenuLine::Separator => "---".into(),
            })
            .collect()
    }

    #[test]
    fn one_word_per_status() {
        let connected = || Status::Connected {
            expires_at: Some(1),
            refreshes_automatically: false,
        };
        let rows = [
            (server("a", connected(), false), "Connected"),
            (server("a", connected(), true), "Expiring"),
            (server("a", Status::Expired, true), "Expired"),
            (
                server("a", Status::NeedsReconnect { reason: None }, true),
                "Reconnect",
            ),
            (server("a", Status::NotConnected, false), "Disconnected"),
            (server("a", Status::Refreshing, false), "Refreshing"),
            (server("a", Status::NoSignInNeeded, false), "Open"),
        ];
        for (s, want) in rows {
            assert_eq!(one_word(&s), want, "{:?}", s.status);
            assert_eq!(want.split_whitespace().count(), 1);
        }
    }

    #[test]
    fn tooltip_and_menu_say_what_needs_the_person() {
        let calm = Overview::default();
        assert_eq!(tooltip(&calm), "Latchkey: all good");
        assert!(review_lines(&calm).is_empty());
        assert!(!needs_you(&calm));
        assert_eq!(
            texts(&menu(&calm)),
            ["Open Latchkey", "Refresh all now", "---", "Quit"]
        );

        let mut o = Overview::default();
        o.needs_you.total = 4;
        o.needs_you.phrases = vec![
            "1 server needs a reconnect".into(),
            "3 secrets in plain text".into(),
        ];
        o.servers = vec![server(
            "https://a",
            Status::NeedsReconnect { reason: None },
            true,
        )];
        assert_eq!(
            tooltip(&o),
            "Latchkey: 1 server needs a reconnect, 3 secrets in plain text"
        );
        assert!(needs_you(&o));
        assert_eq!(
            texts(&menu(&o)),
            [
                "1 server needs a reconnect — Review…",
                "3 secrets in plain text — Review…",
                "---",
                "https://a — Reconnect",
                "---",
                "Open Latchkey",
                "Refresh all now",
                "---",
                "Quit"
            ]
        );
    }

    #[test]
    fn a_long_list_ends_with_how_many_more() {
        let o = Overview {
            servers: (0..15)
                .map(|i| server(&format!("https://s{i:02}"), Status::NotConnected, false))
                .collect(),
            ..Overview::default()
        };
        let t = texts(&menu(&o));
        assert_eq!(t.iter().filter(|l| l.starts_with("https://s")).count(), 12);
        assert!(t.contains(&"…and 3 more".to_string()));
        let actions: Vec<_> = menu(&o)
            .into_iter()
            .filter_map(|l| match l {
                MenuLine::Item { id, action, .. } => Some((id, action)),
                MenuLine::Separator => None,
            })
            .collect();
        assert!(actions.contains(&("quit".into(), MenuAction::Quit)));
        assert!(actions.contains(&("refresh_all".into(), MenuAction::RefreshAll)));
        assert!(actions.contains(&("server:https://s00".into(), MenuAction::Open)));
        for (id, action) in actions {
            assert_eq!(action_of(&id), action, "{id}");
        }
    }
}
