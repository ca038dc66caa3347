#!/usr/bin/env node
// Self-test of tests/peers/python-server.py (an MCP server on the official Python MCP SDK, a pure
// resource server) together with tests/peers/sdk-server.mjs (the authorization server issuing its
// tokens). Plain fetch, no MCP client library, so what is checked is the wire itself.
//
//   scripts/install-python-peers.sh target/tools/pyvenv     # once: the venv with mcp==2.3.0
//   node tests/peers/python-selftest.mjs                     # PYTHON=/path/to/python to override
//
// Checks: ready lines; 401 + WWW-Authenticate resource_metadata without a token; the PRM names
// sdk-server's issuer; an unknown token and a token for another audience get 401; a token from
// sdk-server (DCR, /authorize auto-approve read from the 302 Location, /token with PKCE and
// `resource`); 2025-06-18 initialize + notifications/initialized + tools/list + echo + whoami with
// the Mcp-Session-Id; form elicitation on both paths (2025: a server-to-client elicitation/create
// on the POST's SSE stream; 2026-07-28: input_required + a retry with inputResponses/requestState);
// server/discover; the HTTP 400 / 404 answers with "id": null; DELETE of the session counted by
// /admin/stats; clean exits on SIGTERM and on stdin EOF. Lines starting "  note" record what the
// SDK answered (exact status and body), for the record.
// Ends with the line "N passed, N failed"; exit 1 on any failure.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abort, b64url, counts, form, must, note, ok, req } from './lib/checks.mjs';
import { children, startProcess, waitExit } from './lib/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const PYTHON = process.env.PYTHON || path.join(ROOT, 'target', 'tools', 'pyvenv', 'bin', 'python');
const OVERALL_TIMEOUT_MS = Number(process.env.SELFTEST_TIMEOUT_MS || 120000);
const EXPECTED_SDK = process.env.EXPECTED_SDK || 'mcp 2.3.0';

const PV_2025 = '2025-06-18';
const PV_2026 = '2026-07-28';
const META_PV = 'io.modelcontextprotocol/protocolVersion';
const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
const META_INFO = 'io.modelcontextprotocol/clientInfo';
// Any port: sdk-server matches loopback redirect URIs on any port (RFC 8252 §7.3). Nothing
// listens there: the code is read from the 302's Location.
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

const short = (s, n = 600) => (s.length > n ? `${s.slice(0, n)}…` : s);

// ---------------------------------------------------------------- peers ----

const startPeer = (name, cmd, args, env = {}) => startProcess(name, cmd, args, env, { cwd: ROOT });
const startSdk = () => startPeer('sdk-server.mjs', process.execPath, [path.join(HERE, 'sdk-server.mjs')]);
const startPython = (sdk, env = {}) => startPeer('python-server.py', PYTHON, [path.join(HERE, 'python-server.py')], {
  AS_ISSUER: sdk.ready.issuer,
  AS_ADMIN: sdk.ready.admin_url,
  ...env,
});

