// A real client's start-up through each proxy (issue 17): the official TypeScript SDK's v1
// Client in the benchmark process, and Gemini CLI's `gemini mcp list`, if installed.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROTOCOL_2025 } from './clients.mjs';
import {
  logPath, ms, now, run, tailFile, trackPid, untrackPid,
} from './procs.mjs';

/** The TypeScript SDK (v1) of the repo root's node_modules: {Client, StdioClientTransport, version}. */
export async function loadSdk(repo) {
  const base = path.join(repo, 'node_modules/@modelcontextprotocol/sdk');
  const pkg = JSON.parse(fs.readFileSync(path.join(base, 'package.json'), 'utf8'));
  const { Client } = await import(pathToFileURL(path.join(base, 'dist/esm/client/index.js')).href);
  const { StdioClientTransport } = await import(pathToFileURL(path.join(base, 'dist/esm/client/stdio.js')).href);
  return { Client, StdioClientTransport, version: pkg.version };
}

/**
 * One start of the SDK client on `cmd`: from the spawn (inside connect()) to the tools/list
 * answer. Like tests/clients/ts-sdk-client.mjs, its initialize asks for 2025-06-18. Resolves
 * {initialized, listed} in ms; the process is closed the SDK's way (stdin EOF, then signals).
 */
export async function sdkStartup(sdk, name, { command, args, env, cwd }, timeoutMs = 30000) {
  const logFile = logPath(name);
  const fd = fs.openSync(logFile, 'w');
  let fdOpen = true;
  const closeFd = () => {
    if (fdOpen) fs.closeSync(fd);
    fdOpen = false;
  };
  const transport = new sdk.StdioClientTransport({ command, args, env, cwd, stderr: fd });
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.method === 'initialize') message.params.protocolVersion = PROTOCOL_2025;
    return send(message, options);
  };
  let pid = null;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    try {
      await start();
    } finally {
      closeFd(); // the child has its own copy
      pid = transport.pid;
      trackPid(pid, name);
    }
  };
  const client = new sdk.Client({ name: 'latchkey-bench', version: '1.0.0' }, { capabilities: {} });
  const t0 = now();
  try {
    await client.connect(transport, { timeout: timeoutMs });
    const t1 = now();
    const { tools } = await client.listTools(undefined, { timeout: timeoutMs });
    const t2 = now();
    if (!tools.some((t) => t.name === 'echo')) throw new Error(`tools/list has no echo: ${JSON.stringify(tools.map((t) => t.name))}`);
    return { initialized: ms(t0, t1), listed: ms(t0, t2) };
  } catch (e) {
    throw new Error(`${name}: ${e.message}; stderr:\n${tailFile(logFile)}`);
  } finally {
    closeFd();
    await client.close().catch(() => {});
    untrackPid(pid);
  }
}

/** Gemini CLI from tests/clients/node_modules: {js, version}, or null. */
export function findGemini(repo) {
  const dir = path.join(repo, 'tests/clients/node_modules/@google/gemini-cli');
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const js = path.join(dir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.gemini);
    return fs.existsSync(js) ? { js, version: pkg.version } : null;
  } catch {
    return null;
  }
}

// Offline and quiet: no telemetry, no update check, no folder-trust prompt (as in
// crates/latchkey-cli/tests/e2e/issue17.rs).
const GEMINI_SETTINGS = {
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  security: { folderTrust: { enabled: false } },
};

/**
 * A Gemini user home (HOME) whose settings configure at most one MCP server. Gemini drops
 * every variable with KEY in its name from a server's environment (LATCHKEY_HOME too), so
 * latchkey's home goes on its command line.
 */
export function geminiHome(dir, server) {
  fs.mkdirSync(path.join(dir, '.gemini'), { recursive: true });
  const settings = { ...GEMINI_SETTINGS, ...(server ? { mcpServers: { [server.name]: { command: server.command, args: server.args } } } : {}) };
  fs.writeFileSync(path.join(dir, '.gemini/settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return dir;
}

/**
 * One `gemini mcp list` (it connects to every configured server: initialize, then a ping) in
 * `home`. Resolves the whole command's wall time in ms; throws unless `serverName` (when
 * given) is listed as Connected.
 */
export async function geminiList(gemini, name, { home, project, env, serverName }) {
  const r = await run(name, process.execPath, [gemini.js, 'mcp', 'list'], {
    cwd: project,
    env: { ...env, HOME: home, GEMINI_CLI_NO_RELAUNCH: '1', GEMINI_TELEMETRY_ENABLED: 'false' },
    timeoutMs: 90000,
  });
  // Gemini writes its listing to stdout or stderr depending on its version: read both.
  const out = `${r.stdout}${r.stderr}`;
  if (r.code !== 0) throw new Error(`${name}: exit ${r.code}:\n${out.slice(-3000)}`);
  if (serverName) {
    const line = out.split('\n').find((l) => l.includes(serverName));
    if (!line || !line.includes('Connected') || line.includes('Disconnected')) {
      throw new Error(`${name}: ${serverName} is not listed as Connected: ${(line ?? out).trim().slice(-1000)}`);
    }
  }
  return r.ms;
}
