//! Adopting an entry of JetBrains AI Assistant's `llm.mcpServers.xml`: only attribute values
//! change (`programPath`, `arguments`, and `<env value=...>`), found by their byte positions
//! while `quick-xml` reads the file, so the rest of the file keeps every byte. A URL server
//! (`<McpServerURL>`) would have to become a command server in another list; that is left to
//! the IDE's own settings, and the refusal says how.

use quick_xml::events::{BytesStart, Event};

use super::{Action, EntryEdit, SecretNames, Secrets, apply_action, unsupported};
use crate::{Error, Result};

/// An attribute value's text and where it sits (between the quotes).
#[derive(Debug, Clone)]
struct Spot {
    value: String,
    at: std::ops::Range<usize>,
}

/// One server element as read: its kind, options by name, env entries, and where a new option
/// can go.
#[derive(Debug, Default)]
struct Server {
    element: String,
    name: Option<String>,
    program: Option<Spot>,
    arguments: Option<Spot>,
    /// Where the `programPath` option's tag ends, and that line's indentation.
    after_program: Option<(usize, String)>,
    env: Vec<(String, Spot)>,
}

pub fn plan(
    original: &str,
    name: &str,
    action: Action,
    names: &SecretNames,
) -> Result<(String, Secrets, Vec<String>)> {
    let server = find(original, name)?
        .ok_or_else(|| Error::InvalidInput(format!("the file has no server named '{name}'")))?;
    if server.element == "McpServerURL" {
        return Err(unsupported(&format!(
            "'{name}' is a JetBrains URL server; in the IDE (Settings → Tools → AI Assistant → Model Context Protocol) replace it with a command server running `latchkey proxy <url>`"
        )));
    }
    let program = server
        .program
        .clone()
        .ok_or_else(|| unsupported(&format!("'{name}' has no programPath option")))?;
    let mut entry = XmlEntry {
        command: program.value.clone(),
        args: split_args(server.arguments.as_ref().map_or("", |a| a.value.as_str())),
        env: server
            .env
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect(),
        changed_env: Vec::new(),
        changed_command: false,
    };
    let (secrets, summary) = apply_action(&mut entry, name, action, names)?;

    // Edits as (range, new text), applied from the end so earlier positions stay valid.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    if entry.changed_command {
        edits.push((program.at.clone(), escape(&entry.command)));
        let joined = join_args(&entry.args);
        match (&server.arguments, &server.after_program) {
            (Some(a), _) => edits.push((a.at.clone(), escape(&joined))),
            (None, Some((end, indent))) => edits.push((
                *end..*end,
                format!(
                    "\n{indent}<option name=\"arguments\" value=\"{}\" />",
                    escape(&joined)
                ),
            )),
            (None, None) => return Err(unsupported("no place for the arguments option")),
        }
    }
    for (var, value) in &entry.changed_env {
        if let Some((_, spot)) = server.env.iter().find(|(k, _)| k == var) {
            edits.push((spot.at.clone(), escape(value)));
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut text = original.to_string();
    for (range, new) in edits {
        text.replace_range(range, &new);
    }
    Ok((text, secrets, summary))
}

/// The server element whose `name` option is `name`.
fn find(text: &str, name: &str) -> Result<Option<Server>> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut current: Option<Server> = None;
    let mut depth_in_server = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| Error::InvalidInput(format!("the file is not valid XML: {e}")))?;
        let end = reader.buffer_position() as usize;
        match event {
            Event::Empty(e) if is_server_element(&e) => {
                let named = e.attributes().flatten().any(|a| {
                    a.key.as_ref() == b"name" && a.unescape_value().is_ok_and(|v| v == name)
                });
                if named {
                    return Err(unsupported(&format!(
                        "'{name}' is written in attribute form, which the IDE does not write; change it in the IDE's settings"
                    )));
                }
            }
            Event::Start(e) if is_server_element(&e) && current.is_none() => {
                current = Some(Server {
                    element: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Server::default()
                });
                depth_in_server = 0;
            }
            Event::Start(e) => {
                depth_in_server += 1;
                if let Some(s) = current.as_mut() {
                    read_child(s, &e, text, start..end);
                }
            }
            Event::Empty(e) => {
                if let Some(s) = current.as_mut() {
                    read_child(s, &e, text, start..end);
                }
            }
            Event::End(e) => {
                if current.is_some()
                    && depth_in_server == 0
                    && is_server_name(e.local_name().as_ref())
                {
                    let done = current.take().expect("checked");
                    if done.name.as_deref() == Some(name) {
                        return Ok(Some(done));
                    }
                } else {
                    depth_in_server = depth_in_server.saturating_sub(1);
                }
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

fn is_server_name(local: &[u8]) -> bool {
    matches!(local, b"McpServerCommand" | b"McpServerURL")
}

fn is_server_element(e: &BytesStart) -> bool {
    is_server_name(e.local_name().as_ref())
}

/// `<option name="X" value="Y"/>` and `<env name="X" value="Y"/>` inside a server.
fn read_child(server: &mut Server, e: &BytesStart, text: &str, tag: std::ops::Range<usize>) {
    let attr = |key: &str| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key.as_bytes())
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    };
    let (Some(key), Some(value)) = (attr("name"), attr("value")) else {
        return;
    };
    let Some(at) = value_range(&text[tag.clone()]).map(|r| tag.start + r.start..tag.start + r.end)
    else {
        return;
    };
    let spot = Spot { value, at };
    match (e.local_name().as_ref(), key.as_str()) {
        (b"option", "name") => server.name = Some(spot.value),
        (b"option", "programPath") => {
            let line_start = text[..tag.start].rfind('\n').map_or(0, |i| i + 1);
            let indent: String = text[line_start..tag.start]
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            server.after_program = Some((tag.end, indent));
            server.program = Some(spot);
        }
        (b"option", "arguments") => server.arguments = Some(spot),
        (b"env", _) => server.env.push((key, spot)),
        _ => {}
    }
}

