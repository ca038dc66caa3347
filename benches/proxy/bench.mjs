#!/usr/bin/env node
// Latchkey proxy benchmark: `latchkey proxy <url>` vs `mcp-remote <url> --protocol auto` vs a
// direct HTTP client, in ONE run, against a 2025-06-18 server (tests/peers/sdk-server.mjs) and
// a 2026-07-28-only server (tests/peers/modern-server.mjs), plus a real client's start-up (the
// TypeScript SDK's Client, and Gemini CLI's `gemini mcp list`) through each proxy.
//
// Run it inside a private, unlocked Secret Service (Latchkey keeps tokens in the keychain):
//
//   tests/support/with-keyring.sh node benches/proxy/bench.mjs --out /tmp/bench.json
//
// See benches/README.md for what every number means. Options (all optional):
//   --out FILE          write the results as JSON to FILE
//   --latchkey PATH     the latchkey binary (default: $LATCHKEY, else target/release/latchkey)
//   --servers LIST      which servers: 2025, 2026 or 2025,2026 (default: both)
//   --n N               timed tools/call round trips per client (500)
//   --warmup N          untimed tools/call round trips per client first (50)
//   --cold N            cold starts per client (20)
//   --client-runs N     TS SDK client start-ups per proxy and server (20; 0 skips them)
//   --gemini-runs N     `gemini mcp list` runs per proxy and server (5; 0 skips them)
//   --no-npx            skip the extra `npx mcp-remote` cold-start row
//   --timeout S         hard limit for the whole run, in seconds (600); everything is killed then
//
// It is a benchmark, not a test: goals that are missed are reported, the exit status stays 0.
// A proxy that fails somewhere gets a FAILED row and the run goes on. Exit 1 means the
// benchmark could not run (a server did not start, latchkey could not sign in, a client signed
// in again while being measured, the timeout), or latchkey itself failed somewhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  INIT_PARAMS, StdioClient, checkInit, echo,
} from './clients.mjs';
import {
  killAll, killAllSync, liveChildren, memoryOf, ms, now, run, say, setLogDir, spawnTracked, stopChild,
} from './procs.mjs';
import { report } from './report.mjs';
import { startServer } from './servers.mjs';
import {
  findGemini, geminiHome, geminiList, loadSdk, sdkStartup,
} from './startup.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const FOLLOW = path.join(REPO, 'tests/browser/follow.sh');
const PATIENT = path.join(HERE, 'patient-browser.sh');
const MCP_REMOTE_PKG = path.join(HERE, 'node_modules/mcp-remote/package.json');
const PROXIES = ['latchkey', 'mcp-remote'];

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    out: null,
    latchkey: process.env.LATCHKEY || path.join(REPO, 'target/release/latchkey'),
    servers: ['2025', '2026'],
    n: 500,
    warmup: 50,
    cold: 20,
    clientRuns: 20,
    geminiRuns: 5,
    npx: true,
    timeout: 600,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      i += 1;
      return argv[i];
    };
    const int = (min = 1) => {
      const v = Number.parseInt(val(), 10);
      if (!Number.isFinite(v) || v < min) usage(`${a} needs an integer >= ${min}`);
      return v;
    };
    if (a === '--out') o.out = path.resolve(val());
    else if (a === '--latchkey') o.latchkey = val();
    else if (a === '--servers') {
      const list = val().split(',').map((s) => s.trim().slice(0, 4)).filter(Boolean);
      if (!list.length || list.some((s) => s !== '2025' && s !== '2026')) usage('--servers takes 2025, 2026 or 2025,2026');
      o.servers = [...new Set(list)];
    } else if (a === '--n') o.n = int();
    else if (a === '--warmup') o.warmup = int();
    else if (a === '--cold') o.cold = int();
    else if (a === '--client-runs') o.clientRuns = int(0);
    else if (a === '--gemini-runs') o.geminiRuns = int(0);
    else if (a === '--timeout') o.timeout = int();
    else if (a === '--no-npx') o.npx = false;
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  o.latchkey = path.resolve(o.latchkey);
  return o;
}
function usage(err) {
  if (err) console.error(`bench: ${err}`);
  console.error('usage: tests/support/with-keyring.sh node benches/proxy/bench.mjs [--out FILE] [--latchkey PATH]\n'
    + '         [--servers 2025,2026] [--n 500] [--warmup 50] [--cold 20] [--client-runs 20] [--gemini-runs 5]\n'
    + '         [--no-npx] [--timeout 600]');
  process.exit(err ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    say(`got ${sig}, killing children`);
    killAllSync();
    process.exit(130);
  });
}
let logDirForFailure = null;
const watchdog = setTimeout(() => {
  say(`hard timeout: the run took more than ${opts.timeout}s; killing everything`);
  for (const c of liveChildren()) say(`  still running: ${c}`);
  if (logDirForFailure) say(`kept the children's logs (stderr) for inspection: ${logDirForFailure}`);
  killAllSync();
  process.exit(1);
}, opts.timeout * 1000);
watchdog.unref();