// ----------------------------------------------------------------- OAuth ----
function wellKnown(issuer, name) {
  const u = new URL(issuer);
  const p = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/${name}${p}`;
}

async function register(as, clientName) {
  const res = await req(as.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: clientName,
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  must(res.status === 201 && res.json?.client_id, `DCR (${clientName}) -> 201 with client_id`, res.text);
  return res.json;
}

/** /authorize (auto-approve: 302) then /token. Returns {error} when /authorize redirects with an error. */
async function getToken(as, client, { resource, scope } = {}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const u = new URL(as.authorization_endpoint);
  u.search = new URLSearchParams(Object.entries({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope,
    resource,
  }).filter(([, v]) => v !== undefined)).toString();
  const az = await req(u.href);
  const loc = az.headers.get('location');
  if (az.status !== 302 || !loc) return { error: `authorize answered ${az.status}: ${short(az.text)}` };
  const q = Object.fromEntries(new URL(loc).searchParams);
  if (q.state !== state) return { error: `authorize redirect with state ${q.state}` };
  if (!q.code) return { error: q.error, error_description: q.error_description, redirect: q };
  const tok = await req(as.token_endpoint, form({
    grant_type: 'authorization_code',
    code: q.code,
    redirect_uri: REDIRECT_URI,
    client_id: client.client_id,
    code_verifier: verifier,
    resource,
  }));
  if (tok.status !== 200 || !tok.json?.access_token) return { error: `token answered ${tok.status}: ${tok.text}` };
  return tok.json;
}

// ------------------------------------------------------------------- MCP ----
function sseMessages(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    if (!data) continue;
    try {
      out.push(JSON.parse(data));
    } catch { /* not JSON */ }
  }
  return out;
}

/** The JSON-RPC answer to request `id` in a JSON or SSE response. */
function rpcOf(res, id) {
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('text/event-stream')) {
    const msgs = sseMessages(res.text);
    return msgs.find((m) => m.id === id && ('result' in m || 'error' in m)) ?? msgs.find((m) => 'result' in m || 'error' in m);
  }
  return res.json;
}

let nextId = 0;

class Session {
  constructor(url, token) {
    this.url = url;
    this.token = token;
    this.sid = null;
    this.pv = null;
  }

  headers(extra = {}) {
    const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (this.sid) h['mcp-session-id'] = this.sid;
    if (this.pv) h['mcp-protocol-version'] = this.pv;
    return { ...h, ...extra };
  }

  async post(body, extra) {
    const res = await req(this.url, { method: 'POST', headers: this.headers(extra), body: JSON.stringify(body) });
    res.rpc = res.status === 200 ? rpcOf(res, body.id) : res.json;
    return res;
  }

  request(method, params, extra) {
    nextId += 1;
    return this.post({ jsonrpc: '2.0', id: nextId, method, ...(params ? { params } : {}) }, extra);
  }

  notify(method, params) {
    return this.post({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
  }

  async initialize(capabilities = {}, protocolVersion = PV_2025) {
    const res = await this.request('initialize', {
      protocolVersion,
      capabilities,
      clientInfo: { name: 'latchkey-python-selftest', version: '0.0.0' },
    });
    if (res.status === 200) {
      this.sid = res.headers.get('mcp-session-id');
      this.pv = res.rpc?.result?.protocolVersion ?? null;
    }
    return res;
  }

  /**
   * tools/call whose answer is an SSE stream on which the server may send elicitation/create
   * (2025 path): answer it with `answer` on a separate POST, then read on to the call's result.
   */
  async callAnsweringElicitation(name, args, answer) {
    nextId += 1;
    const id = nextId;
    const res = await fetch(this.url, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
      signal: AbortSignal.timeout(15000),
    });
    const out = { status: res.status, contentType: res.headers.get('content-type') || '', messages: [], replies: [] };
    if (!out.contentType.includes('text/event-stream')) {
      out.text = await res.text();
      try {
        out.final = JSON.parse(out.text);
      } catch { /* not JSON */ }
      return out;
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      buf += dec.decode(value, { stream: true });
      for (let m = /\r?\n\r?\n/.exec(buf); m; m = /\r?\n\r?\n/.exec(buf)) {
        const block = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        for (const msg of sseMessages(block)) {
          out.messages.push(msg);
          if (msg.method === 'elicitation/create' && msg.id !== undefined) {
            const r = await this.post({ jsonrpc: '2.0', id: msg.id, result: answer });
            out.replies.push({ status: r.status, text: r.text });
          } else if (msg.id === id && ('result' in msg || 'error' in msg)) {
            out.final = msg;
            await reader.cancel().catch(() => {});
            return out;
          }
        }
      }
    }
  }
}

/** One 2026-07-28 request: no session, the envelope in params._meta, Mcp-Method (+ Mcp-Name) headers. */
async function modern(url, token, method, params = {}, { caps = {}, headers = {}, meta } = {}) {
  nextId += 1;
  const body = {
    jsonrpc: '2.0',
    id: nextId,
    method,
    params: {
      ...params,
      _meta: meta ?? { [META_PV]: PV_2026, [META_CAPS]: caps, [META_INFO]: { name: 'latchkey-python-selftest', version: '0.0.0' } },
    },
  };
  const h = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PV_2026,
    'mcp-method': method,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(params.name !== undefined && ['tools/call', 'prompts/get'].includes(method) ? { 'mcp-name': params.name } : {}),
    ...headers,
  };
  const res = await req(url, { method: 'POST', headers: h, body: JSON.stringify(body) });
  res.rpc = rpcOf(res, body.id);
  return res;
}

const toolText = (rpc) => rpc?.result?.content?.[0]?.text;
const nullId = (res) => res.json !== undefined && Object.hasOwn(res.json, 'id') && res.json.id === null
  && /"id"\s*:\s*null/.test(res.text);
const stats = async (py) => (await req(`${py.ready.admin_url}/stats`)).json;
const describe = (res) => `${res.status} ${res.headers.get('content-type') || ''}${res.headers.get('mcp-session-id') ? ` (Mcp-Session-Id: ${res.headers.get('mcp-session-id')})` : ''} ${short(res.text)}`;

// ------------------------------------------------------------- scenarios ----
async function preToken(py, sdk) {
  const { ready } = py;
  ok(new URL(ready.mcp_url).hostname === '127.0.0.1' && new URL(ready.mcp_url).pathname === '/mcp', 'python ready line: mcp_url is http://127.0.0.1:PORT/mcp', ready.mcp_url);
  ok(typeof ready.admin_url === 'string' && ready.admin_url.endsWith('/admin'), 'python ready line: admin_url', ready.admin_url);
  ok(ready.sdk === EXPECTED_SDK, `python ready line: sdk === "${EXPECTED_SDK}"`, ready.sdk);

  const un = await req(ready.mcp_url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
  });
  must(un.status === 401, 'no token: POST /mcp -> 401', un.status);
  const www = un.headers.get('www-authenticate') || '';
  const m = /resource_metadata="([^"]+)"/.exec(www);
  must(www.startsWith('Bearer ') && m, 'WWW-Authenticate: Bearer ... resource_metadata="..."', www);
  note('401 without a token', `WWW-Authenticate: ${www} / body ${un.text}`);
  ok(m[1] === ready.resource_metadata_url, 'resource_metadata is the path-inserted PRM URL (RFC 9728 §3.1)', m[1]);
  const prm = await req(m[1]);
  must(prm.status === 200, 'PRM fetched', prm.status);
  note('PRM', prm.text);
  ok(prm.json.resource === ready.mcp_url, 'PRM resource === python mcp_url', prm.json.resource);
  ok(prm.json.authorization_servers?.[0] === sdk.ready.issuer, `PRM authorization_servers[0] === sdk-server's issuer ${sdk.ready.issuer}`, prm.json.authorization_servers);
  ok(prm.json.scopes_supported?.includes('mcp:read'), 'PRM scopes_supported has mcp:read', prm.json.scopes_supported);

  const get401 = await req(ready.mcp_url, { headers: { accept: 'text/event-stream' } });
  ok(get401.status === 401, 'no token: GET /mcp -> 401', get401.status);

  const before = await stats(py);
  const bogus = await req(ready.mcp_url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer not-a-real-token' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  ok(bogus.status === 401 && /error="invalid_token"/.test(bogus.headers.get('www-authenticate') || ''), 'unknown token -> 401 invalid_token (introspection: inactive)', describe(bogus));
  const after = await stats(py);
  ok(after.introspections > before.introspections && (after.tokens_rejected.inactive ?? 0) === (before.tokens_rejected.inactive ?? 0) + 1,
    'stats: the unknown token was introspected at sdk-server and rejected as inactive', after.tokens_rejected);
}

async function mcpChecks(py, sdk, token, client, as) {
  const url = py.ready.mcp_url;

  // ---- 2025-06-18 session ----
  console.log(`# ${PV_2025} session`);
  const s = new Session(url, token);
  const s0 = await stats(py);
  const init = await s.initialize({ elicitation: {} });
  must(init.status === 200 && init.rpc?.result?.serverInfo, `initialize (${PV_2025}) with the bearer token -> 200`, describe(init));
  ok(init.rpc.result.protocolVersion === PV_2025, `initialize answered protocolVersion ${PV_2025}`, init.rpc.result.protocolVersion);
  ok(Boolean(s.sid), 'Mcp-Session-Id issued', s.sid);
  note('initialize answer', `${init.headers.get('content-type')}; serverInfo ${JSON.stringify(init.rpc.result.serverInfo)}; capabilities ${JSON.stringify(init.rpc.result.capabilities)}`);
  const inited = await s.notify('notifications/initialized');
  ok(inited.status === 202, 'notifications/initialized -> 202', describe(inited));
  const list = await s.request('tools/list', {});
  const tools = list.rpc?.result?.tools ?? [];
  const names = tools.map((t) => t.name);
  ok(['echo', 'whoami', 'greet'].every((n) => names.includes(n)), 'tools/list has echo, whoami, greet', names);
  const greetSchema = tools.find((t) => t.name === 'greet')?.inputSchema;
  ok(greetSchema && !Object.keys(greetSchema.properties ?? {}).includes('answer'), 'greet\'s resolved `answer` parameter is not in its inputSchema', greetSchema);
  const echo = await s.request('tools/call', { name: 'echo', arguments: { text: 'hello latchkey' } });
  ok(toolText(echo.rpc) === 'echo: hello latchkey', 'tools/call echo -> "echo: hello latchkey"', describe(echo));
  const whoRes = await s.request('tools/call', { name: 'whoami', arguments: {} });
  let who = {};
  try {
    who = JSON.parse(toolText(whoRes.rpc) ?? '{}');
  } catch { /* reported below */ }
  ok(who.client_id === client.client_id, 'whoami client_id === the client registered at sdk-server', who);
  ok(who.sub === 'latchkey-test-user', 'whoami sub === sdk-server\'s subject', who);
  note('whoami', who);
  const s1 = await stats(py);
  ok(s1.sessions_created === s0.sessions_created + 1, 'stats.sessions_created +1', s1.sessions_created);
  ok(s1.tool_calls >= s0.tool_calls + 2, 'stats.tool_calls counts the calls', s1.tool_calls);
  ok((s1.rpc_methods.initialize ?? 0) >= 1 && (s1.rpc_methods['tools/list'] ?? 0) >= 1, 'stats.rpc_methods counts JSON-RPC methods', s1.rpc_methods);

  // ---- elicitation, 2025 path: elicitation/create on the POST's SSE stream ----
  const el = await s.callAnsweringElicitation('greet', {}, { action: 'accept', content: { name: 'Ada' } });
  const elReq = el.messages.find((msg) => msg.method === 'elicitation/create');
  if (py.ready.json_response) {
    // JSON_RESPONSE=1: a POST is answered with one JSON body, so there is no stream to ask on.
    ok(!elReq && el.final?.error, '2025 + JSON_RESPONSE=1: greet -> a JSON-RPC error (no back-channel for elicitation/create)', el);
    note('2025 greet with JSON_RESPONSE=1', el.final);
  } else {
    ok(Boolean(elReq), '2025: greet sends elicitation/create on the tools/call SSE stream', el);
    if (elReq) note('2025 elicitation/create', elReq);
    ok(el.replies.length === 1 && el.replies[0].status === 202, '2025: the POSTed elicitation response -> 202', el.replies);
    ok(toolText(el.final) === 'Hello, Ada!', '2025: greet -> "Hello, Ada!" after the elicitation', el.final ?? el);
  }

  // Without the elicitation capability: the SDK refuses before asking.
  const s2 = new Session(url, token);
  if ((await s2.initialize({})).status === 200) {
    await s2.notify('notifications/initialized');
    const noCap = await s2.request('tools/call', { name: 'greet', arguments: {} });
    ok(noCap.status === 200 && (noCap.rpc?.error || noCap.rpc?.result?.isError), '2025: greet without the elicitation capability -> an error, no elicitation', describe(noCap));
    note('2025 greet without the elicitation capability', describe(noCap));
    await req(url, { method: 'DELETE', headers: s2.headers() });
  }

  // ---- the legacy transport's answers to what it does not serve ----
  console.log('# legacy transport errors');
  const pingNoSid = await req(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/list', params: {} }),
  });
  ok(pingNoSid.status === 400, 'tools/list without Mcp-Session-Id -> HTTP 400', describe(pingNoSid));
  ok(nullId(pingNoSid), '... with "id": null (the request id 42 is not echoed)', pingNoSid.text);
  note('no session: POST tools/list (id 42)', describe(pingNoSid));
  const deadSid = pingNoSid.headers.get('mcp-session-id');
  if (deadSid) {
    // The SDK opened a session for the request, refused it, and discarded the session again.
    const dead = await req(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-session-id': deadSid, 'mcp-protocol-version': PV_2025 },
      body: JSON.stringify({ jsonrpc: '2.0', id: 47, method: 'tools/list', params: {} }),
    });
    ok(dead.status === 404, 'the Mcp-Session-Id on that 400 names no live session (-> 404)', describe(dead));
  }
  const getNoSid = await req(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
  note('no session: GET /mcp', describe(getNoSid));
  const delNoSid = await req(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  note('no session: DELETE /mcp', describe(delNoSid));
  const unknownSid = await req(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': PV_2025 },
    body: JSON.stringify({ jsonrpc: '2.0', id: 43, method: 'tools/list', params: {} }),
  });
  ok(unknownSid.status === 404 && nullId(unknownSid), 'unknown Mcp-Session-Id -> 404 with "id": null', describe(unknownSid));
  note('unknown session id', describe(unknownSid));
  const discoverLegacy = await s.request('server/discover', {});
  note('server/discover inside the 2025-06-18 session', describe(discoverLegacy));
  const badJson = await req(url, { method: 'POST', headers: s.headers(), body: '{"jsonrpc": "2.0", "id": 44, ' });
  ok(badJson.status === 400 && nullId(badJson), 'malformed JSON in the session -> 400 with "id": null', describe(badJson));
  note('malformed JSON body (with session)', describe(badJson));
  const init26 = await new Session(url, token).initialize({}, PV_2026);
  note(`initialize offering ${PV_2026} (no version header)`, `${init26.status} -> protocolVersion ${init26.rpc?.result?.protocolVersion}`);
  if (init26.headers.get('mcp-session-id')) {
    await req(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': init26.headers.get('mcp-session-id') } });
  }

  // Another client's token cannot use this session.
  const client2 = await register(as, 'Latchkey python selftest (second client)');
  const tok2 = await getToken(as, client2, { resource: py.tokenResource });
  if (ok(Boolean(tok2.access_token), 'token for a second client', tok2)) {
    const other = new Session(url, tok2.access_token);
    other.sid = s.sid;
    other.pv = s.pv;
    const hijack = await other.request('tools/list', {});
    ok(hijack.status === 404, 'the session with another client\'s token -> 404 (the SDK binds a session to its creator)', describe(hijack));
  }

  // ---- DELETE ----
  console.log('# session close');
  const d0 = await stats(py);
  const del = await req(url, { method: 'DELETE', headers: s.headers() });
  ok(del.status === 200, 'DELETE /mcp with the session -> 200', describe(del));
  const d1 = await stats(py);
  ok(d1.sessions_deleted === d0.sessions_deleted + 1, 'stats.sessions_deleted +1', { before: d0.sessions_deleted, after: d1.sessions_deleted });
  const sessions = (await req(`${py.ready.admin_url}/sessions`)).json?.sessions ?? [];
  ok(!sessions.includes(s.sid), '/admin/sessions no longer lists it', sessions);
  const afterDel = await s.request('tools/list', {});
  ok(afterDel.status === 404 && nullId(afterDel), 'the deleted session -> 404 with "id": null', describe(afterDel));

  // /admin/drop-sessions: the server forgets a session; the client sees 404.
  const s3 = new Session(url, token);
  if ((await s3.initialize({})).status === 200) {
    const drop = await req(`${py.ready.admin_url}/drop-sessions`, { method: 'POST' });
    ok(drop.status === 200 && drop.json?.dropped >= 1, 'POST /admin/drop-sessions', drop.text);
    const gone = await s3.request('tools/list', {});
    ok(gone.status === 404, 'a dropped session -> 404', describe(gone));
  }

  // ---- 2026-07-28: per-request envelope, no session ----
  console.log(`# ${PV_2026}`);
  const disc = await modern(url, token, 'server/discover');
  ok(disc.status === 200 && Array.isArray(disc.rpc?.result?.supportedVersions), `server/discover (MCP-Protocol-Version: ${PV_2026}, Mcp-Method) -> 200`, describe(disc));
  note('server/discover', describe(disc));
  ok(disc.rpc?.result?.supportedVersions?.includes(PV_2026), `server/discover supportedVersions has ${PV_2026}`, disc.rpc?.result);
  ok(!disc.headers.get('mcp-session-id'), `${PV_2026}: no Mcp-Session-Id`);
  const discNoAuth = await modern(url, null, 'server/discover');
  ok(discNoAuth.status === 401, `${PV_2026} server/discover without a token -> 401`, describe(discNoAuth));
  const echo26 = await modern(url, token, 'tools/call', { name: 'echo', arguments: { text: 'modern' } });
  ok(toolText(echo26.rpc) === 'echo: modern', `${PV_2026} tools/call echo`, describe(echo26));
  const who26 = await modern(url, token, 'tools/call', { name: 'whoami', arguments: {} });
  let w26 = {};
  try {
    w26 = JSON.parse(toolText(who26.rpc) ?? '{}');
  } catch { /* reported below */ }
  ok(w26.client_id === client.client_id && w26.protocol_version === PV_2026, `${PV_2026} whoami`, w26);

  const g1 = await modern(url, token, 'tools/call', { name: 'greet', arguments: {} }, { caps: { elicitation: { form: {} } } });
  const ir = g1.rpc?.result;
  ok(g1.status === 200 && ir?.resultType === 'input_required' && ir.inputRequests && ir.requestState,
    `${PV_2026} greet -> input_required with inputRequests + requestState`, describe(g1));
  note(`${PV_2026} input_required`, short(JSON.stringify(ir), 900));
  if (ir?.inputRequests) {
    const [key, ask] = Object.entries(ir.inputRequests)[0];
    ok(ask.method === 'elicitation/create' && ask.params?.requestedSchema?.properties?.name, 'the input request is elicitation/create with a `name` field', ask);
    const g2 = await modern(url, token, 'tools/call', {
      name: 'greet',
      arguments: {},
      inputResponses: { [key]: { action: 'accept', content: { name: 'Grace' } } },
      requestState: ir.requestState,
    }, { caps: { elicitation: { form: {} } } });
    ok(toolText(g2.rpc) === 'Hello, Grace!', `${PV_2026} retry with inputResponses -> "Hello, Grace!"`, describe(g2));
    const g3 = await modern(url, token, 'tools/call', {
      name: 'greet',
      arguments: {},
      inputResponses: { [key]: { action: 'decline' } },
      requestState: ir.requestState,
    }, { caps: { elicitation: { form: {} } } });
    ok(toolText(g3.rpc) === 'greet: declined', `${PV_2026} retry with a declined elicitation -> "greet: declined"`, describe(g3));
    const otherTok = tok2.access_token;
    if (otherTok) {
      const g4 = await modern(url, otherTok, 'tools/call', {
        name: 'greet',
        arguments: {},
        inputResponses: { [key]: { action: 'accept', content: { name: 'Mallory' } } },
        requestState: ir.requestState,
      }, { caps: { elicitation: { form: {} } } });
      note(`${PV_2026} requestState replayed with another client's token`, describe(g4));
    }
  }
  const gNoCap = await modern(url, token, 'tools/call', { name: 'greet', arguments: {} });
  note(`${PV_2026} greet without the elicitation capability`, describe(gNoCap));

  // What the 2026-07-28 entry answers with 4xx and "id": null (or the request's id).
  const mismatch = await modern(url, token, 'tools/list', {}, { headers: { 'mcp-method': 'tools/call' } });
  ok(mismatch.status === 400, `${PV_2026} Mcp-Method not matching the body -> 400`, describe(mismatch));
  note(`${PV_2026} Mcp-Method mismatch`, describe(mismatch));
  const noMeta = await modern(url, token, 'tools/list', {}, { meta: {} });
  note(`${PV_2026} no envelope in params._meta`, describe(noMeta));
  const unsupported = await req(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 45, method: 'tools/list', params: { _meta: { [META_PV]: '2099-01-01', [META_CAPS]: {} } } }),
  });
  note('MCP-Protocol-Version 2099-01-01', describe(unsupported));
  const badJson26 = await req(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': PV_2026, 'mcp-method': 'tools/list' },
    body: '{"jsonrpc": "2.0", "id": 46, ',
  });
  ok(badJson26.status === 400 && nullId(badJson26), `${PV_2026} malformed JSON -> 400 with "id": null`, describe(badJson26));
  note(`${PV_2026} malformed JSON`, describe(badJson26));
  const init2026 = await modern(url, token, 'initialize', { protocolVersion: PV_2026, capabilities: {}, clientInfo: { name: 'x', version: '0' } });
  note(`initialize sent with MCP-Protocol-Version: ${PV_2026}`, describe(init2026));
  const get26 = await req(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': PV_2026 } });
  note(`GET /mcp with MCP-Protocol-Version: ${PV_2026}`, describe(get26));

  const fin = await stats(py);
  note('final /admin/stats', fin);
  ok(typeof fin.mcp_requests === 'number' && fin.mcp_requests > 0, 'stats.mcp_requests counts /mcp traffic', fin.mcp_requests);
  const accepts = py.ready.json_response ? 1 : 2;
  ok((fin.elicitations.accept ?? 0) >= accepts && (fin.elicitations.decline ?? 0) >= 1, `stats.elicitations: ${accepts} accepted, 1 declined`, fin.elicitations);
  ok((fin.protocol_version_headers[PV_2026] ?? 0) > 0, `stats.protocol_version_headers saw ${PV_2026}`, fin.protocol_version_headers);
}

