#!/usr/bin/env node
// The client that `conformance client --command ...` runs for each scenario (see run.sh and
// SCENARIOS.md). The runner appends the mock MCP server URL as the last argument and sets
// MCP_CONFORMANCE_SCENARIO (scenario name) and, for some scenarios, MCP_CONFORMANCE_CONTEXT
// (JSON: {"name": scenario, ...}; pre-registration adds client_id and client_secret).
//
// What it does:
//   1. Pre-registration (context has client_id): `latchkey connect <url> --client-id ID
//      [--client-secret-stdin] --client-metadata-url CIMD`, the secret on its stdin.
//      A machine client is set up the way its operator would, from what the context holds:
//      a private key (private_key_pem): `--client-credentials --private-key-file F
//      --signing-alg ALG`; a workload JWT (valid_jwt): `--workload-token-file F`; the
//      client-credentials scenarios with a secret: `--client-credentials --client-secret-stdin`;
//      a company identity provider (idp_issuer, idp_client_id, idp_id_token): first
//      `latchkey idp connect <idp_issuer> --client-id <idp_client_id> --id-token-file F`, then
//      `--via-idp <idp_issuer> --client-secret-stdin`.
//      The files are written 0600 to a temporary folder removed at the end.
//   2. `latchkey proxy <url> --client-metadata-url CIMD`, then over its stdin/stdout
//      (newline-delimited JSON-RPC): initialize, notifications/initialized, tools/list,
//      tools/call (test-tool, or add_numbers for the core tools_call scenario), then end of
//      stdin and wait for the proxy to exit 0.
//   Latchkey signs in by itself whenever the server says 401/403; BROWSER is browser.sh,
//   which follows the mock AS's 302 to Latchkey's loopback redirect URI.
//
// Environment:
//   LATCHKEY        path to the latchkey binary (default: <repo>/target/debug/latchkey)
//   LATCHKEY_HOME   state dir; when unset, a fresh temp dir for this run, removed at the end
//                   (KEEP_LATCHKEY_HOME=1 keeps it)
//   BROWSER         always set to browser.sh here (CONFORMANCE_BROWSER overrides)
//   CONFORMANCE_CLIENT_DEADLINE_MS  whole-run deadline, default 25000 (the runner kills the
//                   client at its --timeout, 30000 by default)
//
// Output: all logs on stderr (the runner saves them as stderr.txt); stdout carries exactly one
// line, which run.sh reads from stdout.txt: `latchkey-conformance-client: ok`, or `...: error:
// <reason>` (Latchkey failed or refused), `...: timeout: <reason>` (our deadline), `...: killed:
// <signal>` (the runner's time-out). Exit 0 on success, 1 on any failure: a JSON-RPC error
// response, a tool result with isError, a non-JSON line on the proxy's stdout, a non-zero exit
// of connect or proxy, or the deadline.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';
// The host speaks 2025-06-18, as most MCP clients in use still do; Latchkey speaks whatever the
// server speaks.
const PROTOCOL_VERSION = '2025-06-18';
const MARK = 'latchkey-conformance-client:';
const started = Date.now();

function log(msg) {
  const t = ((Date.now() - started) / 1000).toFixed(2).padStart(6);
  process.stderr.write(`[client ${t}s] ${msg}\n`);
}

const serverUrl = process.argv[process.argv.length - 1];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO || '(unknown)';
let context = {};
let usageError = null;
try {
  context = process.env.MCP_CONFORMANCE_CONTEXT ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) : {};
} catch (e) {
  usageError = `MCP_CONFORMANCE_CONTEXT is not JSON: ${e.message}`;
}
if (process.argv.length < 3 || !/^https?:\/\//.test(serverUrl)) {
  usageError = `usage: client.mjs [...] <server-url> (got ${JSON.stringify(process.argv.slice(2))})`;
}

