//! Replacing one node of a YAML file and nothing else: the careful YAML edit behind adopting a
//! Continue or Goose entry. There is no well-kept Rust YAML library that edits while keeping
//! comments and layout, so this finds the entry's exact byte range with the parser's spans
//! (`granit-parser`, the parser under `serde-saphyr`) and writes the new entry there, in the
//! style the old one had (block or flow) at its indentation. Every byte outside that range is
//! kept; comments inside the entry itself are not.

use granit_parser::{Event, Parser, StructureStyle};
use serde_json::{Map, Value};

/// Where a node is in the text, and what it holds (keys and items, for finding an entry).
#[derive(Debug)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub flow: bool,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    /// Keys (as scalars, with where each key starts) and their values.
    Map(Vec<(String, usize, Node)>),
    Seq(Vec<Node>),
    Scalar(String),
    /// An alias: never edited through.
    Alias,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, ..)| k == key).map(|(.., v)| v),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// The first document's root node with byte ranges. Anchors and aliases are allowed in the
/// file, but an entry that uses them is refused by [`replace`]'s caller (its text is not its
/// value).
pub fn tree(text: &str) -> Result<Node, String> {
    let mut stack: Vec<(Node, Option<String>)> = Vec::new();
    let mut root = None;
    // Per open mapping: the key read, waiting for its value (text and where it starts).
    let mut pending_key: Vec<Option<(String, usize)>> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| format!("invalid YAML: {e}"))?;
        let start = span
            .start
            .byte_offset()
            .ok_or("the YAML parser gave no byte offsets")?;
        let end = span.end.byte_offset().unwrap_or(start);
        let node = match event {
            Event::Scalar(value, ..) => Some(Node {
                start,
                end,
                flow: false,
                kind: Kind::Scalar(value.into_owned()),
            }),
            Event::Alias(..) => Some(Node {
                start,
                end,
                flow: false,
                kind: Kind::Alias,
            }),
            Event::MappingStart(style, ..) | Event::SequenceStart(style, ..) => {
                let kind = if matches!(event, Event::MappingStart(..)) {
                    Kind::Map(Vec::new())
                } else {
                    Kind::Seq(Vec::new())
                };
                let flow = style == StructureStyle::Flow;
                stack.push((
                    Node {
                        start,
                        end: start,
                        flow,
                        kind,
                    },
                    None,
                ));
                pending_key.push(None);
                None
            }
            Event::MappingEnd | Event::SequenceEnd => {
                pending_key.pop();
                let (mut node, _) = stack.pop().ok_or("unbalanced YAML")?;
                node.end = if node.flow {
                    end
                } else {
                    last_end(&node).unwrap_or(start)
                };
                if !node.flow
                    && let Some(first) = first_start(&node)
                {
                    node.start = first;
                }
                Some(node)
            }
            Event::DocumentEnd if root.is_some() => break,
            _ => None,
        };
        let Some(node) = node else { continue };
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some((parent, _)) => match &mut parent.kind {
                Kind::Seq(items) => items.push(node),
                Kind::Map(entries) => {
                    let waiting = pending_key.last_mut().expect("a map has a key slot");
                    match waiting.take() {
                        None => match node.kind {
                            Kind::Scalar(k) => *waiting = Some((k, node.start)),
                            // A complex key: keep the slot filled so its value pairs with it.
                            _ => *waiting = Some((String::new(), node.start)),
                        },
                        Some((key, at)) => entries.push((key, at, node)),
                    }
                }
                _ => {}
            },
        }
    }
    root.ok_or_else(|| "the YAML file is empty".into())
}

fn first_start(node: &Node) -> Option<usize> {
    match &node.kind {
        Kind::Map(entries) => entries.first().map(|(_, at, _)| *at),
        Kind::Seq(items) => items.first().map(|n| n.start),
        _ => None,
    }
}

fn last_end(node: &Node) -> Option<usize> {
    match &node.kind {
        Kind::Map(entries) => entries.last().map(|(.., v)| v.end),
        Kind::Seq(items) => items.last().map(|n| n.end),
        _ => None,
    }
}

/// Whether `node` or anything in it is an alias (its text would not say its value).
pub fn has_alias(node: &Node) -> bool {
    match &node.kind {
        Kind::Alias => true,
        Kind::Map(entries) => entries.iter().any(|(.., v)| has_alias(v)),
        Kind::Seq(items) => items.iter().any(has_alias),
        Kind::Scalar(_) => false,
    }
}

