#!/usr/bin/env node
// Self-test of tests/peers/hostile-server.mjs: starts it in every MODE and checks
// with fetch that the one deviation of each mode is really produced (and that
// `good` really is good: 401 challenge -> PRM -> AS metadata -> DCR -> PKCE
// authorize -> token -> MCP -> refresh rotation -> /admin/mode switching).
//
//   node tests/peers/hostile-selftest.mjs            # all modes
//   node tests/peers/hostile-selftest.mjs deny ...   # only these modes (plus nothing else)
//
// Prints one line per check and ends with "N passed, N failed"; exit 1 on failure.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abort, b64url, counts, form, must, ok, req, sleep } from './lib/checks.mjs';
import { children, startProcess, waitExit } from './lib/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(HERE, 'hostile-server.mjs');
const OVERALL_TIMEOUT_MS = Number(process.env.SELFTEST_TIMEOUT_MS || 120000);

const rpc = (token, body) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  },
  body: JSON.stringify(body),
});

// ---------------------------------------------------------------- server ----
const start = (env = {}) => startProcess('hostile-server.mjs', process.execPath, [SERVER], env);

async function stop(child) {
  child.stdin.end();
  const code = await waitExit(child, 3000);
  if (code === 'timeout') child.kill('SIGKILL');
  return code;
}

// ------------------------------------------------------- client helpers ----
const REDIRECT = 'http://127.0.0.1:1/callback'; // port ignored by loopback matching

async function register(peer, redirect = 'http://127.0.0.1/callback') {
  return req(`${peer.ready.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'hostile-selftest',
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
}

function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

/** /authorize with PKCE; returns {status, location (URL|null), params, state, verifier, res}. */
async function authorize(peer, clientId, { redirectUri = REDIRECT, withPkce = true } = {}) {
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(12));
  const u = new URL(`${peer.ready.issuer}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'mcp:read',
    state,
    resource: peer.ready.mcp_url,
    ...(withPkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  }).toString();
  const res = await req(u);
  const loc = res.headers.get('location');
  const location = loc ? new URL(loc) : null;
  return { status: res.status, location, params: location?.searchParams, state, verifier, res };
}

async function tokenByCode(peer, clientId, code, verifier, redirectUri = REDIRECT) {
  return req(`${peer.ready.issuer}/token`, form({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: clientId,
    redirect_uri: redirectUri,
    resource: peer.ready.mcp_url,
  }));
}
const refresh = (peer, clientId, rt) => req(`${peer.ready.issuer}/token`, form({
  grant_type: 'refresh_token', refresh_token: rt, client_id: clientId,
}));
const stats = async (peer) => (await req(`${peer.ready.admin_url}/stats`)).json;
const setMode = (peer, m) => req(`${peer.ready.admin_url}/mode?mode=${encodeURIComponent(m)}`, { method: 'POST' });

/** Register + authorize + code exchange in good-enough modes. */
async function signIn(peer) {
  const reg = await register(peer);
  must(reg.status === 201, 'DCR 201', reg.status);
  const az = await authorize(peer, reg.json.client_id);
  must(az.status === 302 && az.params?.get('code'), '/authorize 302 with a code', { status: az.status, loc: az.location?.href });
  const tok = await tokenByCode(peer, reg.json.client_id, az.params.get('code'), az.verifier);
  return { clientId: reg.json.client_id, az, tok };
}

// ---------------------------------------------------------------- cases ----
const cases = {};

