// The real desktop app under Xvfb, driven through tauri-driver + WebKitWebDriver, against the
// MCP TypeScript SDK's auth server (tests/peers/sdk-server.mjs) with a real Secret Service.
// Run by `make test-app` (inside xvfb-run and tests/support/with-keyring.sh); one step alone by
// its name: `make test-app NAME='Revoke asks once'` (node's --test-name-pattern).
//
// Click Connect, the $BROWSER stand-in approves, the row turns Connected with the right scopes
// and expiry; a CLI refresh shows up live; Revoke, and the server reports the token revoked.
// Then bad input: not a URL, a server that does not answer, one that needs no sign-in, a denied
// consent, a locked keychain; a rejected refresh announced by a desktop notification whose
// Connect button signs in again (a notification server on the test bus presses it):
// each a clear message, nothing else changes. Where no browser opens, Connect shows a code to
// enter on another device (RFC 8628). On a home with many MCP clients, the window starts with
// the first-run pass; one consent changes every file and Undo all puts them back. A sign-in a
// real mcp-remote keeps in plain text is imported from its finding, and Undo puts it back.
// Screenshots go to target/screenshots/app-*.png (`make screenshots` copies them to docs/screenshots for the README).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpSync, mkdtempSync, writeFileSync, mkdirSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { Session, sleep } from './webdriver.mjs';
import { startNotificationDaemon } from '../support/notification-daemon.mjs';
import { startWatcher } from '../support/sni-watcher.mjs';
import { appBin as app, cli, repo, startPeer as startPeerWith } from './support.mjs';

const driverBin = process.env.TAURI_DRIVER ?? join(repo, 'target/tools/bin/tauri-driver');
const shots = join(repo, 'target/screenshots');
const children = [];

// Every helper starts in its own process group, so that whatever it starts in turn (tauri-driver
// starts WebKitWebDriver, which starts the app) can be stopped with it. tauri-driver stops
// WebKitWebDriver with SIGKILL, which would orphan the app; an orphan that holds this file's
// stderr keeps `node --test` waiting for ever (a CI run hung this way after all steps passed).
function startInGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  children.push(child);
  return child;
}

/** A test peer, stopped with this file's other helpers (as a process group). */
function startPeer(script, env = {}) {
  return startPeerWith(script, env, startInGroup);
}

async function admin(peer, path, method = 'GET') {
  const r = await fetch(`${peer.admin_url}${path}`, { method });
  return r.json();
}

