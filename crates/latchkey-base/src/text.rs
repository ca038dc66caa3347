//! Other people's text (a server's error, a config file's line) on its way to a terminal or the
//! window: made printable, never cut where it matters.

/// Any text on its way to a terminal: control characters (escape sequences, bells, carriage
/// returns) become spaces, nothing is cut. The last guard where the CLI prints an error.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Server text is shown to users: keep it short, printable and on one line.
pub fn sanitize_server_text(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    one_line.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_one_short_line() {
        let s = sanitize_server_text(&format!("bad\nthing\r\x1b[31m{}", "x".repeat(1000)));
        assert!(!s.contains('\n') && !s.contains('\x1b'));
        assert!(s.len() <= 300);
    }

    #[test]
    fn printable_keeps_lines_and_drops_escapes() {
        assert_eq!(printable("a\x1b[2Jb\nc\x07"), "a [2Jb\nc ");
    }
}
