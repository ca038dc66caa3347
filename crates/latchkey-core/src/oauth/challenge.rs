//! Parsing `WWW-Authenticate` challenges (RFC 9110 §11.6.1 auth-params, RFC 6750 §3, RFC 9728 §5.1).
//!
//! Only the `Bearer` challenge matters to MCP. The parser is total: any input yields a value (or
//! `None`), never a panic; it is fuzzed.

use crate::protocol::Scopes;

/// What a `Bearer` challenge tells the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Scopes the server says the request needs (authoritative when present).
    pub scope: Option<Scopes>,
    /// RFC 9728: where the protected-resource metadata lives.
    pub resource_metadata: Option<String>,
    /// The challenge's scheme was `DPoP` (RFC 9449 §7.1): the server wants DPoP-bound tokens.
    pub dpop: bool,
}

impl BearerChallenge {
    pub fn is_insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

/// Find the `Bearer` challenge among all `WWW-Authenticate` header values.
pub fn parse_bearer<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<BearerChallenge> {
    values.into_iter().find_map(parse_one_header)
}

fn parse_one_header(header: &str) -> Option<BearerChallenge> {
    let mut lexer = Lexer {
        s: header.as_bytes(),
        i: 0,
    };
    let mut current: Option<(String, BearerChallenge)> = None;
    let mut found: Option<BearerChallenge> = None;
    loop {
        lexer.skip_ws_and_commas();
        if lexer.at_end() {
            break;
        }
        let Some(token) = lexer.token() else {
            lexer.i += 1; // skip a stray byte
            continue;
        };
        lexer.skip_ws();
        if lexer.peek() == Some(b'=') && !lexer.is_token68_tail() {
            lexer.i += 1;
            lexer.skip_ws();
            let value = if lexer.peek() == Some(b'"') {
                lexer.quoted()
            } else {
                lexer.token().unwrap_or_default()
            };
            if let Some((_, ch)) = current.as_mut() {
                apply_param(ch, &token, value);
            }
        } else {
            // A new auth-scheme starts.
            if let Some((scheme, ch)) = current.take()
                && is_token_scheme(&scheme)
                && found.is_none()
            {
                found = Some(ch);
            }
            let dpop = token.eq_ignore_ascii_case("dpop");
            current = Some((
                token,
                BearerChallenge {
                    dpop,
                    ..BearerChallenge::default()
                },
            ));
            // A token68 after the scheme (e.g. `Basic abc==`) is not ours; skip it.
            let mark = lexer.i;
            if lexer.token().is_some() {
                lexer.skip_ws();
                if lexer.at_end()
                    || lexer.peek() == Some(b',')
                    || (lexer.peek() == Some(b'=') && lexer.is_token68_tail())
                {
                    while !lexer.at_end() && lexer.peek() != Some(b',') {
                        lexer.i += 1;
                    }
                } else {
                    lexer.i = mark;
                }
            }
        }
    }
    if let Some((scheme, ch)) = current
        && is_token_scheme(&scheme)
        && found.is_none()
    {
        found = Some(ch);
    }
    found
}

/// `Bearer`, or `DPoP` (RFC 9449 §7.1: a server that wants sender-constrained tokens
/// challenges with it, with the same parameters).
fn is_token_scheme(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop")
}

fn apply_param(ch: &mut BearerChallenge, name: &str, value: String) {
    match name.to_ascii_lowercase().as_str() {
        "error" => ch.error = Some(value),
        "error_description" => ch.error_description = Some(value),
        "scope" => {
            ch.scope = Some(Scopes::parse(&value));
        }
        "resource_metadata" => ch.resource_metadata = Some(value),
        _ => {}
    }
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lexer<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn skip_ws_and_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }
    fn is_tchar(c: u8) -> bool {
        c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
    }
    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(Self::is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
    /// At `=`: is this the padding of a token68 (`abc==`) rather than an auth-param?
    fn is_token68_tail(&self) -> bool {
        let mut j = self.i;
        while self.s.get(j) == Some(&b'=') {
            j += 1;
        }
        while matches!(self.s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        matches!(self.s.get(j), None | Some(b','))
    }
    fn quoted(&mut self) -> String {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_rows() {
        let rows: Vec<(&str, &str, Option<BearerChallenge>)> = vec![
            (
                "resource metadata only",
                r#"Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp""#,
                Some(BearerChallenge {
                    resource_metadata: Some(
                        "https://mcp.test/.well-known/oauth-protected-resource/mcp".into(),
                    ),
                    ..Default::default()
                }),
            ),
            (
                "insufficient scope with scopes",
                r#"Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://x/prm""#,
                Some(BearerChallenge {
                    error: Some("insufficient_scope".into()),
                    scope: Some(Scopes::parse("files:read files:write")),
                    resource_metadata: Some("https://x/prm".into()),
                    ..Default::default()
                }),
            ),
            (
                "bearer after basic with token68",
                r#"Basic YWxhZGRpbjpvcGVuc2VzYW1l==, Bearer realm="x", scope=read"#,
                Some(BearerChallenge {
                    scope: Some(Scopes::parse("read")),
                    ..Default::default()
                }),
            ),
            ("no bearer", r#"Basic realm="x""#, None),
            ("bare bearer", "Bearer", Some(BearerChallenge::default())),
            (
                "lowercase scheme",
                r#"bearer error="invalid_token""#,
                Some(BearerChallenge {
                    error: Some("invalid_token".into()),
                    ..Default::default()
                }),
            ),
            (
                "escaped quote",
                r#"Bearer error_description="say \"hi\"""#,
                Some(BearerChallenge {
                    error_description: Some(r#"say "hi""#.into()),
                    ..Default::default()
                }),
            ),
            (
                "unterminated quote",
                r#"Bearer scope="a b"#,
                Some(BearerChallenge {
                    scope: Some(Scopes::parse("a b")),
                    ..Default::default()
                }),
            ),
        ];
        for (name, header, want) in rows {
            assert_eq!(parse_bearer([header]), want, "{name}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "=",
            "==,,\"",
            "Bearer ===",
            "\"\"\"",
            "Bearer a=\"\\",
            "é=é",
        ] {
            let _ = parse_bearer([s]);
        }
    }
}
