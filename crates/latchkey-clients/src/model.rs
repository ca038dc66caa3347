//! What a scan reports. Serialised by `latchkey clients --json` (docs/cli.md): stable.

use serde::Serialize;

/// The MCP clients Latchkey knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientId {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    Vscode,
    VscodeInsiders,
    Windsurf,
    Zed,
    Cline,
    RooCode,
    Continue,
    GeminiCli,
    Codex,
    Goose,
    LmStudio,
    Jetbrains,
    Kiro,
    AmazonQ,
    Opencode,
    CopilotCli,
    /// Not a client but the wrapper many clients run (`npx mcp-remote <url>`): it keeps its
    /// own sign-ins, so its token cache is reported like a client's.
    McpRemote,
}

impl ClientId {
    pub const ALL: [ClientId; 20] = [
        ClientId::ClaudeDesktop,
        ClientId::ClaudeCode,
        ClientId::Cursor,
        ClientId::Vscode,
        ClientId::VscodeInsiders,
        ClientId::Windsurf,
        ClientId::Zed,
        ClientId::Cline,
        ClientId::RooCode,
        ClientId::Continue,
        ClientId::GeminiCli,
        ClientId::Codex,
        ClientId::Goose,
        ClientId::LmStudio,
        ClientId::Jetbrains,
        ClientId::Kiro,
        ClientId::AmazonQ,
        ClientId::Opencode,
        ClientId::CopilotCli,
        ClientId::McpRemote,
    ];

    pub fn display_name(self) -> &'static str {
        match self {
            ClientId::ClaudeDesktop => "Claude Desktop",
            ClientId::ClaudeCode => "Claude Code",
            ClientId::Cursor => "Cursor",
            ClientId::Vscode => "VS Code",
            ClientId::VscodeInsiders => "VS Code Insiders",
            ClientId::Windsurf => "Windsurf",
            ClientId::Zed => "Zed",
            ClientId::Cline => "Cline",
            ClientId::RooCode => "Roo Code",
            ClientId::Continue => "Continue",
            ClientId::GeminiCli => "Gemini CLI",
            ClientId::Codex => "Codex",
            ClientId::Goose => "Goose",
            ClientId::LmStudio => "LM Studio",
            ClientId::Jetbrains => "JetBrains AI Assistant",
            ClientId::Kiro => "Kiro",
            ClientId::AmazonQ => "Amazon Q",
            ClientId::Opencode => "opencode",
            ClientId::CopilotCli => "Copilot CLI",
            ClientId::McpRemote => "mcp-remote",
        }
    }
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Strict JSON: the client itself rejects comments and trailing commas.
    Json,
    /// JSON with comments and trailing commas (VS Code, Zed, Gemini CLI, opencode .jsonc).
    Jsonc,
    Toml,
    Yaml,
    Xml,
}

/// Which schema a file's servers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `mcpServers: { name: {command, args, env} | {url, headers} }` (most clients).
    McpServers,
    /// `~/.claude.json`: user-scope `mcpServers` and `projects[path].mcpServers`.
    ClaudeJson,
    /// VS Code `mcp.json`: `servers: {...}`.
    VscodeServers,
    /// VS Code `settings.json`: `mcp.servers`.
    VscodeSettings,
    /// Zed `context_servers`.
    ZedContextServers,
    /// Continue YAML: `mcpServers` is a list of `{name, ...}`.
    ContinueList,
    /// Codex TOML: `[mcp_servers.<name>]`.
    CodexTables,
    /// Goose YAML: `extensions.<name>`.
    GooseExtensions,
    /// opencode: `mcp.<name>` (or `mcp.servers.<name>`).
    OpencodeMcp,
    /// A bare `name -> server` map (opencode `.agents/mcp.json`).
    BareMap,
    /// `mcpServers` when present, else a bare map (Claude Code plugin `.mcp.json`).
    McpServersOrBare,
    /// JetBrains `llm.mcpServers.xml`.
    JetbrainsXml,
    /// Not a config file: where the client keeps its MCP sign-ins (access and refresh
    /// tokens) in plain text. The client says which format ([`super::token_caches`]).
    TokenCache,
}

/// Where a config file is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub client: ClientId,
    /// `user`, `project`, `local`, `workspace`, `profile`, `managed`, ...
    pub scope: &'static str,
    /// May contain one `*` path component (profiles, JetBrains product folders, block files).
    pub path: std::path::PathBuf,
    pub format: Format,
    pub layout: Layout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Stdio,
    StreamableHttp,
    Sse,
    Unknown,
}

/// Something about an entry (or a file) the user should know, with what Latchkey can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A secret in plain text. `at` names where (`env.GITHUB_TOKEN`, `headers.Authorization`,
    /// `args[3]`); the value itself is never kept.
    PlaintextSecret { at: String, looks_like: String },
    /// `npx mcp-remote <url>`: Latchkey's proxy can take it over.
    McpRemoteWrapper { url: String },
    /// A remote server over plain http to a non-loopback host.
    PlainHttp { url: String },
    /// The client itself will reject this file (e.g. a trailing comma in strict JSON).
    ClientWillReject { reason: String },
    /// The file could not be read or parsed; nothing from it is shown.
    Unreadable { reason: String },
    /// A token cache holds `grants` usable sign-ins in plain text (`refreshable` of them with
    /// a refresh token), to `servers` (the ones it can name: a URL, else the entry's name).
    /// `readable_by_others`: other users on the machine may read the file. Never a value.
    PlaintextTokenCache {
        grants: u32,
        refreshable: u32,
        servers: Vec<String>,
        readable_by_others: bool,
    },
}

/// One server entry in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfiguredServer {
    pub name: String,
    pub transport: Transport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub args: Vec<String>,
    /// Names only: values are never kept.
    pub env: Vec<String>,
    /// Names only.
    pub headers: Vec<String>,
    pub disabled: bool,
    /// Claude Code's local scope: the project path the entry belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub findings: Vec<Finding>,
}

/// A file as the scan found it.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub client: ClientId,
    pub scope: &'static str,
    pub path: std::path::PathBuf,
    pub format: Format,
    pub layout: Layout,
    pub servers: Vec<ConfiguredServer>,
    /// File-level findings (unreadable, will be rejected by the client).
    pub findings: Vec<Finding>,
}

/// A client's use of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Use {
    pub client: ClientId,
    pub scope: &'static str,
    pub path: std::path::PathBuf,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// One server, however many clients and files use it.
#[derive(Debug, Clone, Serialize)]
pub struct KnownServer {
    /// The endpoint: a remote URL (also behind `mcp-remote`), or `command args...`.
    pub key: String,
    pub transport: Transport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub headers: Vec<String>,
    pub used_by: Vec<Use>,
    pub findings: Vec<Finding>,
}
