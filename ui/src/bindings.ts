// Generated from crates/latchkey-core/src/overview (ts-rs). Do not edit: run
// `LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-core bindings` after changing them.

export type Overview = { servers: Array<ServerView>, attention_count: number, 
/**
 * When a status will change by the clock alone (a warning starts, a token expires).
 */
next_change_at: number | null, generated_at: number, 
/**
 * What the MCP clients' config files need (plain-text secrets, `mcp-remote` wrappers...),
 * each with the fix Latchkey can make.
 */
config_findings: Array<ConfigFinding>, 
/**
 * What needs the person, counted: servers and config files alike.
 */
needs_you: NeedsYou, };

export type ServerView = { 
/**
 * The canonical URL: the key every action takes.
 */
url: string, 
/**
 * `host/path`, as `latchkey list` names it.
 */
name: string, host: string, 
/**
 * MCP clients whose config files use this server.
 */
clients: Array<string>, 
/**
 * The default account's status (or the server's, when nobody is signed in).
 */
status: Status, scopes: Array<ScopeChip>, account: string | null, 
/**
 * Every signed-in account, the default first.
 */
accounts: Array<AccountView>, 
/**
 * Why it needs the person now, in plain words.
 */
attention: string | null, 
/**
 * `false`: found only in an MCP client's config file; Latchkey has not signed in yet.
 */
known_to_latchkey: boolean, };

export type AccountView = { grant_id: number, account: string | null, is_default: boolean, status: Status, };

export type ScopeChip = { name: string, access: ScopeAccess, };

export type ScopeAccess = "identity" | "read" | "write";

export type Status = { "kind": "connected", 
/**
 * Unix seconds; `None` when the server gave no lifetime.
 */
expires_at: number | null, refreshes_automatically: boolean, } | { "kind": "expired" } | { "kind": "needs_reconnect", reason: string | null, } | { "kind": "not_connected" } | { "kind": "refreshing" } | { "kind": "no_sign_in_needed" };

export type ServerDetail = { server: ServerView, 
/**
 * The protected resource the tokens are bound to (RFC 8707).
 */
resource: string | null, issuer: string | null, 
/**
 * The account shown in this detail (the default unless another was asked for).
 */
grant: GrantDetail | null, history: Array<HistoryEntry>, };

export type GrantDetail = { grant_id: number, account: string | null, 
/**
 * Public client identifier (never a secret).
 */
client_id: string, 
/**
 * "Dynamic client registration (RFC 7591)", ...
 */
registered_by: string, requested_scopes: Array<string>, granted_scopes: Array<ScopeChip>, connected_at: number, 
/**
 * When the current access token was issued (the last refresh, or the sign-in).
 */
issued_at: number, expires_at: number | null, next_refresh_at: number | null, has_refresh_token: boolean, 
/**
 * How the tokens are obtained and renewed: "Browser sign-in", "Client credentials", ...
 */
obtained_by: string, 
/**
 * `true`: Revoke tells the authorization server (RFC 7009); `false`: it can only remove the
 * tokens here, and the server-side grant remains until it expires.
 */
revokes_at_server: boolean, };

export type HistoryEntry = { at: number, 
/**
 * connected | refreshed | refresh_failed | needs_reconnect | revoked | revoked_locally |
 * token_handed_out
 */
event: string, detail: string | null, };

export type Problem = { kind: ErrorKind, 
/**
 * What happened and what to do, in plain words.
 */
message: string, 
/**
 * The technical detail (the error as the CLI prints it).
 */
detail: string, };

export type ErrorKind = "invalid" | "user_must_act" | "grant_rejected" | "transient";

export type ConnectStep = "discovering" | "registering" | "waiting_for_browser" | "waiting_for_code" | "exchanging" | "connected" | "no_sign_in_needed" | "failed" | "cancelled";

export type ConnectUpdate = { url: string, step: ConnectStep, 
/**
 * The authorization server, once discovered.
 */
issuer: string | null, 
/**
 * Connected: the scopes granted.
 */
scopes: Array<ScopeChip>, account: string | null, 
/**
 * Failed: what went wrong, in plain words, with the detail one click away.
 */
problem: Problem | null, 
/**
 * Waiting for the browser: the server also offers sign-in with a code ("Use a code instead").
 */
device_offered: boolean, 
/**
 * Waiting for the code: what to enter, and where.
 */
device_code: DeviceCodeShown | null, };

export type DeviceCodeShown = { user_code: string, verification_uri: string, 
/**
 * The address with the code in it, when the server gives one.
 */
verification_uri_complete: string | null, 
/**
 * A QR code of the address (with the code when there is one), as an SVG document.
 */
qr_svg: string | null, };

export type RevokePlan = { url: string, grant_id: number, account: string | null, 
/**
 * `true`: the authorization server is told (RFC 7009); `false`: the tokens can only be
 * removed here and the server-side grant remains until it expires.
 */
at_server: boolean, issuer: string, 
/**
 * The sentence the confirmation shows.
 */
message: string, };