/// Where the `value` attribute's text is inside one tag: after ` value="`, up to the quote.
fn value_range(tag: &str) -> Option<std::ops::Range<usize>> {
    let bytes = tag.as_bytes();
    let mut i = 0;
    while let Some(found) = tag[i..].find("value") {
        let at = i + found;
        i = at + 5;
        if at == 0 || !bytes[at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = tag[i..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let open = tag.len() - rest.len() + 1;
        let close = open + tag[open..].find(quote)?;
        return Some(open..close);
    }
    None
}

/// The IDE splits `arguments` on whitespace, with double quotes grouping.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '\\' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn join_args(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.chars().any(|c| c.is_whitespace() || c == '"') {
                format!("\"{}\"", a.replace('"', "\\\""))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The entry as the action sees it; what changed is applied as attribute edits.
struct XmlEntry {
    command: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    changed_env: Vec<(String, String)>,
    changed_command: bool,
}

impl EntryEdit for XmlEntry {
    fn value(&self) -> serde_json::Value {
        let env: serde_json::Map<_, _> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        serde_json::json!({ "command": self.command, "args": self.args, "env": env })
    }
    /// A command server has none of the remote keys the action drops.
    fn remove(&mut self, _key: &str) {}
    fn set_string(&mut self, key: &str, value: &str) {
        if key == "command" {
            self.command = value.to_string();
            self.changed_command = true;
        }
    }
    fn set_strings(&mut self, key: &str, values: &[String]) {
        if key == "args" {
            self.args = values.to_vec();
            self.changed_command = true;
        }
    }
    fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }
    fn set_env(&mut self, var: &str, value: &str) {
        self.changed_env.push((var.to_string(), value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(product: &str) -> String {
        super::super::test_files::fixture(&format!(
            "home/.config/JetBrains/{product}/options/llm.mcpServers.xml"
        ))
    }

    fn servers(text: &str) -> serde_json::Value {
        crate::jetbrains_xml::read(text, crate::parse::MAX_DEPTH).unwrap()["mcpServers"].clone()
    }

    /// Lines of `new` that differ from `old` (same line count expected unless noted).
    fn changed_lines(old: &str, new: &str) -> Vec<String> {
        new.lines()
            .zip(old.lines())
            .filter(|(n, o)| n != o)
            .map(|(n, _)| n.to_string())
            .collect()
    }

    #[test]
    fn move_secrets_changes_three_attribute_values_and_nothing_else() {
        let original = fixture("IntelliJIdea2025.2");
        let (text, secrets, _) = plan(
            &original,
            "github",
            Action::MoveSecrets,
            &SecretNames::default(),
        )
        .unwrap();
        assert_eq!(text.lines().count(), original.lines().count());
        let lines = changed_lines(&original, &text);
        assert_eq!(
            lines,
            [
                r#"      <option name="programPath" value="latchkey" />"#,
                r#"      <option name="arguments" value="run -- npx -y @modelcontextprotocol/server-github" />"#,
                r#"        <env name="GITHUB_PERSONAL_ACCESS_TOKEN" value="latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN" />"#,
            ],
            "{text}"
        );
        assert!(secrets[0].1.expose().starts_with("ghp_FAKE"));
        let s = servers(&text);
        assert_eq!(s["github"]["programPath"], "latchkey");
        assert_eq!(s["linear"], servers(&original)["linear"]);
    }

    #[test]
    fn an_mcp_remote_wrapper_becomes_latchkey_proxy() {
        let original = fixture("IntelliJIdea2025.2");
        let (text, _, _) = plan(
            &original,
            "linear",
            Action::UseSignIn,
            &SecretNames::default(),
        )
        .unwrap();
        assert_eq!(
            changed_lines(&original, &text),
            [
                r#"      <option name="programPath" value="latchkey" />"#,
                r#"      <option name="arguments" value="proxy https://mcp.linear.app/mcp" />"#,
            ]
        );
    }

    #[test]
    fn url_servers_and_unknown_names_are_refused_with_what_to_do() {
        let original = fixture("PyCharm2025.3");
        let e = plan(
            &original,
            "youtrack",
            Action::UseSignIn,
            &SecretNames::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("in the IDE (Settings"), "{e}");
        let e = plan(
            &original,
            "nope",
            Action::UseSignIn,
            &SecretNames::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no server named 'nope'"), "{e}");
    }

    #[test]
    fn a_missing_arguments_option_is_added_after_program_path() {
        let text = "<application>\n  <component name=\"McpApplicationServerCommands\">\n    <McpServerCommand>\n      <option name=\"name\" value=\"s\" />\n      <option name=\"programPath\" value=\"uvx\" />\n      <envs>\n        <env name=\"API_KEY\" value=\"sk-FAKEabcdefabcdefabcdefabcdefabcdef12\" />\n      </envs>\n    </McpServerCommand>\n  </component>\n</application>\n";
        let (new, secrets, _) =
            plan(text, "s", Action::MoveSecrets, &SecretNames::default()).unwrap();
        assert_eq!(secrets.len(), 1);
        assert!(
            new.contains("value=\"latchkey\" />\n      <option name=\"arguments\" value=\"run -- uvx\" />\n      <envs>"),
            "{new}"
        );
        assert_eq!(servers(&new)["s"]["programPath"], "latchkey");
    }

    #[test]
    fn arguments_split_and_join_back_the_same() {
        for (s, want) in [
            ("-y  x", vec!["-y", "x"]),
            ("--db \"a b\" c", vec!["--db", "a b", "c"]),
            ("\"\"", vec![""]),
            ("say \"x \\\"y\\\"\"", vec!["say", "x \"y\""]),
        ] {
            assert_eq!(split_args(s), want, "{s}");
            let strings: Vec<String> = want.iter().map(|w| w.to_string()).collect();
            assert_eq!(split_args(&join_args(&strings)), want, "{s}");
        }
        assert_eq!(escape("a<&\"b"), "a&lt;&amp;&quot;b");
        assert_eq!(
            value_range(r#"<env name="x" value="v&amp;" />"#),
            Some(21..27)
        );
        assert_eq!(
            value_range(r#"<option xvalue="no" value='yes'/>"#),
            Some(27..30)
        );
    }
}
