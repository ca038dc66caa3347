//! Adopting an entry of a YAML config file: Continue (`mcpServers:` a list of `{name, ...}`)
//! and Goose (`extensions.<name>` with `cmd`, `args`, `envs`, `type`, `uri`). The entry is read
//! as JSON, changed by the same action as every other format, and written back in place by
//! [`super::yaml_edit`]; the rest of the file keeps every byte.

use serde_json::{Map, Value};

use super::super::model::Layout;
use super::super::parse;
use super::yaml_edit::{self, Node};
use super::{Action, EntryEdit, SecretNames, Secrets, apply_action, unsupported, verify};
use crate::{Error, Result};

/// The new text, the secrets to store and the summary.
pub fn plan(
    original: &str,
    layout: Layout,
    name: &str,
    action: Action,
    names: &SecretNames,
) -> Result<(String, Secrets, Vec<String>)> {
    let bad = |e: String| Error::InvalidInput(format!("the file does not parse: {e}"));
    let no_entry = || Error::InvalidInput(format!("the file has no server named '{name}'"));
    let tree = yaml_edit::tree(original).map_err(bad)?;
    let node = entry_node(&tree, layout, name).ok_or_else(no_entry)?;
    if yaml_edit::has_alias(node) {
        return Err(unsupported(
            "the entry uses YAML aliases (*name); change it by hand",
        ));
    }
    if !matches!(node.kind, yaml_edit::Kind::Map(_)) {
        return Err(unsupported("the entry is not a mapping"));
    }
    let mut doc = parse::parse(original, super::Format::Yaml)
        .map_err(bad)?
        .value;
    let current = verify::entry_in(&mut doc, layout, name)
        .and_then(|v| v.as_object().cloned())
        .ok_or_else(no_entry)?;
    let mut entry = MapEntry {
        map: current,
        goose: layout == Layout::GooseExtensions,
    };
    let (secrets, summary) = apply_action(&mut entry, name, action, names)?;
    if entry.goose && action == Action::UseSignIn {
        // Goose needs the transport named; the entry is now a command.
        entry.map.insert("type".into(), Value::from("stdio"));
    }
    Ok((
        yaml_edit::replace(original, node, &entry.map),
        secrets,
        summary,
    ))
}

fn entry_node<'a>(tree: &'a Node, layout: Layout, name: &str) -> Option<&'a Node> {
    match layout {
        Layout::GooseExtensions => tree.get("extensions")?.get(name),
        Layout::ContinueList => {
            let servers = tree.get("mcpServers")?;
            if let Some(n) = servers.get(name) {
                return Some(n);
            }
            let items = servers.items();
            items
                .iter()
                .find(|i| i.get("name").and_then(Node::scalar) == Some(name))
                .or_else(|| items.get(name.strip_prefix('#')?.parse::<usize>().ok()?))
        }
        _ => None,
    }
}

/// An entry held as a JSON map; Goose spells `command` `cmd` and `env` `envs`.
struct MapEntry {
    map: Map<String, Value>,
    goose: bool,
}

impl MapEntry {
    fn key<'k>(&self, key: &'k str) -> &'k str {
        match (self.goose, key) {
            (true, "command") => "cmd",
            (true, "env") => "envs",
            _ => key,
        }
    }
}

