//! Changing one entry of a client's config file, with the user's consent, keeping everything
//! else byte for byte (comments, order, formatting): "Use Latchkey sign-in" (the entry becomes
//! `latchkey proxy <url>`) and "Move secrets to keychain" (plain-text values go to the keychain,
//! the entry runs `latchkey run -- <original command>` with `latchkey:` references).
//!
//! JSON and JSONC files are edited through `jsonc-parser`'s CST and Codex's TOML through
//! `toml_edit`, so only the entry's own text changes; YAML (Continue, Goose) in [`yaml`], by the
//! entry's byte range; JetBrains XML in [`xml`], by attribute values. Before anything is written, [`verify`] reads the result by the client's
//! own rules and refuses unless only that entry changed. The write itself ([`super::backup`])
//! keeps a backup in the keychain, refuses when the file changed since it was read, and
//! replaces the file atomically.

mod json;
mod verify;
mod xml;
mod yaml;
pub mod yaml_edit;

use std::path::{Path, PathBuf};

use jsonc_parser::cst::{CstObject, CstRootNode};

use super::model::{Format, Layout};
use super::{findings, parse};
use crate::secret::Secret;
use crate::{Error, Result};
use latchkey_base::secret_name;

/// What to do with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    UseSignIn,
    MoveSecrets,
    /// The client's own remote entry, with Latchkey as the command it runs for its request
    /// headers (`latchkey token <url> --header`): no proxy process runs.
    UseHeadersHelper(Helper),
}

/// A client that runs a command for a remote server's request headers, and the key it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    /// `headersHelper` on a `type: "http"` entry: run through a shell at each connection
    /// (10 s time-out), its output a JSON object of headers.
    ClaudeCode,
    /// `http_headers_helper` in `[mcp_servers.<name>]`: run again once on a 401 or 403.
    Codex,
}

impl Helper {
    pub fn key(self) -> &'static str {
        match self {
            Helper::ClaudeCode => "headersHelper",
            Helper::Codex => "http_headers_helper",
        }
    }
}

/// The helper command for `url`: a shell command line (both clients run it through a shell),
/// the URL single-quoted.
pub fn helper_command(url: &str) -> String {
    format!("latchkey token '{}' --header", url.replace('\'', "'\\''"))
}

/// A change ready to be written.
#[derive(Debug)]
pub struct PlannedEdit {
    pub path: PathBuf,
    /// The text the plan was made from: the write refuses if the file no longer holds it.
    pub original: String,
    pub new_text: String,
    /// Secrets to store before the file is written: (name, value).
    pub secrets: Vec<(String, Secret)>,
    /// One line per change, for the confirmation prompt (never a value).
    pub summary: Vec<String>,
}

/// The object holding the servers of a JSON-family layout.
fn servers_object(root: &CstRootNode, layout: Layout) -> Result<CstObject> {
    let obj = root
        .object_value()
        .ok_or_else(|| unsupported("the file is not a JSON object"))?;
    let found = match layout {
        Layout::McpServers | Layout::ClaudeJson => obj.object_value("mcpServers"),
        Layout::VscodeServers => obj.object_value("servers"),
        Layout::VscodeSettings => obj
            .object_value("mcp")
            .and_then(|m| m.object_value("servers")),
        Layout::ZedContextServers => obj.object_value("context_servers"),
        Layout::OpencodeMcp => obj
            .object_value("mcp")
            .map(|mcp| mcp.object_value("servers").unwrap_or(mcp)),
        Layout::McpServersOrBare => obj.object_value("mcpServers").or(Some(obj)),
        Layout::BareMap => Some(obj),
        other => {
            return Err(unsupported(&format!(
                "editing {other:?} files is not supported yet"
            )));
        }
    };
    found.ok_or_else(|| Error::InvalidInput("the file has no servers to change".into()))
}

fn unsupported(why: &str) -> Error {
    Error::InvalidInput(format!("cannot change this file automatically: {why}"))
}

/// The names moved secrets are stored under: `<entry>/<VAR>`, unless a different secret of that
/// name is already stored and the plan chose another (`adopt::plan` does).
#[derive(Debug, Clone, Default)]
pub struct SecretNames {
    renamed: std::collections::HashMap<String, String>,
}