async function scopeCheck(py, as, client, sdk) {
  // A token without the required scope (mcp:read): the SDK's RequireAuthMiddleware answers 403.
  const cap = await req(`${sdk.ready.admin_url}/max-scope?scope=mcp:write`, { method: 'POST' });
  if (!ok(cap.status === 200, 'sdk-server: cap grants at mcp:write', cap.text)) return;
  try {
    const tok = await getToken(as, client, { resource: py.tokenResource, scope: 'mcp:write' });
    if (!ok(Boolean(tok.access_token) && tok.scope === 'mcp:write', 'token with only mcp:write', tok)) return;
    const res = await new Session(py.ready.mcp_url, tok.access_token).initialize({});
    ok(res.status === 403 && /error="insufficient_scope"/.test(res.headers.get('www-authenticate') || ''), 'token without mcp:read -> 403 insufficient_scope', describe(res));
    note('403 without the required scope', `WWW-Authenticate: ${res.headers.get('www-authenticate')} / body ${res.text}`);
  } finally {
    await req(`${sdk.ready.admin_url}/max-scope?scope=${encodeURIComponent('mcp:read mcp:write')}`, { method: 'POST' });
  }
}

async function main() {
  must(fs.existsSync(PYTHON), `python at ${PYTHON} (run scripts/install-python-peers.sh target/tools/pyvenv, or set PYTHON)`);
  console.log('# peers');
  const sdk = await startSdk();
  ok(typeof sdk.ready.issuer === 'string' && typeof sdk.ready.admin_url === 'string', 'sdk-server ready line', sdk.ready);
  let py = await startPython(sdk);
  console.log(`# python-server.py (${py.ready.sdk}) at ${py.ready.mcp_url}`);
  let sigtermChecked = false;
  try {
    await preToken(py, sdk);

    console.log('# token from sdk-server');
    const asMeta = await req(wellKnown(sdk.ready.issuer, 'oauth-authorization-server'));
    must(asMeta.status === 200 && asMeta.json?.authorization_endpoint, 'sdk-server AS metadata', asMeta.status);
    const as = asMeta.json;
    const client = await register(as, 'Latchkey python selftest');

    // A token for sdk-server's own resource (aud = its /mcp): the python server must refuse it.
    const foreign = await getToken(as, client, {});
    must(Boolean(foreign.access_token), 'token without `resource` (aud = sdk-server\'s own /mcp)', foreign);
    const r0 = (await stats(py)).tokens_rejected.wrong_aud ?? 0;
    const fres = await new Session(py.ready.mcp_url, foreign.access_token).initialize({});
    ok(fres.status === 401, 'a token whose aud is another resource -> 401', describe(fres));
    ok(((await stats(py)).tokens_rejected.wrong_aud ?? 0) === r0 + 1, 'stats.tokens_rejected.wrong_aud +1');

    // The proper token: resource = the python server's /mcp URL (RFC 8707). sdk-server issues
    // tokens for another resource server once told about it (POST /admin/resources?add=URL).
    const added = await req(`${sdk.ready.admin_url}/resources?add=${encodeURIComponent(py.ready.mcp_url)}`, { method: 'POST' });
    if (added.status === 200) ok(true, 'sdk-server: POST /admin/resources?add=<python mcp_url>');
    else note('sdk-server has no POST /admin/resources', `${added.status} ${short(added.text, 200)}`);
    let token;
    const proper = await getToken(as, client, { resource: py.ready.mcp_url });
    if (proper.access_token) {
      ok(true, 'sdk-server issued a token with resource = the python server\'s /mcp URL');
      token = proper.access_token;
      py.tokenResource = py.ready.mcp_url;
    } else {
      // An sdk-server.mjs without /admin/resources accepts only its own /mcp as `resource`
      // (invalid_target otherwise), and its tokens then carry aud = its own /mcp. Carry on with
      // a python server told to accept that audience.
      note(`sdk-server refuses resource=${py.ready.mcp_url}`, proper);
      note('continuing with ACCEPT_AUDIENCES = sdk-server\'s mcp_url and a token requested without `resource`');
      py.kill('SIGTERM');
      ok(await waitExit(py, 8000) === 0, 'python-server.py exits 0 on SIGTERM');
      sigtermChecked = true;
      py = await startPython(sdk, { ACCEPT_AUDIENCES: sdk.ready.mcp_url });
      py.tokenResource = undefined;
      const t = await getToken(as, client, {});
      must(Boolean(t.access_token), 'token from sdk-server (no `resource`)', t);
      token = t.access_token;
    }
    const intro = (await req(`${sdk.ready.admin_url}/introspect?token=${encodeURIComponent(token)}`)).json;
    note('sdk-server introspection of the token', { ...intro, grant_id: intro?.grant_id ? '…' : undefined });

    await mcpChecks(py, sdk, token, client, as);
    console.log('# scopes');
    await scopeCheck(py, as, client, sdk);
    ok(py.extraStdout() === '', 'python-server.py wrote exactly one line on stdout', py.extraStdout());
  } catch (e) {
    if (!(e instanceof Abort)) ok(false, 'unexpected error', e.stack);
    console.log(`--- python-server.py stderr (tail) ---\n${py.stderrText().slice(-4000)}`);
  }

  console.log('# shutdown');
  py.stdin.end();
  ok(await waitExit(py, 8000) === 0, 'python-server.py exits 0 when stdin closes');
  if (!sigtermChecked) {
    const p2 = await startPython(sdk);
    p2.kill('SIGTERM');
    ok(await waitExit(p2, 8000) === 0, 'python-server.py exits 0 on SIGTERM');
  }
  sdk.stdin.end();
  ok(await waitExit(sdk, 5000) === 0, 'sdk-server.mjs exits 0 when stdin closes');
}

const overall = setTimeout(() => {
  console.log(`python-selftest: overall timeout after ${OVERALL_TIMEOUT_MS} ms`);
  counts.failed += 1;
  for (const c of children) c.kill('SIGKILL');
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await main();
} catch (e) {
  if (!(e instanceof Abort)) ok(false, 'could not run', e.stack);
}
clearTimeout(overall);
for (const c of children) c.kill('SIGTERM');
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