cases.good = async () => {
  const peer = await start({ MODE: 'good' });
  try {
    const r = peer.ready;
    const port = new URL(r.issuer).port;
    ok(r.mcp_url === `http://127.0.0.1:${port}/mcp` && r.issuer === `http://127.0.0.1:${port}`
      && r.admin_url === `${r.issuer}/admin` && r.mode === 'good', 'ready line: mcp_url, issuer, admin_url, mode', r);
    ok(/^http:\/\/127\.0\.0\.1:\d+$/.test(r.other_origin) && r.other_origin !== r.issuer, 'ready line: other_origin is another port', r.other_origin);

    const prmUrl = `${r.issuer}/.well-known/oauth-protected-resource/mcp`;
    const noAuth = await req(r.mcp_url, rpc(null, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }));
    ok(noAuth.status === 401, 'POST /mcp without token -> 401', noAuth.status);
    ok(noAuth.headers.get('www-authenticate') === `Bearer resource_metadata="${prmUrl}"`,
      'WWW-Authenticate: Bearer resource_metadata="<PRM>"', noAuth.headers.get('www-authenticate'));
    const getNoAuth = await req(r.mcp_url);
    ok(getNoAuth.status === 401, 'GET /mcp without token -> 401', getNoAuth.status);
    const badTok = await req(r.mcp_url, rpc('hostile-at-bogus', { jsonrpc: '2.0', id: 1, method: 'ping' }));
    ok(badTok.status === 401 && /error="invalid_token"/.test(badTok.headers.get('www-authenticate')),
      'unknown token -> 401 error="invalid_token"', badTok.headers.get('www-authenticate'));

    const prm = await req(prmUrl);
    ok(prm.status === 200 && prm.json?.resource === r.mcp_url
      && JSON.stringify(prm.json.authorization_servers) === JSON.stringify([r.issuer])
      && JSON.stringify(prm.json.scopes_supported) === '["mcp:read"]', 'PRM document', prm.json);

    const md = await req(`${r.issuer}/.well-known/oauth-authorization-server`);
    const m = md.json ?? {};
    ok(md.status === 200 && m.issuer === r.issuer && m.authorization_endpoint === `${r.issuer}/authorize`
      && m.token_endpoint === `${r.issuer}/token` && m.registration_endpoint === `${r.issuer}/register`
      && m.revocation_endpoint === `${r.issuer}/revoke`, 'AS metadata endpoints and issuer', m);
    ok(JSON.stringify(m.code_challenge_methods_supported) === '["S256"]'
      && JSON.stringify(m.token_endpoint_auth_methods_supported) === '["none"]'
      && m.authorization_response_iss_parameter_supported === true
      && JSON.stringify(m.scopes_supported) === '["mcp:read"]', 'AS metadata S256, none, iss supported, scopes', m);

    const reg = await register(peer);
    ok(reg.status === 201 && typeof reg.json?.client_id === 'string' && reg.json.client_name === 'hostile-selftest'
      && reg.json.redirect_uris?.[0] === 'http://127.0.0.1/callback', 'DCR 201 with client_id + echo', reg.json);
    const clientId = reg.json.client_id;
    const badReg = await req(`${r.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    ok(badReg.status === 400, 'DCR without redirect_uris -> 400', badReg.status);

    const noPkce = await authorize(peer, clientId, { withPkce: false });
    ok(noPkce.status === 302 && noPkce.params.get('error') === 'invalid_request' && !noPkce.params.has('code'),
      '/authorize without PKCE -> error=invalid_request', noPkce.location?.href);
    const unknownClient = await authorize(peer, 'nobody');
    ok(unknownClient.status === 400 && !unknownClient.location, '/authorize with unknown client_id -> 400, no redirect', unknownClient.status);
    const badRedirect = await authorize(peer, clientId, { redirectUri: 'http://127.0.0.1:5/elsewhere' });
    ok(badRedirect.status === 400 && !badRedirect.location, '/authorize with unregistered redirect_uri -> 400', badRedirect.status);

    const az = await authorize(peer, clientId);
    ok(az.status === 302 && az.location?.origin === 'http://127.0.0.1:1' && az.location.pathname === '/callback'
      && az.params.get('state') === az.state && az.params.get('iss') === r.issuer && az.params.get('code'),
      '/authorize 302 to redirect_uri with code, same state, iss = issuer', az.location?.href);
    const code = az.params.get('code');

    const wrongVerifier = await tokenByCode(peer, clientId, code, b64url(randomBytes(32)));
    ok(wrongVerifier.status === 400 && wrongVerifier.json?.error === 'invalid_grant', 'wrong code_verifier -> invalid_grant', wrongVerifier.json);
    const tok = await tokenByCode(peer, clientId, code, az.verifier);
    const t = tok.json ?? {};
    ok(tok.status === 200 && /^hostile-at-/.test(t.access_token) && /^hostile-rt-/.test(t.refresh_token)
      && t.token_type === 'Bearer' && t.expires_in === 3600 && t.scope === 'mcp:read', 'code exchange -> hostile-at-/hostile-rt- pair', t);
    const again = await tokenByCode(peer, clientId, code, az.verifier);
    ok(again.status === 400 && again.json?.error === 'invalid_grant', 'code reuse -> invalid_grant', again.json);

    const init = await req(r.mcp_url, rpc(t.access_token, {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2099-01-01', capabilities: {}, clientInfo: { name: 'st', version: '1' } },
    }));
    ok(init.status === 200 && init.json?.result?.protocolVersion === '2099-01-01'
      && JSON.stringify(init.json.result.capabilities) === '{"tools":{}}' && init.json.result.serverInfo?.name,
      'initialize echoes protocolVersion, capabilities {tools:{}}', init.json);
    const note = await req(r.mcp_url, rpc(t.access_token, { jsonrpc: '2.0', method: 'notifications/initialized' }));
    ok(note.status === 202 && note.text === '', 'notification -> 202, empty body', note.status);
    const list = await req(r.mcp_url, rpc(t.access_token, { jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    ok(list.json?.result?.tools?.length === 1 && list.json.result.tools[0].name === 'test-tool', 'tools/list -> test-tool', list.json);
    const call = await req(r.mcp_url, rpc(t.access_token, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'test-tool', arguments: {} } }));
    ok(JSON.stringify(call.json?.result) === '{"content":[{"type":"text","text":"ok"}]}' && call.json.id === 3, 'tools/call -> ok', call.json);

    const ref = await refresh(peer, clientId, t.refresh_token);
    ok(ref.status === 200 && /^hostile-at-/.test(ref.json?.access_token) && ref.json.access_token !== t.access_token
      && /^hostile-rt-/.test(ref.json.refresh_token) && ref.json.refresh_token !== t.refresh_token, 'refresh -> new pair', ref.json);
    const spent = await refresh(peer, clientId, t.refresh_token);
    ok(spent.status === 400 && spent.json?.error === 'invalid_grant', 'old refresh token is spent (rotation)', spent.json);
    let rt = ref.json.refresh_token;

    // Runtime switching.
    let sw = await setMode(peer, 'token-500');
    ok(sw.status === 200 && sw.json?.mode === 'token-500' && sw.json.previous === 'good', 'POST /admin/mode?mode=token-500', sw.json);
    const r500 = await refresh(peer, clientId, rt);
    ok(r500.status === 500, 'token-500 (switched): refresh -> 500', r500.status);
    const az2 = await authorize(peer, clientId);
    const tok2 = await tokenByCode(peer, clientId, az2.params.get('code'), az2.verifier);
    ok(tok2.status === 200 && /^hostile-at-/.test(tok2.json?.access_token), 'token-500 (switched): code exchange still works', tok2.status);
    sw = await setMode(peer, 'token-invalid-grant');
    const rig = await refresh(peer, clientId, rt);
    ok(rig.status === 400 && JSON.stringify(rig.json) === '{"error":"invalid_grant"}', 'token-invalid-grant (switched): refresh -> 400 {"error":"invalid_grant"}', rig.json);
    sw = await setMode(peer, 'good');
    ok(sw.json?.mode === 'good' && sw.json.previous === 'token-invalid-grant', 'switch back to good', sw.json);
    const rOk = await refresh(peer, clientId, rt);
    ok(rOk.status === 200 && /^hostile-at-/.test(rOk.json?.access_token), 'good again: the refresh token that failed still works', rOk.json);
    rt = rOk.json?.refresh_token;
    const bad = await setMode(peer, 'no-such-mode');
    ok(bad.status === 400, 'unknown mode -> 400', bad.status);

    const rev = await req(`${r.issuer}/revoke`, form({ token: rOk.json.access_token, client_id: clientId }));
    const afterRev = await req(r.mcp_url, rpc(rOk.json.access_token, { jsonrpc: '2.0', id: 9, method: 'ping' }));
    ok(rev.status === 200 && afterRev.status === 401, 'revoked access token -> 401', { rev: rev.status, after: afterRev.status });

    const s = await stats(peer);
    ok(s.registrations === 1 && s.authorizations === 5 && s.token_requests === 9 && s.tokens_issued === 4
      && s.mcp_authorized_calls === 4 && s.prm_fetches === 1 && s.as_metadata_fetches === 1 && s.mode === 'good'
      && s.second_callback_status === null, '/admin/stats counters', s);

    ok(peer.extraStdout() === '', 'nothing on stdout after the ready line', peer.extraStdout());
  } finally {
    const code = await stop(peer);
    ok(code === 0, 'exits 0 when stdin is closed', code);
  }
};

/** Modes whose only deviation is in the /authorize redirect parameters. */
function redirectCase(m, check) {
  return async () => {
    const peer = await start({ MODE: m });
    try {
      const reg = await register(peer);
      const az = await authorize(peer, reg.json.client_id);
      must(az.status === 302 && az.location, `${m}: /authorize 302`, az.status);
      check(peer, az);
    } finally {
      await stop(peer);
    }
  };
}

cases['wrong-state'] = redirectCase('wrong-state', (peer, az) => {
  const st = az.params.get('state');
  ok(st && st !== az.state && st.startsWith('hostile-wrong-state-'), 'wrong-state: Location has another state', { sent: az.state, got: st });
  ok(az.params.get('code') && az.params.get('iss') === peer.ready.issuer, 'wrong-state: code and iss as usual', az.location.href);
});
cases['missing-state'] = redirectCase('missing-state', (peer, az) => {
  ok(!az.params.has('state') && az.params.get('code'), 'missing-state: no state, code present', az.location.href);
});
cases['wrong-iss'] = redirectCase('wrong-iss', (peer, az) => {
  ok(az.params.get('iss') === peer.ready.other_origin && az.params.get('state') === az.state,
    'wrong-iss: iss = other_origin, state right', az.location.href);
});
cases['missing-iss'] = async () => {
  await redirectCase('missing-iss', (peer, az) => {
    ok(!az.params.has('iss') && az.params.get('code') && az.params.get('state') === az.state, 'missing-iss: no iss', az.location.href);
  })();
  const peer = await start({ MODE: 'missing-iss' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    ok(md.json?.authorization_response_iss_parameter_supported === true, 'missing-iss: metadata still promises iss', md.json);
  } finally {
    await stop(peer);
  }
};
cases['normalized-iss'] = redirectCase('normalized-iss', (peer, az) => {
  ok(az.params.get('iss') === `${peer.ready.issuer}/`, 'normalized-iss: iss = issuer + "/"', az.location.href);
});
cases.deny = redirectCase('deny', (peer, az) => {
  ok(az.params.get('error') === 'access_denied' && az.params.get('error_description') === 'The user said no'
    && az.params.get('state') === az.state && az.params.get('iss') === peer.ready.issuer && !az.params.has('code'),
  'deny: error=access_denied, description, state, iss, no code', az.location.href);
  ok(az.location.search.includes('error_description=The+user+said+no'), 'deny: description form-encoded with +', az.location.search);
});

cases['issuer-mismatch'] = async () => {
  const peer = await start({ MODE: 'issuer-mismatch' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    ok(md.json?.issuer === peer.ready.other_origin && md.json.token_endpoint === `${peer.ready.issuer}/token`,
      'issuer-mismatch: metadata issuer = other_origin', md.json?.issuer);
  } finally {
    await stop(peer);
  }
};

cases['resource-mismatch'] = async () => {
  const peer = await start({ MODE: 'resource-mismatch' });
  try {
    const prm = await req(peer.ready.resource_metadata_url);
    ok(prm.json?.resource === `${peer.ready.other_origin}/mcp`, 'resource-mismatch: PRM resource = other_origin/mcp', prm.json);
  } finally {
    await stop(peer);
  }
};

// The bare origin as "resource": from the challenge's hint, from the path-inserted URL, and
// (RFC 9728: allowed) from the root well-known URL when there is no path-inserted document.
for (const [m, hinted, pathDoc] of [
  ['resource-origin-hinted', true, true],
  ['resource-origin-path', false, true],
  ['resource-origin-root', false, false],
]) {
  cases[m] = async () => {
    const peer = await start({ MODE: m });
    try {
      const r = peer.ready;
      const probe = await req(r.mcp_url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      const challenge = probe.headers.get('www-authenticate') || '';
      ok(probe.status === 401 && challenge.includes('resource_metadata=') === hinted,
        `${m}: the 401 ${hinted ? 'names' : 'does not name'} resource_metadata`, challenge);
      const inserted = await req(r.resource_metadata_url);
      ok(pathDoc ? inserted.json?.resource === r.issuer : inserted.status === 404,
        `${m}: the path-inserted PRM ${pathDoc ? 'names the bare origin' : 'is 404'}`, inserted.json ?? inserted.status);
      const root = await req(`${r.issuer}/.well-known/oauth-protected-resource`);
      ok(root.json?.resource === r.issuer && root.json?.authorization_servers?.[0] === r.issuer,
        `${m}: the root PRM names the bare origin`, root.json);
    } finally {
      await stop(peer);
    }
  };
}

cases['redirect-other-origin'] = async () => {
  const peer = await start({ MODE: 'redirect-other-origin' });
  try {
    const r = peer.ready;
    const first = await req(r.resource_metadata_url);
    const loc = first.headers.get('location');
    ok(first.status === 302 && loc === `${r.other_origin}/.well-known/oauth-protected-resource/mcp`,
      'redirect-other-origin: PRM -> 302 to the same path on other_origin', { status: first.status, loc });
    const second = await req(loc);
    ok(second.status === 200 && second.json?.resource === r.mcp_url
      && second.json.authorization_servers?.[0] === r.issuer, 'redirect-other-origin: other origin serves a valid-looking PRM', second.json);
    const s = await stats(peer);
    ok(s.prm_fetches === 1 && s.other_origin_fetches === 1, 'redirect-other-origin: stats count both fetches', s);
  } finally {
    await stop(peer);
  }
};

async function oversized(m) {
  const peer = await start({ MODE: m });
  try {
    const res = await fetch(peer.ready.authorization_server_metadata_url, { signal: AbortSignal.timeout(15000) });
    const cl = res.headers.get('content-length');
    const te = res.headers.get('transfer-encoding');
    const buf = Buffer.from(await res.arrayBuffer());
    if (m === 'oversized-metadata') {
      ok(cl === null && te === 'chunked', `${m}: chunked, no Content-Length`, { cl, te });
    } else {
      ok(Number(cl) === buf.length, `${m}: Content-Length = body length`, { cl, len: buf.length });
    }
    ok(buf.length > 2 * 1024 * 1024, `${m}: body > 2 MiB (${buf.length} bytes)`, buf.length);
    let doc;
    try {
      doc = JSON.parse(buf.toString('utf8'));
    } catch {
      doc = undefined;
    }
    ok(doc?.issuer === peer.ready.issuer && doc.x_padding?.length === 2 * 1024 * 1024, `${m}: valid JSON metadata with x_padding`, doc && Object.keys(doc));
  } finally {
    await stop(peer);
  }
}
cases['oversized-metadata'] = () => oversized('oversized-metadata');
cases['oversized-metadata-cl'] = () => oversized('oversized-metadata-cl');

cases['slow-metadata'] = async () => {
  const peer = await start({ MODE: 'slow-metadata', SLOW_MS: '300' });
  try {
    const t0 = Date.now();
    const res = await fetch(peer.ready.authorization_server_metadata_url, { signal: AbortSignal.timeout(15000) });
    const headersAt = Date.now() - t0;
    const doc = await res.json();
    ok(headersAt >= 300, `slow-metadata: headers only after ${headersAt} ms (>= 300)`, headersAt);
    ok(doc.issuer === peer.ready.issuer, 'slow-metadata: then the good document', doc);
    // A client that gives up early gets nothing at all.
    let early;
    try {
      await fetch(peer.ready.authorization_server_metadata_url, { signal: AbortSignal.timeout(100) });
      early = 'answered';
    } catch (err) {
      early = err.name;
    }
    ok(early === 'TimeoutError', 'slow-metadata: nothing within 100 ms', early);
    const prm = await req(peer.ready.resource_metadata_url);
    ok(prm.status === 200, 'slow-metadata: PRM is not slow', prm.status);
  } finally {
    await stop(peer);
  }
};

cases['malformed-metadata'] = async () => {
  const peer = await start({ MODE: 'malformed-metadata' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    ok(md.status === 200 && md.headers.get('content-type') === 'application/json' && md.json === undefined
      && md.text === `{"issuer": "${peer.ready.issuer}", "authorization_endpoint": `, 'malformed-metadata: 200 application/json, truncated JSON', md.text);
  } finally {
    await stop(peer);
  }
};

cases['no-access-token'] = async () => {
  const peer = await start({ MODE: 'no-access-token' });
  try {
    const { tok } = await signIn(peer);
    ok(tok.status === 200 && JSON.stringify(tok.json) === '{"token_type":"Bearer","expires_in":3600}',
      'no-access-token: 200 without access_token', tok.text);
  } finally {
    await stop(peer);
  }
};

cases['dcr-rejected'] = async () => {
  const peer = await start({ MODE: 'dcr-rejected' });
  try {
    const reg = await register(peer);
    ok(reg.status === 400 && reg.json?.error === 'invalid_redirect_uri'
      && reg.json.error_description === 'loopback redirect URIs are not allowed', 'dcr-rejected: 400 invalid_redirect_uri', reg.json);
  } finally {
    await stop(peer);
  }
};

const ESC = '\u001b';

cases['escape-dcr-error'] = async () => {
  const peer = await start({ MODE: 'escape-dcr-error' });
  try {
    const reg = await register(peer);
    ok(reg.status === 400 && reg.json?.error?.includes(ESC) && reg.json?.error_description?.includes(ESC),
      'escape-dcr-error: 400 with escape sequences in error and description', reg.json);
  } finally {
    await stop(peer);
  }
};

cases['escape-token-error'] = async () => {
  const peer = await start({ MODE: 'escape-token-error' });
  try {
    const { clientId, tok } = await signIn(peer);
    ok(tok.status === 200 && tok.json?.scope?.includes(ESC), 'escape-token-error: the scope carries an escape', tok.json?.scope);
    const r = await refresh(peer, clientId, tok.json.refresh_token);
    ok(r.status === 400 && r.json?.error?.includes(ESC) && r.json?.error_description?.includes(ESC),
      'escape-token-error: refresh -> 400 with escape sequences', r.json);
  } finally {
    await stop(peer);
  }
};

cases['escape-issuer'] = async () => {
  const peer = await start({ MODE: 'escape-issuer' });
  try {
    const prm = await req(peer.ready.resource_metadata_url);
    ok(prm.json?.authorization_servers?.[0]?.startsWith(`${peer.ready.issuer}${ESC}`),
      'escape-issuer: authorization_servers[0] = issuer + escapes', prm.json);
  } finally {
    await stop(peer);
  }
};

cases['forget-clients'] = async () => {
  const peer = await start({ MODE: 'good' });
  try {
    const { clientId, tok } = await signIn(peer);
    const forgot = await req(`${peer.ready.admin_url}/forget-clients`, { method: 'POST' });
    ok(forgot.status === 200 && forgot.json?.forgotten === 1, 'forget-clients: one client forgotten', forgot.json);
    const r = await refresh(peer, clientId, tok.json.refresh_token);
    ok(r.status === 401 && r.json?.error === 'invalid_client', 'forget-clients: a forgotten client -> 401 invalid_client', r.json);
    const az = await authorize(peer, clientId);
    ok(az.status === 400, 'forget-clients: /authorize refuses the forgotten client', az.status);
  } finally {
    await stop(peer);
  }
};

cases['ssrf-issuer'] = async () => {
  const peer = await start({ MODE: 'ssrf-issuer' });
  try {
    const prm = await req(peer.ready.resource_metadata_url);
    const want = peer.ready.other_origin.replace('127.0.0.1', 'localhost');
    ok(prm.json?.authorization_servers?.[0] === want, 'ssrf-issuer: the issuer is this machine by name', prm.json);
  } finally {
    await stop(peer);
  }
};

cases['ssrf-endpoints'] = async () => {
  const peer = await start({ MODE: 'ssrf-endpoints' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    const other = peer.ready.other_origin;
    ok(md.json?.registration_endpoint === `${other}/register` && md.json?.token_endpoint === `${other}/token`
      && md.json?.authorization_endpoint === `${peer.ready.issuer}/authorize`,
      'ssrf-endpoints: registration and token endpoints on the other loopback port', md.json);
  } finally {
    await stop(peer);
  }
};

// Big answers: read only as much as each check needs, then go away.
async function readSome(res, bytes) {
  const reader = res.body.getReader();
  let got = '';
  while (got.length < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    got += Buffer.from(value).toString();
  }
  await reader.cancel();
  return got;
}

cases['mcp-big-answers'] = async () => {
  for (const m of ['mcp-huge-body', 'mcp-endless-event', 'mcp-chatty']) {
    const peer = await start({ MODE: m, HUGE_MB: '2' });
    try {
      const { tok } = await signIn(peer);
      const auth = { authorization: `Bearer ${tok.json.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      if (m === 'mcp-chatty') {
        const res = await fetch(peer.ready.mcp_url, { headers: { ...auth, accept: 'text/event-stream' } });
        const got = await readSome(res, 50 * 1024);
        ok(res.status === 200 && (got.match(/notifications\/message/g) || []).length >= 4, `${m}: GET streams notifications`, got.length);
        continue;
      }
      const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test-tool', arguments: { huge: true } } });
      const res = await fetch(peer.ready.mcp_url, { method: 'POST', headers: auth, body: call });
      if (m === 'mcp-huge-body') {
        const text = await res.text();
        ok(res.status === 200 && text.length > 2 * 1024 * 1024 && JSON.parse(text).id === 7, `${m}: one JSON body over 2 MiB`, text.length);
      } else {
        const got = await readSome(res, 300 * 1024);
        ok(res.headers.get('content-type')?.startsWith('text/event-stream') && got.length >= 300 * 1024 && !/\n\n/.test(got),
          `${m}: 300 KiB of one event, no blank line`, got.length);
      }
      const small = await req(peer.ready.mcp_url, { method: 'POST', headers: auth, body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'test-tool', arguments: {} } }) });
      ok(small.json?.result?.content?.[0]?.text === 'ok', `${m}: other calls answer as usual`, small.json);
    } finally {
      await stop(peer);
    }
  }
};

