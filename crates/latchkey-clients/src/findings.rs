//! What deserves attention in a server entry: plain-text secrets (known token shapes plus an
//! entropy check), `npx mcp-remote <url>` wrappers Latchkey can take over, and remote servers
//! over plain http. Values are looked at here and never kept.

/// Why a value looks like a secret, or `None`. `name` is the env var or header name, when any.
pub fn secret_kind(value: &str, name: Option<&str>) -> Option<&'static str> {
    let v = value.trim();
    if v.is_empty() || is_reference(v) {
        return None;
    }
    let bearer = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim);
    if let Some(token) = bearer {
        return (!token.is_empty() && !is_reference(token) && token.len() >= 8)
            .then_some("a bearer token");
    }
    let patterns: [(&str, usize, &str); 10] = [
        ("ghp_", 30, "a GitHub token"),
        ("gho_", 30, "a GitHub token"),
        ("ghu_", 30, "a GitHub token"),
        ("ghs_", 30, "a GitHub token"),
        ("github_pat_", 40, "a GitHub fine-grained token"),
        ("sk-ant-", 20, "an Anthropic API key"),
        ("sk-", 20, "an API key (sk-…)"),
        ("xox", 15, "a Slack token"),
        ("glpat-", 20, "a GitLab token"),
        ("AKIA", 20, "an AWS access key id"),
    ];
    for (prefix, min_len, kind) in patterns {
        if v.starts_with(prefix)
            && v.len() >= min_len
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        {
            if prefix == "xox"
                && !matches!(v.as_bytes().get(3), Some(b'b' | b'a' | b'p' | b'r' | b's'))
            {
                continue;
            }
            return Some(kind);
        }
    }
    if looks_like_jwt(v) {
        return Some("a JWT");
    }
    let secretish_name = name.is_some_and(secretish);
    if v.contains(char::is_whitespace) || v.contains("://") {
        return None;
    }
    if secretish_name {
        // Secret-named values may hold base64's '/' and '+' (AWS secret keys); not paths.
        let path_like = v.starts_with(['/', '~', '.', '$']) || v.contains('\\');
        if v.len() >= 12 && !path_like && entropy(v) >= 3.0 {
            return Some("a secret (by its name and randomness)");
        }
        return None;
    }
    // Without a telling name, only long token-alphabet strings with letters and digits count,
    // so package names (`awslabs.x@latest`), paths and versions do not.
    let token_alphabet = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-+=".contains(c));
    let mixed = v.chars().any(|c| c.is_ascii_digit()) && v.chars().any(|c| c.is_ascii_alphabetic());
    if v.len() >= 32 && token_alphabet && mixed && entropy(v) >= 4.0 {
        return Some("a random-looking secret");
    }
    None
}

/// A name that says "secret": a word of it is TOKEN, SECRET, KEY, PASSWORD, AUTH, PAT, ...
/// (whole words, so `MEMORY_FILE_PATH` is not a PAT and `KEYBOARD_LAYOUT` is not a KEY).
fn secretish(name: &str) -> bool {
    const WORDS: [&str; 12] = [
        "TOKEN",
        "SECRET",
        "KEY",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "AUTH",
        "AUTHORIZATION",
        "CREDENTIAL",
        "CREDENTIALS",
        "PAT",
        "APIKEY",
    ];
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| WORDS.contains(&w))
        || ["TOKEN", "SECRET", "PASSWORD", "APIKEY"]
            .iter()
            .any(|w| upper.contains(w))
}