const latchkey = process.env.LATCHKEY || path.join(REPO, 'target', 'debug', 'latchkey');
let ownHome = null;
const env = { ...process.env };
if (!env.LATCHKEY_HOME) {
  ownHome = mkdtempSync(path.join(tmpdir(), 'latchkey-conformance-'));
  env.LATCHKEY_HOME = ownHome;
}
env.BROWSER = process.env.CONFORMANCE_BROWSER || path.join(HERE, 'browser.sh');
delete env.MCP_CONFORMANCE_CONTEXT; // Latchkey gets credentials through flags and stdin only

const deadlineMs = Number(process.env.CONFORMANCE_CLIENT_DEADLINE_MS || 25000);
const children = new Set();
const deadline = setTimeout(() => finish(false, `deadline of ${deadlineMs} ms passed`, 'timeout'), deadlineMs);

let finished = false;
function finish(ok, reason, kind = 'error') {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      log(`killing pid ${child.pid}`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    }
  }
  if (filesDir) rmSync(filesDir, { recursive: true, force: true });
  if (ownHome && !process.env.KEEP_LATCHKEY_HOME) {
    try {
      rmSync(ownHome, { recursive: true, force: true });
    } catch {}
  } else if (ownHome) {
    log(`kept LATCHKEY_HOME=${ownHome}`);
  }
  log(ok ? 'OK' : `FAILED: ${reason}`);
  process.stdout.write(ok ? `${MARK} ok\n` : `${MARK} ${kind}: ${reason}\n`);
  process.exitCode = ok ? 0 : 1;
  // Give the kills a moment, then leave even if a child keeps a pipe open.
  setTimeout(() => process.exit(process.exitCode), children.size ? 1200 : 0).unref();
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => finish(false, `got ${sig}`, 'killed'));