impl SecretNames {
    pub fn rename(&mut self, proposed: &str, chosen: &str) {
        self.renamed
            .insert(proposed.to_string(), chosen.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.renamed.is_empty()
    }

    fn name_for(&self, proposed: String) -> String {
        self.renamed.get(&proposed).cloned().unwrap_or(proposed)
    }
}

/// Plan `action` on the entry `name` of the file at `path`.
pub fn plan(
    path: &Path,
    format: Format,
    layout: Layout,
    name: &str,
    action: Action,
) -> Result<PlannedEdit> {
    plan_named(path, format, layout, name, action, &SecretNames::default())
}

/// [`plan`], storing moved secrets under `names`.
pub fn plan_named(
    path: &Path,
    format: Format,
    layout: Layout,
    name: &str,
    action: Action,
    names: &SecretNames,
) -> Result<PlannedEdit> {
    let original = read_current(path)?;
    plan_text(path, original, format, layout, name, action, names)
}

/// The file's text as it is now, to plan from.
pub fn read_current(path: &Path) -> Result<String> {
    parse::read(path)
        .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?
        .ok_or_else(|| Error::InvalidInput(format!("{} does not exist", path.display())))
}

/// [`plan_named`] on `original`, the file's text (or the text earlier changes of the same pass
/// left): several entries of one file become one edit by planning each on the last one's result.
pub fn plan_text(
    path: &Path,
    original: String,
    format: Format,
    layout: Layout,
    name: &str,
    action: Action,
    names: &SecretNames,
) -> Result<PlannedEdit> {
    let no_entry =
        || Error::InvalidInput(format!("{} has no server named '{name}'", path.display()));
    let bad = |e: &dyn std::fmt::Display| {
        Error::InvalidInput(format!("{} does not parse: {e}", path.display()))
    };
    let (new_text, secrets, summary) = match (format, layout) {
        (Format::Json | Format::Jsonc, _) => {
            let root = CstRootNode::parse(&original, &jsonc_parser::ParseOptions::default())
                .map_err(|e| bad(&e))?;
            let entry = servers_object(&root, layout)?
                .object_value(name)
                .ok_or_else(no_entry)?;
            let mut entry = json::JsonEntry::new(entry, layout);
            let (secrets, summary) = apply_action(&mut entry, name, action, names)?;
            entry.finish(action);
            (root.to_string(), secrets, summary)
        }
        (Format::Toml, Layout::CodexTables) => {
            let mut doc: toml_edit::DocumentMut = original.parse().map_err(|e| bad(&e))?;
            let entry = doc
                .get_mut("mcp_servers")
                .and_then(|t| t.as_table_like_mut())
                .and_then(|t| t.get_mut(name))
                .and_then(|e| e.as_table_like_mut())
                .ok_or_else(no_entry)?;
            let (secrets, summary) = apply_action(&mut TomlEntry(entry), name, action, names)?;
            (doc.to_string(), secrets, summary)
        }
        (Format::Yaml, Layout::ContinueList | Layout::GooseExtensions) => {
            yaml::plan(&original, layout, name, action, names)
                .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?
        }
        (Format::Xml, Layout::JetbrainsXml) => xml::plan(&original, name, action, names)
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?,
        _ => {
            return Err(unsupported(&format!(
                "editing {layout:?} files is not supported yet"
            )));
        }
    };
    verify::verify(&original, &new_text, format, layout, name)?;
    Ok(PlannedEdit {
        path: path.to_path_buf(),
        new_text,
        original,
        secrets,
        summary,
    })
}

/// What an action needs of an entry, whatever the file format.
trait EntryEdit {
    /// The entry as JSON, to read it with the clients' schema.
    fn value(&self) -> serde_json::Value;
    fn remove(&mut self, key: &str);
    fn set_string(&mut self, key: &str, value: &str);
    fn set_strings(&mut self, key: &str, values: &[String]);
    /// `(name, value)` of the env entries whose values are strings.
    fn env(&self) -> Vec<(String, String)>;
    fn set_env(&mut self, var: &str, value: &str);
}

/// Secrets to store: (name, value).
type Secrets = Vec<(String, Secret)>;

/// The action itself, shared by every format.
fn apply_action(
    entry: &mut dyn EntryEdit,
    name: &str,
    action: Action,
    names: &SecretNames,
) -> Result<(Secrets, Vec<String>)> {
    let value = entry.value();
    let parsed = super::schema::entry(name, &value);
    let mut summary = Vec::new();
    let mut secrets = Vec::new();
    let remote_url = || -> Result<String> {
        let url = findings::mcp_remote_url(parsed.command.as_deref(), &parsed.args)
            .or_else(|| {
                ["url", "serverUrl", "httpUrl", "uri"]
                    .iter()
                    .find_map(|k| value.get(*k).and_then(|u| u.as_str()).map(str::to_string))
            })
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "'{name}' is not a remote server or an mcp-remote wrapper"
                ))
            })?;
        crate::url_policy::parse_server_url(&url)?;
        Ok(url)
    };
    match action {
        Action::UseSignIn => {
            let url = remote_url()?;
            for key in REMOTE_KEYS {
                entry.remove(key);
            }
            entry.set_string("command", "latchkey");
            entry.set_strings("args", &["proxy".to_string(), url.clone()]);
            summary.push(format!("'{name}' will run `latchkey proxy {url}` (Latchkey's sign-in, tokens in the keychain)"));
        }
        Action::UseHeadersHelper(helper) => {
            let url = remote_url()?;
            // An mcp-remote wrapper's command, arguments and environment were mcp-remote's.
            for key in REMOTE_KEYS.iter().chain(&["command", "args", "env"]) {
                entry.remove(key);
            }
            if helper == Helper::ClaudeCode {
                entry.set_string("type", "http");
            }
            entry.set_string("url", &url);
            let command = helper_command(&url);
            entry.set_string(helper.key(), &command);
            summary.push(format!(
                "'{name}' will connect to {url} itself, its {} `{command}` giving it Latchkey's token (no proxy process)",
                helper.key()
            ));
        }
        Action::MoveSecrets => {
            let env = entry.env();
            if env.is_empty() {
                return Err(Error::InvalidInput(format!(
                    "'{name}' has no env values to move"
                )));
            }
            for (var, text) in env {
                if findings::secret_kind(&text, Some(&var)).is_none() {
                    continue;
                }
                let secret_name = names.name_for(proposed_name(name, &var));
                secret_name::check_name(&secret_name)?;
                secrets.push((secret_name.clone(), Secret::new(text)));
                entry.set_env(
                    &var,
                    &format!("{}{secret_name}", secret_name::REFERENCE_PREFIX),
                );
                summary.push(format!("env {var} moves to the keychain as {secret_name}"));
            }
            if secrets.is_empty() {
                return Err(Error::InvalidInput(format!(
                    "'{name}' has no plain-text secret in its env"
                )));
            }
            let command = parsed
                .command
                .clone()
                .ok_or_else(|| Error::InvalidInput(format!("'{name}' has no command")))?;
            if command != "latchkey" {
                let mut args = vec!["run".to_string(), "--".to_string(), command.clone()];
                args.extend(parsed.args.iter().cloned());
                entry.set_string("command", "latchkey");
                entry.set_strings("args", &args);
                summary.push(format!(
                    "'{name}' will start through `latchkey run -- {command} …`"
                ));
            }
        }
    }
    Ok((secrets, summary))
}

