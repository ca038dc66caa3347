//! A JSON or JSONC entry, edited through `jsonc-parser`'s CST so only its own text changes.
//! Three shapes of entry:
//! - most clients: `{command, args, env}` or `{url, headers}`;
//! - Zed's older form nests the command: `{"command": {"path", "args", "env"}}`;
//! - opencode keeps the command and its arguments in one array and says `environment`:
//!   `{"type": "local", "command": ["npx", "-y", "x"], "environment": {...}}`.

use jsonc_parser::cst::{CstInputValue, CstObject};

use super::super::model::Layout;
use super::{Action, EntryEdit};

pub(super) struct JsonEntry {
    obj: CstObject,
    opencode: bool,
    /// opencode: the command waits for its arguments, to be written as one array.
    pending_command: Option<String>,
}

impl JsonEntry {
    pub fn new(obj: CstObject, layout: Layout) -> Self {
        Self {
            obj,
            opencode: layout == Layout::OpencodeMcp,
            pending_command: None,
        }
    }

    /// After the action: an opencode entry that now runs a command says it is local.
    pub fn finish(&mut self, action: Action) {
        if self.opencode && action == Action::UseSignIn {
            set(&self.obj, "type", CstInputValue::String("local".into()));
        }
    }

    /// Zed's nested command object, when the entry has one.
    fn nested_command(&self) -> Option<CstObject> {
        if self.opencode {
            return None;
        }
        self.obj.object_value("command")
    }

    fn env_object(&self) -> Option<CstObject> {
        match self.nested_command() {
            Some(command) => command.object_value("env"),
            None if self.opencode => self.obj.object_value("environment"),
            None => self.obj.object_value("env"),
        }
    }
}

impl EntryEdit for JsonEntry {
    fn value(&self) -> serde_json::Value {
        self.obj.to_serde_value().unwrap_or_default()
    }
    fn remove(&mut self, key: &str) {
        if let Some(prop) = self.obj.get(key) {
            prop.remove();
        }
    }
    fn set_string(&mut self, key: &str, value: &str) {
        match (key, self.nested_command()) {
            ("command", _) if self.opencode => self.pending_command = Some(value.to_string()),
            ("command", Some(nested)) => set(&nested, "path", string(value)),
            _ => set(&self.obj, key, string(value)),
        }
    }
    fn set_strings(&mut self, key: &str, values: &[String]) {
        match (key, self.nested_command()) {
            ("args", _) if self.opencode => {
                let mut all: Vec<String> = self.pending_command.take().into_iter().collect();
                all.extend(values.iter().cloned());
                set(&self.obj, "command", strings(&all));
            }
            ("args", Some(nested)) => set(&nested, "args", strings(values)),
            _ => set(&self.obj, key, strings(values)),
        }
    }
    fn env(&self) -> Vec<(String, String)> {
        let Some(env) = self.env_object() else {
            return vec![];
        };
        env.properties()
            .into_iter()
            .filter_map(|p| {
                Some((
                    p.decoded_name()?,
                    p.value()?.to_serde_value()?.as_str()?.to_string(),
                ))
            })
            .collect()
    }
    fn set_env(&mut self, var: &str, value: &str) {
        if let Some(prop) = self.env_object().and_then(|e| e.get(var)) {
            prop.set_value(string(value));
        }
    }
}

fn string(value: &str) -> CstInputValue {
    CstInputValue::String(value.to_string())
}

fn strings(values: &[String]) -> CstInputValue {
    CstInputValue::Array(values.iter().map(|v| string(v)).collect())
}

fn set(obj: &CstObject, key: &str, value: CstInputValue) {
    match obj.get(key) {
        Some(prop) => prop.set_value(value),
        None => {
            obj.append(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_files::file;
    use super::super::{Format, plan};
    use super::*;

    const ZED: &str = r#"{
  // Zed settings
  "theme": "One Dark",
  "context_servers": {
    "github": {
      "command": {
        "path": "npx",
        "args": ["-y", "@modelcontextprotocol/server-github"],
        "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKEzedzedzedzedzedzedzedzedzedzedzed1" }
      },
      "settings": {}
    },
    "slack": { "source": "custom", "command": "uvx", "args": ["slack-mcp"], "env": { "SLACK_BOT_TOKEN": "xoxb-1111111111-2222222222-FAKEzedzedzedzed" } },
    "linear": { "url": "https://mcp.linear.app/mcp", "headers": { "Authorization": "Bearer FAKEzedzedzedzedzedzedzedzedzed" } },
  },
}
"#;

    #[test]
    fn zed_nested_and_flat_entries_are_rewritten_in_their_own_shape() {
        let (_d, path) = file("settings.json", ZED);
        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::ZedContextServers,
            "github",
            Action::MoveSecrets,
        )
        .unwrap();
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        let gh = &v["context_servers"]["github"]["command"];
        assert_eq!(gh["path"], "latchkey");
        assert_eq!(gh["args"][0], "run");
        assert_eq!(gh["args"][2], "npx");
        assert_eq!(
            gh["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"],
            "latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN"
        );
        assert!(
            edit.new_text
                .starts_with("{\n  // Zed settings\n  \"theme\": \"One Dark\",")
        );
        assert_eq!(edit.secrets.len(), 1);

        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::ZedContextServers,
            "slack",
            Action::MoveSecrets,
        )
        .unwrap();
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        assert_eq!(v["context_servers"]["slack"]["command"], "latchkey");
        assert_eq!(v["context_servers"]["slack"]["source"], "custom");

        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::ZedContextServers,
            "linear",
            Action::UseSignIn,
        )
        .unwrap();
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        let linear = &v["context_servers"]["linear"];
        assert_eq!(linear["command"], "latchkey");
        assert_eq!(
            linear["args"],
            serde_json::json!(["proxy", "https://mcp.linear.app/mcp"])
        );
        assert!(linear.get("headers").is_none() && linear.get("url").is_none());
    }

    #[test]
    fn opencode_keeps_one_command_array_and_its_environment() {
        let text = r#"{
  "$schema": "https://opencode.ai/config.json",
  "mcp": {
    "github": {
      "type": "local",
      "command": ["npx", "-y", "@modelcontextprotocol/server-github"],
      "environment": { "GITHUB_TOKEN": "ghp_FAKEopencodeopencodeopencodeopencode1" },
      "enabled": true
    },
    "context7": { "type": "remote", "url": "https://mcp.context7.com/mcp", "enabled": true }
  }
}
"#;
        let (_d, path) = file("opencode.json", text);
        let edit = plan(
            &path,
            Format::Json,
            Layout::OpencodeMcp,
            "github",
            Action::MoveSecrets,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&edit.new_text).unwrap();
        let gh = &v["mcp"]["github"];
        assert_eq!(
            gh["command"],
            serde_json::json!([
                "latchkey",
                "run",
                "--",
                "npx",
                "-y",
                "@modelcontextprotocol/server-github"
            ])
        );
        assert_eq!(
            gh["environment"]["GITHUB_TOKEN"],
            "latchkey:github/GITHUB_TOKEN"
        );
        assert_eq!(gh["enabled"], true);

        let edit = plan(
            &path,
            Format::Json,
            Layout::OpencodeMcp,
            "context7",
            Action::UseSignIn,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&edit.new_text).unwrap();
        let c7 = &v["mcp"]["context7"];
        assert_eq!(
            c7["command"],
            serde_json::json!(["latchkey", "proxy", "https://mcp.context7.com/mcp"])
        );
        assert_eq!(c7["type"], "local");
        assert!(c7.get("url").is_none());
        assert_eq!(c7["enabled"], true);
    }
}