function latchkey(env, ...args) {
  return execFileSync(cli, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitUntil(check, what, timeoutMs = 5000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

const row = (url) => `[data-testid="server-row"][data-url="${url}"]`;

/** The app under tauri-driver (on a port from `base` up), with `env`; a WebDriver session on it. */
function startApp(env, base) {
  const port = base + Math.floor(Math.random() * 500);
  startInGroup(driverBin, ['--port', String(port), '--native-port', String(port + 1000)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return Session.create(`http://127.0.0.1:${port}`, { 'tauri:options': { application: app } });
}

/**
 * The window as the X server shows it (tests/support/window_shot.py): what a person sees, and
 * WebDriver's Take Screenshot never returns when WebKit draws without accelerated compositing,
 * as the window does on a machine without a GPU (crates/latchkey-tray/src/rendering.rs).
 */
async function saveShot(name) {
  mkdirSync(shots, { recursive: true });
  await sleep(400); // let WebKit paint the last change before the capture
  execFileSync('/usr/bin/python3', [join(repo, 'tests/support/window_shot.py'), 'Latchkey', join(shots, name)]);
}

/** Every file under `dir` (but `skip`), by path relative to it. */
function filesUnder(dir, skip = new Set()) {
  const out = new Map();
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (skip.has(p)) continue;
      if (e.isDirectory()) walk(p);
      else out.set(p.slice(dir.length + 1), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

// Issue 16: a home with many MCP clients (the project's fixture home). The window starts with
// the setup view; one consent moves every plain-text secret to the keychain and points every
// remote entry at Latchkey's sign-in, then signs in to each (these servers are not reachable
// from the test machine: each fails with words, and the pass goes on); Undo all puts every file
// back byte for byte. First in this file: a later test locks the shared keychain.
test('the desktop app on a home with many clients: the first-run pass and Undo', { timeout: 240000 }, async (t) => {
  const fixture = join(repo, 'crates/latchkey-clients/tests/fixtures/clients/linux/home');
  const home = mkdtempSync(join(tmpdir(), 'latchkey-app-setup-'));
  cpSync(fixture, home, { recursive: true });
  const before = filesUnder(home);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_HOME: mkdtempSync(join(tmpdir(), 'latchkey-app-setup-home-')),
    LATCHKEY_KEYCHAIN_TIMEOUT: '5',
    BROWSER: join(repo, 'tests/browser/follow.sh'),
    LATCHKEY_LOG: 'info',
  };
  const s = await startApp(env, 5500);
  t.after(() => s.close());
  await s.waitFor('[data-testid="setup-view"]', { timeoutMs: 30000 });
  const lead = String(
    await s.exec(`return document.querySelector('[data-testid="setup-view"] p.lead').textContent`),
  ).replace(/\s+/g, ' ');
  assert.match(lead, /One step moves \d+ secrets to your keychain and points \d+ entries at Latchkey's sign-in, in \d+ files\./);
  assert.ok((await s.findAll('[data-testid="setup-change"]')).length >= 15);
  assert.ok((await s.findAll('[data-testid="setup-client"]')).length >= 15, 'a row per client');
  assert.ok(!(await s.source()).includes('ghp_FAKE'), 'no secret in the DOM');
  await saveShot('app-setup.png');

  await s.click(await s.waitFor('[data-testid="setup-go"]'));
  await s.waitFor('[data-testid="setup-close"]', { timeoutMs: 120000 });
  const outcome = String(await s.exec(`return document.querySelector('[data-testid="setup-outcome"]').textContent`));
  assert.match(outcome, /Changed \d+ files, each backed up first\./);
  // Every secret moved is in the keychain; the files refer to it; no mcp-remote wrapper is left.
  const names = latchkey(env, 'secret', 'ls');
  assert.match(names, /openai-tools\/OPENAI_API_KEY/);
  assert.match(readFileSync(join(home, '.cursor/mcp.json'), 'utf8'), /latchkey:openai-tools\/OPENAI_API_KEY/);
  const scan = JSON.parse(latchkey(env, 'clients', '--json'));
  const wrappers = scan.servers.flatMap((x) => x.findings).filter((f) => f.kind === 'mcp_remote_wrapper');
  assert.deepEqual(wrappers, []);
  // Each sign-in ended (these hosts do not resolve here) and the pass went through all of them.
  const states = await s.exec(
    `return [...document.querySelectorAll('[data-testid="setup-sign-in"]')].map((e) => e.dataset.state)`,
  );
  assert.ok(states.length > 5 && states.every((x) => x === 'failed'), JSON.stringify(states));
  await saveShot('app-setup-done.png');

  // (The sticky header would cover a button the driver scrolls to the very top.)
  await s.exec(`document.querySelector('[data-testid="setup-undo"]').scrollIntoView({ block: 'center' })`);
  await s.click(await s.waitFor('[data-testid="setup-undo"]'));
  await waitUntil(
    async () => /back as it was/.test(String(await s.exec(`return document.querySelector('[data-testid="setup-outcome"]').textContent`))),
    'Undo all to finish',
    20000,
  );
  const after = filesUnder(home);
  for (const [rel, bytes] of before) {
    assert.ok(after.has(rel) && after.get(rel).equals(bytes), `${rel} is back byte for byte`);
  }
});

// A suite, not a test with subtests, so that each step runs alone under node's name filter
// (`node --test --test-name-pattern='Revoke asks once'`, or `make test-app NAME=...`): node
// knows a suite's steps before it runs them, runs `before` and the steps that match only, and
// nothing at all when none does. A step that builds on an earlier one first brings about what it
// needs (ensureAdded, ensureConnected, ensureSignedOut, rejectRefresh), which in a full run is
// already so.
describe('the desktop app: connect, live update, revoke, and bad input', { timeout: 240000 }, () => {
  let peer;
  let notifications;
  let panel;
  let env;
  let s;
  let url;
  before(async () => {
    peer = await startPeer('tests/peers/sdk-server.mjs');
    // The desktop's notification server, on the private session bus the app uses.
    notifications = await startNotificationDaemon();
    // The desktop's panel, which shows the resident tray's menu (and clicks it).
    panel = await startWatcher();
    const latchkeyHome = mkdtempSync(join(tmpdir(), 'latchkey-app-e2e-'));
    env = {
      ...process.env,
      LATCHKEY_HOME: latchkeyHome,
      LATCHKEY_KEYCHAIN_TIMEOUT: '5',
      BROWSER: join(repo, 'tests/browser/follow.sh'),
      LATCHKEY_LOG: 'info',
    };
    s = await startApp(env, 4444);
    url = peer.mcp_url;
  });
  after(async () => {
    await notifications?.close();
    await panel?.close();
    await s?.close();
  });

  const rowCount = async () => (await s.findAll('[data-testid="server-row"]')).length;
  const hasStatus = (status) => async (el) => (await s.attr(el, 'data-status')) === status;

  /** Types `u` into the window's add box and submits it. */
  async function add(u) {
    await s.type(await s.waitFor('[data-testid="add-server-input"]'), u);
    await s.click(await s.waitFor('[data-testid="add-server-submit"]'));
  }

  /** Clicks the row's Connect (follow.sh approves in the browser); resolves with the row once connected. */
  async function connect(u) {
    await s.click(await s.waitFor(`${row(u)} [data-testid="connect-button"]`));
    return s.waitFor(row(u), { timeoutMs: 30000, accept: hasStatus('connected') });
  }

  /** `u` is in the list (added through the window unless its row is there already). */
  async function ensureAdded(u) {
    if ((await s.findAll(row(u))).length > 0) return;
    await add(u);
    await s.waitFor(row(u));
  }

  /** `u` is in the list and signed in (through the window's Connect unless already connected). */
  async function ensureConnected(u) {
    await ensureAdded(u);
    if (!(await hasStatus('connected')(await s.waitFor(row(u))))) await connect(u);
  }

  /** `u` is in the list and not signed in (revoked through the CLI if it was: the window
   *  follows), so that its row offers Connect. */
  async function ensureSignedOut(u) {
    await ensureAdded(u);
    if (await hasStatus('not_connected')(await s.waitFor(row(u)))) return;
    latchkey(env, 'revoke', u);
    await s.waitFor(row(u), { accept: hasStatus('not_connected') });
  }

  // A server whose refresh is rejected, and the desktop notification that says so: made by 'a
  // rejected refresh', and by the step after it when that step runs alone.
  let hostile;
  let needsYou;
  async function rejectRefresh() {
    hostile = await startPeer('tests/peers/hostile-server.mjs', { MODE: 'good' });
    await add(hostile.mcp_url);
    await connect(hostile.mcp_url);
    await fetch(`${hostile.admin_url}/mode?mode=token-invalid-grant`, { method: 'POST' });
    await s.click(await s.waitFor('[data-testid="refresh-all"]'));
    await s.waitFor(row(hostile.mcp_url), { accept: hasStatus('needs_reconnect') });
    const shown = () => notifications.notifications.find((n) => /needs you/.test(n.summary));
    await waitUntil(() => shown(), 'a desktop notification', 10000);
    needsYou = shown();
  }

  test('a new person sees what to do', async () => {
    const empty = await s.waitFor('[data-testid="empty-state"]');
    assert.match(await s.text(empty), /add/i);
    await saveShot('app-empty.png');
  });

  test('add a server by URL', async () => {
    await add(url);
    const r = await s.waitFor(row(url));
    assert.equal(await s.attr(r, 'data-status'), 'not_connected');
  });

  test('Connect: the browser approves, the row turns Connected with scopes and expiry', async () => {
    await ensureAdded(url);
    const r = await connect(url);
    const pill = await s.text((await s.findAll('[data-testid="status-pill"]', r))[0]);
    assert.match(pill, /Connected · expires in (5\d|60) min · refreshes automatically|Connected · expires in 1 h · refreshes automatically/);
    const chips = {};
    for (const c of await s.findAll('[data-testid="scope-chip"]', r)) {
      chips[(await s.text(c)).trim()] = await s.attr(c, 'data-access');
    }
    assert.deepEqual(chips, { 'mcp:read': 'read', 'mcp:write': 'write' });
    const stats = await admin(peer, '/stats');
    assert.equal(stats.active_grants, 1);
    await saveShot('app-connected.png');
  });

  test('the window never holds the token', async () => {
    await ensureConnected(url);
    const token = latchkey(env, 'token', url).trim();
    assert.ok(token.length > 10);
    const source = await s.source();
    assert.ok(!source.includes(token), 'the access token is in the DOM');
  });

  test('a refresh by the CLI shows up live in the detail view', async () => {
    await ensureConnected(url);
    await s.click(await s.waitFor(`${row(url)} [data-testid="details-button"]`));
    await s.waitFor('[data-testid="server-detail"]');
    const before = (await s.findAll('[data-testid="history-entry"]')).length;
    const started = Date.now();
    latchkey(env, 'refresh', url);
    await s.waitFor('[data-testid="history-entry"]', {
      accept: async () => (await s.findAll('[data-testid="history-entry"]')).length > before,
    });
    const ms = Date.now() - started;
    console.log(`# live update: the CLI's refresh reached the window in ${ms} ms`);
    await saveShot('app-detail.png');
    await s.click(await s.waitFor('[data-testid="detail-back"]'));
  });

  test('Revoke asks once, then the server reports the grant revoked', async () => {
    await ensureConnected(url);
    await s.click(await s.waitFor(`${row(url)} [data-testid="revoke-button"]`));
    const message = await s.text(await s.waitFor('[data-testid="revoke-message"]'));
    assert.match(message, /revoke the sign-in/);
    await saveShot('app-revoke.png');
    await s.click(await s.waitFor('[data-testid="revoke-confirm"]'));
    await s.waitFor(row(url), { accept: hasStatus('not_connected') });
    const stats = await admin(peer, '/stats');
    assert.ok(stats.revocations >= 1, JSON.stringify(stats));
    assert.equal(stats.active_grants, 0);
  });

  test('bad input: not a URL, a server that does not answer', async () => {
    const rows = await rowCount();
    for (const [typed, want] of [
      ['not a url', /./],
      ['http://127.0.0.1:9/mcp', /Could not reach/],
    ]) {
      await add(typed);
      const err = await s.waitFor('[data-testid="add-server-error"]', {
        accept: async (el) => want.test(await s.text(el)),
      });
      assert.ok((await s.text(err)).length > 5);
      assert.equal(await rowCount(), rows, `${typed} changed the list`);
    }
  });

  test('a server that needs no sign-in says so', async () => {
    const open = await startPeer('tests/peers/hostile-server.mjs', { MODE: 'no-auth' });
    await add(open.mcp_url);
    const r = await s.waitFor(row(open.mcp_url), { accept: hasStatus('no_sign_in_needed') });
    assert.match(await s.text((await s.findAll('[data-testid="status-pill"]', r))[0]), /No sign-in needed/);
    assert.equal((await s.findAll('[data-testid="connect-button"]', r)).length, 0);
  });

  test('a server whose sign-in is broken: Details offers the checkup, which names the failing step', async () => {
    const broken = await startPeer('tests/peers/hostile-server.mjs', { MODE: 'issuer-mismatch' });
    await add(broken.mcp_url);
    const details = `${row(broken.mcp_url)} [data-testid="details-button"]`;
    const button = await s.waitFor(details);
    await s.exec(`document.querySelector('${details}').scrollIntoView({ block: 'center' })`);
    await s.click(button);
    await s.click(await s.waitFor('[data-testid="checkup-run"]'));
    const summary = await s.waitFor('[data-testid="checkup-summary"]', { timeoutMs: 30000 });
    assert.match(await s.text(summary), /check(s)? fail/);
    const issuer = await s.waitFor('[data-testid="checkup-check"][data-check="issuer"]');
    assert.equal(await s.attr(issuer, 'data-result'), 'failure');
    assert.match(await s.text(issuer), /RFC 8414/);
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
    await s.exec(`document.querySelector('[data-testid="checkup-summary"]').scrollIntoView({ block: 'start' })`);
    await saveShot('app-checkup.png');
    await s.click(await s.waitFor('[data-testid="detail-back"]'));
  });

  test('a rejected refresh: the row needs attention and a desktop notification says so', async () => {
    await rejectRefresh();
    const r = await s.waitFor(row(hostile.mcp_url), { accept: hasStatus('needs_reconnect') });
    assert.match(await s.text((await s.findAll('[data-testid="attention"]', r))[0]), /Reconnect/);
    assert.equal((await s.findAll('[data-testid="reconnect-button"]', r)).length, 1);
    assert.match(needsYou.body, /stopped accepting this sign-in/);
    assert.equal(needsYou.app, 'Latchkey');
    assert.equal(needsYou.actions.connect, 'Connect', JSON.stringify(needsYou.actions));
    // The row that needs attention sorts first; clicks may have scrolled the list past it.
    await s.exec('window.scrollTo(0, 0)');
    await saveShot('app-attention.png');
    // The refresh's failure notice stays until dismissed (it would cover the rows below).
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
  });

  test("the notification's Connect button signs in again from the window", async () => {
    // Only when the step before did not run (a name filter): had it failed, so does this.
    if (!hostile) await rejectRefresh();
    assert.ok(needsYou, 'the notification of the previous step');
    await fetch(`${hostile.admin_url}/mode?mode=good`, { method: 'POST' });
    const before = (await admin(hostile, '/stats')).authorizations;
    notifications.press(needsYou.id, 'connect');
    await s.waitFor(row(hostile.mcp_url), { timeoutMs: 30000, accept: hasStatus('connected') });
    assert.equal((await admin(hostile, '/stats')).authorizations, before + 1, 'one new sign-in');
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
  });

  // The tray and the window are two processes (the resident tray has no WebKit): each shows
  // what the other refreshes, as the one process did. A token endpoint that answers after 3 s
  // keeps the refresh going long enough to be seen.
  test("a refresh the tray starts shows in the window, and the window's in the tray's menu", async () => {
    const slow = await startPeer('tests/peers/hostile-server.mjs', { MODE: 'good', SLOW_MS: '3000' });
    await ensureConnected(slow.mcp_url);
    await fetch(`${slow.admin_url}/mode?mode=token-slow`, { method: 'POST' });
    try {
      const item = await panel.waitForItem();
      await panel.clickText(item, 'Refresh all now');
      await s.waitFor(row(slow.mcp_url), { timeoutMs: 5000, accept: hasStatus('refreshing') });
      await s.waitFor(row(slow.mcp_url), { timeoutMs: 15000, accept: hasStatus('connected') });

      const said = async () => (await panel.menu(item)).map((e) => e.text);
      assert.ok(!(await said()).some((t) => /Refreshing/.test(t)), 'nothing refreshes between the two');
      await s.click(await s.waitFor('[data-testid="refresh-all"]'));
      let menu = [];
      await waitUntil(async () => (menu = await said()).some((t) => /Refreshing/.test(t)), "the tray's menu says Refreshing")
        .catch((e) => assert.fail(`${e.message}; the menu said: ${JSON.stringify(menu)}`));
      await s.waitFor(row(slow.mcp_url), { timeoutMs: 15000, accept: hasStatus('connected') });
      await waitUntil(async () => !(await said()).some((t) => /Refreshing/.test(t)), 'and stops saying it', 10000);
    } finally {
      await fetch(`${slow.admin_url}/mode?mode=good`, { method: 'POST' });
      for (const b of await s.findAll('.notice-region button')) await s.click(b);
    }
  });

  test('a denied consent says so and stores nothing', async () => {
    await ensureSignedOut(url);
    await admin(peer, '/authorize-mode?mode=deny', 'POST');
    try {
      await s.click(await s.waitFor(`${row(url)} [data-testid="connect-button"]`));
      const msg = await s.waitFor(`${row(url)} [data-testid="problem-message"]`, {
        timeoutMs: 30000,
        accept: async (el) => /declined/.test(await s.text(el)),
      });
      assert.match(await s.text(msg), /declined in the browser/);
      const r = await s.waitFor(row(url));
      assert.equal(await s.attr(r, 'data-status'), 'not_connected');
      assert.equal((await admin(peer, '/stats')).active_grants, 0);
    } finally {
      await admin(peer, '/authorize-mode?mode=approve', 'POST');
    }
  });

  test('start at login writes (and removes) the desktop autostart entry', async () => {
    // tauri-plugin-autostart (through the auto-launch crate) always writes ~/.config/autostart,
    // whatever XDG_CONFIG_HOME says.
    const dir = join(process.env.HOME, '.config', 'autostart');
    const entries = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.desktop')) : []);
    await s.click(await s.waitFor('[data-testid="settings-button"]'));
    // Enabled once the current setting has been read from the system.
    const toggle = await s.waitFor('[data-testid="autostart-toggle"]', {
      accept: async (el) => (await s.attr(el, 'disabled')) === null,
    }).catch(async (e) => {
      throw new Error(`${e.message}; the settings say: ${await s.text(await s.waitFor('#settings-panel'))}`);
    });
    assert.deepEqual(entries(), []);
    await s.click(toggle);
    await waitUntil(() => entries().length === 1, 'the autostart entry is written').catch(async (e) => {
      const found = execFileSync('find', [process.env.HOME, '-name', '*.desktop'], { encoding: 'utf8' });
      const panel = await s.text(await s.waitFor('#settings-panel'));
      throw new Error(`${e.message}; .desktop files under HOME: ${found || 'none'}; settings: ${panel}`);
    });
    // It starts the resident tray itself (installed beside the app), in the tray only.
    const entry = readFileSync(join(dir, entries()[0]), 'utf8');
    const exec = /^Exec=(\S+) --hidden$/m.exec(entry);
    assert.ok(exec, entry);
    assert.equal(exec[1], join(dirname(app), 'latchkey-tray'));
    assert.ok(existsSync(exec[1]), `${exec[1]} is there to start`);
    await s.click(toggle);
    await waitUntil(() => entries().length === 0, 'the autostart entry is removed');
    await s.click(await s.waitFor('[data-testid="settings-button"]'));
  });

  test('a plain-text secret in a client config moves to the keychain, with consent, and back with Undo', async () => {
    // A server in the list: with none, the header's line is empty once nothing needs you.
    await ensureAdded(url);
    // Written after start: the watch sees the new folder and file, and the window lists it.
    const cursor = join(process.env.HOME, '.cursor', 'mcp.json');
    const secret = 'ghp_appE2Eaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    mkdirSync(dirname(cursor), { recursive: true });
    const original = `{\n  // work\n  "mcpServers": {\n    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_TOKEN": "${secret}" } }\n  }\n}\n`;
    writeFileSync(cursor, original);
    const finding = '[data-testid="config-finding"][data-entry="github"]';
    await s.click(await s.waitFor(`${finding} [data-testid="finding-fix"]`, { timeoutMs: 20000 }));
    const message = await s.waitFor('[data-testid="adopt-message"]');
    assert.match(await s.text(message), /Latchkey will change .*\.cursor\/mcp\.json \(Cursor\)/);
    assert.ok(!(await s.source()).includes(secret), 'the secret is not in the DOM');
    assert.match(readFileSync(cursor, 'utf8'), new RegExp(secret), 'nothing written before consent');
    // The header counts it (it said "all good" while secrets sat in plain text).
    // (The header's line is re-rendered as counts change: read it afresh each time.)
    const summary = '[data-testid="summary"]';
    // (textContent through script: WebKitWebDriver gives no text for what a modal dialog makes inert.)
    let said = '';
    const header = async () =>
      (said = String(
        await s.exec(`return document.querySelector('${summary}')?.textContent ?? ''`).catch(() => ''),
      ));
    await waitUntil(async () => /· 1 secret in plain text/.test(await header()), 'the header counts it')
      .catch((e) => assert.fail(`${e.message}; the header said: ${JSON.stringify(said)}`));
    await saveShot('app-adopt.png');
    await s.click(await s.waitFor('[data-testid="adopt-confirm"]'));
    const outcome = await s.waitFor('[data-testid="adopt-outcome"]');
    assert.match(await s.text(outcome), /Changed Cursor's mcp\.json for github\. To undo later: latchkey restore \d+/);
    const after = readFileSync(cursor, 'utf8');
    assert.ok(!after.includes(secret), after);
    assert.match(after, /^\{\n {2}\/\/ work\n/, 'the comment stays');
    assert.match(after, /latchkey:github\/GITHUB_TOKEN/);
    assert.match(latchkey(env, 'secret', 'ls'), /github\/GITHUB_TOKEN/);
    await waitUntil(async () => (await s.findAll(finding)).length === 0, 'the finding goes away');
    await waitUntil(
      async () => /^\d+ servers? · /.test(await header()) && !/secret in plain text/.test(said),
      'the header stops counting it',
    ).catch((e) => assert.fail(`${e.message}; the header said: ${JSON.stringify(said)}`));
    // Undo, from the same notice: the file is back byte for byte, and so is the finding.
    await s.click(await s.waitFor('[data-testid="adopt-undo"]'));
    assert.match(await s.text(await s.waitFor('[data-testid="adopt-undone"]')), /back as it was/);
    assert.equal(readFileSync(cursor, 'utf8'), original);
    await s.waitFor(finding, { timeoutMs: 20000 });
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
  });

  test('a real mcp-remote sign-in in plain text is imported from its finding, and Undo puts the files back', async () => {
    // Its own server: the sign-in stays in Latchkey after Undo (Undo puts files back only).
    const other = await startPeer('tests/peers/sdk-server.mjs');
    const otherUrl = other.mcp_url;
    const home = process.env.HOME;
    const claude = join(home, '.claude.json');
    const config = `${JSON.stringify({ mcpServers: { notes: { command: 'npx', args: ['-y', 'mcp-remote', otherUrl, '--allow-http'] } } }, null, 2)}\n`;
    writeFileSync(claude, config);
    await signInWithMcpRemote(home, otherUrl);
    const cache = join(home, '.mcp-auth', 'mcp-remote-v1');
    const tokensName = readdirSync(cache).find((n) => n.endsWith('_tokens.json'));
    const tokens = readFileSync(join(cache, tokensName));
    const cached = JSON.parse(tokens.toString());
    assert.equal((await admin(other, '/stats')).authorizations, 1, "mcp-remote's own sign-in");

    // The watch follows mcp-remote's folder: the finding appears with the import as its fix.
    const finding = '[data-testid="config-finding"][data-fix="import_tokens"]';
    const fix = await s.waitFor(`${finding} [data-testid="finding-fix"]`, { timeoutMs: 20000 });
    // (Clear of the sticky header: the driver scrolls a button to the very top.)
    await s.exec(`document.querySelector('${finding} [data-testid="finding-fix"]').scrollIntoView({ block: 'center' })`);
    await s.click(fix);
    const message = await s.waitFor('[data-testid="adopt-message"]');
    assert.match(await s.text(message), /move the sign-in that mcp-remote keeps in plain text into your keychain/);
    assert.match(await s.text(await s.waitFor('[data-testid="adopt-alternative"]')), /revoke them/);
    const source = await s.source();
    assert.ok(!source.includes(cached.access_token) && !source.includes(cached.refresh_token), 'no token in the DOM');
    await saveShot('app-import.png');
    await s.click(await s.waitFor('[data-testid="adopt-confirm"]'));
    const outcome = await s.waitFor('[data-testid="adopt-outcome"]', { timeoutMs: 30000 }).catch(async (e) => {
      const said = await s.exec(`return document.querySelector('[data-testid="adopt-dialog"]')?.textContent ?? ''`);
      throw new Error(`${e.message}; the dialog said: ${said}`);
    });
    assert.match(await s.text(outcome), /Imported 1 sign-in from mcp-remote\. Claude Code's notes now runs latchkey proxy\./);
    // No browser, no new sign-in; the tokens left the cache; the entry runs the proxy; the
    // grant hands out a working token.
    assert.equal((await admin(other, '/stats')).authorizations, 1);
    assert.ok(!existsSync(join(cache, tokensName)), 'the token file is gone');
    assert.deepEqual(JSON.parse(readFileSync(claude, 'utf8')).mcpServers.notes, { command: 'latchkey', args: ['proxy', otherUrl] });
    const token = latchkey(env, 'token', otherUrl).trim();
    assert.ok(token.length > 0 && token !== cached.access_token);
    await waitUntil(async () => (await s.findAll(finding)).length === 0, 'the finding goes away', 20000);

    // Undo, from the same notice: both files back byte for byte, and the finding with them.
    await s.click(await s.waitFor('[data-testid="adopt-undo"]'));
    assert.match(await s.text(await s.waitFor('[data-testid="adopt-undone"]')), /Put mcp-remote's files back as they were/);
    assert.ok(readFileSync(join(cache, tokensName)).equals(tokens), 'the token file is back');
    assert.equal(readFileSync(claude, 'utf8'), config);
    await s.waitFor(finding, { timeoutMs: 20000 });
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
  });

  test('a locked keychain is a clear message and stores nothing', async () => {
    await ensureSignedOut(url);
    execFileSync('dbus-send', [
      '--session', '--dest=org.freedesktop.secrets', '--print-reply', '/org/freedesktop/secrets',
      'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login',
    ], { stdio: 'ignore' });
    // Clear of the sticky header and of any notice left by the step before (a loaded machine
    // once saw the click intercepted).
    for (const b of await s.findAll('.notice-region button')) await s.click(b);
    const connect = `${row(url)} [data-testid="connect-button"]`;
    await s.exec(`document.querySelector('${connect}').scrollIntoView({ block: 'center' })`);
    await s.click(await s.waitFor(connect));
    const msg = await s.waitFor(`${row(url)} [data-testid="problem-message"]`, {
      timeoutMs: 40000,
      accept: async (el) => /keychain/i.test(await s.text(el)),
    });
    assert.match(await s.text(msg), /keychain is locked or not available/);
    const list = JSON.parse(latchkey(env, 'list', '--json'));
    const server = list.servers.find((x) => x.url === url);
    assert.equal(server.status, 'not_connected');
    assert.equal(server.grants.length, 0);
  });
});

// Where no browser opens ($BROWSER fails at once, as xdg-open does on a machine without one),
// Connect to a server whose authorization server offers the device grant (oidc-provider) shows
// a code instead; a browser elsewhere (Chromium, driven by approve.mjs) enters it and approves.
test('the desktop app where no browser opens: Connect signs in with a code', { timeout: 180000 }, async (t) => {
  const peer = await startPeer('tests/peers/oidc-server.mjs');
  // A home of its own: the first test leaves a client config with a plain-text secret in the
  // shared one, and the window would start with the setup view.
  const home = mkdtempSync(join(tmpdir(), 'latchkey-app-device-user-'));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_HOME: mkdtempSync(join(tmpdir(), 'latchkey-app-device-')),
    LATCHKEY_KEYCHAIN_TIMEOUT: '5',
    BROWSER: 'false',
    LATCHKEY_LOG: 'info',
  };
  const s = await startApp(env, 5000);
  t.after(() => s.close());
  const url = peer.mcp_url;
  await s.type(await s.waitFor('[data-testid="add-server-input"]'), url);
  await s.click(await s.waitFor('[data-testid="add-server-submit"]'));
  await s.click(await s.waitFor(`${row(url)} [data-testid="connect-button"]`));

  const code = await s.waitFor(`${row(url)} [data-testid="device-user-code"]`, { timeoutMs: 30000 });
  const userCode = (await s.text(code)).trim();
  const address = (await s.text(await s.waitFor(`${row(url)} [data-testid="device-address"]`))).trim();
  assert.match(address, /^http:\/\/127\.0\.0\.1:\d+\//, address);
  assert.equal((await s.findAll(`${row(url)} [data-testid="device-qr"] svg`)).length, 1);
  await saveShot('app-device-code.png');

  execFileSync(process.execPath, [join(repo, 'tests/browser/approve.mjs'), address], {
    env: { ...process.env, APPROVE_USER_CODE: userCode, APPROVE_ACTION: 'approve' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await s.waitFor(row(url), {
    timeoutMs: 30000,
    accept: async (el) => (await s.attr(el, 'data-status')) === 'connected',
  });
  const list = JSON.parse(latchkey(env, 'list', '--json'));
  const grant = list.servers.find((x) => x.url === url).grants[0];
  assert.equal(grant.obtained_by, 'device', JSON.stringify(grant));
  assert.equal(grant.has_refresh_token, true);
});

/** The live (not zombie) processes in the helpers' groups, as "pid command" lines. */
/** `npx mcp-remote <url>` as a client runs it (pinned in tests/clients), signed in through
 *  follow.sh as the browser; resolves once it answered `initialize` through the server. */
function signInWithMcpRemote(home, url) {
  const proxy = join(repo, 'tests/clients/node_modules/mcp-remote/dist/proxy.js');
  const env = { ...process.env, HOME: home, BROWSER: join(repo, 'tests/browser/follow.sh') };
  // No desktop: xdg-open falls back to $BROWSER.
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'MCP_REMOTE_CONFIG_DIR']) delete env[k];
  const child = startInGroup(process.execPath, [proxy, url, '--allow-http'], { cwd: home, env, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'latchkey-app-test', version: '1' } } })}\n`);
  return new Promise((resolveDone, reject) => {
    const timer = setTimeout(() => reject(new Error('mcp-remote did not answer')), 60000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.includes('"id":1')) return;
      clearTimeout(timer);
      try { process.kill(-child.pid, 'SIGTERM'); } catch {}
      resolveDone(JSON.parse(line));
    });
  });
}

function stillRunning() {
  const groups = new Set(children.map((c) => String(c.pid)));
  return execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, pgid, stat]) => pid && groups.has(pgid) && !stat.startsWith('Z'))
    .map(([pid, , , ...args]) => `${pid} ${args.join(' ')}`);
}

function signalGroups(signal) {
  for (const c of children) {
    try {
      process.kill(-c.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}

test.after(async () => {
  const helpers = new Set(children.map((c) => String(c.pid)));
  const startedByHelpers = stillRunning().filter((line) => !helpers.has(line.split(' ')[0]));
  console.log(`started by the helpers, still running: ${startedByHelpers.join('; ') || 'none'}`);
  signalGroups('SIGTERM');
  const started = Date.now();
  while (stillRunning().length > 0 && Date.now() - started < 5000) await sleep(100);
  const left = stillRunning();
  if (left.length > 0) {
    console.log(`still running 5 s after SIGTERM, killed: ${left.join('; ')}`);
    signalGroups('SIGKILL');
  }
});