function run(args, { stdin } = {}) {
  log(`$ ${latchkey} ${args.join(' ')}`);
  const child = spawn(latchkey, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const name = args[0];
  pipeLines(child.stderr, (line) => process.stderr.write(`[${name} stderr] ${line}\n`));
  child.on('error', (e) => finish(false, `cannot run ${latchkey}: ${e.message}`));
  child.stdin.on('error', () => {}); // EPIPE when the child is gone; its exit status tells
  if (stdin !== undefined) child.stdin.end(stdin);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      log(`${name} exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
      resolve({ code, signal });
    }),
  );
  return { child, exited };
}

function pipeLines(stream, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
  });
}

// Credentials an operator would keep in files (a key, a workload's JWT).
let filesDir = null;
function credentialFile(name, text) {
  filesDir ??= mkdtempSync(path.join(tmpdir(), 'latchkey-conformance-files-'));
  const file = path.join(filesDir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

async function connect() {
  const args = ['connect', serverUrl, '--client-id', String(context.client_id)];
  let stdin = '';
  if (context.idp_issuer) {
    const idp = run(['idp', 'connect', String(context.idp_issuer), '--client-id', String(context.idp_client_id),
      '--id-token-file', credentialFile('id-token.jwt', context.idp_id_token)]);
    pipeLines(idp.child.stdout, (line) => process.stderr.write(`[idp stdout] ${line}\n`));
    const done = await idp.exited;
    if (done.code !== 0) throw new Error(`latchkey idp connect exited with ${done.signal || done.code}`);
    args.push('--via-idp', String(context.idp_issuer));
    if (context.client_secret) {
      args.push('--client-secret-stdin');
      stdin = `${context.client_secret}\n`;
    }
  } else if (context.private_key_pem) {
    args.push('--client-credentials', '--private-key-file', credentialFile('client-key.pem', context.private_key_pem));
    if (context.signing_algorithm) args.push('--signing-alg', String(context.signing_algorithm));
  } else if (context.valid_jwt) {
    args.push('--workload-token-file', credentialFile('workload.jwt', context.valid_jwt));
  } else {
    if (scenario.startsWith('auth/client-credentials')) args.push('--client-credentials');
    if (context.client_secret) {
      args.push('--client-secret-stdin');
      stdin = `${context.client_secret}\n`;
    }
    args.push('--client-metadata-url', CIMD_URL);
  }
  const { child, exited } = run(args, { stdin });
  pipeLines(child.stdout, (line) => process.stderr.write(`[connect stdout] ${line}\n`));
  const { code, signal } = await exited;
  if (code !== 0) throw new Error(`latchkey connect exited with ${signal || code}`);
}

// What this host does in each scenario: the calls a real host would make there (the suite's
// obligations on the *host*, not on the transport: which tools to call and with what), after
// initialize and tools/list. Everything else (versions, headers, input-required rounds,
// resumed streams, auth) is Latchkey's: this host speaks plain 2025-06-18.
function plannedCalls(tools) {
  const names = tools.map((t) => t.name);
  const has = (n) => names.includes(n);
  switch (scenario) {
    case 'tools_call':
      return [{ name: 'add_numbers', arguments: { a: 3, b: 4 } }];
    case 'elicitation-sep1034-client-defaults':
      return [{ name: 'test_client_elicitation_defaults', arguments: {} }];
    case 'sse-retry':
      return [{ name: 'test_reconnection', arguments: {} }];
    case 'http-custom-headers':
      return (context.toolCalls || []).map((c) => ({ name: c.name, arguments: c.arguments }));
    case 'http-standard-headers':
      return has('test_headers') ? [{ name: 'test_headers', arguments: {} }] : [];
    case 'sep-2322-client-request-state':
      return ['test_mrtr_echo_state', 'test_mrtr_unrelated', 'test_mrtr_no_state', 'test_mrtr_no_result_type']
        .filter(has)
        .map((name) => ({ name, arguments: {} }));
    case 'json-schema-2020-12-preservation': {
      const rich = tools.find((t) => t.name === 'json_schema_2020_12_tool');
      return rich && has('json_schema_echo') ? [{ name: 'json_schema_echo', arguments: { schema: rich.inputSchema } }] : [];
    }
    case 'json-schema-ref-no-deref':
      return []; // listing is the test: nothing may fetch the schema's $ref
    default:
      // Every tool the proxy lists (the invalid-header scenario: only the valid one is left).
      if (has('test-tool')) return [{ name: 'test-tool', arguments: {} }];
      if (has('valid_tool')) return [{ name: 'valid_tool', arguments: { region: 'us-west1' } }];
      if (has('add_numbers')) return [{ name: 'add_numbers', arguments: { a: 3, b: 4 } }];
      return [];
  }
}

// An answer to an elicitation: each requested field from its default, else a value of its type.
function elicitationAnswer(params) {
  const content = {};
  for (const [key, prop] of Object.entries(params?.requestedSchema?.properties || {})) {
    if (prop.default !== undefined) content[key] = prop.default;
    else if (prop.enum) content[key] = prop.enum[0];
    else content[key] = { string: 'latchkey', integer: 1, number: 1.5, boolean: true }[prop.type] ?? null;
  }
  return { action: 'accept', content };
}

// What this host answers when the server (through the proxy) asks it something.
function answerServerRequest(msg) {
  switch (msg.method) {
    case 'ping':
      return { result: {} };
    case 'elicitation/create':
      return { result: elicitationAnswer(msg.params) };
    case 'sampling/createMessage':
      return { result: { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'latchkey-conformance-host', stopReason: 'endTurn' } };
    case 'roots/list':
      return { result: { roots: [] } };
    default:
      return { error: { code: -32601, message: `client does not support ${msg.method}` } };
  }
}

async function session() {
  const { child, exited } = run(['proxy', serverUrl, '--client-metadata-url', CIMD_URL]);
  const pending = new Map();
  let proxyExit = null;
  exited.then((r) => {
    proxyExit = r;
    for (const { reject } of pending.values()) reject(new Error(`proxy exited (${r.signal || r.code}) before answering`));
    pending.clear();
  });

  const send = (msg) => {
    log(`-> ${JSON.stringify(msg)}`);
    child.stdin.write(`${JSON.stringify(msg)}\n`);
  };
  let protocolError = null;
  pipeLines(child.stdout, (line) => {
    if (line.trim() === '') return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      protocolError = `proxy wrote a non-JSON line on stdout: ${line.slice(0, 200)}`;
      log(protocolError);
      for (const { reject } of pending.values()) reject(new Error(protocolError));
      pending.clear();
      return;
    }
    log(`<- ${line.length > 2000 ? line.slice(0, 2000) + '...' : line}`);
    if (msg.method !== undefined && msg.id !== undefined) {
      // A request from the server, relayed (or made from an input-required result) by the proxy.
      send({ jsonrpc: '2.0', id: msg.id, ...answerServerRequest(msg) });
      return;
    }
    if (msg.method !== undefined) return; // notification
    const waiter = pending.get(msg.id);
    if (!waiter) {
      protocolError = `a response with an id this host never used: ${JSON.stringify(msg.id)}`;
      log(protocolError);
      return;
    }
    pending.delete(msg.id);
    waiter.resolve(msg);
  });

  let nextId = 1;
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      if (protocolError) return reject(new Error(protocolError));
      if (proxyExit) return reject(new Error(`proxy already exited (${proxyExit.signal || proxyExit.code})`));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ jsonrpc: '2.0', id, method, params });
    }).then((msg) => {
      if (msg.error) throw new Error(`${method} -> JSON-RPC error ${JSON.stringify(msg.error)}`);
      if (msg.result === undefined) throw new Error(`${method} -> response without result`);
      return msg.result;
    });

  const init = await request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: { elicitation: {}, sampling: {}, roots: { listChanged: true } },
    clientInfo: { name: 'latchkey-conformance-host', version: '1.0.0' },
  });
  log(`initialized: protocolVersion ${init.protocolVersion}, server ${JSON.stringify(init.serverInfo)}`);
  // A 2025 server may answer with another 2025 revision (its choice, passed on as it is); a
  // 2026-07-28 server's answer comes from Latchkey, which must echo the host's own.
  if (!['2025-06-18', '2025-11-25'].includes(init.protocolVersion)) {
    throw new Error(`initialize answered protocolVersion ${init.protocolVersion}, which this host does not speak`);
  }
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });

  const { tools = [] } = await request('tools/list', {});
  if (scenario === 'http-standard-headers') {
    // One of each method the scenario checks the headers of.
    const { resources = [] } = await request('resources/list', {});
    if (resources[0]) await request('resources/read', { uri: resources[0].uri });
    const { prompts = [] } = await request('prompts/list', {});
    if (prompts[0]) await request('prompts/get', { name: prompts[0].name, arguments: {} });
  }
  const calls = plannedCalls(tools);
  if (calls.length === 0 && scenario.startsWith('auth/')) {
    throw new Error(`tools/list did not list test-tool: ${JSON.stringify(tools.map((t) => t.name))}`);
  }
  for (const call of calls) {
    const result = await request('tools/call', call);
    if (result.isError) throw new Error(`tools/call ${call.name} -> isError: ${JSON.stringify(result.content)}`);
  }

  log('closing the proxy stdin');
  child.stdin.end();
  const { code, signal } = await exited;
  if (protocolError) throw new Error(protocolError);
  if (code !== 0) throw new Error(`latchkey proxy exited with ${signal || code} after end of input`);
}

log(`scenario ${scenario}, server ${serverUrl}, latchkey ${latchkey}, LATCHKEY_HOME ${env.LATCHKEY_HOME}`);
try {
  if (usageError) throw new Error(usageError);
  if (context.client_id) await connect();
  await session();
  finish(true);
} catch (e) {
  finish(false, e.message);
}