/// Keys a remote entry has that `latchkey proxy` makes unnecessary (tokens and headers
/// included: Latchkey attaches the token).
const REMOTE_KEYS: [&str; 13] = [
    "url",
    "serverUrl",
    "httpUrl",
    "uri",
    "requestOptions",
    "type",
    "headers",
    "transport",
    "bearer_token",
    "bearer_token_env_var",
    "http_headers",
    "env_http_headers",
    "oauth",
];

struct TomlEntry<'a>(&'a mut dyn toml_edit::TableLike);

impl EntryEdit for TomlEntry<'_> {
    fn value(&self) -> serde_json::Value {
        let mut table = toml_edit::Table::new();
        for (k, v) in self.0.iter() {
            table.insert(k, v.clone());
        }
        toml_edit::de::from_str::<serde_json::Value>(&table.to_string()).unwrap_or_default()
    }
    fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn set_string(&mut self, key: &str, value: &str) {
        self.0.insert(key, toml_edit::value(value));
    }
    fn set_strings(&mut self, key: &str, values: &[String]) {
        let array: toml_edit::Array = values.iter().map(String::as_str).collect();
        self.0.insert(key, toml_edit::value(array));
    }
    fn env(&self) -> Vec<(String, String)> {
        self.0
            .get("env")
            .and_then(|e| e.as_table_like())
            .map(|t| {
                t.iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn set_env(&mut self, var: &str, value: &str) {
        if let Some(env) = self.0.get_mut("env").and_then(|e| e.as_table_like_mut()) {
            // Keep the value's own decoration (spacing, comments) around the new string.
            if let Some(item) = env.get_mut(var).and_then(|i| i.as_value_mut()) {
                let decor = item.decor().clone();
                *item = toml_edit::Value::from(value);
                *item.decor_mut() = decor;
            }
        }
    }
}

/// `<entry>/<VAR>`: the name a moved secret gets unless [`SecretNames`] says otherwise.
pub fn proposed_name(entry: &str, var: &str) -> String {
    format!("{}/{}", sanitize(entry), sanitize(var))
}

/// A name segment made of the characters secret names allow.
pub fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.chars().all(|c| c == '.') {
        format!("_{out}")
    } else {
        out
    }
}

/// Files for the format modules' tests.
#[cfg(test)]
mod test_files {
    use std::path::PathBuf;

    /// `text` written to `name` in a fresh folder (kept alive by the returned guard).
    pub fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// A file of the Linux fixture home or project (`tests/fixtures/clients/linux/<rel>`).
    pub fn fixture(rel: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/clients/linux")
            .join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        super::test_files::file("mcp.json", text)
    }

    const CURSOR: &str = r#"{
  // my servers
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "LOG_LEVEL": "info" }
    },
    "linear": { "command": "npx", "args": ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] }, /* keep me */
    "other": { "url": "https://x.test/mcp" }
  }
}
"#;

    #[test]
    fn use_sign_in_changes_only_that_entry() {
        let (_d, path) = file(CURSOR);
        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::McpServers,
            "linear",
            Action::UseSignIn,
        )
        .unwrap();
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        assert_eq!(
            v["mcpServers"]["linear"],
            serde_json::json!({"command": "latchkey", "args": ["proxy", "https://mcp.linear.app/mcp"]})
        );
        assert!(
            edit.new_text.contains("// my servers") && edit.new_text.contains("/* keep me */"),
            "{}",
            edit.new_text
        );
        // Outside the entry, not a byte changed.
        let start = CURSOR.find("\"linear\"").unwrap();
        assert_eq!(&edit.new_text[..start], &CURSOR[..start]);
        let tail = &CURSOR[CURSOR.find(", /* keep me */").unwrap()..];
        assert!(edit.new_text.ends_with(tail), "{}", edit.new_text);
    }

    #[test]
    fn move_secrets_leaves_references_and_wraps_the_command() {
        let (_d, path) = file(CURSOR);
        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::McpServers,
            "github",
            Action::MoveSecrets,
        )
        .unwrap();
        assert!(!edit.new_text.contains("ghp_FAKE"), "{}", edit.new_text);
        assert_eq!(edit.secrets.len(), 1);
        assert_eq!(edit.secrets[0].0, "github/GITHUB_PERSONAL_ACCESS_TOKEN");
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        let gh = &v["mcpServers"]["github"];
        assert_eq!(gh["command"], "latchkey");
        assert_eq!(
            gh["args"],
            serde_json::json!([
                "run",
                "--",
                "npx",
                "-y",
                "@modelcontextprotocol/server-github"
            ])
        );
        assert_eq!(
            gh["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"],
            "latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN"
        );
        assert_eq!(gh["env"]["LOG_LEVEL"], "info", "non-secrets stay");
        assert!(edit.summary.iter().all(|l| !l.contains("ghp_")));
    }

    const CODEX: &str = r#"# Codex settings
