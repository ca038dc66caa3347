//! Each client's schema, read into [`ConfiguredServer`]s. Tolerant: a wrong type in one entry
//! (args as a string, env as a list) is read as well as it can be, never a crash, and never
//! makes another entry disappear.

use serde_json::{Map, Value};

use super::findings;
use super::model::{ConfiguredServer, Finding, Layout, Transport};

/// The servers a parsed document defines. `Err` when the servers key has the wrong shape.
pub fn servers(doc: &Value, layout: Layout) -> Result<Vec<ConfiguredServer>, String> {
    let mut out = Vec::new();
    match layout {
        Layout::McpServers | Layout::JetbrainsXml => {
            named_map(doc.get("mcpServers"), "mcpServers", &mut out)?
        }
        Layout::ClaudeJson => {
            named_map(doc.get("mcpServers"), "mcpServers", &mut out)?;
            if let Some(projects) = doc.get("projects").and_then(Value::as_object) {
                for (path, project) in projects {
                    let mut local = Vec::new();
                    named_map(
                        project.get("mcpServers"),
                        "projects.*.mcpServers",
                        &mut local,
                    )?;
                    for mut s in local {
                        s.project = Some(path.clone());
                        out.push(s);
                    }
                }
            }
        }
        Layout::VscodeServers => named_map(doc.get("servers"), "servers", &mut out)?,
        // Sign-ins, not servers: read by `token_caches`.
        Layout::TokenCache => {}
        Layout::VscodeSettings => named_map(
            doc.get("mcp").and_then(|m| m.get("servers")),
            "mcp.servers",
            &mut out,
        )?,
        Layout::ZedContextServers => {
            named_map(doc.get("context_servers"), "context_servers", &mut out)?
        }
        Layout::CodexTables => named_map(doc.get("mcp_servers"), "mcp_servers", &mut out)?,
        Layout::GooseExtensions => named_map(doc.get("extensions"), "extensions", &mut out)?,
        Layout::OpencodeMcp => {
            let mcp = doc.get("mcp");
            let servers = mcp
                .and_then(|m| m.get("servers"))
                .filter(|s| s.is_object())
                .or(mcp);
            named_map(servers, "mcp", &mut out)?;
        }
        Layout::BareMap => named_map(Some(doc), "(root)", &mut out)?,
        Layout::McpServersOrBare => match doc.get("mcpServers") {
            Some(servers) => named_map(Some(servers), "mcpServers", &mut out)?,
            None => named_map(Some(doc), "(root)", &mut out)?,
        },
        Layout::ContinueList => match doc.get("mcpServers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let name = item
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{i}"));
                    out.push(entry(&name, item));
                }
            }
            Some(Value::Object(map)) => {
                for (name, item) in map {
                    out.push(entry(name, item));
                }
            }
            Some(_) => return Err("mcpServers is neither a list nor a map".into()),
        },
    }
    Ok(out)
}