cases['auth-basic-only'] = async () => {
  const peer = await start({ MODE: 'auth-basic-only' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    ok(JSON.stringify(md.json?.token_endpoint_auth_methods_supported) === '["client_secret_basic"]', 'auth-basic-only: metadata lists basic only', md.json);
    const pub = await register(peer);
    ok(pub.status === 400 && pub.json?.error === 'invalid_client_metadata', 'auth-basic-only: a public client is refused', pub.json);
    const reg = await req(`${peer.ready.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_basic' }) });
    ok(reg.status === 201 && reg.json?.client_secret, 'auth-basic-only: basic gets a secret', reg.json);
    const az = await authorize(peer, reg.json.client_id);
    const without = await tokenByCode(peer, reg.json.client_id, az.params.get('code'), az.verifier);
    ok(without.status === 401 && without.json?.error === 'invalid_client', 'auth-basic-only: no Basic -> 401 invalid_client', without.json);
    const az2 = await authorize(peer, reg.json.client_id);
    const basic = Buffer.from(`${reg.json.client_id}:${reg.json.client_secret}`).toString('base64');
    const withBasic = await req(`${peer.ready.issuer}/token`, { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: az2.params.get('code'), code_verifier: az2.verifier,
        redirect_uri: REDIRECT, resource: peer.ready.mcp_url }).toString() });
    ok(withBasic.status === 200 && withBasic.json?.access_token, 'auth-basic-only: with Basic -> tokens', withBasic.json);
  } finally {
    await stop(peer);
  }
};

cases['null-id-errors'] = async () => {
  const peer = await start({ MODE: 'null-id-errors' });
  try {
    const { tok } = await signIn(peer);
    const auth = { authorization: `Bearer ${tok.json.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const call = await req(peer.ready.mcp_url, { method: 'POST', headers: auth,
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'test-tool', arguments: {} } }) });
    ok(call.status === 400 && call.json?.id === null && call.json?.error?.code === -32602, 'null-id-errors: tools/call -> 400 with id null', call.json);
    const list = await req(peer.ready.mcp_url, { method: 'POST', headers: auth,
      body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }) });
    ok(list.json?.id === 6 && list.json?.result?.tools, 'null-id-errors: other methods answer as usual', list.json);
  } finally {
    await stop(peer);
  }
};