model = "o4"

[mcp_servers.github]
command = "npx"   # the official server
args = ["-y", "@modelcontextprotocol/server-github"]

[mcp_servers.github.env]
GITHUB_PERSONAL_ACCESS_TOKEN = "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" # yes, in plain text
LOG_LEVEL = "info"

[mcp_servers.linear]
url = "https://mcp.linear.app/mcp"
bearer_token_env_var = "LINEAR_TOKEN"

[mcp_servers.other]
command = "other"
"#;

    #[test]
    fn codex_toml_edits_keep_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, CODEX).unwrap();
        let edit = plan(
            &path,
            Format::Toml,
            Layout::CodexTables,
            "github",
            Action::MoveSecrets,
        )
        .unwrap();
        assert!(!edit.new_text.contains("ghp_FAKE"));
        assert!(edit.new_text.contains(r#"GITHUB_PERSONAL_ACCESS_TOKEN = "latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN" # yes, in plain text"#), "{}", edit.new_text);
        assert!(
            edit.new_text
                .starts_with("# Codex settings\nmodel = \"o4\"\n"),
            "{}",
            edit.new_text
        );
        assert!(
            edit.new_text
                .ends_with("[mcp_servers.other]\ncommand = \"other\"\n"),
            "{}",
            edit.new_text
        );
        let v: serde_json::Value = toml_edit::de::from_str(&edit.new_text).unwrap();
        assert_eq!(v["mcp_servers"]["github"]["args"][0], "run");
        std::fs::write(&path, &edit.new_text).unwrap();
        let edit = plan(
            &path,
            Format::Toml,
            Layout::CodexTables,
            "linear",
            Action::UseSignIn,
        )
        .unwrap();
        let v: serde_json::Value = toml_edit::de::from_str(&edit.new_text).unwrap();
        assert_eq!(
            v["mcp_servers"]["linear"],
            serde_json::json!({"command": "latchkey", "args": ["proxy", "https://mcp.linear.app/mcp"]})
        );
    }

    /// Claude Code and Codex keep their own remote entry, Latchkey its header helper.
    #[test]
    fn a_header_helper_entry_keeps_the_clients_own_connection() {
        let (_d, path) = file(CURSOR);
        let edit = plan(
            &path,
            Format::Jsonc,
            Layout::ClaudeJson,
            "linear",
            Action::UseHeadersHelper(Helper::ClaudeCode),
        )
        .unwrap();
        let v: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&edit.new_text, &Default::default()).unwrap();
        assert_eq!(
            v["mcpServers"]["linear"],
            serde_json::json!({"type": "http", "url": "https://mcp.linear.app/mcp",
                "headersHelper": "latchkey token 'https://mcp.linear.app/mcp' --header"}),
            "the mcp-remote wrapper's command is gone"
        );
        assert!(edit.new_text.contains("/* keep me */"));
        assert!(
            edit.summary[0].contains("no proxy process"),
            "{:?}",
            edit.summary
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, CODEX).unwrap();
        let edit = plan(
            &path,
            Format::Toml,
            Layout::CodexTables,
            "linear",
            Action::UseHeadersHelper(Helper::Codex),
        )
        .unwrap();
        let v: serde_json::Value = toml_edit::de::from_str(&edit.new_text).unwrap();
        assert_eq!(
            v["mcp_servers"]["linear"],
            serde_json::json!({"url": "https://mcp.linear.app/mcp",
                "http_headers_helper": "latchkey token 'https://mcp.linear.app/mcp' --header"}),
            "its own bearer token variable gives way to the helper"
        );
        assert!(edit.new_text.starts_with("# Codex settings\n"));
    }

    #[test]
    fn the_helper_command_quotes_the_url_for_a_shell() {
        assert_eq!(
            helper_command("https://a.example/mcp?x=1&y=2"),
            "latchkey token 'https://a.example/mcp?x=1&y=2' --header"
        );
        assert_eq!(
            helper_command("https://a.example/it's"),
            "latchkey token 'https://a.example/it'\\''s' --header"
        );
    }

    #[test]
    fn refusals_are_clear() {
        let (_d, path) = file(CURSOR);
        let rows = [
            (
                "unknown entry",
                "nope",
                Action::UseSignIn,
                "no server named",
            ),
            (
                "stdio entry cannot use sign-in",
                "github",
                Action::UseSignIn,
                "not a remote server",
            ),
            (
                "nothing to move",
                "linear",
                Action::MoveSecrets,
                "no env values",
            ),
        ];
        for (name, entry, action, want) in rows {
            let err = plan(&path, Format::Jsonc, Layout::McpServers, entry, action)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
        let err = plan(
            &path,
            Format::Jsonc,
            Layout::CodexTables,
            "x",
            Action::UseSignIn,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot change this file automatically"),
            "{err}"
        );
    }
}
