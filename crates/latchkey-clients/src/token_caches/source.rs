//! The tools whose token caches Latchkey imports, by the name `latchkey import <source>` takes
//! and the client whose cache each is.

use serde::Serialize;

use crate::model::ClientId;
use crate::{Error, Result};

/// A tool whose token cache can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    McpRemote,
    ClaudeCode,
    Codex,
    GeminiCli,
    Opencode,
    CopilotCli,
}

impl Source {
    pub const ALL: &[Source] = &[
        Source::McpRemote,
        Source::ClaudeCode,
        Source::Codex,
        Source::GeminiCli,
        Source::Opencode,
        Source::CopilotCli,
    ];

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Latchkey cannot import '{name}'; it imports: {}",
                    Self::ALL
                        .iter()
                        .map(|s| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::McpRemote => "mcp-remote",
            Source::ClaudeCode => "claude-code",
            Source::Codex => "codex",
            Source::GeminiCli => "gemini-cli",
            Source::Opencode => "opencode",
            Source::CopilotCli => "copilot-cli",
        }
    }

    /// The source that imports `client`'s token cache, if Latchkey imports it.
    pub fn of_client(client: ClientId) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.client() == client)
    }

    pub fn client(self) -> ClientId {
        match self {
            Source::McpRemote => ClientId::McpRemote,
            Source::ClaudeCode => ClientId::ClaudeCode,
            Source::Codex => ClientId::Codex,
            Source::GeminiCli => ClientId::GeminiCli,
            Source::Opencode => ClientId::Opencode,
            Source::CopilotCli => ClientId::CopilotCli,
        }
    }
}