/// `${VAR}`, `${env:VAR}`, `${input:id}`, `$VAR`, `{env:VAR}` (opencode), `latchkey:…`,
/// `op://…`: references resolved elsewhere, not secrets.
pub fn is_reference(v: &str) -> bool {
    let v = v.trim();
    v.starts_with("latchkey:")
        || v.starts_with("op://")
        || (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{env:") && v.ends_with('}'))
        || (v.starts_with('$')
            && v[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && v.len() > 1)
}

fn looks_like_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && v.starts_with("eyJ")
        && parts[..2].iter().all(|p| p.len() >= 8)
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c))
        })
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The URL behind `npx [-y] mcp-remote[@version] <url> [...]` (also `bunx`, `pnpm dlx`,
/// `yarn dlx`, or `mcp-remote` itself).
pub fn mcp_remote_url(command: Option<&str>, args: &[String]) -> Option<String> {
    let command = command?;
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .trim_end_matches(".cmd")
        .trim_end_matches(".exe");
    let mut rest: Vec<&str> = args.iter().map(String::as_str).collect();
    if base == "mcp-remote" {
        rest.insert(0, "mcp-remote");
    } else if !matches!(base, "npx" | "bunx" | "pnpm" | "yarn" | "pnpx") {
        return None;
    }
    let at = rest
        .iter()
        .position(|a| *a == "mcp-remote" || a.starts_with("mcp-remote@"))?;
    rest[at + 1..]
        .iter()
        .find(|a| a.starts_with("http://") || a.starts_with("https://"))
        .map(|s| s.to_string())
}

/// A remote server over plain http to a host that is not loopback.
pub fn is_plain_http(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.scheme() == "http" && !crate::url_policy::is_loopback(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_rows() {
        let rows: [(&str, &str, Option<&str>, bool); 24] = [
            (
                "github classic",
                "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                None,
                true,
            ),
            (
                "github fine-grained",
                "github_pat_11FAKE000000000000000000_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
                None,
                true,
            ),
            (
                "openai",
                "sk-proj-FAKE1234567890abcdefghijklmnopqrstuv",
                None,
                true,
            ),
            ("slack", "xoxb-1234567890-FAKE-abcdefghijklmnop", None, true),
            ("aws", "AKIAFAKEFAKEFAKE1234", None, true),
            (
                "jwt",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.c2lnbmF0dXJlRkFLRQ",
                None,
                true,
            ),
            (
                "bearer header",
                "Bearer 8f3kFAKEq9zL2mX7vB1nC4",
                Some("Authorization"),
                true,
            ),
            (
                "random under an innocent name",
                "Qm9vbGVhbkZBS0Vxd2VydHl1aW9wYXNkZmdoams1",
                Some("CONFIG"),
                true,
            ),
            (
                "aws secret with slashes",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY",
                Some("AWS_SECRET_ACCESS_KEY"),
                true,
            ),
            (
                "package name",
                "awslabs.aws-documentation-mcp-server@latest",
                None,
                false,
            ),
            (
                "path under a secret name",
                "/home/ada/.config/keys/token.txt",
                Some("TOKEN_FILE"),
                false,
            ),
            (
                "secret-named shorter value",
                "h7Gk2FAKEp9xQ",
                Some("API_KEY"),
                true,
            ),
            ("log level", "info", Some("LOG_LEVEL"), false),
            (
                "path",
                "/Users/ada/Projects/some-long-directory-name",
                None,
                false,
            ),
            ("url", "https://mcp.example.com/mcp?tenant=abc", None, false),
            (
                "env reference",
                "${env:GITHUB_TOKEN}",
                Some("GITHUB_TOKEN"),
                false,
            ),
            ("input reference", "${input:token}", Some("TOKEN"), false),
            (
                "shell reference",
                "$GITHUB_TOKEN",
                Some("GITHUB_TOKEN"),
                false,
            ),
            ("claude code reference", "${GITHUB_TOKEN:-}", None, false),
            (
                "latchkey reference",
                "latchkey:github/GITHUB_TOKEN",
                Some("GITHUB_TOKEN"),
                false,
            ),
            (
                "bearer reference",
                "Bearer ${env:TOKEN}",
                Some("Authorization"),
                false,
            ),
            ("short word", "production", Some("ENV"), false),
            ("sk word", "sk-learn", None, false),
            (
                "PATH is not a PAT",
                "${userHome}/.local/share/mcp/memory.jsonl",
                Some("MEMORY_FILE_PATH"),
                false,
            ),
        ];
        for (name, value, hint, want) in rows {
            assert_eq!(
                secret_kind(value, hint).is_some(),
                want,
                "{name}: {:?}",
                secret_kind(value, hint)
            );
        }
    }

    #[test]
    fn mcp_remote_rows() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let rows = [
            (
                "npx -y",
                Some("npx"),
                s(&["-y", "mcp-remote", "https://mcp.linear.app/mcp"]),
                Some("https://mcp.linear.app/mcp"),
            ),
            (
                "versioned",
                Some("npx"),
                s(&[
                    "mcp-remote@latest",
                    "https://x.test/sse",
                    "--header",
                    "A: b",
                ]),
                Some("https://x.test/sse"),
            ),
            (
                "windows npx.cmd",
                Some("C:\\Program Files\\nodejs\\npx.cmd"),
                s(&["mcp-remote", "https://x.test/mcp"]),
                Some("https://x.test/mcp"),
            ),
            (
                "direct binary",
                Some("/usr/local/bin/mcp-remote"),
                s(&["https://x.test/mcp"]),
                Some("https://x.test/mcp"),
            ),
            (
                "other package",
                Some("npx"),
                s(&["-y", "@modelcontextprotocol/server-github"]),
                None,
            ),
            (
                "not npx",
                Some("node"),
                s(&["mcp-remote", "https://x.test"]),
                None,
            ),
        ];
        for (name, cmd, args, want) in rows {
            assert_eq!(mcp_remote_url(cmd, &args).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn plain_http_rows() {
        assert!(is_plain_http("http://mcp.example.com/mcp"));
        assert!(!is_plain_http("http://127.0.0.1:8080/mcp"));
        assert!(!is_plain_http("https://mcp.example.com/mcp"));
    }
}