cases['lies-about-version'] = async () => {
  const peer = await start({ MODE: 'lies-about-version' });
  try {
    const { tok } = await signIn(peer);
    const h = (modern) => ({ authorization: `Bearer ${tok.json.access_token}`, 'content-type': 'application/json',
      accept: 'application/json, text/event-stream', ...(modern ? { 'mcp-protocol-version': '2026-07-28' } : {}) });
    const post = (modern, body) => req(peer.ready.mcp_url, { method: 'POST', headers: h(modern), body: JSON.stringify(body) });
    const d = await post(true, { jsonrpc: '2.0', id: 1, method: 'server/discover', params: {} });
    ok(d.json?.result?.supportedVersions?.[0] === '2026-07-28', 'lies-about-version: discover claims 2026-07-28', d.json);
    const l = await post(true, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    ok(l.status === 400 && l.json?.error?.code === -32022 && l.json.error.data.supported[0] === '2025-11-25',
      'lies-about-version: a 2026-07-28 request -> -32022 naming 2025-11-25 only', l.json);
    const i = await post(false, { jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    ok(i.json?.result?.protocolVersion === '2025-11-25', 'lies-about-version: initialize works', i.json);
  } finally {
    await stop(peer);
  }
};

cases['drops-mid-event'] = async () => {
  const peer = await start({ MODE: 'drops-mid-event' });
  try {
    const { tok } = await signIn(peer);
    const res = await fetch(peer.ready.mcp_url, { method: 'POST', headers: { authorization: `Bearer ${tok.json.access_token}`,
      'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'test-tool', arguments: {} } }) });
    let got = '';
    let broke = false;
    try {
      got = await res.text();
    } catch {
      broke = true;
    }
    ok(res.headers.get('content-type')?.startsWith('text/event-stream') && (broke || !got.includes('\n\n')),
      'drops-mid-event: the event never ends', { broke, got: got.slice(0, 80) });
  } finally {
    await stop(peer);
  }
};

cases['replays-on-resume'] = async () => {
  const peer = await start({ MODE: 'replays-on-resume' });
  try {
    const { tok } = await signIn(peer);
    const headers = { authorization: `Bearer ${tok.json.access_token}`, 'content-type': 'application/json',
      accept: 'application/json, text/event-stream' };
    const post = await fetch(peer.ready.mcp_url, { method: 'POST', headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'test-tool', arguments: {} } }) });
    const first = await post.text();
    ok(/^id: r1\nretry: 50\n/.test(first) && !first.includes('"id":5'), 'replays-on-resume: the POST stream ends before the answer', { first });
    const get = await fetch(peer.ready.mcp_url, { headers: { ...headers, 'last-event-id': 'r1' } });
    const again = await get.text();
    ok(again.startsWith('id: r1\n') && /id: r2\ndata: .*"id":5/.test(again), 'replays-on-resume: the resume replays r1, then answers as r2', { again });
  } finally {
    await stop(peer);
  }
};

cases['never-callback'] = async () => {
  const peer = await start({ MODE: 'never-callback' });
  try {
    const reg = await register(peer);
    const az = await authorize(peer, reg.json.client_id);
    ok(az.status === 200 && !az.location && /text\/html/.test(az.res.headers.get('content-type'))
      && /waiting/i.test(az.res.text), 'never-callback: 200 HTML "waiting", no redirect', { status: az.status, body: az.res.text });
  } finally {
    await stop(peer);
  }
};

cases['no-auth'] = async () => {
  const peer = await start({ MODE: 'no-auth' });
  try {
    const r = await req(peer.ready.mcp_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
    });
    ok(r.status === 200 && r.json?.result, 'no-auth: initialize answers without a token', r.status);
  } finally {
    await stop(peer);
  }
};

cases['no-pkce-support'] = async () => {
  const peer = await start({ MODE: 'no-pkce-support' });
  try {
    const md = await req(peer.ready.authorization_server_metadata_url);
    ok(md.status === 200 && !('code_challenge_methods_supported' in md.json) && md.json.issuer === peer.ready.issuer,
      'no-pkce-support: metadata without code_challenge_methods_supported', md.json);
  } finally {
    await stop(peer);
  }
};

for (const m of ['token-500', 'token-invalid-grant']) {
  cases[m] = async () => {
    const peer = await start({ MODE: m });
    try {
      const { clientId, tok } = await signIn(peer);
      ok(tok.status === 200 && /^hostile-rt-/.test(tok.json?.refresh_token), `${m}: code exchange works`, tok.json);
      const ref = await refresh(peer, clientId, tok.json.refresh_token);
      if (m === 'token-500') ok(ref.status === 500, 'token-500: refresh -> 500', ref.status);
      else ok(ref.status === 400 && ref.json?.error === 'invalid_grant', 'token-invalid-grant: refresh -> 400 invalid_grant', ref.json);
    } finally {
      await stop(peer);
    }
  };
}

cases['callback-twice'] = async () => {
  const peer = await start({ MODE: 'callback-twice' });
  const hits = [];
  const cb = http.createServer((rq, rs) => {
    hits.push(new URL(rq.url, 'http://127.0.0.1').searchParams);
    rs.writeHead(hits.length === 1 ? 200 : 400, { 'content-type': 'text/plain' });
    rs.end(hits.length === 1 ? 'signed in\n' : 'already used\n');
  });
  await new Promise((r) => cb.listen(0, '127.0.0.1', r));
  const cbUri = `http://127.0.0.1:${cb.address().port}/callback`;
  try {
    const reg = await register(peer);
    const t0 = Date.now();
    const az = await authorize(peer, reg.json.client_id, { redirectUri: cbUri });
    must(az.status === 302 && az.params.get('code') && az.params.get('code') !== 'SECOND', 'callback-twice: first redirect is normal', az.location?.href);
    await req(az.location); // "the browser" follows it
    const early = await stats(peer);
    if (Date.now() - t0 < 400) ok(early.second_callback_status === 'pending', 'callback-twice: second_callback_status "pending" before 500 ms', early);
    await sleep(1000);
    ok(hits.length === 2 && hits[1].get('code') === 'SECOND' && hits[1].get('state') === az.state
      && hits[1].get('iss') === peer.ready.issuer, 'callback-twice: server made a second GET with code=SECOND, right state, iss',
    hits.map((h) => h.toString()));
    ok((await stats(peer)).second_callback_status === 400, 'callback-twice: second_callback_status = 400 (what the listener answered)');
    const tok = await tokenByCode(peer, reg.json.client_id, az.params.get('code'), az.verifier, cbUri);
    ok(tok.status === 200, 'callback-twice: the first code works', tok.status);

    // Listener gone after the first callback -> "refused".
    const az2 = await authorize(peer, reg.json.client_id, { redirectUri: cbUri });
    await req(az2.location);
    await new Promise((r) => {
      cb.close(r);
      cb.closeAllConnections();
    });
    await sleep(1000);
    const s = await stats(peer);
    ok(s.second_callback_status === 'refused', 'callback-twice: second_callback_status = "refused" when nobody listens', s.second_callback_status);
  } finally {
    cb.close();
    await stop(peer);
  }
};

cases.lifecycle = async () => {
  const peer = await start({ MODE: 'slow-metadata', SLOW_MS: '60000' });
  // A pending slow response must not keep the server alive.
  const pending = fetch(peer.ready.authorization_server_metadata_url).catch(() => 'aborted');
  await sleep(100);
  peer.kill('SIGTERM');
  const code = await waitExit(peer, 4000);
  ok(code === 0, 'SIGTERM with a slow response pending -> exit 0 promptly', code);
  await pending;
  let err;
  try {
    await start({ MODE: 'no-such-mode' });
  } catch (e) {
    err = e;
  }
  ok(err?.code === 2 && /unknown MODE/.test(err.stderr), 'unknown MODE -> exit 2 with a message on stderr', err?.message);
};

// ----------------------------------------------------------------- main ----
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(cases);
for (const n of names) {
  if (!cases[n]) {
    console.error(`unknown case ${n}; one of: ${Object.keys(cases).join(' ')}`);
    process.exit(2);
  }
}
const overall = setTimeout(() => {
  console.log(`  FAIL overall timeout ${OVERALL_TIMEOUT_MS} ms`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
overall.unref();

for (const n of names) {
  console.log(`# ${n}`);
  try {
    await cases[n]();
  } catch (err) {
    if (!(err instanceof Abort)) ok(false, `${n}: unexpected error`, err.stack || String(err));
  }
}
for (const c of children) c.kill('SIGKILL');
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
