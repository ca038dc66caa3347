// The real app as a screen reader meets it (issue 16, item 5): read over AT-SPI, the Linux
// accessibility bus that Orca uses (tests/app/atspi.py), with real key presses for Tab. On a
// home where a client keeps a token in plain text and one server is signed in: the first-run
// view, then (after "Not now", pressed through AT-SPI as assistive technology does) the list.
// Every control on screen has a name; the names say which server a button acts on; Tab goes
// through the header, adding a server, each row's actions, then the findings, in that order.
// The browser tests run axe-core on every view (tests/ui/a11y.test.mjs); this checks what
// WebKitGTK actually gives the desktop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { appBin, cli, repo, sleep, startPeerFor } from './support.mjs';

// The system's Python: it has the GObject bindings for AT-SPI (python3-gi, gir1.2-atspi-2.0).
const atspi = (env, ...args) =>
  JSON.parse(execFileSync('/usr/bin/python3', [join(repo, 'tests/app/atspi.py'), ...args], { env, encoding: 'utf8' }));

async function until(ms, what, fn) {
  const started = Date.now();
  for (;;) {
    const v = await Promise.resolve().then(fn).catch(() => null);
    if (v) return v;
    if (Date.now() - started > ms) assert.fail(`timed out: ${what}`);
    await sleep(250);
  }
}

/** Controls on screen with no name a screen reader could say. */
const nameless = (tree) => tree.filter((n) => n.control && n.showing && n.name.trim() === '');
const named = (tree, role, name) => tree.some((n) => n.role === role && n.name === name && n.showing);

test('the real app over AT-SPI: every control named, Tab in reading order', { timeout: 180000 }, async (t) => {
  const sdk = await startPeerFor(t, 'tests/peers/sdk-server.mjs');
  const home = mkdtempSync(join(tmpdir(), 'latchkey-a11y-user-'));
  const cursor = join(home, '.cursor/mcp.json');
  mkdirSync(dirname(cursor), { recursive: true });
  writeFileSync(cursor, `${JSON.stringify({
    mcpServers: {
      github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_a11yTestToken0000000000000000000000' } },
    },
  }, null, 2)}\n`);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_HOME: mkdtempSync(join(tmpdir(), 'latchkey-a11y-')),
    BROWSER: join(repo, 'tests/browser/follow.sh'),
    LATCHKEY_LOG: 'warn',
  };
  execFileSync(cli, ['connect', sdk.mcp_url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = `${new URL(sdk.mcp_url).host}${new URL(sdk.mcp_url).pathname}`;
  const app = spawn(appBin, [], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  t.after(() => app.kill('SIGKILL'));

  await t.test('the first-run view: headings, a table, and named buttons', async () => {
    const tree = await until(30000, 'the setup view on the accessibility bus', () => {
      const tr = atspi(env, 'tree');
      return named(tr, 'push button', 'Not now') && tr;
    });
    assert.deepEqual(nameless(tree), []);
    assert.ok(tree.some((n) => n.role === 'heading' && n.name === 'Set up Latchkey'), 'the view has its heading');
    assert.ok(tree.some((n) => n.role === 'table'), 'what was found is a table');
    assert.ok(tree.some((n) => n.role === 'push button' && /^Fix all/.test(n.name)), 'the one consent is a named button');
    assert.ok(!JSON.stringify(tree).includes('ghp_a11y'), 'no secret reaches the accessibility tree');
    assert.equal(atspi(env, 'press', 'Not now').ok, true);
  });

  await t.test('the list: landmarks, a heading per server, buttons that say what they act on', async () => {
    const tree = await until(15000, 'the list after Not now', () => {
      const tr = atspi(env, 'tree');
      return named(tr, 'push button', `Details of ${server}`) && tr;
    });
    assert.deepEqual(nameless(tree), []);
    assert.ok(tree.some((n) => n.role === 'heading' && n.name === server));
    assert.ok(tree.filter((n) => n.role === 'landmark').length >= 2, 'banner and main');
    for (const [role, name] of [
      ['push button', 'Refresh all now'],
      ['push button', 'Settings'],
      ['entry', 'Server URL'],
      ['push button', 'Add server'],
      ['push button', `Details of ${server}`],
      ['push button', 'Move secrets to keychain: github in Cursor'],
    ]) {
      assert.ok(named(tree, role, name), `${role} "${name}" in ${JSON.stringify(tree.filter((n) => n.control).map((n) => n.name))}`);
    }
    assert.ok(tree.some((n) => n.role === 'push button' && n.name.startsWith('Revoke') && n.name.endsWith(server)));
  });

  await t.test('Tab visits the controls in reading order, each with a name', async () => {
    const order = atspi(env, 'tab', '40');
    const names = order.map((f) => f.name);
    console.log(`# Tab order in the real app: ${names.join(' | ')}`);
    assert.ok(order.every((f) => f.name.trim() !== ''), JSON.stringify(order));
    assert.equal(new Set(names).size, names.length, `no control twice: ${names.join(' | ')}`);
    const at = (pred, what) => {
      const i = names.findIndex(pred);
      assert.ok(i >= 0, `${what} is reached: ${names.join(' | ')}`);
      return i;
    };
    const header = at((n) => n === 'Refresh all now', 'Refresh all now');
    const url = at((n) => n === 'Server URL', 'the server URL field');
    const details = at((n) => n === `Details of ${server}`, "the row's Details");
    const revoke = at((n) => n.startsWith('Revoke') && n.endsWith(server), "the row's Revoke");
    const fix = at((n) => n === 'Move secrets to keychain: github in Cursor', "the finding's fix");
    assert.ok(header < url && url < details && details < revoke && revoke < fix, names.join(' | '));
  });
});