/** How many mcp-remote token files its config dir holds (one per signed-in server). */
function countTokenFiles(dir) {
  let n = 0;
  for (const d of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const p = path.join(dir, d);
    if (fs.statSync(p).isDirectory()) n += fs.readdirSync(p).filter((f) => f.endsWith('_tokens.json')).length;
  }
  return n;
}

// ---------------------------------------------------------------- one server
/**
 * Everything measured against one server: sign-ins, round trips, memory, cold starts, then a
 * real client's start-up. A proxy's failure is recorded (a FAILED row) and that proxy is left
 * out of the rest of the phase; the others go on.
 */
async function measureServer(era, ctx) {
  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  const { env, mrArgs, lk } = ctx;
  say(`== ${era} server`);
  const server = await startServer(REPO, era);
  const sec = {
    era, protocol: server.protocol, describe: server.describe, mcpUrl: server.mcpUrl,
    lat: {}, mem: {}, cold: {}, stops: {}, unclean: {}, failures: {}, notes: [],
    startup: { ts: {}, gemini: {}, failures: { ts: {}, gemini: {} }, notes: [] },
  };
  const { failures } = sec;
  const guard = async (m, phase, fn) => {
    if (m === 'direct') return fn(); // the baseline failing means the benchmark cannot run
    if (failures[m]) return undefined;
    try {
      return await fn();
    } catch (e) {
      failures[m] = { phase, message: e.message };
      say(`${era}: ${m} FAILED during ${phase}: ${e.message.split('; stderr:')[0].split('\n')[0]}`);
      return undefined;
    }
  };
  const mcpUrl = server.mcpUrl;
  const expect = server.echoAnswer;
  try {
    say(`server: ${mcpUrl} (${server.protocol})`);
    for (const t of Object.values(ctx.tripwires)) fs.rmSync(t.log, { force: true });

    // ---- sign in: latchkey (its token is the direct client's too)
    const tSignIn = Date.now();
    const conn = await run(`latchkey connect (${era})`, lk, ['connect', mcpUrl], { env: env.signIn.latchkey, timeoutMs: 60000 });
    if (conn.code !== 0) throw new Error(`latchkey connect failed (${conn.code}):\n${conn.stdout}\n${conn.stderr}`);
    const tok = await run(`latchkey token (${era})`, lk, ['token', mcpUrl], { env: env.measure.latchkey, timeoutMs: 30000 });
    const token = tok.stdout.trim();
    if (tok.code !== 0 || !token) throw new Error(`latchkey token failed (${tok.code}):\n${tok.stderr}`);
    say(`latchkey signed in (${Date.now() - tSignIn} ms)`);

    // ---- sign in: mcp-remote. Its bundled `open` runs xdg-open, which (no desktop) runs
    // $BROWSER <url>: patient-browser.sh curls the auto-approving /authorize and then its 302
    // target, mcp-remote's callback port, until that answers. A real tools/call proves that
    // the sign-in worked.
    const tMr = Date.now();
    const tokenFilesBefore = countTokenFiles(ctx.mcpRemoteConfigDir);
    await guard('mcp-remote', 'sign-in', async () => {
      const child = spawnTracked(`mcp-remote sign-in (${era})`, process.execPath, mrArgs(mcpUrl), { env: env.signIn['mcp-remote'], cwd: HERE });
      const c = new StdioClient(child, 'mcp-remote (sign-in)');
      try {
        checkInit(c.name, (await c.request('initialize', INIT_PARAMS, 30000)).msg);
        c.notify('notifications/initialized');
        await echo(c, 'sign-in check', expect('sign-in check'));
      } finally {
        await stopChild(child);
      }
      if (countTokenFiles(ctx.mcpRemoteConfigDir) <= tokenFilesBefore) {
        sec.notes.push(`mcp-remote signed in, but no new *_tokens.json appeared under ${ctx.mcpRemoteConfigDir}`);
      }
      say(`mcp-remote signed in (${Date.now() - tMr} ms)`);
    });
    if (failures['mcp-remote'] && ctx.opts.npx) failures['npx mcp-remote'] = { phase: 'sign-in', message: 'mcp-remote did not sign in' };
    const asBefore = await server.asStats();
    const srvBefore = era === '2026' ? await server.serverStats() : null;

    // ---- latency + memory: three live sessions, calls interleaved in rounds
    const direct = server.direct(token);
    await direct.open(10000);
    const spawnProxy = {
      latchkey: (name) => spawnTracked(name, lk, ['proxy', mcpUrl], { env: env.measure.latchkey }),
      'mcp-remote': (name) => spawnTracked(name, process.execPath, mrArgs(mcpUrl), { env: env.measure['mcp-remote'], cwd: HERE }),
    };
    const clients = { direct };
    const kids = {};
    for (const m of PROXIES) {
      await guard(m, 'initialize', async () => {
        kids[m] = spawnProxy[m](`${m} proxy (${era})`);
        const c = new StdioClient(kids[m], m);
        checkInit(m, (await c.request('initialize', INIT_PARAMS, 30000)).msg);
        c.notify('notifications/initialized');
        clients[m] = c;
      });
    }
    const modes = Object.keys(clients);
    for (const m of modes) {
      await guard(m, 'warm-up', async () => {
        for (let i = 0; i < ctx.opts.warmup; i += 1) await echo(clients[m], `warm-up ${i}`, expect(`warm-up ${i}`));
      });
    }
    const lat = Object.fromEntries(modes.map((m) => [m, []]));
    const ROUNDS = Math.min(10, ctx.opts.n);
    let done = 0;
    for (let r = 0; r < ROUNDS; r += 1) {
      const per = Math.floor(ctx.opts.n / ROUNDS) + (r < ctx.opts.n % ROUNDS ? 1 : 0);
      const order = modes.map((_, k) => modes[(k + r) % modes.length]); // rotate who goes first
      for (const m of order) {
        await guard(m, 'latency', async () => {
          for (let i = 0; i < per; i += 1) {
            const text = `bench ${done + i}`;
            lat[m].push(await echo(clients[m], text, expect(text)));
          }
        });
      }
      done += per;
    }
    sec.lat = lat;
    say(`latency: ${ctx.opts.n} timed calls per client done`);
    for (const m of Object.keys(kids)) if (!failures[m]) sec.mem[m] = memoryOf(kids[m].pid);
    await direct.close();
    for (const m of Object.keys(kids)) sec.stops[m] = await stopChild(kids[m]);

    // ---- cold start: spawn -> initialize answer, signed in already; runs interleaved
    const coldModes = { ...spawnProxy };
    if (ctx.opts.npx) {
      // What users type. npx resolves the bin from this package's node_modules (--no-install,
      // npm offline): npm's own node process, then a shell, then node running mcp-remote.
      coldModes['npx mcp-remote'] = (name) => spawnTracked(name, 'npx', ['--no-install', 'mcp-remote', mcpUrl, '--protocol', 'auto'],
        { env: env.measure['mcp-remote'], cwd: HERE });
    }
    const cold = { direct: [], ...Object.fromEntries(Object.keys(coldModes).map((m) => [m, []])) };
    for (let i = 0; i < ctx.opts.cold; i += 1) {
      // direct: a new session's initialize (2025) or a server/discover (2026) from this
      // already-running process
      const d = server.direct(token);
      const r = await d.open(10000);
      cold.direct.push(ms(r.t0, r.t));
      await d.close();
      const names = Object.keys(coldModes);
      for (let k = 0; k < names.length; k += 1) {
        const m = names[(k + i) % names.length];
        await guard(m, 'cold start', async () => {
          const s = now();
          const child = coldModes[m](`${m} cold ${i} (${era})`);
          const c = new StdioClient(child, `${m} (cold ${i})`);
          try {
            const res = await c.request('initialize', INIT_PARAMS, 30000);
            checkInit(c.name, res.msg);
            cold[m].push(ms(s, res.t));
          } finally {
            const st = await stopChild(child);
            if (!st.clean) sec.unclean[m] = (sec.unclean[m] || 0) + 1;
          }
        });
      }
    }
    sec.cold = cold;
    say(`cold start: ${ctx.opts.cold} runs per client done`);

    // ---- a real client's start-up
    await clientStartup(sec, server, ctx);

    const asAfter = await server.asStats();
    sec.asStats = { before: asBefore, after: asAfter };
    if (era === '2026') {
      const srvAfter = await server.serverStats();
      sec.serverStats = { before: srvBefore, after: srvAfter };
      const refused = srvAfter.legacy_refused - srvBefore.legacy_refused;
      if (refused) sec.notes.push(`the 2026-07-28 server refused ${refused} 2025-era request(s) (initialize) while being measured`);
    }

    // ---- sanity: nobody signed in again or opened a browser while being measured
    for (const [m, t] of Object.entries(ctx.tripwires)) {
      const opened = fs.existsSync(t.log) ? fs.readFileSync(t.log, 'utf8').trim().split('\n') : [];
      if (opened.length && !failures[m]) failures[m] = { phase: 'measurement', message: `tried to open a browser while being measured: ${opened.join(' | ')}` };
    }
    const signIns = asAfter.authorizations - asBefore.authorizations;
    const tokens = asAfter.tokens_issued - asBefore.tokens_issued;
    if (signIns || tokens) {
      throw new Error(`a client signed in again (or refreshed) while being measured: authorizations=+${signIns} tokens_issued=+${tokens}`);
    }
  } finally {
    await server.stop();
  }
  sec.seconds = (Date.now() - t0) / 1000;
  sec.load = { before: loadBefore, after: os.loadavg()[0] };
  return sec;
}

