//! Where the app is two processes (the resident tray and the window it starts), each shows the
//! servers the other is refreshing as "Refreshing…" too: each tells the other, one line at a
//! time, the servers it is refreshing now: `refreshing <url> <url> ...` (the word alone: none any
//! more). A server's address never holds a space, so the line needs no quoting.

const WORD: &str = "refreshing";

/// The line that says `urls` are being refreshed here now.
pub fn line(urls: &[String]) -> String {
    std::iter::once(WORD)
        .chain(urls.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The servers a line says are being refreshed; `None` for a line that says something else.
pub fn parse(line: &str) -> Option<Vec<String>> {
    let mut words = line.split_whitespace();
    (words.next() == Some(WORD)).then(|| words.map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_which_servers_and_none_is_a_line_too() {
        let urls = vec![
            "https://a/mcp".to_string(),
            "http://127.0.0.1:9/x".to_string(),
        ];
        assert_eq!(line(&urls), "refreshing https://a/mcp http://127.0.0.1:9/x");
        assert_eq!(parse(&line(&urls)), Some(urls));
        assert_eq!(parse(&line(&[])), Some(vec![]));
        assert_eq!(parse("show"), None);
        assert_eq!(parse("connect https://a/mcp"), None);
        assert_eq!(parse("refreshingly https://a"), None);
    }
}
