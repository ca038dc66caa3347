//! Where each client keeps its config files, per OS (docs/client-configs-verified.md gives the
//! sources: each client's docs and source). Pure path logic: the OS and
//! its base folders are inputs, so macOS and Windows layouts are tested on Linux.

use std::path::{Path, PathBuf};

use super::model::{ClientId, Format, Layout, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

/// The base folders paths are built from.
#[derive(Debug, Clone)]
pub struct PlatformDirs {
    pub os: Os,
    pub home: PathBuf,
    /// Windows `%APPDATA%` (Roaming).
    pub appdata: Option<PathBuf>,
    /// Windows `%LOCALAPPDATA%`.
    pub local_appdata: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME` (Linux; default `~/.config`).
    pub xdg_config: Option<PathBuf>,
    /// `$CLAUDE_CONFIG_DIR`, `$CODEX_HOME` when set.
    pub claude_config_dir: Option<PathBuf>,
    pub codex_home: Option<PathBuf>,
    /// `$XDG_DATA_HOME` (default `~/.local/share`; opencode uses it on every OS).
    pub xdg_data: Option<PathBuf>,
    /// `$COPILOT_HOME` (default `~/.copilot`) and `$MCP_REMOTE_CONFIG_DIR` (default
    /// `~/.mcp-auth`) when set.
    pub copilot_home: Option<PathBuf>,
    pub mcp_remote_config_dir: Option<PathBuf>,
    /// `$GEMINI_CLI_HOME`: Gemini CLI's stand-in for the home folder (its `.gemini` is there).
    pub gemini_cli_home: Option<PathBuf>,
}

impl PlatformDirs {
    /// This machine's folders, from the environment.
    pub fn current() -> Option<Self> {
        let home = dirs::home_dir()?;
        let os = if cfg!(target_os = "macos") {
            Os::Macos
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        };
        let env_path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Self {
            os,
            appdata: env_path("APPDATA"),
            local_appdata: env_path("LOCALAPPDATA"),
            xdg_config: env_path("XDG_CONFIG_HOME"),
            claude_config_dir: env_path("CLAUDE_CONFIG_DIR"),
            codex_home: env_path("CODEX_HOME"),
            xdg_data: env_path("XDG_DATA_HOME"),
            copilot_home: env_path("COPILOT_HOME"),
            mcp_remote_config_dir: env_path("MCP_REMOTE_CONFIG_DIR"),
            gemini_cli_home: env_path("GEMINI_CLI_HOME"),
            home,
        })
    }

    /// A home-only layout for tests and fixture homes.
    pub fn for_home(os: Os, home: &Path) -> Self {
        Self {
            os,
            appdata: (os == Os::Windows).then(|| home.join("AppData/Roaming")),
            local_appdata: (os == Os::Windows).then(|| home.join("AppData/Local")),
            xdg_config: None,
            claude_config_dir: None,
            codex_home: None,
            xdg_data: None,
            copilot_home: None,
            mcp_remote_config_dir: None,
            gemini_cli_home: None,
            home: home.to_path_buf(),
        }
    }

    /// Where desktop apps keep settings: `~/Library/Application Support`, `%APPDATA%`,
    /// `$XDG_CONFIG_HOME` (or `~/.config`).
    fn app_config(&self) -> PathBuf {
        match self.os {
            Os::Macos => self.home.join("Library/Application Support"),
            Os::Windows => self
                .appdata
                .clone()
                .unwrap_or_else(|| self.home.join("AppData/Roaming")),
            Os::Linux => self
                .xdg_config
                .clone()
                .unwrap_or_else(|| self.home.join(".config")),
        }
    }

    /// `~/.config` on macOS and Linux (tools that follow XDG there), `%APPDATA%` on Windows.
    fn xdg_style(&self) -> PathBuf {
        match self.os {
            Os::Windows => self.app_config(),
            Os::Macos => self.home.join(".config"),
            Os::Linux => self.app_config(),
        }
    }
}

/// VS Code and its forks, whose user-data folders host extensions (Cline, Roo Code).
const VSCODE_HOSTS: [&str; 5] = ["Code", "Code - Insiders", "Cursor", "Windsurf", "VSCodium"];

fn loc(
    client: ClientId,
    scope: &'static str,
    path: PathBuf,
    format: Format,
    layout: Layout,
) -> Location {
    Location {
        client,
        scope,
        path,
        format,
        layout,
    }
}

/// Every user-level location on this OS.
pub fn user_locations(d: &PlatformDirs) -> Vec<Location> {
    use ClientId::*;
    use Format::*;
    use Layout::*;
    let home = &d.home;
    let app = d.app_config();
    let mut out = vec![];

    // Claude Desktop (no official Linux build; community builds use ~/.config/Claude).
    out.push(loc(
        ClaudeDesktop,
        "user",
        app.join("Claude/claude_desktop_config.json"),
        Json,
        McpServers,
    ));
    if d.os == Os::Windows {
        let local = d
            .local_appdata
            .clone()
            .unwrap_or_else(|| home.join("AppData/Local"));
        out.push(loc(
            ClaudeDesktop,
            "user",
            local.join("Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json"),
            Json,
            McpServers,
        ));
    }
    // Claude Code: ~/.claude.json (user + local scopes), or $CLAUDE_CONFIG_DIR/.claude.json.
    let claude_dir = d.claude_config_dir.clone().unwrap_or_else(|| home.clone());
    out.push(loc(
        ClaudeCode,
        "user",
        claude_dir.join(".claude.json"),
        Json,
        ClaudeJson,
    ));
    let managed = match d.os {
        Os::Macos => PathBuf::from("/Library/Application Support/ClaudeCode/managed-mcp.json"),
        Os::Windows => PathBuf::from("C:/Program Files/ClaudeCode/managed-mcp.json"),
        Os::Linux => PathBuf::from("/etc/claude-code/managed-mcp.json"),
    };
    out.push(loc(ClaudeCode, "managed", managed, Json, McpServers));
    // Plugin-bundled servers: `.mcp.json` (a bare map or `mcpServers`) or inline in plugin.json.
    let plugins = claude_dir.join(".claude/plugins/cache/*/*/*");
    out.push(loc(
        ClaudeCode,
        "plugin",
        plugins.join(".mcp.json"),
        Json,
        McpServersOrBare,
    ));
    out.push(loc(
        ClaudeCode,
        "plugin",
        plugins.join(".claude-plugin/plugin.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        Cursor,
        "user",
        home.join(".cursor/mcp.json"),
        Json,
        McpServers,
    ));
    // VS Code (+ profiles, Insiders, the legacy settings.json key, the portable Copilot file).
    for (client, folder) in [(Vscode, "Code"), (VscodeInsiders, "Code - Insiders")] {
        let user = app.join(folder).join("User");
        out.push(loc(
            client,
            "user",
            user.join("mcp.json"),
            Jsonc,
            VscodeServers,
        ));
        out.push(loc(
            client,
            "profile",
            user.join("profiles/*/mcp.json"),
            Jsonc,
            VscodeServers,
        ));
        out.push(loc(
            client,
            "user",
            user.join("settings.json"),
            Jsonc,
            VscodeSettings,
        ));
    }
    // The portable Copilot file, shared by VS Code's Copilot harness and Copilot CLI (read once,
    // as VS Code's).
    let copilot = d
        .copilot_home
        .clone()
        .unwrap_or_else(|| home.join(".copilot"));
    out.push(loc(
        Vscode,
        "user",
        copilot.join("mcp-config.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        Windsurf,
        "user",
        home.join(".codeium/windsurf/mcp_config.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        Windsurf,
        "plugins",
        home.join(".codeium/mcp_config.json"),
        Json,
        McpServers,
    ));
    let zed = match d.os {
        Os::Windows => app.join("Zed/settings.json"),
        _ => d.xdg_style().join("zed/settings.json"),
    };
    out.push(loc(Zed, "user", zed, Jsonc, ZedContextServers));
    for host in VSCODE_HOSTS {
        let storage = app.join(host).join("User/globalStorage");
        out.push(loc(
            Cline,
            "user",
            storage.join("saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
            Json,
            McpServers,
        ));
        out.push(loc(
            RooCode,
            "user",
            storage.join("rooveterinaryinc.roo-cline/settings/mcp_settings.json"),
            Json,
            McpServers,
        ));
    }
    out.push(loc(
        Continue,
        "user",
        home.join(".continue/config.yaml"),
        Yaml,
        ContinueList,
    ));
    out.push(loc(
        GeminiCli,
        "user",
        d.gemini_cli_home
            .as_ref()
            .unwrap_or(home)
            .join(".gemini/settings.json"),
        Jsonc,
        McpServers,
    ));
    let gemini_system = match d.os {
        Os::Macos => PathBuf::from("/Library/Application Support/GeminiCli"),
        Os::Windows => PathBuf::from("C:/ProgramData/gemini-cli"),
        Os::Linux => PathBuf::from("/etc/gemini-cli"),
    };
    out.push(loc(
        GeminiCli,
        "system",
        gemini_system.join("settings.json"),
        Jsonc,
        McpServers,
    ));
    out.push(loc(
        GeminiCli,
        "extension",
        d.gemini_cli_home
            .as_ref()
            .unwrap_or(home)
            .join(".gemini/extensions/*/gemini-extension.json"),
        Jsonc,
        McpServers,
    ));
    let codex = d.codex_home.clone().unwrap_or_else(|| home.join(".codex"));
    out.push(loc(
        Codex,
        "user",
        codex.join("config.toml"),
        Toml,
        CodexTables,
    ));
    let goose = match d.os {
        Os::Windows => app.join("Block/goose/config/config.yaml"),
        _ => d.xdg_style().join("goose/config.yaml"),
    };
    out.push(loc(Goose, "user", goose, Yaml, GooseExtensions));
    out.push(loc(
        LmStudio,
        "user",
        home.join(".lmstudio/mcp.json"),
        Json,
        McpServers,
    ));
    if d.os == Os::Macos {
        out.push(loc(
            LmStudio,
            "user",
            home.join(".cache/lm-studio/mcp.json"),
            Json,
            McpServers,
        ));
    }
    out.push(loc(
        Jetbrains,
        "user",
        app.join("JetBrains/*/options/llm.mcpServers.xml"),
        Xml,
        JetbrainsXml,
    ));
    out.push(loc(
        Jetbrains,
        "user",
        home.join(".ai/mcp/mcp.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        Kiro,
        "user",
        home.join(".kiro/settings/mcp.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        AmazonQ,
        "user",
        home.join(".aws/amazonq/mcp.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        AmazonQ,
        "agent",
        home.join(".aws/amazonq/cli-agents/*.json"),
        Json,
        McpServers,
    ));
    out.push(loc(
        AmazonQ,
        "ide",
        home.join(".aws/amazonq/agents/default.json"),
        Json,
        McpServers,
    ));
    // opencode follows XDG (xdg-basedir) on every OS, so ~/.config on Windows too.
    let opencode = match d.os {
        Os::Windows => home.join(".config/opencode"),
        _ => d.xdg_style().join("opencode"),
    };
    out.push(loc(
        Opencode,
        "user",
        opencode.join("opencode.json"),
        Jsonc,
        OpencodeMcp,
    ));
    out.push(loc(
        Opencode,
        "user",
        opencode.join("opencode.jsonc"),
        Jsonc,
        OpencodeMcp,
    ));
    out.push(loc(
        Opencode,
        "user",
        home.join(".agents/mcp.json"),
        Json,
        BareMap,
    ));
    out.extend(token_cache_locations(d, &copilot, &codex));
    out
}

/// Where tools keep MCP sign-ins in plain text (see `token_caches`). Folders for mcp-remote
/// (every `mcp-remote-*` generation) and Copilot CLI, files for the others.
fn token_cache_locations(d: &PlatformDirs, copilot: &Path, codex: &Path) -> Vec<Location> {
    use ClientId::*;
    let home = &d.home;
    let cache = |client, path| {
        loc(
            client,
            "token cache",
            path,
            Format::Json,
            Layout::TokenCache,
        )
    };
    let mcp_remote = d
        .mcp_remote_config_dir
        .clone()
        .unwrap_or_else(|| home.join(".mcp-auth"));
    let claude = d
        .claude_config_dir
        .clone()
        .unwrap_or_else(|| home.join(".claude"));
    let gemini = d.gemini_cli_home.as_ref().unwrap_or(home);
    let data = d
        .xdg_data
        .clone()
        .unwrap_or_else(|| home.join(".local/share"));
    vec![
        cache(McpRemote, mcp_remote.join("mcp-remote-*")),
        cache(ClaudeCode, claude.join(".credentials.json")),
        cache(Codex, codex.join(".credentials.json")),
        cache(GeminiCli, gemini.join(".gemini/mcp-oauth-tokens.json")),
        cache(Opencode, data.join("opencode/mcp-auth.json")),
        cache(CopilotCli, copilot.join("mcp-oauth-config")),
    ]
}

/// Every project-level location under `project`.
pub fn project_locations(project: &Path) -> Vec<Location> {
    use ClientId::*;
    use Format::*;
    use Layout::*;
    let p = |rel: &str| project.join(rel);
    vec![
        loc(ClaudeCode, "project", p(".mcp.json"), Json, McpServers),
        loc(Cursor, "project", p(".cursor/mcp.json"), Json, McpServers),
        loc(
            Vscode,
            "workspace",
            p(".vscode/mcp.json"),
            Jsonc,
            VscodeServers,
        ),
        loc(
            Zed,
            "project",
            p(".zed/settings.json"),
            Jsonc,
            ZedContextServers,
        ),
        loc(RooCode, "project", p(".roo/mcp.json"), Json, McpServers),
        loc(
            Continue,
            "workspace",
            p(".continue/mcpServers/*.yaml"),
            Yaml,
            ContinueList,
        ),
        loc(
            Continue,
            "workspace",
            p(".continue/mcpServers/*.json"),
            Json,
            McpServers,
        ),
        loc(
            GeminiCli,
            "project",
            p(".gemini/settings.json"),
            Jsonc,
            McpServers,
        ),
        loc(Codex, "project", p(".codex/config.toml"), Toml, CodexTables),
        loc(
            Jetbrains,
            "project",
            p(".ai/mcp/mcp.json"),
            Json,
            McpServers,
        ),
        loc(
            Kiro,
            "workspace",
            p(".kiro/settings/mcp.json"),
            Json,
            McpServers,
        ),
        loc(
            AmazonQ,
            "workspace",
            p(".amazonq/mcp.json"),
            Json,
            McpServers,
        ),
        loc(
            AmazonQ,
            "workspace",
            p(".amazonq/default.json"),
            Json,
            McpServers,
        ),
        loc(
            Jetbrains,
            "project",
            p(".idea/workspace.xml"),
            Xml,
            JetbrainsXml,
        ),
        loc(
            Jetbrains,
            "project",
            p(".idea/.idea.*/.idea/workspace.xml"),
            Xml,
            JetbrainsXml,
        ),
        loc(Opencode, "project", p("opencode.json"), Jsonc, OpencodeMcp),
        loc(Opencode, "project", p("opencode.jsonc"), Jsonc, OpencodeMcp),
        loc(
            Opencode,
            "project",
            p(".opencode/opencode.json"),
            Jsonc,
            OpencodeMcp,
        ),
        loc(Opencode, "project", p(".agents/mcp.json"), Json, BareMap),
    ]
}

/// Expand `*` components (any number) by listing folders; sorted, so scans are stable.
pub fn expand(pattern: &Path) -> Vec<PathBuf> {
    let parts: Vec<_> = pattern.components().collect();
    let Some(star) = parts
        .iter()
        .position(|c| c.as_os_str().to_str().is_some_and(|s| s.contains('*')))
    else {
        return vec![pattern.to_path_buf()];
    };
    let dir: PathBuf = parts[..star].iter().collect();
    let glob = parts[star].as_os_str().to_string_lossy().into_owned();
    let (prefix, suffix) = glob.split_once('*').unwrap_or((&glob, ""));
    let rest: PathBuf = parts[star + 1..].iter().collect();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| {
                    n.starts_with(prefix)
                        && n.ends_with(suffix)
                        && n.len() >= prefix.len() + suffix.len()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .flat_map(|n| {
            let matched = dir.join(n);
            if rest.as_os_str().is_empty() {
                vec![matched]
            } else if matched.is_dir() {
                expand(&matched.join(&rest))
            } else {
                vec![] // a file where a folder is wanted: nothing below it
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(locs: &[Location], client: ClientId) -> Vec<String> {
        locs.iter()
            .filter(|l| l.client == client)
            .map(|l| l.path.to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn per_os_paths_rows() {
        let rows = [
            (
                Os::Linux,
                "/home/ada",
                ClientId::ClaudeDesktop,
                "/home/ada/.config/Claude/claude_desktop_config.json",
            ),
            (
                Os::Macos,
                "/Users/ada",
                ClientId::ClaudeDesktop,
                "/Users/ada/Library/Application Support/Claude/claude_desktop_config.json",
            ),
            (
                Os::Windows,
                "C:/Users/ada",
                ClientId::ClaudeDesktop,
                "C:/Users/ada/AppData/Roaming/Claude/claude_desktop_config.json",
            ),
            (
                Os::Windows,
                "C:/Users/ada",
                ClientId::ClaudeDesktop,
                "C:/Users/ada/AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::Vscode,
                "/home/ada/.config/Code/User/mcp.json",
            ),
            (
                Os::Macos,
                "/Users/ada",
                ClientId::Vscode,
                "/Users/ada/Library/Application Support/Code/User/profiles/*/mcp.json",
            ),
            (
                Os::Windows,
                "C:/Users/ada",
                ClientId::VscodeInsiders,
                "C:/Users/ada/AppData/Roaming/Code - Insiders/User/mcp.json",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::Zed,
                "/home/ada/.config/zed/settings.json",
            ),
            (
                Os::Macos,
                "/Users/ada",
                ClientId::Zed,
                "/Users/ada/.config/zed/settings.json",
            ),
            (
                Os::Windows,
                "C:/Users/ada",
                ClientId::Zed,
                "C:/Users/ada/AppData/Roaming/Zed/settings.json",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::Cline,
                "/home/ada/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
            ),
            (
                Os::Windows,
                "C:/Users/ada",
                ClientId::Goose,
                "C:/Users/ada/AppData/Roaming/Block/goose/config/config.yaml",
            ),
            (
                Os::Macos,
                "/Users/ada",
                ClientId::Goose,
                "/Users/ada/.config/goose/config.yaml",
            ),
            (
                Os::Macos,
                "/Users/ada",
                ClientId::LmStudio,
                "/Users/ada/.cache/lm-studio/mcp.json",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::Jetbrains,
                "/home/ada/.config/JetBrains/*/options/llm.mcpServers.xml",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::Codex,
                "/home/ada/.codex/config.toml",
            ),
            (
                Os::Linux,
                "/home/ada",
                ClientId::ClaudeCode,
                "/etc/claude-code/managed-mcp.json",
            ),
        ];
        for (os, home, client, want) in rows {
            let locs = user_locations(&PlatformDirs::for_home(os, Path::new(home)));
            assert!(
                find(&locs, client).iter().any(|p| p == want),
                "{os:?} {client:?}: {want} not in {:?}",
                find(&locs, client)
            );
        }
    }

    #[test]
    fn environment_overrides_move_claude_code_and_codex() {
        let mut d = PlatformDirs::for_home(Os::Linux, Path::new("/home/ada"));
        d.claude_config_dir = Some("/cfg/claude".into());
        d.codex_home = Some("/cfg/codex".into());
        d.xdg_config = Some("/xdg".into());
        let locs = user_locations(&d);
        assert!(
            find(&locs, ClientId::ClaudeCode).contains(&"/cfg/claude/.claude.json".to_string())
        );
        assert!(find(&locs, ClientId::Codex).contains(&"/cfg/codex/config.toml".to_string()));
        assert!(find(&locs, ClientId::Zed).contains(&"/xdg/zed/settings.json".to_string()));
    }

    #[test]
    fn token_caches_follow_each_tools_own_variables() {
        let caches = |d: &PlatformDirs| -> Vec<String> {
            user_locations(d)
                .into_iter()
                .filter(|l| l.layout == Layout::TokenCache)
                .map(|l| l.path.to_string_lossy().replace('\\', "/"))
                .collect()
        };
        let plain = PlatformDirs::for_home(Os::Linux, Path::new("/home/ada"));
        assert_eq!(
            caches(&plain),
            [
                "/home/ada/.mcp-auth/mcp-remote-*",
                "/home/ada/.claude/.credentials.json",
                "/home/ada/.codex/.credentials.json",
                "/home/ada/.gemini/mcp-oauth-tokens.json",
                "/home/ada/.local/share/opencode/mcp-auth.json",
                "/home/ada/.copilot/mcp-oauth-config",
            ]
        );
        let mut moved = plain.clone();
        moved.mcp_remote_config_dir = Some("/m".into());
        moved.claude_config_dir = Some("/c".into());
        moved.codex_home = Some("/x".into());
        moved.gemini_cli_home = Some("/g".into());
        moved.xdg_data = Some("/d".into());
        moved.copilot_home = Some("/p".into());
        assert_eq!(
            caches(&moved),
            [
                "/m/mcp-remote-*",
                "/c/.credentials.json",
                "/x/.credentials.json",
                "/g/.gemini/mcp-oauth-tokens.json",
                "/d/opencode/mcp-auth.json",
                "/p/mcp-oauth-config",
            ]
        );
    }

    #[test]
    fn every_client_has_a_user_location_on_every_os() {
        for os in [Os::Linux, Os::Macos, Os::Windows] {
            let locs = user_locations(&PlatformDirs::for_home(os, Path::new("/h")));
            for client in ClientId::ALL {
                assert!(
                    locs.iter().any(|l| l.client == client),
                    "{os:?}: no location for {client:?}"
                );
            }
        }
    }

    #[test]
    fn expand_lists_one_star_component() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["a/options", "b/options", "c/other"] {
            std::fs::create_dir_all(dir.path().join(p)).unwrap();
        }
        let got = expand(&dir.path().join("*/options/x.xml"));
        assert_eq!(
            got,
            vec![
                dir.path().join("a/options/x.xml"),
                dir.path().join("b/options/x.xml"),
                dir.path().join("c/options/x.xml")
            ]
        );
        assert!(expand(&dir.path().join("*.yaml")).is_empty());
        std::fs::write(dir.path().join("a/options/x.xml"), "").unwrap();
        std::fs::write(dir.path().join("b.yaml"), "").unwrap();
        assert_eq!(
            expand(&dir.path().join("*.yaml")),
            vec![dir.path().join("b.yaml")],
            "no trailing slash"
        );
        std::fs::create_dir_all(dir.path().join("m/p/1.0")).unwrap();
        std::fs::write(dir.path().join("m/p/1.0/.mcp.json"), "").unwrap();
        assert_eq!(
            expand(&dir.path().join("*/*/*/.mcp.json")),
            vec![dir.path().join("m/p/1.0/.mcp.json")],
            "several stars"
        );
    }
}
