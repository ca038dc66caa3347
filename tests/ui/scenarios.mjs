// Scenario data for the fake backend: overviews covering every state a row can be in, detail
// views, revoke plans and scripted Connects. Plain data shaped like ui/src/bindings.ts (the types
// generated from Rust). Times are relative to `now` (Unix seconds) with a margin, so "expires in
// 42 min" stays true for the few seconds a test runs.

export const ISSUER = "https://auth.example.com";

const connected = (now, minutes, refresh) => ({
  kind: "connected",
  expires_at: minutes === null ? null : now + minutes * 60 + 30,
  refreshes_automatically: refresh,
});

const chips = {
  repoRead: { name: "repo:read", access: "read" },
  issuesWrite: { name: "issues:write", access: "write" },
  openid: { name: "openid", access: "identity" },
  notesRead: { name: "notes.read", access: "read" },
  mailSend: { name: "mail.send", access: "write" },
  mailRead: { name: "mail.read", access: "read" },
};

function server(url, over) {
  const name = url.replace(/^https?:\/\//, "");
  return {
    url,
    name,
    host: name.split("/")[0],
    clients: [],
    status: { kind: "not_connected" },
    scopes: [],
    account: null,
    accounts: [],
    attention: null,
    known_to_latchkey: true,
    ...over,
  };
}

function account(grantId, who, status, isDefault = true) {
  return { grant_id: grantId, account: who, is_default: isDefault, status };
}

/** The order crates/latchkey-core/src/overview/mod.rs sorts by: attention, signed in, known, name. */
export function sortLikeRust(servers) {
  const rank = (s) => [
    s.attention === null ? 1 : 0,
    s.status.kind === "connected" || s.status.kind === "refreshing" ? 0 : 1,
    s.known_to_latchkey ? 0 : 1,
  ];
  return [...servers].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

export const URLS = {
  github: "https://github.example.com/mcp",
  docs: "https://docs.example.com/mcp",
  search: "https://search.example.com/mcp",
  drive: "https://drive.example.com/mcp",
  mail: "https://mail.example.com/mcp",
  linear: "https://linear.example.com/mcp",
  notes: "https://notes.example.org/mcp",
  calendar: "https://calendar.example.net/mcp",
  tickets: "https://tickets.example.com/mcp",
  weather: "https://weather.example.com/mcp",
  wiki: "https://wiki.example.com/mcp",
};

/** One server in every state a row can be in. */
export function everyState(now) {
  const u = URLS;
  return sortLikeRust([
    server(u.github, {
      clients: ["Cursor", "Claude Code"],
      status: connected(now, 42, true),
      scopes: [chips.repoRead, chips.issuesWrite, chips.openid],
      account: "ada@example.com",
      accounts: [account(11, "ada@example.com", connected(now, 42, true))],
    }),
    server(u.docs, {
      clients: ["VS Code"],
      status: connected(now, 120, false),
      scopes: [chips.repoRead],
      account: "ada@example.com",
      accounts: [account(21, "ada@example.com", connected(now, 120, false))],
    }),
    server(u.search, {
      status: connected(now, null, true),
      accounts: [account(31, null, connected(now, null, true))],
    }),
    server(u.drive, {
      status: { kind: "refreshing" },
      scopes: [chips.repoRead],
      account: "ada@example.com",
      accounts: [account(41, "ada@example.com", connected(now, 1, true))],
    }),
    server(u.mail, {
      clients: ["Claude Desktop"],
      status: connected(now, 50, true),
      scopes: [chips.mailRead, chips.mailSend],
      account: "ada@example.com",
      accounts: [
        account(51, "ada@example.com", connected(now, 50, true), true),
        account(52, "ada@work.example", { kind: "needs_reconnect", reason: null }, false),
      ],
    }),
    server(u.linear, {
      clients: ["Cursor"],
      status: { kind: "needs_reconnect", reason: "invalid_grant" },
      scopes: [chips.issuesWrite],
      account: "ada@example.com",
      accounts: [account(61, "ada@example.com", { kind: "needs_reconnect", reason: "invalid_grant" })],
      attention:
        "The server stopped accepting this sign-in (invalid_grant). Reconnect to sign in again.",
    }),
    server(u.notes, {
      status: connected(now, 10, false),
      scopes: [chips.notesRead],
      accounts: [account(71, null, connected(now, 10, false))],
      attention: "Expires in 10 min and cannot renew itself: reconnect before then to stay signed in.",
    }),
    server(u.calendar, {
      status: { kind: "expired" },
      accounts: [account(81, null, { kind: "expired" })],
      attention: "The sign-in expired and cannot renew itself. Reconnect to sign in again.",
    }),
    server(u.tickets, {}),
    server(u.weather, { status: { kind: "no_sign_in_needed" }, clients: ["Zed"] }),
    server(u.wiki, { known_to_latchkey: false, clients: ["Claude Desktop", "VS Code"] }),
  ]);
}

export function overviewOf(servers, now, configFindings = []) {
  return {
    servers,
    attention_count: servers.filter((s) => s.attention).length,
    next_change_at: null,
    generated_at: now,
    config_findings: configFindings,
  };
}

export const CURSOR_FILE = "/home/ada/.cursor/mcp.json";
export const GOOSE_FILE = "/home/ada/.config/goose/config.yaml";

/** What the scan of the clients' config files found, as the Rust side words it. */
export function configFindings() {
  return [
    {
      file: CURSOR_FILE,
      shown_file: "~/.cursor/mcp.json",
      client: "Cursor",
      entry: "github",
      what: "Your GitHub token is stored in plain text in Cursor's config, at env.GITHUB_PERSONAL_ACCESS_TOKEN.",
      kind: "plaintext_secret",
      fix: "move_secrets",
    },
    {
      file: GOOSE_FILE,
      shown_file: "~/.config/goose/config.yaml",
      client: "Goose",
      entry: "linear",
      what: "Signs in to https://mcp.linear.app/mcp on its own, through npx mcp-remote; Latchkey's sign-in can serve it.",
      kind: "mcp_remote_wrapper",
      fix: "use_sign_in",
    },
    {
      file: "/home/ada/.config/zed/settings.json",
      shown_file: "~/.config/zed/settings.json",
      client: "Zed",
      entry: "legacy",
      what: "Talks to http://tools.example.com/mcp over plain http: anyone on the network can read it.",
      kind: "plain_http",
      fix: null,
    },
  ];
}

export const CACHE_DIR = "/home/ada/.mcp-auth/mcp-remote-v1";

/** mcp-remote's cache with two sign-ins, as the core's overview/config_findings.rs words it. */
export function tokenCacheFinding() {
  return {
    file: CACHE_DIR,
    shown_file: "~/.mcp-auth/mcp-remote-v1",
    client: "mcp-remote",
    entry: "",
    what: "mcp-remote keeps 2 sign-ins to https://mcp.linear.app/mcp and https://mcp.notion.com/mcp in plain text, refresh tokens included.",
    kind: "plaintext_token_cache",
    fix: "import_tokens",
  };
}

/** The config findings the setup scenario starts from: configFindings() and a token cache. */
export function setupFindings() {
  return [...configFindings(), tokenCacheFinding()];
}

/** Twelve findings in four files of three clients: enough for the filter box. */
export function manyFindings() {
  const f = (client, shown, entry, what, fix = "move_secrets") => ({
    file: shown.replace("~", "/home/ada"),
    shown_file: shown,
    client,
    entry,
    what,
    kind: fix === "use_sign_in" ? "mcp_remote_wrapper" : "plaintext_secret",
    fix,
  });
  const secret = (client, where) => `Your API key is stored in plain text in ${client}'s config, at ${where}.`;
  return [
    ...[0, 1, 2, 3, 4].map((i) =>
      f("Cursor", "~/.cursor/mcp.json", `server-${i}`, secret("Cursor", `env.KEY_${i}`)),
    ),
    ...[0, 1].map((i) =>
      f("Cursor", "~/work/.cursor/mcp.json", `sentry-${i}`, secret("Cursor", "env.SENTRY_TOKEN")),
    ),
    ...[0, 1, 2, 3].map((i) =>
      f(
        "Claude Desktop",
        "~/.config/Claude/claude_desktop_config.json",
        `remote-${i}`,
        `Signs in to https://mcp${i}.example.com/mcp on its own, through npx mcp-remote; Latchkey's sign-in can serve it.`,
        "use_sign_in",
      ),
    ),
    f("Zed", "~/.config/zed/settings.json", "legacy", "Talks to http://tools.example.com/mcp over plain http.", null),
  ];
}

export function adoptPlans() {
  return {
    [`${CURSOR_FILE}#github`]: {
      file: CURSOR_FILE,
      client: "Cursor",
      entry: "github",
      fix: "move_secrets",
      changes: [
        "env GITHUB_PERSONAL_ACCESS_TOKEN moves to the keychain as github/GITHUB_PERSONAL_ACCESS_TOKEN",
        "'github' will start through `latchkey run -- npx …`",
      ],
      message: `Latchkey will change ${CURSOR_FILE} (Cursor). A backup is kept first (latchkey restore puts it back).`,
    },
    [`${GOOSE_FILE}#linear`]: {
      file: GOOSE_FILE,
      client: "Goose",
      entry: "linear",
      fix: "use_sign_in",
      changes: ["'linear' will run `latchkey proxy https://mcp.linear.app/mcp` (Latchkey's sign-in, tokens in the keychain)"],
      message: `Latchkey will change ${GOOSE_FILE} (Goose). A backup is kept first (latchkey restore puts it back).`,
    },
    // The import the cache's finding offers, as the core's import/offer.rs words it.
    [`${CACHE_DIR}#`]: {
      file: CACHE_DIR,
      client: "mcp-remote",
      entry: "",
      fix: "import_tokens",
      changes: [
        "https://mcp.linear.app/mcp: moves into Latchkey (renewable)",
        "https://mcp.notion.com/mcp: moves into Latchkey (renewable)",
        "~/.mcp-auth/mcp-remote-v1: its tokens are deleted, after a backup",
        "Goose: 'linear' will run `latchkey proxy https://mcp.linear.app/mcp`",
      ],
      message:
        "Latchkey will move the 2 sign-ins that mcp-remote keeps in plain text into your keychain, with no new sign-in. A backup of each file is kept first: Undo puts them back.",
      alternative: "Or revoke them at their servers and delete them, to sign in afresh with Latchkey.",
    },
  };
}

export function githubDetail(now, servers) {
  const s = servers.find((x) => x.url === URLS.github);
  return {
    server: s,
    resource: URLS.github,
    issuer: ISSUER,
    grant: {
      grant_id: 11,
      account: "ada@example.com",
      client_id: "lk-client-7f3a9c",
      registered_by: "Dynamic client registration (RFC 7591)",
      requested_scopes: ["repo:read", "issues:write", "openid", "admin:org"],
      granted_scopes: [chips.repoRead, chips.issuesWrite, chips.openid],
      connected_at: now - 3 * 86_400,
      issued_at: now - 18 * 60,
      expires_at: now + 42 * 60 + 30,
      next_refresh_at: now + 37 * 60 + 30,
      has_refresh_token: true,
      obtained_by: "Browser sign-in (renewed with its refresh token)",
      revokes_at_server: true,
    },
    history: [
      { at: now - 2 * 60, event: "token_handed_out", detail: "latchkey proxy (Cursor)" },
      { at: now - 18 * 60, event: "refreshed", detail: null },
      { at: now - 80 * 60, event: "refresh_failed", detail: "network: connection reset; retried" },
      { at: now - 2 * 86_400, event: "needs_reconnect", detail: "invalid_grant" },
      { at: now - 2 * 86_400 + 60, event: "revoked_locally", detail: null },
      { at: now - 3 * 86_400 - 60, event: "revoked", detail: "old grant" },
      { at: now - 3 * 86_400, event: "connected", detail: "ada@example.com" },
    ],
  };
}

export function revokePlans() {
  return {
    [URLS.github]: {
      url: URLS.github,
      grant_id: 11,
      account: "ada@example.com",
      at_server: true,
      issuer: ISSUER,
      message: `Latchkey will ask ${ISSUER} to revoke the sign-in for ada@example.com to ${URLS.github}, then delete its tokens from this computer. Clients using it will need a new sign-in.`,
    },
    [URLS.docs]: {
      url: URLS.docs,
      grant_id: 21,
      account: "ada@example.com",
      at_server: false,
      issuer: "https://login.docs.example.com",
      message:
        "https://login.docs.example.com has no way to revoke sign-ins, so Latchkey can only delete the tokens for ada@example.com from this computer. The grant at the server remains until it expires.",
    },
    [`${URLS.mail}#52`]: {
      url: URLS.mail,
      grant_id: 52,
      account: "ada@work.example",
      at_server: true,
      issuer: ISSUER,
      message: `Latchkey will ask ${ISSUER} to revoke the sign-in for ada@work.example to ${URLS.mail}, then delete its tokens from this computer.`,
    },
  };
}

/** A successful Connect, step by step, ending with the row turned Connected. */
export function connectPath(url, now, servers) {
  const before = servers.find((s) => s.url === url);
  const scopes = [chips.repoRead, chips.issuesWrite];
  return [
    { step: "discovering" },
    { step: "registering", issuer: ISSUER },
    { step: "waiting_for_browser", issuer: ISSUER },
    { step: "exchanging", issuer: ISSUER },
    {
      step: "connected",
      issuer: ISSUER,
      scopes,
      account: "ada@example.com",
      _server: {
        ...before,
        known_to_latchkey: true,
        status: connected(now, 60, true),
        scopes,
        account: "ada@example.com",
        accounts: [account(99, "ada@example.com", connected(now, 60, true))],
        attention: null,
      },
    },
  ];
}

/** The same Connect where the server also offers a code: "Use a code instead" takes this path. */
export const DEVICE_CODE = {
  user_code: "WDJB-MJHT",
  verification_uri: `${ISSUER}/device`,
  verification_uri_complete: `${ISSUER}/device?user_code=WDJB-MJHT`,
  // A stand-in picture: the real one is drawn by the core (actions::DeviceCodeShown).
  qr_svg:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges">' +
    '<path fill="#fff" d="M0 0h7v7H0z"/><path fill="#000" d="M0 0h3v3H0zM4 0h3v3H4zM0 4h3v3H0zM4 4h1v1H4zM6 6h1v1H6z"/></svg>',
};

export function codePath(url, now, servers) {
  const path = connectPath(url, now, servers);
  return [
    { step: "discovering" },
    { step: "registering", issuer: ISSUER },
    { step: "waiting_for_code", issuer: ISSUER, device_code: DEVICE_CODE },
    path[path.length - 1],
  ];
}

export const DENIED = {
  kind: "user_must_act",
  message: "You declined the sign-in in the browser. Nothing was changed; click Connect to try again.",
  detail: "authorization error: access_denied (The resource owner denied the request)",
};

/** Everything: every row state, details, plans and Connect scripts. */
export function fullScenario(now) {
  const servers = everyState(now);
  return {
    overview: overviewOf(servers, now, configFindings()),
    details: { [URLS.github]: githubDetail(now, servers) },
    revokePlans: revokePlans(),
    adoptPlans: adoptPlans(),
    revokeResults: { [URLS.github]: "at_server", [URLS.docs]: "locally_only", [URLS.mail]: "at_server" },
    connectScripts: {
      [URLS.tickets]: connectPath(URLS.tickets, now, servers),
      [URLS.linear]: connectPath(URLS.linear, now, servers),
      [URLS.wiki]: [
        { step: "discovering" },
        { step: "registering", issuer: ISSUER },
        { step: "waiting_for_browser", issuer: ISSUER },
        { step: "failed", issuer: ISSUER, problem: DENIED },
      ],
      [URLS.mail]: connectPath(URLS.mail, now, servers).map((s) =>
        s.step === "waiting_for_browser" ? { ...s, device_offered: true } : s,
      ),
    },
    codeScripts: { [URLS.mail]: codePath(URLS.mail, now, servers) },
  };
}

/** A calmer list for the README screenshots: a few servers, one needing attention. */
export function screenshotScenario(now) {
  const full = fullScenario(now);
  const keep = [URLS.linear, URLS.github, URLS.mail, URLS.docs, URLS.wiki];
  const servers = full.overview.servers.filter((s) => keep.includes(s.url));
  return { ...full, overview: overviewOf(servers, now) };
}

/** A ClientFound row: every count the core sends, zero unless given. */
const counts = (some) => ({
  files: 0,
  servers: 0,
  plaintext_secrets: 0,
  token_caches: 0,
  cached_sign_ins: 0,
  own_sign_ins: 0,
  other_problems: 0,
  ...some,
});

/** The first-run pass over setupFindings(), as the core's overview/setup.rs words it. */
export function setupPlan() {
  return {
    clients: [
      { client: "Cursor", ...counts({ files: 1, servers: 3, plaintext_secrets: 1 }) },
      { client: "Goose", ...counts({ files: 1, servers: 2, own_sign_ins: 1 }) },
      { client: "mcp-remote", ...counts({ token_caches: 1, cached_sign_ins: 2 }) },
      { client: "Zed", ...counts({ files: 1, servers: 1, other_problems: 1 }) },
      { client: "Claude Desktop", ...counts({ files: 1, servers: 2 }) },
    ],
    changes: [
      {
        file: CURSOR_FILE,
        shown_file: "~/.cursor/mcp.json",
        client: "Cursor",
        entries: ["github"],
        changes: adoptPlans()[`${CURSOR_FILE}#github`].changes,
        diff: [
          "--- ~/.cursor/mcp.json (now)",
          "+++ ~/.cursor/mcp.json (after)",
          "@@ -2,7 +2,7 @@",
          '     "github": {',
          '-      "command": "npx",',
          '-      "args": ["-y", "@modelcontextprotocol/server-github"],',
          '+      "command": "latchkey",',
          '+      "args": ["run", "--", "npx", "-y", "@modelcontextprotocol/server-github"],',
          '       "env": {',
          '-        "GITHUB_PERSONAL_ACCESS_TOKEN": "[redacted]"',
          '+        "GITHUB_PERSONAL_ACCESS_TOKEN": "latchkey:github/GITHUB_PERSONAL_ACCESS_TOKEN"',
          "",
        ].join("\n"),
      },
      {
        file: GOOSE_FILE,
        shown_file: "~/.config/goose/config.yaml",
        client: "Goose",
        entries: ["linear"],
        changes: adoptPlans()[`${GOOSE_FILE}#linear`].changes,
        diff: [
          "--- ~/.config/goose/config.yaml (now)",
          "+++ ~/.config/goose/config.yaml (after)",
          "@@ -4,3 +4,3 @@",
          "   linear:",
          "-    cmd: npx",
          "-    args: [-y, mcp-remote, https://mcp.linear.app/mcp]",
          "+    cmd: latchkey",
          "+    args: [proxy, https://mcp.linear.app/mcp]",
          "",
        ].join("\n"),
      },
    ],
    secrets_moved: 1,
    entries_to_sign_in: 1,
    left_for_you: [
      "'legacy': Talks to http://tools.example.com/mcp over plain http: anyone on the network can read it. (~/.config/zed/settings.json)",
      "mcp-remote keeps 2 sign-ins to https://mcp.linear.app/mcp and https://mcp.notion.com/mcp in plain text, refresh tokens included. (~/.mcp-auth/mcp-remote-v1)",
    ],
    sign_ins: [{ url: URLS.linear, name: URLS.linear.replace("https://", "") }],
    fingerprint: "3f9a",
  };
}