impl EntryEdit for MapEntry {
    fn value(&self) -> Value {
        Value::Object(self.map.clone())
    }
    fn remove(&mut self, key: &str) {
        let key = self.key(key).to_string();
        self.map.shift_remove(&key);
    }
    fn set_string(&mut self, key: &str, value: &str) {
        let key = self.key(key).to_string();
        self.map.insert(key, Value::from(value));
    }
    fn set_strings(&mut self, key: &str, values: &[String]) {
        let key = self.key(key).to_string();
        self.map.insert(key, Value::from(values.to_vec()));
    }
    fn env(&self) -> Vec<(String, String)> {
        self.map
            .get(self.key("env"))
            .and_then(Value::as_object)
            .map(|env| {
                env.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn set_env(&mut self, var: &str, value: &str) {
        let key = self.key("env").to_string();
        if let Some(env) = self.map.get_mut(&key).and_then(Value::as_object_mut) {
            env.insert(var.to_string(), Value::from(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_files::fixture;
    use super::*;

    /// The part of `old` that differs from `new` (after the common prefix and suffix).
    fn changed<'a>(old: &'a str, new: &str) -> &'a str {
        let p = old
            .bytes()
            .zip(new.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let s = old[p..]
            .bytes()
            .rev()
            .zip(new[p..].bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        &old[p..old.len() - s]
    }

    fn reparse(text: &str) -> Value {
        serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn goose_move_secrets_and_use_sign_in_touch_only_their_entry() {
        let original = fixture("home/.config/goose/config.yaml");
        let (text, secrets, _) = plan(
            &original,
            Layout::GooseExtensions,
            "slack",
            Action::MoveSecrets,
            &SecretNames::default(),
        )
        .unwrap();
        // Only lines of the slack entry changed: no sibling key (two spaces, then a name) and
        // nothing at the top level is in the changed part of the original.
        let region = changed(&original, &text);
        assert!(
            region.lines().skip(1).all(|l| l.starts_with("    ")),
            "only inside slack: {region}"
        );
        let v = reparse(&text);
        let slack = &v["extensions"]["slack"];
        assert_eq!(slack["cmd"], "latchkey");
        assert_eq!(
            slack["args"],
            serde_json::json!(["run", "--", "uvx", "slack-mcp-server"])
        );
        assert_eq!(
            slack["envs"]["SLACK_BOT_TOKEN"],
            "latchkey:slack/SLACK_BOT_TOKEN"
        );
        assert_eq!(slack["type"], "stdio", "the other keys stay");
        assert_eq!(secrets.len(), 1);
        assert!(secrets[0].1.expose().starts_with("xoxb-"));
        assert!(!text.contains("xoxb-"), "the secret left the file");

        let (text, secrets, _) = plan(
            &original,
            Layout::GooseExtensions,
            "crm",
            Action::UseSignIn,
            &SecretNames::default(),
        )
        .unwrap();
        assert!(secrets.is_empty());
        let region = changed(&original, &text);
        assert!(
            region.lines().skip(1).all(|l| l.starts_with("    ")),
            "only inside crm: {region}"
        );
        let crm = &reparse(&text)["extensions"]["crm"];
        assert_eq!(crm["cmd"], "latchkey");
        assert_eq!(
            crm["args"],
            serde_json::json!(["proxy", "https://mcp.example-crm.com/mcp"])
        );
        assert_eq!(crm["type"], "stdio", "Goose needs the transport named");
        assert!(crm.get("uri").is_none() && crm.get("headers").is_none());
        assert_eq!(crm["name"], "crm");
    }

    #[test]
    fn continue_list_items_are_found_by_name_and_rewritten_in_place() {
        let original = fixture("home/.continue/config.yaml");
        for name in ["Context7", "Internal Docs"] {
            let (text, _, _) = plan(
                &original,
                Layout::ContinueList,
                name,
                Action::UseSignIn,
                &SecretNames::default(),
            )
            .unwrap();
            let region = changed(&original, &text);
            assert!(
                !region.contains("\n  - "),
                "{name}: no other list item changed: {region}"
            );
            assert!(text.starts_with("name: Local Assistant\n"), "{text}");
            assert!(text.ends_with("context:\n  - provider: code\n  - provider: docs\n"));
            let v = reparse(&text);
            let item = v["mcpServers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["name"] == name)
                .unwrap();
            assert_eq!(item["command"], "latchkey");
            assert_eq!(item["args"][0], "proxy");
            assert!(item.get("url").is_none() && item.get("requestOptions").is_none());
            assert_eq!(v["mcpServers"].as_array().unwrap().len(), 4);
        }
        // Continue's own secret references are not plain-text secrets: nothing to move.
        let e = plan(
            &original,
            Layout::ContinueList,
            "GitHub",
            Action::MoveSecrets,
            &SecretNames::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no plain-text secret"), "{e}");
        let e = plan(
            &original,
            Layout::ContinueList,
            "nope",
            Action::UseSignIn,
            &SecretNames::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no server named 'nope'"), "{e}");
    }

    #[test]
    fn aliases_and_flow_entries() {
        let text = "base: &b\n  cmd: npx\nextensions:\n  a: *b\n  f: {cmd: npx, envs: {T: ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}, type: stdio}\n";
        let e = plan(
            text,
            Layout::GooseExtensions,
            "a",
            Action::MoveSecrets,
            &SecretNames::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("aliases"), "{e}");
        let (new, secrets, _) = plan(
            text,
            Layout::GooseExtensions,
            "f",
            Action::MoveSecrets,
            &SecretNames::default(),
        )
        .unwrap();
        assert_eq!(secrets.len(), 1);
        assert!(
            new.starts_with("base: &b\n  cmd: npx\nextensions:\n  a: *b\n  f: {"),
            "{new}"
        );
        assert_eq!(reparse(&new)["extensions"]["f"]["cmd"], "latchkey");
    }
}
