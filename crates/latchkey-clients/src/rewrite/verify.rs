//! The last check before a rewritten config file is written: read by the client's own rules
//! (strict JSON stays strict; TOML, YAML and XML parse), the new text must be the old one with
//! only the adopted entry changed, and that entry must now start `latchkey`. A change that fails
//! is a bug in Latchkey; it is refused and the file is left as it was.

use serde_json::Value;

use super::super::model::{Format, Layout};
use super::super::{parse, schema};
use crate::{Error, Result};

/// The entry `name` inside a parsed document of `layout`.
pub fn entry_in<'a>(doc: &'a mut Value, layout: Layout, name: &str) -> Option<&'a mut Value> {
    let servers = match layout {
        Layout::McpServers | Layout::ClaudeJson | Layout::JetbrainsXml => doc.get_mut("mcpServers"),
        Layout::VscodeServers => doc.get_mut("servers"),
        Layout::VscodeSettings => doc.get_mut("mcp").and_then(|m| m.get_mut("servers")),
        Layout::ZedContextServers => doc.get_mut("context_servers"),
        Layout::CodexTables => doc.get_mut("mcp_servers"),
        Layout::GooseExtensions => doc.get_mut("extensions"),
        Layout::OpencodeMcp => {
            let nested = doc
                .get("mcp")
                .and_then(|m| m.get("servers"))
                .is_some_and(Value::is_object);
            let mcp = doc.get_mut("mcp");
            if nested {
                mcp.and_then(|m| m.get_mut("servers"))
            } else {
                mcp
            }
        }
        Layout::BareMap => Some(doc),
        Layout::TokenCache => None,
        Layout::McpServersOrBare => {
            if doc.get("mcpServers").is_some() {
                doc.get_mut("mcpServers")
            } else {
                Some(doc)
            }
        }
        Layout::ContinueList => doc.get_mut("mcpServers"),
    }?;
    match servers {
        Value::Object(map) => map.get_mut(name),
        Value::Array(items) => {
            let index = items
                .iter()
                .position(|i| i.get("name").and_then(Value::as_str) == Some(name))
                .or_else(|| name.strip_prefix('#').and_then(|i| i.parse().ok()))?;
            items.get_mut(index)
        }
        _ => None,
    }
}

pub fn verify(
    original: &str,
    new_text: &str,
    format: Format,
    layout: Layout,
    name: &str,
) -> Result<()> {
    let refuse = |why: &str| {
        Error::InvalidInput(format!(
            "the change to '{name}' was not written: {why}. The file was left as it was (this is a bug in Latchkey; please report it)"
        ))
    };
    let before = parse::parse(original, format).map_err(|e| refuse(&e))?;
    let after = parse::parse(new_text, format)
        .map_err(|e| refuse(&format!("the result would not parse ({e})")))?;
    if after.strict_violation.is_some() && before.strict_violation.is_none() {
        return Err(refuse("the result would break the client's strict JSON"));
    }
    let (mut before, mut after) = (before.value, after.value);
    let new_entry = entry_in(&mut after, layout, name)
        .map(Value::take)
        .ok_or_else(|| refuse("the entry would be gone"))?;
    if let Some(old) = entry_in(&mut before, layout, name) {
        old.take();
    }
    if before != after {
        return Err(refuse("something outside the entry would change"));
    }
    let server = schema::entry(name, &new_entry);
    // Latchkey runs as the entry's command, or as the command it runs for its headers.
    let helper = [super::Helper::ClaudeCode, super::Helper::Codex]
        .iter()
        .filter_map(|h| new_entry.get(h.key()).and_then(Value::as_str))
        .any(|c| c.starts_with("latchkey token "));
    if server.command.as_deref() != Some("latchkey") && !helper {
        return Err(refuse("the entry would not start latchkey"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_entry_may_change_and_it_must_start_latchkey() {
        let before = r#"{"mcpServers": {"a": {"command": "npx"}, "b": {"url": "https://b"}}}"#;
        let good = r#"{"mcpServers": {"a": {"command": "npx"}, "b": {"command": "latchkey", "args": ["proxy", "https://b"]}}}"#;
        verify(before, good, Format::Json, Layout::McpServers, "b").unwrap();
        let rows = [
            (
                r#"{"mcpServers": {"a": {"command": "uvx"}, "b": {"command": "latchkey"}}}"#,
                "something outside the entry",
            ),
            (
                r#"{"mcpServers": {"a": {"command": "npx"}, "b": {"command": "npx"}}}"#,
                "would not start latchkey",
            ),
            (
                r#"{"mcpServers": {"a": {"command": "npx"}}}"#,
                "would be gone",
            ),
            (
                r#"{"mcpServers": {"a": {"command": "npx"}, "b": {"command": "latchkey"},}}"#,
                "strict JSON",
            ),
            (r#"{"mcpServers": "#, "would not parse"),
        ];
        for (after, want) in rows {
            let e = verify(before, after, Format::Json, Layout::McpServers, "b")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(want) && e.contains("left as it was"),
                "{after}: {e}"
            );
        }
        // Continue's list: found by name, or by position for an unnamed item.
        let mut doc = serde_json::json!({"mcpServers": [{"name": "A"}, {"url": "x"}]});
        assert!(entry_in(&mut doc, Layout::ContinueList, "A").is_some());
        assert_eq!(
            entry_in(&mut doc, Layout::ContinueList, "#1").unwrap()["url"],
            "x"
        );
    }
}