/// `text` with `node`'s range replaced by `value` (a mapping), written in the node's style at
/// its column.
pub fn replace(text: &str, node: &Node, value: &Map<String, Value>) -> String {
    let column = text[..node.start]
        .rfind('\n')
        .map(|nl| node.start - nl - 1)
        .unwrap_or(node.start);
    let written = if node.flow {
        Value::Object(value.clone()).to_string()
    } else {
        block_map(value, column)
    };
    format!("{}{written}{}", &text[..node.start], &text[node.end..])
}

/// A block mapping whose first line starts where the cursor is and whose other lines are
/// indented to `column`. Lists are written in flow style (`[a, b]`), which every YAML parser
/// reads and which keeps arguments on one line.
fn block_map(map: &Map<String, Value>, column: usize) -> String {
    let pad = " ".repeat(column);
    let mut out = String::new();
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(&scalar(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                out.push_str(&pad);
                out.push_str("  ");
                out.push_str(&block_map(inner, column + 2));
            }
            Value::String(s) => {
                out.push(' ');
                out.push_str(&scalar(s));
            }
            other => {
                out.push(' ');
                out.push_str(&flow(other));
            }
        }
    }
    out
}

fn flow(value: &Value) -> String {
    match value {
        Value::String(s) => scalar(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", scalar(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// A string as a YAML scalar: plain when that cannot be read as anything else, else
/// double-quoted (JSON's escapes are a subset of YAML's).
fn scalar(s: &str) -> String {
    let plain_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./@+".contains(c));
    let starts_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/' || c == '.');
    let special = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) || s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o");
    if plain_chars && starts_ok && !special {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reparse(text: &str) -> Value {
        serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn ranges_cover_exactly_the_node() {
        let text = "a: 1\nservers:\n  one:\n    cmd: npx # run it\n    args: [-y, x]\n  two: {cmd: uvx}\n# tail\n";
        let root = tree(text).unwrap();
        let one = root.get("servers").unwrap().get("one").unwrap();
        assert_eq!(
            &text[one.start..one.end],
            "cmd: npx # run it\n    args: [-y, x]"
        );
        let two = root.get("servers").unwrap().get("two").unwrap();
        assert!(two.flow);
        assert_eq!(&text[two.start..two.end], "{cmd: uvx}");
        let list = tree("mcpServers:\n  - name: A\n    url: https://a\n  - name: B\n").unwrap();
        let items = list.get("mcpServers").unwrap().items();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].get("name").unwrap().scalar(), Some("B"));
    }

    #[test]
    fn a_replaced_entry_reads_back_and_the_rest_is_untouched() {
        let text = "# my setup\nextensions:\n  slack:\n    cmd: uvx   # keep?\n    envs:\n      T: xoxb-1\n  other: {cmd: x}  # flow\nafter: true\n";
        let root = tree(text).unwrap();
        let slack = root.get("extensions").unwrap().get("slack").unwrap();
        let mut value = Map::new();
        value.insert("cmd".into(), "latchkey".into());
        value.insert(
            "args".into(),
            serde_json::json!(["run", "--", "uvx", "-y", "true"]),
        );
        value.insert(
            "envs".into(),
            serde_json::json!({ "T": "latchkey:slack/T", "yes": "on" }),
        );
        let new = replace(text, slack, &value);
        assert!(
            new.starts_with("# my setup\nextensions:\n  slack:\n    cmd: latchkey\n"),
            "{new}"
        );
        assert!(
            new.ends_with("\n  other: {cmd: x}  # flow\nafter: true\n"),
            "{new}"
        );
        let v = reparse(&new);
        assert_eq!(v["extensions"]["slack"], Value::Object(value.clone()));
        assert_eq!(v["extensions"]["other"]["cmd"], "x");
        assert_eq!(v["after"], true);

        let other = tree(&new).unwrap();
        let other = other.get("extensions").unwrap().get("other").unwrap();
        let flowed = replace(&new, other, &value);
        assert_eq!(
            reparse(&flowed)["extensions"]["other"],
            Value::Object(value)
        );
        assert!(flowed.contains("  # flow\n"), "{flowed}");
    }

    #[test]
    fn scalars_that_would_read_as_something_else_are_quoted() {
        for (s, want) in [
            ("npx", "npx"),
            ("@scope/pkg", "\"@scope/pkg\""),
            ("-y", "\"-y\""),
            ("true", "\"true\""),
            ("1.5", "\"1.5\""),
            ("a: b", "\"a: b\""),
            ("latchkey:x/Y", "\"latchkey:x/Y\""),
            ("${{ secrets.X }}", "\"${{ secrets.X }}\""),
            ("", "\"\""),
        ] {
            assert_eq!(scalar(s), want, "{s}");
            let back: Value = reparse(&format!("k: {}\n", scalar(s)));
            assert_eq!(back["k"], s, "{s}");
        }
    }
}
