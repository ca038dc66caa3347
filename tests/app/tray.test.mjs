// The tray, read the way a desktop panel reads it (issue 16, item 4): over D-Bus, as a
// StatusNotifierItem and its com.canonical.dbusmenu menu (tests/support/sni-watcher.mjs plays
// the panel). The real app starts at login (`--hidden`) on a home where a client's config keeps
// a token in plain text, with one server signed in and one whose sign-in the server rejected.
// The menu says what needs the person and each server's word; the picture is the attention one.
// Then the person fixes both from a terminal: the menu and the picture follow within seconds
// with no window open. "Open Latchkey" opens the window, also just after it closed; "Quit" ends
// the app. The tray is latchkey-tray, a process without WebKit; the window is a process of its
// own, started on Open.
// Run by `make test-app` in a D-Bus session of its own (so no other app's tray registers here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { startWatcher } from '../support/sni-watcher.mjs';
import { samePicture } from '../support/png-pixels.mjs';
import { closeWindow, windowState as xWindowState } from '../support/x-window.mjs';
import { startNotificationDaemon } from '../support/notification-daemon.mjs';
import { appBin, cli, repo, sleep, startPeerFor } from './support.mjs';

const ATTENTION = join(repo, 'icons/tray-attention.png');
const CALM = join(repo, 'icons/tray.png');
const TOKEN = 'ghp_trayTestPlainTextToken000000000000000';

