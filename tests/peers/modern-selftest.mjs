#!/usr/bin/env node
// Self-test of tests/peers/modern-server.mjs (a modern-only MCP 2026-07-28
// server, SDK v2) with tests/peers/sdk-server.mjs as its authorization server.
//
//   node tests/peers/modern-selftest.mjs      # ends "N passed, N failed"; exit 1 on failure
//
// Gets a token from sdk-server (DCR, PKCE /authorize auto-approved: the code is
// read from the 302 Location, nobody listens on the redirect URI; /token with
// resource = the modern server's MCP URL), then talks to the modern server with
// plain fetch: 401 challenge + PRM, 405 for GET/DELETE, legacy initialize
// refused, server/discover, tools/list, echo, ask-name and ask-model through
// multi-round-trip input_required (retry with inputResponses + requestState),
// region-info's Mcp-Param-Region header, the admin stats, and a clean exit
// when stdin closes. SELFTEST_VERBOSE=1 shows the peers' stderr.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abort, counts, must, note, ok, req } from './lib/checks.mjs';
import { children, startProcess, waitExit } from './lib/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROTOCOL = '2026-07-28';

const startPeer = (script, env = {}) => startProcess(script, process.execPath, [path.join(HERE, script)], env);
const startModern = (as, env = {}) => startPeer('modern-server.mjs', {
  PORT: '0', AS_ISSUER: as.ready.issuer, AS_ADMIN: as.ready.admin_url, ...env,
});

// ------------------------------------------------------------- OAuth ----
/** DCR + PKCE /authorize (auto-approved) + /token at sdk-server. `{error}` when /authorize refuses. */
async function getToken(as, resource) {
  const issuer = as.ready.issuer.replace(/\/$/, '');
  const redirectUri = 'http://127.0.0.1:9/callback'; // never contacted: the code is read from Location
  const reg = await req(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'modern-selftest',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  must(reg.status === 201 && reg.json?.client_id, 'DCR at sdk-server', reg.text);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: reg.json.client_id,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    scope: 'mcp:read mcp:write',
    resource,
  });
  const az = await req(`${issuer}/authorize?${q}`);
  must(az.status === 302 && az.headers.get('location'), '/authorize answers 302', `${az.status} ${az.text}`);
  const back = new URL(az.headers.get('location')).searchParams;
  if (back.get('error')) return { error: back.get('error'), error_description: back.get('error_description') };
  ok(back.get('state') === state, 'redirect carries our state');
  const tok = await req(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.get('code'),
      code_verifier: verifier,
      client_id: reg.json.client_id,
      redirect_uri: redirectUri,
      resource,
    }),
  });
  must(tok.status === 200 && tok.json?.access_token, '/token gives an access token', tok.text);
  return tok.json;
}

// --------------------------------------------------------------- MCP ----
const CLIENT_META = {
  'io.modelcontextprotocol/protocolVersion': PROTOCOL,
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, sampling: {} },
  'io.modelcontextprotocol/clientInfo': { name: 'modern-selftest', version: '1.0.0' },
};
let nextId = 1;
/** One 2026-07-28 request: the _meta envelope in the body, the standard headers beside it. */
function rpc(url, token, method, params = {}, { headers = {}, meta = CLIENT_META } = {}) {
  const h = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL,
    'mcp-method': method,
    ...(token && { authorization: `Bearer ${token}` }),
    ...(params.name !== undefined && { 'mcp-name': params.name }), // tools/call, prompts/get
    ...headers,
  };
  const body = { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: { ...meta, ...params._meta } } };
  const sent = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)); // undefined = leave out
  return req(url, { method: 'POST', headers: sent, body: JSON.stringify(body) });
}
const toolText = (r) => r.json?.result?.content?.map((c) => c.text).join('') ?? null;

