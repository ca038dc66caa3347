// A stand-in for the Rust shell, injected into the page before the app loads
// (page.addInitScript). It implements what @tauri-apps/api v2 calls (see its core.js, event.js
// and mocks.js): window.__TAURI_INTERNALS__.invoke / transformCallback / unregisterCallback, the
// event plugin's 'plugin:event|listen' and 'plugin:event|unlisten', and
// window.__TAURI_EVENT_PLUGIN_INTERNALS__.unregisterListener.
//
// State comes from window.__LATCHKEY_SCENARIO__ (set by an earlier init script; see
// scenarios.mjs). Tests steer it through window.__fake: emit events, step a Connect, make the
// next call of a command fail, read the calls made. Like the real shell, it never holds a token.
(() => {
  "use strict";
  const scenario = window.__LATCHKEY_SCENARIO__ || {};
  const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
  const state = {
    overview: clone(scenario.overview) || {
      servers: [],
      attention_count: 0,
      next_change_at: null,
      generated_at: Math.floor(Date.now() / 1000),
      config_findings: [],
    },
    details: clone(scenario.details) || {},
    revokePlans: clone(scenario.revokePlans) || {},
    revokeResults: clone(scenario.revokeResults) || {},
    adoptPlans: clone(scenario.adoptPlans) || {},
    /** The first-run pass the shell would plan (none: nothing to set up). */
    setupPlan: clone(scenario.setupPlan) || null,
    /** What applying it does: the files it stops at (a `stopped` message) or none. */
    setupStop: clone(scenario.setupStop) || null,
    setupDismissed: scenario.setupDismissed === true,
    backups: new Map(),
    nextBackupId: 1,
    connectScripts: clone(scenario.connectScripts) || {},
    codeScripts: clone(scenario.codeScripts) || {},
    addServer: clone(scenario.addServer) || {},
    errors: clone(scenario.errors) || {},
    autostart: scenario.autostart === true,
    /** A Connect asked for by a notification's button before the window existed. */
    connectRequest: scenario.connectRequest || null,
    /** Milliseconds each `overview` call takes (to test coalescing under load). */
    overviewDelayMs: scenario.overviewDelayMs || 0,
  };
  // The header counts what needs the person from the scenario as given.
  recount();
  const calls = [];
  const callbacks = new Map();
  const listeners = new Map(); // event name -> [callback id]
  const sessions = new Map(); // url -> { queue, resolve }
  let nextId = 1;

  function transformCallback(callback, once) {
    const id = nextId++;
    callbacks.set(id, (data) => {
      if (once) callbacks.delete(id);
      return callback && callback(data);
    });
    return id;
  }

  function emit(event, payload) {
    for (const id of [...(listeners.get(event) || [])]) {
      const cb = callbacks.get(id);
      if (cb) cb({ event, id, payload: clone(payload) });
    }
  }

  function serverIndex(url) {
    return state.overview.servers.findIndex((s) => s.url === url);
  }

  // What needs the person, counted and worded as the core's overview/needs_you.rs does.
  function needsYou(servers, findings) {
    const n = { reconnect: 0, expiring: 0, plaintext_secrets: 0, token_caches: 0, own_sign_ins: 0, file_problems: 0 };
    for (const s of servers.filter((s) => s.attention)) {
      if (s.status.kind === "needs_reconnect" || s.status.kind === "expired") n.reconnect += 1;
      else n.expiring += 1;
    }
    for (const f of findings) {
      if (f.kind === "plaintext_secret") n.plaintext_secrets += 1;
      else if (f.kind === "plaintext_token_cache") n.token_caches += 1;
      else if (f.kind === "mcp_remote_wrapper") n.own_sign_ins += 1;
      else n.file_problems += 1;
    }
    const words = [
      [n.reconnect, "server needs a reconnect", "servers need a reconnect"],
      [n.expiring, "sign-in expires soon and cannot renew itself", "sign-ins expire soon and cannot renew themselves"],
      [n.plaintext_secrets, "secret in plain text", "secrets in plain text"],
      [n.token_caches, "plain-text token cache", "plain-text token caches"],
      [n.own_sign_ins, "client entry signs in on its own", "client entries sign in on their own"],
      [n.file_problems, "config file problem", "config file problems"],
    ];
    const total = words.reduce((sum, [c]) => sum + c, 0);
    const phrases = words.filter(([c]) => c > 0).map(([c, one, many]) => (c === 1 ? `1 ${one}` : `${c} ${many}`));
    return { ...n, total, phrases };
  }

  function recount() {
    state.overview.attention_count = state.overview.servers.filter((s) => s.attention).length;
    state.overview.needs_you = needsYou(state.overview.servers, state.overview.config_findings);
  }

  function replaceServer(server) {
    const i = serverIndex(server.url);
    if (i === -1) state.overview.servers.push(server);
    else state.overview.servers[i] = server;
    recount();
  }

  function problem(message, detail, kind) {
    return { kind: kind || "invalid", message, detail: detail || message };
  }

  function changed() {
    recount();
    setTimeout(() => emit("state-changed", null), 0);
  }

  // One step of a scripted Connect: emit it; a final step also answers the `connect` call.
  function step(url) {
    const s = sessions.get(url);
    if (!s) throw new Error(`no Connect in progress for ${url}`);
    const next = s.queue.shift();
    if (!next) throw new Error(`the Connect script for ${url} has no more steps`);
    const { _server, ...update } = next;
    const full = {
      url,
      issuer: null,
      scopes: [],
      account: null,
      problem: null,
      device_offered: false,
      device_code: null,
      ...update,
    };
    emit("connect-progress", full);
    if (_server) {
      replaceServer(_server);
      changed();
    }
    if (["connected", "no_sign_in_needed", "failed", "cancelled"].includes(full.step)) {
      sessions.delete(url);
      s.resolve(clone(full));
    }
    return full;
  }

  function revoke(url, grantId) {
    const i = serverIndex(url);
    if (i === -1) throw problem(`Latchkey does not know ${url}.`);
    const s = state.overview.servers[i];
    const id = grantId ?? (s.accounts.find((a) => a.is_default) || s.accounts[0] || {}).grant_id;
    s.accounts = s.accounts.filter((a) => a.grant_id !== id);
    if (s.accounts.length === 0) {
      s.status = { kind: "not_connected" };
      s.scopes = [];
      s.account = null;
      s.attention = null;
    } else {
      s.accounts[0].is_default = true;
      s.account = s.accounts[0].account;
      s.status = s.accounts[0].status;
    }
    recount();
    changed();
    return state.revokeResults[url] || "at_server";
  }

  const commands = {
    async overview() {
      if (state.overviewDelayMs) await new Promise((r) => setTimeout(r, state.overviewDelayMs));
      return state.overview;
    },
    checkup({ url }) {
      const c = (scenario.checkups || {})[url];
      if (!c) throw problem(`No checkup of ${url} in this test.`);
      return c;
    },
    server_detail({ url, grantId }) {
      const d = state.details[grantId ? `${url}#${grantId}` : url] || state.details[url];
      if (!d) throw problem(`Latchkey does not know ${url}.`, `no server ${url}`);
      return d;
    },
    add_server({ url }) {
      const r = state.addServer[url];
      if (r && r.problem) throw r.problem;
      if (!/^https?:\/\/[^\s/]+/.test(url)) {
        throw problem(
          "That is not a server URL. Type the full address, starting with https://",
          `relative URL without a base: ${JSON.stringify(url)}`,
        );
      }
      const host = url.replace(/^https?:\/\//, "").split("/")[0];
      const view = (r && r.server) || {
        url,
        name: url.replace(/^https?:\/\//, ""),
        host,
        clients: [],
        status: { kind: "not_connected" },
        scopes: [],
        account: null,
        accounts: [],
        attention: null,
        known_to_latchkey: true,
      };
      replaceServer(view);
      changed();
      return view;
    },
    connect({ url }) {
      const script = state.connectScripts[url];
      if (!script) throw problem(`No Connect script for ${url} in this test.`);
      return new Promise((resolve) => {
        sessions.set(url, { queue: clone(script), resolve });
      });
    },
    open_again({ url }) {
      if (!sessions.has(url)) throw problem("The sign-in page is not open yet.");
      return null;
    },
    connect_with_code({ url }) {
      const s = sessions.get(url);
      const script = state.codeScripts[url];
      if (!s || !script) throw problem(`No code sign-in for ${url} in this test.`);
      s.queue = clone(script);
      return null;
    },
    cancel_connect({ url }) {
      const s = sessions.get(url);
      if (s) {
        s.queue = [{ step: "cancelled" }];
        step(url);
      }
      return null;
    },
    revoke_plan({ url, grantId }) {
      const plan = state.revokePlans[grantId ? `${url}#${grantId}` : url] || state.revokePlans[url];
      if (!plan) throw problem(`No revoke plan for ${url} in this test.`);
      return plan;
    },
    revoke({ url, grantId }) {
      return revoke(url, grantId);
    },
    refresh_all() {
      changed();
      return null;
    },
    set_default_account({ url, grantId }) {
      const s = state.overview.servers[serverIndex(url)];
      s.accounts.forEach((a) => (a.is_default = a.grant_id === grantId));
      s.accounts.sort((a, b) => Number(b.is_default) - Number(a.is_default));
      s.account = s.accounts[0].account;
      s.status = s.accounts[0].status;
      changed();
      return null;
    },
    forget_server({ url }) {
      state.overview.servers.splice(serverIndex(url), 1);
      recount();
      changed();
      return null;
    },
    adopt_plan({ file, entry, fix }) {
      const plan = state.adoptPlans[`${file}#${entry}`];
      if (!plan || plan.fix !== fix) throw problem(`No plan to fix ${entry} in ${file} in this test.`);
      return plan;
    },
    adopt({ file, entry, fix }) {
      const plan = state.adoptPlans[`${file}#${entry}`];
      if (!plan || plan.fix !== fix) throw problem(`No plan to fix ${entry} in ${file} in this test.`);
      // Like the real shell: the file is rewritten, the scan no longer finds it, the window hears.
      const fixed = state.overview.config_findings.filter((f) => f.file === file && f.entry === entry);
      state.overview.config_findings = state.overview.config_findings.filter((f) => !fixed.includes(f));
      const id = state.nextBackupId++;
      state.backups.set(id, fixed);
      changed();
      return id;
    },
    import_tokens({ file, revokeInstead }) {
      const plan = state.adoptPlans[`${file}#`];
      if (!plan || plan.fix !== "import_tokens") throw problem(`No import of ${file} in this test.`);
      // Like the real shell: the cache's tokens and the entries it names change, each file
      // with its backup; the scan no longer finds the cache.
      const fixed = state.overview.config_findings.filter((f) => f.file === file);
      state.overview.config_findings = state.overview.config_findings.filter((f) => !fixed.includes(f));
      const cacheBackup = state.nextBackupId++;
      state.backups.set(cacheBackup, fixed);
      if (revokeInstead) {
        changed();
        return {
          message: "Revoked 2 sign-ins at their servers and deleted them.",
          backups: [cacheBackup],
          incomplete: false,
        };
      }
      const entryBackup = state.nextBackupId++;
      state.backups.set(entryBackup, []);
      changed();
      return {
        message: "Imported 2 sign-ins from mcp-remote. Goose's linear now runs latchkey proxy.",
        backups: [cacheBackup, entryBackup],
        incomplete: false,
      };
    },
    undo_adopt({ id }) {
      if (!state.backups.has(id)) throw problem(`no backup ${id}; \`latchkey restore --list\` shows them`);
      // The file as it was: its findings are back.
      state.overview.config_findings.push(...state.backups.get(id));
      const undo = state.nextBackupId++;
      state.backups.set(undo, []);
      changed();
      return undo;
    },
    setup_plan() {
      return (
        state.setupPlan || {
          clients: [],
          changes: [],
          secrets_moved: 0,
          entries_to_sign_in: 0,
          left_for_you: [],
          sign_ins: [],
          fingerprint: "",
        }
      );
    },
    setup_apply({ fingerprint }) {
      const plan = state.setupPlan;
      if (!plan || plan.fingerprint !== fingerprint) {
        throw problem("the config files changed since these changes were shown; nothing was written. Look at them again");
      }
      // Like the real pass: file by file, stopping at `setupStop.file`; each changed file's
      // findings go away and it gets a backup.
      const done = { changed: [], stopped: null, not_reached: [], backups: [] };
      for (const [i, change] of plan.changes.entries()) {
        if (state.setupStop && state.setupStop.file === change.file) {
          done.stopped = `Stopped at ${change.shown_file}: ${state.setupStop.why}. Nothing of that file was written.`;
          done.not_reached = plan.changes.slice(i + 1).map((c) => c.shown_file);
          break;
        }
        const fixed = state.overview.config_findings.filter((f) => f.file === change.file);
        state.overview.config_findings = state.overview.config_findings.filter((f) => !fixed.includes(f));
        const id = state.nextBackupId++;
        state.backups.set(id, fixed);
        done.changed.push({ shown_file: change.shown_file, backup: id });
        done.backups.push(id);
      }
      changed();
      return done;
    },
    undo_setup({ backups }) {
      const undone = backups.map((id) => commands.undo_adopt({ id }));
      return undone;
    },
    setup_dismissed() {
      return state.setupDismissed;
    },
    set_setup_dismissed({ dismissed }) {
      state.setupDismissed = dismissed;
      return null;
    },
    get_autostart() {
      return state.autostart;
    },
    take_connect_request() {
      const url = state.connectRequest;
      state.connectRequest = null;
      return url;
    },
    set_autostart({ enabled }) {
      state.autostart = enabled;
      return null;
    },
  };

  async function invoke(cmd, args) {
    args = args || {};
    if (cmd === "plugin:event|listen") {
      if (!listeners.has(args.event)) listeners.set(args.event, []);
      listeners.get(args.event).push(args.handler);
      return args.handler;
    }
    if (cmd === "plugin:event|unlisten") {
      const ids = listeners.get(args.event) || [];
      const i = ids.indexOf(args.eventId);
      if (i !== -1) ids.splice(i, 1);
      return null;
    }
    // Arguments are recorded as sent; callback ids are not interesting to tests.
    calls.push({ cmd, args: clone(args) });
    const err = state.errors[cmd];
    if (err) {
      delete state.errors[cmd]; // fails once, like a passing fault
      throw clone(err);
    }
    const impl = commands[cmd];
    if (!impl) throw problem(`The fake backend has no command ${cmd}.`);
    return clone(await impl(args));
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback: (id) => callbacks.delete(id),
    runCallback: (id, data) => callbacks.get(id) && callbacks.get(id)(data),
    callbacks,
    metadata: {
      currentWindow: { label: "main" },
      currentWebview: { windowLabel: "main", label: "main" },
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener: (_event, id) => callbacks.delete(id),
  };

  window.__fake = {
    state,
    calls,
    emit,
    step,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd),
    setServers(servers) {
      state.overview.servers = clone(servers);
      recount();
    },
    replaceServer: (s) => replaceServer(clone(s)),
    failNext(cmd, p) {
      state.errors[cmd] = clone(p);
    },
    listenerCount: (event) => (listeners.get(event) || []).length,
    /** A notification's Connect button pressed while the window is open. */
    requestConnect(url) {
      state.connectRequest = url;
      emit("connect-requested", null);
    },
  };
})();