fn named_map(
    value: Option<&Value>,
    key: &str,
    out: &mut Vec<ConfiguredServer>,
) -> Result<(), String> {
    match value {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(map)) => {
            for (name, item) in map {
                out.push(entry(name, item));
            }
            Ok(())
        }
        Some(_) => Err(format!("'{key}' is not a map of servers")),
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| string(Some(i))).collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// `name -> value` pairs from a map, or from a list of `NAME=value` / `{name, value}` items.
fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.clone(), string(Some(v)).unwrap_or_default()))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(match s.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (s.clone(), String::new()),
                }),
                Value::Object(o) => Some((
                    string(o.get("name").or(o.get("key")))?,
                    string(o.get("value")).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

const REDACTED: &str = "[redacted]";

/// One server entry, in any client's dialect.
pub fn entry(name: &str, obj: &Value) -> ConfiguredServer {
    let empty = Map::new();
    let o = obj.as_object().unwrap_or(&empty);
    // Zed: "command": {"path", "args", "env"}; opencode: "command": ["bin", "arg", ...].
    let mut args = strings(o.get("args").or(o.get("arguments")));
    let mut env = Vec::new();
    let command = match o.get("command").or(o.get("cmd")).or(o.get("programPath")) {
        Some(Value::Object(c)) => {
            args = strings(c.get("args"));
            env = pairs(c.get("env"));
            string(c.get("path").or(c.get("command")))
        }
        Some(Value::Array(parts)) => {
            let mut parts = parts.iter().filter_map(|p| string(Some(p)));
            let command = parts.next();
            args.splice(0..0, parts);
            command
        }
        other => string(other),
    };
    env.extend(pairs(
        o.get("env").or(o.get("environment")).or(o.get("envs")),
    ));
    let url = string(
        o.get("url")
            .or(o.get("serverUrl"))
            .or(o.get("httpUrl"))
            .or(o.get("uri")),
    );
    let mut headers = pairs(o.get("headers").or(o.get("http_headers")));
    // Codex: header values taken from env vars (names only, never secrets).
    headers.extend(
        pairs(o.get("env_http_headers"))
            .into_iter()
            .map(|(k, v)| (k, format!("${v}"))),
    );
    let kind = string(o.get("type").or(o.get("transport")))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let transport = match kind.as_str() {
        "sse" => Transport::Sse,
        "http" | "streamable-http" | "streamablehttp" | "streamable_http" | "remote" => {
            Transport::StreamableHttp
        }
        "stdio" | "local" => Transport::Stdio,
        _ if o.contains_key("httpUrl") => Transport::StreamableHttp,
        _ if url.is_some() => {
            if url
                .as_deref()
                .is_some_and(|u| u.trim_end_matches('/').ends_with("/sse"))
            {
                Transport::Sse
            } else {
                Transport::StreamableHttp
            }
        }
        _ if command.is_some() => Transport::Stdio,
        _ => Transport::Unknown,
    };
    let disabled = o.get("disabled").and_then(Value::as_bool) == Some(true)
        || o.get("enabled").and_then(Value::as_bool) == Some(false);

    let mut found = Vec::new();
    for (k, v) in &env {
        if let Some(kind) = findings::secret_kind(v, Some(k)) {
            found.push(Finding::PlaintextSecret {
                at: format!("env.{k}"),
                looks_like: kind.into(),
            });
        }
    }
    // Codex's inline `bearer_token` (newer Codex refuses the whole file over it; the
    // supported form is `bearer_token_env_var`).
    if let Some(token) = string(o.get("bearer_token"))
        && !token.is_empty()
        && !findings::is_reference(&token)
    {
        found.push(Finding::PlaintextSecret {
            at: "bearer_token".into(),
            looks_like: "a bearer token".into(),
        });
    }
    // Zed extensions take their configuration (tokens included) under `settings`.
    for (k, v) in pairs(o.get("settings")) {
        if let Some(kind) = findings::secret_kind(&v, Some(&k)) {
            found.push(Finding::PlaintextSecret {
                at: format!("settings.{k}"),
                looks_like: kind.into(),
            });
        }
    }
    for (k, v) in &headers {
        if let Some(kind) = findings::secret_kind(v, Some(k)) {
            found.push(Finding::PlaintextSecret {
                at: format!("headers.{k}"),
                looks_like: kind.into(),
            });
        }
    }
    // Arguments and URLs are shown, so a secret found in one is replaced by `[redacted]`.
    for (i, a) in args.iter_mut().enumerate() {
        let found_here = match a
            .split_once(':')
            .filter(|(k, _)| !k.contains("//") && !k.contains(' '))
        {
            // `--header "Authorization: Bearer x"`
            Some((k, v)) => findings::secret_kind(v.trim(), Some(k.trim()))
                .map(|kind| (kind, format!("{k}: {REDACTED}"))),
            None => match a.split_once('=') {
                // `--token=x`
                Some((k, v)) => findings::secret_kind(v, Some(k.trim_start_matches('-')))
                    .map(|kind| (kind, format!("{k}={REDACTED}"))),
                None => findings::secret_kind(a, None).map(|kind| (kind, REDACTED.to_string())),
            },
        };
        if let Some((kind, masked)) = found_here {
            found.push(Finding::PlaintextSecret {
                at: format!("args[{i}]"),
                looks_like: kind.into(),
            });
            *a = masked;
        }
    }
    let url = url.map(|u| {
        if findings::is_plain_http(&u) {
            found.push(Finding::PlainHttp { url: u.clone() });
        }
        let Ok(mut parsed) = url::Url::parse(&u) else {
            return u;
        };
        let mut leaked = false;
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| match findings::secret_kind(&v, Some(&k)) {
                Some(kind) => {
                    found.push(Finding::PlaintextSecret {
                        at: format!("url?{k}"),
                        looks_like: kind.into(),
                    });
                    leaked = true;
                    (k.into_owned(), REDACTED.to_string())
                }
                None => (k.into_owned(), v.into_owned()),
            })
            .collect();
        if !leaked {
            return u;
        }
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
        parsed.to_string()
    });
    let wrapped = findings::mcp_remote_url(command.as_deref(), &args);
    if let Some(u) = &wrapped {
        found.push(Finding::McpRemoteWrapper { url: u.clone() });
        if findings::is_plain_http(u) {
            found.push(Finding::PlainHttp { url: u.clone() });
        }
    }
    ConfiguredServer {
        name: name.to_string(),
        transport,
        url,
        command,
        args,
        env: env.into_iter().map(|(k, _)| k).collect(),
        headers: headers.into_iter().map(|(k, _)| k).collect(),
        disabled,
        project: None,
        findings: found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dialect_rows() {
        type Row = (
            &'static str,
            Value,
            Transport,
            Option<&'static str>,
            Option<&'static str>,
        );
        let rows: Vec<Row> = vec![
            (
                "stdio",
                json!({"command": "npx", "args": ["-y", "pkg"]}),
                Transport::Stdio,
                Some("npx"),
                None,
            ),
            (
                "http by type",
                json!({"type": "http", "url": "https://x/mcp"}),
                Transport::StreamableHttp,
                None,
                Some("https://x/mcp"),
            ),
            (
                "sse by path",
                json!({"url": "https://x/sse"}),
                Transport::Sse,
                None,
                Some("https://x/sse"),
            ),
            (
                "windsurf serverUrl",
                json!({"serverUrl": "https://x/mcp"}),
                Transport::StreamableHttp,
                None,
                Some("https://x/mcp"),
            ),
            (
                "gemini httpUrl",
                json!({"httpUrl": "https://x/sse"}),
                Transport::StreamableHttp,
                None,
                Some("https://x/sse"),
            ),
            (
                "zed command object",
                json!({"command": {"path": "zed-mcp", "args": ["a"], "env": {"K": "v"}}}),
                Transport::Stdio,
                Some("zed-mcp"),
                None,
            ),
            (
                "opencode local",
                json!({"type": "local", "command": ["bun", "x", "y"], "environment": {"A": "b"}}),
                Transport::Stdio,
                Some("bun"),
                None,
            ),
            (
                "opencode remote",
                json!({"type": "remote", "url": "https://x/mcp"}),
                Transport::StreamableHttp,
                None,
                Some("https://x/mcp"),
            ),
            (
                "goose",
                json!({"type": "stdio", "cmd": "uvx", "args": ["s"], "envs": {"A": "b"}}),
                Transport::Stdio,
                Some("uvx"),
                None,
            ),
            (
                "goose sse",
                json!({"type": "sse", "uri": "https://x/sse"}),
                Transport::Sse,
                None,
                Some("https://x/sse"),
            ),
            (
                "args as a string",
                json!({"command": "x", "args": "--a --b"}),
                Transport::Stdio,
                Some("x"),
                None,
            ),
            (
                "env as a list",
                json!({"command": "x", "env": ["A=1", "B"]}),
                Transport::Stdio,
                Some("x"),
                None,
            ),
            (
                "not an object",
                json!("oops"),
                Transport::Unknown,
                None,
                None,
            ),
        ];
        for (name, v, transport, command, url) in rows {
            let s = entry("n", &v);
            assert_eq!(
                (s.transport, s.command.as_deref(), s.url.as_deref()),
                (transport, command, url),
                "{name}"
            );
        }
        assert_eq!(
            entry("n", &json!({"command": "x", "env": ["A=1", "B"]})).env,
            vec!["A", "B"]
        );
        assert_eq!(
            entry("n", &json!({"command": "x", "args": "--a --b"})).args,
            vec!["--a", "--b"]
        );
    }

    #[test]
    fn findings_name_where_never_what() {
        let s = entry(
            "gh",
            &json!({
                "command": "npx",
                "args": ["-y", "mcp-remote", "http://mcp.example.com/mcp", "--header", "Authorization: Bearer abcdefFAKE123456"],
                "env": {"GITHUB_TOKEN": "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "LOG_LEVEL": "info"},
            }),
        );
        let text = serde_json::to_string(&s).unwrap();
        assert!(
            !text.contains("ghp_FAKE") && !text.contains("abcdefFAKE"),
            "values never kept: {text}"
        );
        assert!(s.findings.contains(&Finding::PlaintextSecret {
            at: "env.GITHUB_TOKEN".into(),
            looks_like: "a GitHub token".into()
        }));
        assert!(
            s.findings
                .iter()
                .any(|f| matches!(f, Finding::PlaintextSecret { at, .. } if at == "args[4]"))
        );
        assert!(s.findings.contains(&Finding::McpRemoteWrapper {
            url: "http://mcp.example.com/mcp".into()
        }));
        assert!(s.findings.contains(&Finding::PlainHttp {
            url: "http://mcp.example.com/mcp".into()
        }));
        assert_eq!(s.env, vec!["GITHUB_TOKEN", "LOG_LEVEL"]);
    }

    #[test]
    fn codex_inline_bearer_token_is_flagged() {
        let s = entry(
            "x",
            &json!({"url": "https://x/mcp", "bearer_token": "abc123FAKEdef456"}),
        );
        assert!(s.findings.contains(&Finding::PlaintextSecret {
            at: "bearer_token".into(),
            looks_like: "a bearer token".into()
        }));
        let ok = entry(
            "x",
            &json!({"url": "https://x/mcp", "bearer_token_env_var": "X_TOKEN"}),
        );
        assert!(ok.findings.is_empty());
    }

    #[test]
    fn wrong_shapes_are_errors_not_crashes() {
        assert!(servers(&json!({"mcpServers": "nope"}), Layout::McpServers).is_err());
        assert!(servers(&json!({"mcpServers": []}), Layout::McpServers).is_err());
        assert_eq!(servers(&json!({}), Layout::McpServers).unwrap().len(), 0);
        let local = servers(&json!({"mcpServers": {"a": {"command": "x"}}, "projects": {"/p": {"mcpServers": {"b": {"command": "y"}}}}}), Layout::ClaudeJson).unwrap();
        assert_eq!(local.len(), 2);
        assert_eq!(local[1].project.as_deref(), Some("/p"));
    }
}
