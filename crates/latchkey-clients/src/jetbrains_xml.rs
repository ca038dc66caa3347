//! JetBrains AI Assistant's `llm.mcpServers.xml`, read into the `mcpServers` JSON shape the
//! other clients use, so the parse and the schema treat it as any JSON file.

use serde_json::{Map, Value};

/// JetBrains AI Assistant's `llm.mcpServers.xml`, read into the `mcpServers` shape. Any element
/// with a `name` and a command, program path or URL (as attributes or `<option name= value=>`
/// children) is a server; `<env name= value=>` / `<entry key= value=>` children are its env.
/// No DTDs and no entity expansion (quick-xml does neither), so XXE cannot reach a file; nesting
/// deeper than `max_depth` is refused (the parse's one limit for every format).
pub fn read(text: &str, max_depth: usize) -> Result<Value, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut servers = Map::new();
    // A stack of (element name, collected fields) for open elements.
    let mut stack: Vec<Map<String, Value>> = Vec::new();
    let attrs = |e: &quick_xml::events::BytesStart| -> Map<String, Value> {
        let mut m = Map::new();
        for a in e.attributes().flatten() {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            m.insert(key, Value::String(value));
        }
        m
    };
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("invalid XML: {e}"))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err("XML nested too deep; not parsed".into());
                }
                stack.push(attrs(&e));
            }
            Event::Empty(e) => {
                let a = attrs(&e);
                absorb(stack.last_mut(), &a, &mut servers);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(done) = stack.pop() {
                    if is_server(&done) {
                        insert_server(&done, &mut servers);
                    } else if let Some(parent) = stack.last_mut() {
                        absorb(Some(parent), &done, &mut servers);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(serde_json::json!({ "mcpServers": servers }))
}

fn is_server(m: &Map<String, Value>) -> bool {
    m.contains_key("name")
        && ["command", "programPath", "url"]
            .iter()
            .any(|k| m.contains_key(*k))
}

fn insert_server(m: &Map<String, Value>, servers: &mut Map<String, Value>) {
    let mut server = m.clone();
    if let Some(name) = server
        .remove("name")
        .and_then(|n| n.as_str().map(str::to_string))
    {
        servers.insert(name, Value::Object(server));
    }
}

/// Fields a JetBrains `<option name=X value=Y/>` sets on its server.
const XML_FIELDS: [&str; 8] = [
    "name",
    "command",
    "programPath",
    "url",
    "arguments",
    "args",
    "workingDirectory",
    "enabled",
];

/// Fold a child element into its parent: `<option name=X value=Y/>` sets field X;
/// `<env name= value=/>` and `<entry key= value=/>` add to the parent's map; a container
/// (`<envs>`, `<option name="headers"><map>…`) hands its map up as env, or as headers.
fn absorb(
    parent: Option<&mut Map<String, Value>>,
    child: &Map<String, Value>,
    servers: &mut Map<String, Value>,
) {
    if is_server(child) {
        insert_server(child, servers);
        return;
    }
    let Some(parent) = parent else { return };
    let name = child
        .get("name")
        .or(child.get("key"))
        .and_then(Value::as_str);
    let value = child.get("value").and_then(Value::as_str);
    match (name, value) {
        (Some("enabled"), Some(v)) => {
            parent.insert("enabled".into(), Value::Bool(v != "false"));
        }
        (Some(n), Some(v)) if XML_FIELDS.contains(&n) => {
            parent.insert(n.to_string(), Value::String(v.to_string()));
        }
        (Some(n), Some(v)) => merge_map(
            parent,
            "env",
            [(n.to_string(), Value::String(v.to_string()))],
        ),
        (None, Some(_)) => {}
        (name, None) => {
            if let Some(Value::Object(map)) = child.get("env") {
                let target = if name == Some("headers") {
                    "headers"
                } else {
                    "env"
                };
                merge_map(parent, target, map.clone());
            }
            if let Some(Value::Object(map)) = child.get("headers") {
                merge_map(parent, "headers", map.clone());
            }
        }
    }
}

fn merge_map(
    parent: &mut Map<String, Value>,
    key: &str,
    items: impl IntoIterator<Item = (String, Value)>,
) {
    let target = parent
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(t) = target.as_object_mut() {
        t.extend(items);
    }
}

#[cfg(test)]
mod tests {
    use super::read as jetbrains_xml;
    use crate::model::Layout;
    use crate::schema::servers;

    #[test]
    fn jetbrains_xml_and_no_entity_expansion() {
        let xml = r#"<application><component name="McpApplicationServerCommands"><commands>
            <McpServerCommand name="github" programPath="npx" arguments="-y @modelcontextprotocol/server-github">
              <envs><env name="GITHUB_TOKEN" value="ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"/></envs>
            </McpServerCommand>
            <McpServerCommand name="remote" url="https://mcp.example.com/mcp"/>
          </commands></component></application>"#;
        let doc = jetbrains_xml(xml, 128).unwrap();
        let list = servers(&doc, Layout::JetbrainsXml).unwrap();
        assert_eq!(list.len(), 2, "{doc}");
        let gh = list.iter().find(|s| s.name == "github").unwrap();
        assert_eq!(gh.command.as_deref(), Some("npx"));
        assert_eq!(gh.env, vec!["GITHUB_TOKEN"]);
        assert!(!gh.findings.is_empty());
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a><s name="x" url="&e;"/></a>"#;
        let got = jetbrains_xml(xxe, 128)
            .map(|v| v.to_string())
            .unwrap_or_default();
        assert!(!got.contains("root:"), "no external entity was read");
    }
}
