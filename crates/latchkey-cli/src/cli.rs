//! The command-line contract (docs/cli.md; tests depend on it): extend, never break.

use std::io::Read;

use clap::{Args, Parser, Subcommand};
use latchkey_core::oauth::registration::ClientOptions;
use latchkey_core::secrets::secret::Secret;
use latchkey_core::{Error, Result};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "One sign-in for every MCP client: OAuth for MCP servers, tokens in the OS keychain"
)]
pub struct Cli {
    /// More log output on stderr (-v, -vv).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The Latchkey home to use (as LATCHKEY_HOME does), for MCP clients that drop
    /// environment variables from a server's environment (Gemini CLI drops every name with
    /// KEY in it): `latchkey --home DIR proxy <url>`.
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to an MCP server: discover its authorization server, register, open the browser.
    Connect(ConnectArgs),
    /// Servers and grants: url, status, scopes, expiry, account.
    List {
        /// Machine-readable output (schema in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Print a valid access token for a server, refreshed first when due.
    Token {
        /// The server URL or its name from `list`.
        server: String,
        #[arg(long)]
        json: bool,
        /// For a DPoP-bound grant: also a proof for one request, METHOD to URL (the token is
        /// useless without one).
        #[arg(long, num_args = 2, value_names = ["METHOD", "URL"])]
        dpop_proof: Option<Vec<String>>,
        /// Print the request headers as a JSON object (`{"Authorization": "Bearer …"}`): what a
        /// client's header helper prints (Claude Code `headersHelper`, Codex
        /// `http_headers_helper`).
        #[arg(long, conflicts_with_all = ["json", "dpop_proof"])]
        header: bool,
    },
    /// Refresh now: one server, or every grant with `--all`.
    Refresh {
        server: Option<String>,
        #[arg(long, conflicts_with = "server")]
        all: bool,
    },
    /// Revoke at the authorization server (RFC 7009), then delete locally.
    Revoke {
        server: String,
        /// Only delete the local tokens; do not contact the server.
        #[arg(long)]
        local: bool,
    },
    /// A stdio <-> Streamable HTTP (and legacy SSE) bridge for MCP clients; drop-in for `npx mcp-remote <url>`.
    Proxy(ProxyArgs),
    /// Check the keychain, the browser and the data directory: what works, what to fix. With a
    /// server URL: a checkup of that server's sign-in, one line per check with the spec section
    /// (exit 0 all ok, 3 warnings, 1 a failure), to fix it or send to its authors.
    Doctor {
        server: Option<String>,
        /// Machine-readable checkup (schema in docs/cli.md).
        #[arg(long, requires = "server")]
        json: bool,
    },
    /// The audit log: connected, refreshed, refresh failed (and why), revoked, tokens handed out.
    Log {
        /// Only this server (URL or name).
        server: Option<String>,
        #[arg(long)]
        json: bool,
        /// How many events, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Keep every grant fresh in the background (for machines without the desktop app).
    Daemon,
    /// Secrets for local MCP servers (API keys), kept in the keychain for `latchkey run`.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Company identity providers, for enterprise-managed authorization (SEP-990): sign in
    /// once there, then `latchkey connect <url> --via-idp <issuer>` needs no browser per server.
    #[command(subcommand)]
    Idp(IdpCommand),
    /// Start a local stdio MCP server with `latchkey:<name>` environment values replaced by
    /// keychain secrets: `latchkey run -- npx -y @modelcontextprotocol/server-github`.
    Run {
        /// Pass this variable to the command after all (repeatable). Without it, the secret
        /// stores' credentials (BAO_TOKEN, VAULT_TOKEN, OP_SERVICE_ACCOUNT_TOKEN,
        /// OP_CONNECT_TOKEN, OP_SESSION_*) and LATCHKEY_* are removed from its environment.
        #[arg(long = "keep-env", value_name = "NAME")]
        keep_env: Vec<String>,
        /// The command and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Act on a finding: rewrite one entry of a client's config file (a backup is kept).
    Adopt {
        /// The entry's name in the client's config file.
        name: String,
        /// The config file (default: the one file that has an entry of that name).
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// Replace an `mcp-remote` wrapper or remote entry with `latchkey proxy <url>`.
        #[arg(
            long,
            conflicts_with = "move_secrets",
            required_unless_present = "move_secrets"
        )]
        use_sign_in: bool,
        /// Move plain-text env secrets to the keychain; the entry starts via `latchkey run`.
        #[arg(long)]
        move_secrets: bool,
        /// With --use-sign-in, for Claude Code and Codex: keep the client's own remote entry and
        /// give it Latchkey's token through its header helper (`latchkey token <url> --header`),
        /// so no proxy process runs.
        #[arg(long, requires = "use_sign_in")]
        native: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Move the sign-ins another tool keeps in plain text into Latchkey, with no new sign-in:
    /// each file is backed up, its tokens removed, and the clients' entries that start the tool
    /// run `latchkey proxy` instead. `latchkey restore` puts the files back.
    Import {
        /// The tool whose token cache to import.
        #[arg(value_parser = ["mcp-remote", "claude-code", "codex", "gemini-cli", "opencode", "copilot-cli"])]
        source: String,
        /// Revoke the cached tokens at their servers (RFC 7009) and delete them instead.
        #[arg(long)]
        revoke_instead: bool,
        /// A server no client config names (one started by hand); repeatable.
        #[arg(long = "server", value_name = "URL")]
        servers: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Machine-readable result (schema in docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Put client config files back as they were before Latchkey changed them.
    Restore {
        /// The backups to restore (see --list); several undo a whole `latchkey setup`.
        ids: Vec<i64>,
        #[arg(long, conflicts_with = "ids")]
        list: bool,
    },
    /// The first-run pass: every secret in plain text to the keychain and every remote entry
    /// through Latchkey's sign-in (one consent, a backup per file), then a sign-in to each remote
    /// server, one after the other.
    Setup {
        /// Do not ask for confirmation.
        #[arg(long, conflicts_with = "dry_run")]
        yes: bool,
        /// Show every change as a diff (values redacted) and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Change the files only; no sign-ins afterwards.
        #[arg(long)]
        no_connect: bool,
    },
    /// MCP client config files found on this machine, their servers, and findings.
    Clients {
        #[arg(long)]
        json: bool,
        /// Also scan this project folder (repeatable). The current folder and every project
        /// Claude Code knows are always scanned.
        #[arg(long = "project")]
        projects: Vec<std::path::PathBuf>,
        /// Keep watching: print the list again (with --json: one JSON line) after every change.
        #[arg(long)]
        watch: bool,
    },
    /// Print the shell completion script: `source <(latchkey completions bash)`, or save it
    /// where the shell looks (the .deb installs them).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `latchkey man | man -l -`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum IdpCommand {
    /// Keep the identity provider ISSUER: Latchkey's client there and the person's ID token,
    /// from a sign-in in the browser now (OpenID Connect; kept and renewed by Latchkey) or from
    /// a file single sign-on set up elsewhere keeps current (read again at every use).
    Connect {
        issuer: String,
        /// The client id Latchkey has at the identity provider.
        #[arg(long)]
        client_id: String,
        /// Read that client's secret from standard input.
        #[arg(long)]
        client_secret_stdin: bool,
        /// The file holding the person's ID token from the identity provider (instead of a
        /// sign-in in the browser).
        #[arg(long, value_name = "FILE")]
        id_token_file: Option<std::path::PathBuf>,
        /// Do not open a browser: print the sign-in address, and take the address the browser
        /// ends at, pasted here, as well as the loopback redirect.
        #[arg(long, conflicts_with = "id_token_file")]
        no_browser: bool,
    },
    /// The identity providers kept, and how many grants came via each.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Forget an identity provider: every grant obtained via it waits for a reconnect.
    Rm { issuer: String },
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret; the value is read from standard input (never from the command line).
    Set { name: String },
    /// The names of the stored secrets (never their values).
    Ls {
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret.
    Rm { name: String },
    /// Move every secret and grant to another backend (keychain | pass | openbao | vault),
    /// verifying each copy before the source is deleted; run it again to finish an interrupted
    /// move.
    Migrate {
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct ClientFlags {
    /// A client id registered with the authorization server beforehand.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the client secret for --client-id from standard input (never from argv).
    #[arg(long, requires = "client_id")]
    pub client_secret_stdin: bool,
    /// An https URL serving Latchkey's Client ID Metadata Document, used when the
    /// authorization server supports them.
    #[arg(long, env = "LATCHKEY_CLIENT_METADATA_URL")]
    pub client_metadata_url: Option<String>,
}

impl ClientFlags {
    /// Turn the client flags into core options, reading the secret from stdin when asked.
    pub fn options(&self) -> Result<ClientOptions> {
        let client_secret = if self.client_secret_stdin {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| {
                Error::InvalidInput(format!("cannot read the client secret from stdin: {e}"))
            })?;
            let s = s.trim_end_matches(['\r', '\n']).to_string();
            if s.is_empty() {
                return Err(Error::InvalidInput(
                    "--client-secret-stdin: standard input was empty".into(),
                ));
            }
            Some(Secret::new(s))
        } else {
            None
        };
        Ok(ClientOptions {
            client_id: self.client_id.clone(),
            client_secret,
            client_metadata_url: self.client_metadata_url.clone(),
            private_key: None,
        })
    }
}

#[derive(Debug, Args, Default)]
pub struct ConnectArgs {
    /// The MCP server's URL (https; plain http only on a loopback address).
    pub server_url: String,
    /// A scope to request (repeatable). Default: what the server asks for.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    #[command(flatten)]
    pub client: ClientFlags,
    /// Print the sign-in URL instead of opening a browser, then wait.
    #[arg(long)]
    pub no_browser: bool,
    /// Sign in as another account (kept beside the existing one; the server is asked to show
    /// its login with `prompt=login`).
    #[arg(long)]
    pub another_account: bool,
    /// Sign in with a code entered on any device (RFC 8628 device authorization grant), when
    /// the authorization server offers it: for a machine with no browser at all.
    #[arg(long, conflicts_with_all = ["client_credentials", "workload_token_file", "via_idp", "another_account"])]
    pub device: bool,
    /// No person, no browser: the client credentials grant with --client-id and its secret
    /// (--client-secret-stdin) or private key (--private-key-file). Renewed by asking again.
    #[arg(long, requires = "client_id", conflicts_with_all = ["no_browser", "another_account", "workload_token_file"])]
    pub client_credentials: bool,
    /// The client's PEM private key, for `private_key_jwt` (read once and kept in the secret
    /// store, never in SQLite). Needs --client-credentials.
    #[arg(
        long,
        value_name = "PEM",
        requires = "client_credentials",
        conflicts_with = "client_secret_stdin"
    )]
    pub private_key_file: Option<std::path::PathBuf>,
    /// The key's algorithm: ES256 (P-256 key) or RS256 (RSA key). Default: from the key.
    #[arg(long, value_name = "ALG", requires = "private_key_file")]
    pub signing_alg: Option<String>,
    /// Enterprise-managed authorization: an identity assertion from this identity provider
    /// (kept with `latchkey idp connect`), redeemed with --client-id (and
    /// --client-secret-stdin). No browser; renewed by asking the provider again.
    #[arg(long, value_name = "ISSUER", requires = "client_id", conflicts_with_all = ["no_browser", "another_account", "client_credentials", "workload_token_file"])]
    pub via_idp: Option<String>,
    /// Workload identity federation: the RFC 7523 JWT-bearer grant with the JWT in FILE (a
    /// Kubernetes or CI token), read again at every renewal. Needs --client-id.
    #[arg(long, value_name = "FILE", requires = "client_id", conflicts_with_all = ["no_browser", "another_account"])]
    pub workload_token_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// The MCP server's URL.
    pub server_url: String,
    /// A static header for every request, 'Name: value' (repeatable).
    #[arg(long = "header")]
    pub headers: Vec<String>,
    #[command(flatten)]
    pub client: ClientFlags,
    /// Print the sign-in URL on stderr instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Which MCP revision to speak to the server: `auto` finds out (and remembers it), `2025`
    /// always opens an `initialize` session (for a server that speaks both and whose 2026-07-28
    /// side misbehaves), `2026` never falls back to `initialize`.
    #[arg(long, value_enum, default_value_t = ServerProtocol::Auto)]
    pub protocol: ServerProtocol,
}

/// `latchkey proxy --protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerProtocol {
    Auto,
    #[value(name = "2025")]
    Legacy,
    #[value(name = "2026")]
    Modern,
}