export type Revoked = "at_server" | "locally_only" | "local_by_request";

export type ConfigFinding = { 
/**
 * The config file, as scanned; a fix sends it back to say which file.
 */
file: string, 
/**
 * The same file as a person reads it: `~` for the home folder.
 */
shown_file: string, 
/**
 * The MCP client that reads the file (`Goose`, `Cursor`, ...).
 */
client: string, 
/**
 * The entry's name in the file; empty for a finding about the whole file.
 */
entry: string, 
/**
 * What is wrong, in plain words.
 */
what: string, 
/**
 * What kind of problem it is (for the counts of what needs the person).
 */
kind: FindingKind, fix: Fix | null, };

export type FindingKind = "plaintext_secret" | "mcp_remote_wrapper" | "plain_http" | "client_will_reject" | "unreadable" | "plaintext_token_cache";

export type NeedsYou = { 
/**
 * Servers whose sign-in stopped working (rejected, or expired with no way to renew).
 */
reconnect: number, 
/**
 * Sign-ins about to expire that cannot renew themselves.
 */
expiring: number, 
/**
 * Secrets in plain text in the MCP clients' config files.
 */
plaintext_secrets: number, 
/**
 * Files where other tools keep MCP sign-ins in plain text (mcp-remote's cache, a
 * client's token file).
 */
token_caches: number, 
/**
 * Config entries that sign in on their own (`npx mcp-remote`) instead of through Latchkey.
 */
own_sign_ins: number, 
/**
 * Other config-file problems: plain http, a file its client will reject or Latchkey
 * cannot read.
 */
file_problems: number, 
/**
 * Everything above.
 */
total: number, 
/**
 * One short phrase per count that is not zero, the most urgent first
 * ("2 servers need a reconnect", "3 secrets in plain text").
 */
phrases: Array<string>, };

export type Fix = "move_secrets" | "use_sign_in" | "import_tokens";

export type AdoptPlan = { file: string, client: string, entry: string, fix: Fix, 
/**
 * One line per change (names, never values).
 */
changes: Array<string>, 
/**
 * The sentence the confirmation shows.
 */
message: string, 
/**
 * The other choice the confirmation offers, in words (an import's "revoke them instead").
 */
alternative: string | null, };

export type ImportDone = { message: string, backups: Array<number>, 
/**
 * Something was left as it was (the message says what and why).
 */
incomplete: boolean, };

export type Checkup = { server: string, checks: Array<Check>, 
/**
 * The worst result (ok when every check is ok or skipped).
 */
worst: Verdict, };

export type Check = { 
/**
 * A stable name (`protected_resource_metadata`, `pkce`, ...).
 */
check: string, result: Verdict, 
/**
 * What was found, in a sentence; server text is made printable.
 */
says: string, 
/**
 * The rule: "RFC 9728 §3.3", "MCP 2025-11-25 Authorization §Authorization Server Discovery".
 */
spec: string, };

export type Verdict = "ok" | "skipped" | "warning" | "failure";

export type SetupView = { 
/**
 * One row per MCP client with a config file, the ones with something to fix first.
 */
clients: Array<ClientFound>, 
/**
 * The changes one consent covers, file by file.
 */
changes: Array<FileChange>, 
/**
 * Plain-text secrets the changes move to the secret store.
 */
secrets_moved: number, 
/**
 * Entries the changes point at Latchkey's sign-in (`latchkey proxy <url>`).
 */
entries_to_sign_in: number, 
/**
 * Findings Latchkey cannot fix in place, and entries whose change could not be planned.
 */
left_for_you: Array<string>, 
/**
 * Servers to sign in to after the changes, one after the other: those the changes point
 * at Latchkey's sign-in and those Latchkey knows that need a sign-in again.
 */
sign_ins: Array<SignInToDo>, 
/**
 * Identifies the planned changes: applying refuses when the files no longer give this plan.
 */
fingerprint: string, };

export type ClientFound = { client: string, files: number, servers: number, plaintext_secrets: number, 
/**
 * Token caches (files where the client keeps MCP sign-ins in plain text), and the
 * sign-ins they hold.
 */
token_caches: number, cached_sign_ins: number, own_sign_ins: number, other_problems: number, };

export type FileChange = { file: string, 
/**
 * `~` for the home folder.
 */
shown_file: string, client: string, entries: Array<string>, 
/**
 * One line per change (names, never values).
 */
changes: Array<string>, 
/**
 * The change as a unified diff, every moved value shown as `[redacted]`.
 */
diff: string, };

export type SignInToDo = { url: string, name: string, };

export type SetupDone = { 
/**
 * Files changed, each with its backup.
 */
changed: Array<FileDone>, 
/**
 * Where the pass stopped and why (nothing of that file was written).
 */
stopped: string | null, 
/**
 * Files not reached after it stopped (`~` for home).
 */
not_reached: Array<string>, 
/**
 * Every backup of the pass: restoring them all undoes it.
 */
backups: Array<number>, };

export type FileDone = { shown_file: string, backup: number, };