/** Poll `fn` until it returns something truthy; the value and how long it took. */
async function within(ms, what, fn) {
  const started = Date.now();
  let last;
  for (;;) {
    last = await fn().catch((e) => e);
    if (last && !(last instanceof Error)) return { value: last, ms: Date.now() - started };
    if (Date.now() - started > ms) assert.fail(`timed out after ${ms} ms: ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await sleep(100);
  }
}

/** Which of the app's two pictures the tray shows (the file changes on every update). */
async function picture(w, item) {
  for (let i = 0; i < 20; i++) {
    const { IconName } = await w.properties(item);
    try {
      if (samePicture(IconName, ATTENTION)) return 'attention';
      if (samePicture(IconName, CALM)) return 'calm';
      return `another picture (${IconName})`;
    } catch (e) {
      if (e.code !== 'ENOENT') throw e; // replaced between the read and the open: ask again
    }
    await sleep(50);
  }
  throw new Error('the icon file kept changing');
}

const sameList = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Poll the menu until `ok(texts)` holds; its texts and how long it took (the last menu on failure). */
async function settles(w, item, what, ok) {
  let last = [];
  try {
    return await within(10000, what, async () => {
      last = texts(await w.menu(item));
      return ok(last) && last;
    });
  } catch (e) {
    throw new Error(`${e.message}; the menu read: ${JSON.stringify(last)}`);
  }
}

const texts = (menu) => menu.filter((e) => e.visible).map((e) => (e.separator ? '---' : e.text));

const windowState = () => xWindowState('Latchkey');

test('the tray, as a desktop panel reads it: words per server, attention, live, Open and Quit', { timeout: 300000 }, async (t) => {
  const sdk = await startPeerFor(t, 'tests/peers/sdk-server.mjs');
  const hostile = await startPeerFor(t, 'tests/peers/hostile-server.mjs', { MODE: 'good' });
  const home = mkdtempSync(join(tmpdir(), 'latchkey-tray-user-'));
  const cursor = join(home, '.cursor/mcp.json');
  mkdirSync(dirname(cursor), { recursive: true });
  writeFileSync(cursor, `${JSON.stringify({
    mcpServers: {
      github: {
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-github'],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: TOKEN },
      },
    },
  }, null, 2)}\n`);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    LATCHKEY_HOME: mkdtempSync(join(tmpdir(), 'latchkey-tray-')),
    LATCHKEY_KEYCHAIN_TIMEOUT: '10',
    // Follows at once, unless a step holds it (the person has not approved yet).
    BROWSER: join(repo, 'tests/browser/hold.sh'),
    HOLD_BROWSER: join(home, 'hold-browser'),
    LATCHKEY_LOG: 'info',
  };
  const latchkey = (...args) => execFileSync(cli, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const names = Object.fromEntries(
    [sdk.mcp_url, hostile.mcp_url].map((u) => {
      const url = new URL(u);
      return [u, `${url.host}${url.pathname}`];
    }),
  );
  // One server signed in; one whose server then rejects the refresh (invalid_grant).
  latchkey('connect', sdk.mcp_url);
  latchkey('connect', hostile.mcp_url);
  await fetch(`${hostile.admin_url}/mode?mode=token-invalid-grant`, { method: 'POST' });
  try {
    latchkey('refresh', '--all');
  } catch {
    // exits 1: one refresh was rejected, which is the point
  }
  assert.match(latchkey('list'), /reconnect/i);

  const w = await startWatcher();
  t.after(() => w.close());
  assert.equal(windowState(), 'none');
  const app = spawn(appBin, ['--hidden'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((r) => app.once('exit', (code, signal) => r({ code, signal })));
  t.after(() => app.kill('SIGKILL'));
  const item = await w.waitForItem();
  /** The tray's children: the window processes it started and that have not ended. */
  const windowProcesses = () =>
    readFileSync(`/proc/${app.pid}/task/${app.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);

  await t.test('registered as a panel expects, with no window open', async () => {
    const p = await w.properties(item);
    assert.equal(p.Status, 'Active');
    assert.equal(p.Category, 'ApplicationStatus');
    assert.match(p.Menu, /^\/\w/, 'a menu object (com.canonical.dbusmenu)');
    assert.equal(windowState(), 'none', '--hidden opens no window');
  });

  await t.test('the resident tray never loads WebKit or GTK (issue 14: a light tray)', async () => {
    // latchkey-app hands over to latchkey-tray (same process id); the window is another process.
    const exe = readlinkSync(`/proc/${app.pid}/exe`);
    assert.match(exe, /latchkey-tray$/, 'the app became the resident tray');
    const maps = readFileSync(`/proc/${app.pid}/maps`, 'utf8');
    for (const lib of ['libwebkit2gtk', 'libjavascriptcoregtk', 'libgtk-3']) {
      assert.ok(!maps.includes(lib), `${lib} is not mapped in the resident`);
    }
    const kids = readFileSync(`/proc/${app.pid}/task/${app.pid}/children`, 'utf8').trim();
    assert.equal(kids, '', 'no window process before Open');
  });

  await t.test('the menu says what needs the person, then each server in one word', async () => {
    // The store and the config scan arrive separately: wait for the menu to settle on both.
    const want = [
      '1 server needs a reconnect — Review…',
      '1 secret in plain text — Review…',
      '---',
      `${names[hostile.mcp_url]} — Reconnect`,
      `${names[sdk.mcp_url]} — Connected`,
      '---',
      'Open Latchkey',
      'Refresh all now',
      '---',
      'Quit',
    ];
    const { value } = await settles(w, item, 'the menu that needs the person', (m) => sameList(m, want));
    assert.deepEqual(value, want);
    assert.ok(!JSON.stringify(value).includes(TOKEN), 'no secret in the menu');
    await within(5000, 'the attention picture', async () => (await picture(w, item)) === 'attention');
  });

  await t.test('fixed from a terminal: the menu and picture follow, with no window open', async () => {
    latchkey('adopt', 'github', '--file', cursor, '--move-secrets', '--yes');
    assert.ok(!readFileSync(cursor, 'utf8').includes(TOKEN));
    const moved = await settles(w, item, 'the plain-text line to go', (m) => !m.some((x) => /plain text/.test(x)));
    assert.equal(moved.value[0], '1 server needs a reconnect — Review…');
    await within(5000, 'the attention picture: the reconnect still needs the person', async () => (await picture(w, item)) === 'attention');

    await fetch(`${hostile.admin_url}/mode?mode=good`, { method: 'POST' });
    latchkey('connect', hostile.mcp_url);
    // Servers sort by name once neither needs attention: compare the first two as a set.
    const calm = await settles(w, item, 'nothing left to review, both connected', (m) =>
      sameList(m.slice(0, 2).sort(), [`${names[hostile.mcp_url]} — Connected`, `${names[sdk.mcp_url]} — Connected`].sort()) &&
      m[2] === '---' && !m.some((x) => /Review…/.test(x)));
    const pic = await within(5000, 'the calm picture', async () => (await picture(w, item)) === 'calm');
    console.log(`# tray followed: secret moved in ${moved.ms} ms, reconnect in ${calm.ms} ms, picture ${pic.ms} ms later`);

    latchkey('revoke', sdk.mcp_url);
    await within(10000, 'the revoked server to say Disconnected', async () =>
      texts(await w.menu(item)).includes(`${names[sdk.mcp_url]} — Disconnected`));
    assert.equal(windowState(), 'none', 'nothing opened a window');
  });

  await t.test('an Open just after the window closed shows it again; no window process is left over', async () => {
    // The window process ends after its window closes. An Open in that moment once fell into
    // the process on its way out and showed nothing (make bench-app, once in about 80 opens):
    // now the process offers to end and the tray agrees only if it sent it no Open since.
    for (const gap of [0, 0, 10, 30, 60, 100, 200, 400]) {
      await w.clickText(item, 'Open Latchkey');
      await within(20000, `the window to show (Open ${gap} ms after a close)`, async () => windowState() === 'viewable');
      await closeWindow('Latchkey');
      await sleep(gap);
    }
    await w.clickText(item, 'Open Latchkey');
    await within(20000, 'the window to show after the last close', async () => windowState() === 'viewable');
    await closeWindow('Latchkey');
    await within(15000, 'every window process to end once the window stays closed', async () =>
      windowProcesses().length === 0);
  });

  await t.test('a sign-in from a notification goes on after its window closes; then the window process ends', async (st) => {
    const notifications = await startNotificationDaemon();
    st.after(() => notifications.close());
    // The server rejects a refresh: the tray says so in a notification with a Connect button.
    await fetch(`${hostile.admin_url}/mode?mode=token-invalid-grant`, { method: 'POST' });
    try {
      latchkey('refresh', '--all');
    } catch {
      // exits 1: the refresh was rejected
    }
    await fetch(`${hostile.admin_url}/mode?mode=good`, { method: 'POST' });
    const { value: needsYou } = await within(15000, 'a notification that the server needs a sign-in', async () =>
      notifications.notifications.find((n) => /needs you/.test(n.summary) && n.actions.connect));

    // Connect, and the browser waits for the person; meanwhile the window is closed.
    writeFileSync(env.HOLD_BROWSER, '');
    notifications.press(needsYou.id, 'connect');
    await within(30000, 'the browser to open for the sign-in', async () => existsSync(`${env.HOLD_BROWSER}.waiting`));
    await closeWindow('Latchkey');
    await sleep(1500);
    assert.equal(windowProcesses().length, 1, 'the window process waits for the redirect');

    // The person approves: the sign-in ends in that process, and then it ends too.
    rmSync(env.HOLD_BROWSER);
    await settles(w, item, 'the server signed in again', (m) => m.includes(`${names[hostile.mcp_url]} — Connected`));
    await within(10000, 'the window process to end once the sign-in ended', async () => windowProcesses().length === 0);
    assert.equal(windowState(), 'none', 'no window came back');
  });

  await t.test('the menu showing readies the window unseen: Open shows it; a menu only looked at costs nothing after', async () => {
    const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    assert.deepEqual(windowProcesses(), [], 'no window process before the menu shows');
    await w.showMenu(item);
    // GTK makes the X window of a window that is not shown yet only when it shows it.
    const { value: ready } = await within(20000, 'a window process on standby', async () =>
      windowProcesses().length === 1 && windowProcesses()[0]);
    assert.deepEqual(cmdline(ready).slice(1), ['--window', '--standby']);
    await sleep(2000);
    assert.equal(windowState(), 'none', 'its window unseen');
    await w.clickText(item, 'Open Latchkey');
    await within(10000, 'Open to show the window made ready', async () => windowState() === 'viewable');
    assert.deepEqual(windowProcesses(), [ready], 'the same process shows it: none started on Open');
    await closeWindow('Latchkey');
    await within(15000, 'the window process to end once its window closed', async () => windowProcesses().length === 0);

    // Shown, looked at, dismissed: the standby ends a while after the menu's last showing.
    await w.showMenu(item);
    await within(20000, 'a window process on standby again', async () => windowProcesses().length === 1);
    assert.equal(windowState(), 'none', 'unseen');
    const { ms } = await within(30000, 'the standby to end with no Open', async () =>
      windowProcesses().length === 0 && windowState() === 'none');
    console.log(`# a standby nobody opened ended ${ms} ms after it was seen ready`);
  });

  await t.test('Open Latchkey opens the window; Quit ends the app', async () => {
    await w.clickText(item, 'Open Latchkey');
    await within(20000, 'the window to show', async () => windowState() === 'viewable');
    const kids = windowProcesses();
    assert.equal(kids.length, 1, 'one window process');
    const windowExe = readlinkSync(`/proc/${kids[0]}/exe`);
    assert.match(windowExe, /latchkey-app$/);
    await w.clickText(item, 'Quit');
    const end = await Promise.race([exited, sleep(10000).then(() => 'still running')]);
    assert.deepEqual(end, { code: 0, signal: null });
    await within(5000, 'the window process to end with the tray', async () => {
      try {
        readlinkSync(`/proc/${kids[0]}/exe`);
        return false;
      } catch {
        return true;
      }
    });
    await within(5000, 'Quit to close the window too', async () => windowState() === 'none');
  });
});