/** The TS SDK client's start-up and `gemini mcp list`, through each proxy, interleaved. */
async function clientStartup(sec, server, ctx) {
  const { env, mrArgs, lk } = ctx;
  const st = sec.startup;
  const era = sec.era;
  const mcpUrl = server.mcpUrl;
  const signedOut = (m) => (sec.failures[m]?.phase === 'sign-in' ? { phase: 'sign-in', message: `${m} did not sign in` } : null);
  if (ctx.sdk && ctx.opts.clientRuns > 0) {
    const cmds = {
      latchkey: { command: lk, args: ['proxy', mcpUrl], env: env.measure.latchkey },
      'mcp-remote': { command: process.execPath, args: mrArgs(mcpUrl), env: env.measure['mcp-remote'], cwd: HERE },
    };
    for (const m of PROXIES) if (signedOut(m)) st.failures.ts[m] = signedOut(m);
    for (let i = 0; i < ctx.opts.clientRuns; i += 1) {
      const order = i % 2 ? [...PROXIES].reverse() : PROXIES;
      for (const m of order) {
        if (st.failures.ts[m]) continue;
        try {
          (st.ts[m] ??= []).push(await sdkStartup(ctx.sdk, `ts-sdk via ${m} ${i} (${era})`, cmds[m]));
        } catch (e) {
          st.failures.ts[m] = { phase: `run ${i + 1}`, message: e.message };
          say(`${era}: TS SDK client through ${m} FAILED: ${e.message.split('\n')[0]}`);
        }
      }
    }
    say(`client start-up: ${ctx.opts.clientRuns} TS SDK client runs per proxy done`);
  }
  if (ctx.gemini && ctx.opts.geminiRuns > 0) {
    const dir = path.join(ctx.scratch, `gemini-${era}`);
    const project = path.join(dir, 'project');
    fs.mkdirSync(project, { recursive: true });
    const cfg = {
      baseline: { home: geminiHome(path.join(dir, 'alone')), env: env.measure.latchkey },
      latchkey: {
        home: geminiHome(path.join(dir, 'latchkey'), { name: 'via-latchkey', command: lk, args: ['--home', ctx.latchkeyHome, 'proxy', mcpUrl] }),
        env: env.measure.latchkey,
        serverName: 'via-latchkey',
      },
      'mcp-remote': {
        home: geminiHome(path.join(dir, 'mcp-remote'), { name: 'via-mcp-remote', command: process.execPath, args: mrArgs(mcpUrl) }),
        env: env.measure['mcp-remote'],
        serverName: 'via-mcp-remote',
      },
    };
    for (const m of PROXIES) if (signedOut(m)) st.failures.gemini[m] = signedOut(m);
    // One untimed run first: Gemini's files into the page cache, its state into the home.
    await geminiList(ctx.gemini, `gemini warm-up (${era})`, { ...cfg.baseline, project }).catch((e) => {
      st.notes.push(`${sec.protocol} server: the untimed gemini warm-up run failed: ${e.message.split('\n')[0]}`);
    });
    const names = Object.keys(cfg);
    for (let i = 0; i < ctx.opts.geminiRuns; i += 1) {
      for (let k = 0; k < names.length; k += 1) {
        const m = names[(k + i) % names.length];
        if (st.failures.gemini[m]) continue;
        try {
          (st.gemini[m] ??= []).push(await geminiList(ctx.gemini, `gemini mcp list via ${m} ${i} (${era})`, { ...cfg[m], project }));
        } catch (e) {
          st.failures.gemini[m] = { phase: `run ${i + 1}`, message: e.message };
          say(`${era}: gemini mcp list through ${m} FAILED: ${e.message.split('\n')[0]}`);
        }
      }
    }
    say(`client start-up: ${ctx.opts.geminiRuns} gemini mcp list runs per proxy done`);
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  if (loadBefore > os.cpus().length / 2) {
    say(`warning: load average ${loadBefore.toFixed(2)} on ${os.cpus().length} CPUs: something else is busy, expect noisy tails`);
  }
  if (!fs.existsSync(opts.latchkey)) {
    throw new Error(`no latchkey binary at ${opts.latchkey}: build it (cargo build --release) or set LATCHKEY=/path/to/latchkey`);
  }
  if (!fs.existsSync(MCP_REMOTE_PKG)) {
    throw new Error(`mcp-remote is not installed: run \`npm ci\` in ${HERE}`);
  }
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    say('warning: no DBUS_SESSION_BUS_ADDRESS; run this inside tests/support/with-keyring.sh');
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const logDir = path.join(scratch, 'logs');
  fs.mkdirSync(logDir);
  setLogDir(logDir);
  logDirForFailure = logDir;
  const mcpRemotePkg = JSON.parse(fs.readFileSync(MCP_REMOTE_PKG, 'utf8'));
  const mcpRemoteBin = path.join(HERE, 'node_modules/mcp-remote', mcpRemotePkg.bin['mcp-remote']);
  const mrArgs = (url) => [mcpRemoteBin, url, '--protocol', 'auto'];
  const lkVersion = (await run('latchkey --version', opts.latchkey, ['--version'], { timeoutMs: 10000 })).stdout.split('\n')[0].trim();
  const build = /\/debug\//.test(opts.latchkey) ? 'debug' : /\/release\//.test(opts.latchkey) ? 'release' : 'unknown';
  say(`latchkey: ${opts.latchkey} (${lkVersion}, ${build} build); mcp-remote ${mcpRemotePkg.version} via node ${mcpRemoteBin} --protocol auto`);

  // After sign-in, any attempt to open a browser is a bug in the set-up: each proxy gets a
  // tripwire of its own that records it and fails, so the row can be marked FAILED.
  const tripwires = {};
  for (const m of PROXIES) {
    const log = path.join(scratch, `unexpected-browser-${m}.log`);
    const script = path.join(scratch, `tripwire-browser-${m}.sh`);
    fs.writeFileSync(script, `#!/bin/sh\necho "$*" >> '${log}'\nexit 1\n`, { mode: 0o755 });
    tripwires[m] = { log, script };
  }
  const baseEnv = {
    ...process.env,
    LATCHKEY_HOME: path.join(scratch, 'latchkey-home'),
    MCP_REMOTE_CONFIG_DIR: path.join(scratch, 'mcp-auth'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_offline: 'true',
  };
  fs.mkdirSync(baseEnv.LATCHKEY_HOME, { recursive: true });
  fs.mkdirSync(baseEnv.MCP_REMOTE_CONFIG_DIR, { recursive: true });
  const env = {
    signIn: { latchkey: { ...baseEnv, BROWSER: FOLLOW }, 'mcp-remote': { ...baseEnv, BROWSER: PATIENT } },
    measure: Object.fromEntries(PROXIES.map((m) => [m, { ...baseEnv, BROWSER: tripwires[m].script }])),
  };

  const startup = {};
  let sdk = null;
  if (opts.clientRuns > 0) {
    try {
      sdk = await loadSdk(REPO);
      startup.sdkVersion = sdk.version;
    } catch (e) {
      startup.tsSkipped = `the TypeScript SDK could not be loaded from ${REPO}/node_modules (run npm ci there): ${e.message}`;
    }
  } else startup.tsSkipped = '--client-runs 0';
  let gemini = null;
  if (opts.geminiRuns > 0) {
    gemini = findGemini(REPO);
    if (gemini) startup.geminiVersion = gemini.version;
    else startup.geminiSkipped = 'Gemini CLI is not installed: (cd tests/clients && npm ci)';
  } else startup.geminiSkipped = '--gemini-runs 0';

  const ctx = {
    opts, env, mrArgs, lk: opts.latchkey, tripwires, scratch, sdk, gemini,
    latchkeyHome: baseEnv.LATCHKEY_HOME, mcpRemoteConfigDir: baseEnv.MCP_REMOTE_CONFIG_DIR,
  };
  let keep = true;
  let latchkeyFailed = false;
  try {
    const sections = [];
    for (const era of opts.servers) sections.push(await measureServer(era, ctx));
    const anyFailure = sections.some((s) => Object.keys(s.failures).length
      || Object.keys(s.startup.failures.ts).length || Object.keys(s.startup.failures.gemini).length);
    latchkeyFailed = sections.some((s) => s.failures.latchkey || s.startup.failures.ts.latchkey || s.startup.failures.gemini.latchkey);
    const notes = [];
    if (anyFailure) notes.push(`some rows FAILED; the children's logs (stderr) are kept in ${logDir}`);
    report({
      opts, lkVersion, build, mcpRemotePkg,
      mcpRemoteCommand: `node ${path.relative(REPO, mcpRemoteBin)} <url> --protocol auto`,
      sections, startup, notes,
      seconds: (Date.now() - t0) / 1000,
      load: { before: loadBefore, after: os.loadavg()[0] },
      writeJson: (json) => {
        fs.writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
        say(`results written to ${opts.out}`);
      },
    });
    keep = anyFailure;
  } finally {
    await killAll();
    if (process.env.BENCH_KEEP_SCRATCH === '1') keep = true;
    if (!keep || process.env.BENCH_KEEP_SCRATCH === '0') fs.rmSync(scratch, { recursive: true, force: true });
    else say(`kept the children's logs (stderr) for inspection: ${logDir}`);
  }
  if (latchkeyFailed) throw Object.assign(new Error('latchkey FAILED in some rows (see the notes above)'), { brief: true });
}

main().then(() => {
  clearTimeout(watchdog);
  process.exit(0);
}, async (err) => {
  say(`FAILED: ${err.brief ? err.message : err.stack || err}`);
  await killAll();
  process.exit(1);
});