async function main() {
  console.log('modern-server.mjs (MCP 2026-07-28, SDK v2) with sdk-server.mjs as its AS');
  const as = await startPeer('sdk-server.mjs', { PORT: '0' });
  const ms = await startModern(as);
  const mcp = ms.ready.mcp_url;
  ok(ms.ready.protocol === PROTOCOL && /^http:\/\/127\.0\.0\.1:\d+\/mcp$/.test(mcp), 'ready line', ms.ready);

  // --- discovery without a token
  const prmUrl = `${new URL(mcp).origin}/.well-known/oauth-protected-resource/mcp`;
  const noTok = await rpc(mcp, null, 'tools/list');
  const challenge = noTok.headers.get('www-authenticate') ?? '';
  ok(noTok.status === 401, 'no token: 401', noTok.status);
  ok(challenge === `Bearer resource_metadata="${prmUrl}"`, 'no token: bare challenge with resource_metadata', challenge);
  const bad = await rpc(mcp, 'not-a-token', 'tools/list');
  const badCh = bad.headers.get('www-authenticate') ?? '';
  ok(bad.status === 401 && badCh.includes('error="invalid_token"') && badCh.includes(`resource_metadata="${prmUrl}"`),
    'unknown token: 401 invalid_token', `${bad.status} ${badCh}`);
  const prm = await req(prmUrl);
  ok(prm.status === 200 && prm.json?.resource === mcp && prm.json?.authorization_servers?.[0] === as.ready.issuer
    && prm.json?.scopes_supported?.join(' ') === 'mcp:read mcp:write' && prm.json?.bearer_methods_supported?.[0] === 'header',
  'protected-resource metadata', prm.json);
  for (const m of ['GET', 'DELETE']) {
    const r = await req(mcp, { method: m });
    ok(r.status === 405 && r.headers.get('allow') === 'POST', `${m} /mcp: 405`, r.status);
  }

  // --- a token for the modern server's resource (sdk-server issues for it once told of it)
  const refused = await getToken(as, mcp);
  ok(refused.error === 'invalid_target', 'sdk-server refuses a resource it does not serve', refused);
  const added = await req(`${as.ready.admin_url}/resources?add=${encodeURIComponent(mcp)}`, { method: 'POST' });
  ok(added.status === 200, 'the modern server registered as a resource at sdk-server', added.json);
  const tok = await getToken(as, mcp);
  must(!tok.error, 'a token for the modern resource', tok);
  const intro = await req(`${as.ready.admin_url}/introspect?token=${encodeURIComponent(tok.access_token)}`);
  ok(intro.json?.aud === mcp, 'the token is bound to the modern resource (aud)', intro.json?.aud);
  const own = await getToken(as, as.ready.mcp_url);
  const foreign = await rpc(mcp, own.access_token, 'tools/list');
  ok(foreign.status === 401 && (foreign.headers.get('www-authenticate') ?? '').includes('not issued for this resource'),
    'a token whose aud is another resource: 401', `${foreign.status} ${foreign.headers.get('www-authenticate')}`);
  const at = tok.access_token;

  // --- legacy refused
  const legacy = await req(mcp, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${at}` },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } },
    }),
  });
  ok(legacy.status === 400 && legacy.json?.error?.code === -32022 && legacy.json.error.data?.supported?.includes(PROTOCOL),
    'legacy initialize refused (-32022, supported: [2026-07-28])', legacy.text);

  // --- 2026-07-28 requests
  const disc = await rpc(mcp, at, 'server/discover');
  ok(disc.status === 200 && disc.json?.result?.supportedVersions?.includes(PROTOCOL)
    && disc.json.result.capabilities?.tools, 'server/discover', disc.text);
  const noMethodHeader = await rpc(mcp, at, 'tools/list', {}, { headers: { 'mcp-method': undefined } });
  ok(noMethodHeader.status === 400 && noMethodHeader.json?.error?.code === -32020, 'Mcp-Method header is required (-32020)', noMethodHeader.text);

  const list = await rpc(mcp, at, 'tools/list');
  const tools = list.json?.result?.tools ?? [];
  const names = ['echo', 'ask-name', 'ask-model', 'two-rounds', 'endless-questions', 'region-info'];
  ok(names.every((n) => tools.some((t) => t.name === n)) && tools.length === names.length,
    'tools/list lists the tools', tools.map((t) => t.name));
  const region = tools.find((t) => t.name === 'region-info');
  ok(region?.inputSchema?.properties?.region?.['x-mcp-header'] === 'Region', 'region-info declares x-mcp-header Region', region?.inputSchema);

  const echo = await rpc(mcp, at, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
  ok(toolText(echo) === 'echo: hi', 'echo', echo.text);

  // --- multi-round-trip: elicitation
  const r1 = await rpc(mcp, at, 'tools/call', { name: 'ask-name', arguments: {} });
  const elicit = r1.json?.result?.inputRequests?.name;
  ok(r1.json?.result?.resultType === 'input_required' && elicit?.method === 'elicitation/create'
    && elicit.params?.mode === 'form' && elicit.params.requestedSchema?.properties?.name?.type === 'string',
  'ask-name: input_required with a form elicitation', r1.text);
  const state1 = r1.json?.result?.requestState;
  ok(typeof state1 === 'string' && state1.length > 0, 'ask-name: requestState given');
  const r2 = await rpc(mcp, at, 'tools/call', {
    name: 'ask-name', arguments: {},
    inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } },
    requestState: state1,
  });
  ok(toolText(r2) === 'hello, Ada', 'ask-name retry (inputResponses + requestState): hello, Ada', r2.text);
  const tampered = await rpc(mcp, at, 'tools/call', {
    name: 'ask-name', arguments: {},
    inputResponses: { name: { action: 'accept', content: { name: 'Eve' } } },
    requestState: `${state1.slice(0, -2)}xx`,
  });
  ok(tampered.json?.error?.code === -32602, 'a tampered requestState is refused (-32602)', tampered.text);
  const noState = await rpc(mcp, at, 'tools/call', {
    name: 'ask-name', arguments: {}, inputResponses: { name: { action: 'accept', content: { name: 'Bob' } } },
  });
  ok(noState.json?.result?.isError === true, 'a retry without requestState is an error result', noState.text);

  // --- multi-round-trip: sampling
  const s1 = await rpc(mcp, at, 'tools/call', { name: 'ask-model', arguments: {} });
  const sampling = s1.json?.result?.inputRequests?.model;
  ok(s1.json?.result?.resultType === 'input_required' && sampling?.method === 'sampling/createMessage'
    && sampling.params?.maxTokens === 50 && sampling.params.messages?.[0]?.content?.text === 'Say hi',
  'ask-model: input_required with sampling/createMessage', s1.text);
  const s2 = await rpc(mcp, at, 'tools/call', {
    name: 'ask-model', arguments: {},
    inputResponses: { model: { role: 'assistant', content: { type: 'text', text: 'hi there' }, model: 'test-model', stopReason: 'endTurn' } },
    requestState: s1.json?.result?.requestState,
  });
  ok(toolText(s2) === 'the model said: hi there', 'ask-model retry: the model said: hi there', s2.text);
  const noCaps = await rpc(mcp, at, 'tools/call', { name: 'ask-model', arguments: {} }, {
    meta: { ...CLIENT_META, 'io.modelcontextprotocol/clientCapabilities': {} },
  });
  note(`ask-model from a client without the sampling capability: HTTP ${noCaps.status} ${noCaps.text.slice(0, 200)}`);

  // --- SEP-2243 Mcp-Param-Region
  const reg = await rpc(mcp, at, 'tools/call', { name: 'region-info', arguments: { region: 'eu-west' } }, { headers: { 'mcp-param-region': 'eu-west' } });
  ok(toolText(reg) === 'region eu-west, header eu-west', 'region-info sees Mcp-Param-Region', reg.text);
  const regMissing = await rpc(mcp, at, 'tools/call', { name: 'region-info', arguments: { region: 'eu-west' } });
  ok(regMissing.status === 400 && regMissing.json?.error?.code === -32020, 'region-info without Mcp-Param-Region: 400 -32020', regMissing.text);

  // --- admin
  const st = (await req(`${ms.ready.admin_url}/stats`)).json ?? {};
  ok(st.last_headers?.['mcp-param-region'] === null && st.last_headers?.['mcp-name'] === 'region-info'
    && st.last_headers?.['mcp-protocol-version'] === PROTOCOL && st.last_headers?.['mcp-method'] === 'tools/call',
  'stats.last_headers', st.last_headers);
  ok(st.legacy_refused >= 1 && st.input_required_rounds >= 3 && st.tool_calls >= 7 && st.mcp_requests >= 10,
    'stats counters', st);

  // --- lifecycle
  ms.stdin.end();
  ok(await waitExit(ms, 5000) === 0, 'modern-server exits 0 when stdin closes');
  as.stdin.end();
  await waitExit(as, 5000);
}

const overall = setTimeout(() => {
  console.log('  FAIL overall timeout');
  counts.failed += 1;
  finish();
}, 120000);
function finish() {
  clearTimeout(overall);
  for (const c of children) c.kill('SIGTERM');
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed ? 1 : 0);
}
main().catch((err) => {
  if (!(err instanceof Abort)) {
    counts.failed += 1;
    console.log(`  FAIL ${err.stack ?? err}`);
  }
}).finally(finish);
