#!/usr/bin/env node
// Self-test of the Latchkey OAuth/MCP test peers: drives the full flow a client
// like Latchkey performs against each peer, and exits non-zero on any failure.
//
//   node tests/peers/selftest.mjs            # both peers
//   node tests/peers/selftest.mjs sdk        # only tests/peers/sdk-server.mjs
//   node tests/peers/selftest.mjs oidc       # only tests/peers/oidc-server.mjs (needs /usr/bin/chromium)
//
// Per peer: 401 + WWW-Authenticate resource_metadata -> PRM -> AS metadata ->
// DCR (native public client) -> PKCE S256 authorization through the $BROWSER
// stand-in (follow.sh or approve.mjs) to a local callback listener (state + iss
// checked) -> code exchange with `resource` -> MCP initialize / tools/list /
// tools/call echo + whoami -> refresh twice (rotation) -> wrong resource
// rejected -> reuse of an old refresh token revokes the grant -> step-up 403 for
// write-thing -> expire-all -> refresh -> revoke (RFC 7009) -> deny path ->
// natural expiry with a short ACCESS_TOKEN_TTL -> clean exit on stdin close / SIGTERM.
// Ends with the line "N passed, N failed".
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abort, b64url, counts, form, must, ok, req, sleep } from './lib/checks.mjs';
import { children, startProcess, waitExit } from './lib/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const APPROVE = path.join(ROOT, 'tests', 'browser', 'approve.mjs');
const FOLLOW = path.join(ROOT, 'tests', 'browser', 'follow.sh');
const OVERALL_TIMEOUT_MS = Number(process.env.SELFTEST_TIMEOUT_MS || 300000);

// ---------------------------------------------------------------- peers ----
const startPeer = (script, env = {}) => startProcess(script, process.execPath, [path.join(HERE, script)], env);

// ------------------------------------------------------- callback server ----
async function startCallback() {
  let waiter = null;
  const server = http.createServer((rq, rs) => {
    const u = new URL(rq.url, 'http://127.0.0.1');
    if (u.pathname !== '/callback') {
      rs.writeHead(404).end();
      return;
    }
    rs.writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Latchkey</title><p>Latchkey selftest callback received. You can close this window.</p>');
    if (waiter) {
      waiter(Object.fromEntries(u.searchParams));
      waiter = null;
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    next(ms = 60000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('callback not reached')), ms);
        waiter = (q) => {
          clearTimeout(t);
          resolve(q);
        };
      });
    },
    close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

function runBrowser(kind, url, env = {}) {
  return new Promise((resolve) => {
    const [cmd, args] = kind === 'approve' ? [process.execPath, [APPROVE, url]] : ['sh', [FOLLOW, url]];
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), 90000);
    child.on('exit', (code) => {
      clearTimeout(t);
      children.delete(child);
      resolve({ code, stdout: out, stderr: err });
    });
  });
}

// ----------------------------------------------------------------- OAuth ----
function wellKnown(issuer, name) {
  // RFC 8414 §3.1: insert the well-known segment between host and path.
  const u = new URL(issuer);
  const p = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/${name}${p}`;
}

async function authorize(ctx, { scope, resource = ctx.mcpUrl, env = {}, expectError } = {}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const u = new URL(ctx.as.authorization_endpoint);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: ctx.client.client_id,
    redirect_uri: ctx.cb.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope,
    resource,
  }).toString();
  const got = ctx.cb.next();
  const br = await runBrowser(expectError ? 'follow' : ctx.browser, u.href, env);
  let q;
  try {
    q = await got;
  } catch (e) {
    must(false, 'browser reached the loopback callback', `${e.message}; browser exit ${br.code}\n${br.stderr}`);
  }
  ok(br.code === 0, `browser stand-in exited 0 (${expectError ? 'follow' : ctx.browser})`, br.stderr.slice(-2000));
  ok(br.stdout === '', 'browser stand-in wrote nothing on stdout', br.stdout);
  ok(q.state === state, 'callback state matches');
  ok(q.iss === ctx.issuer, `callback iss (RFC 9207) equals issuer ${ctx.issuer}`, q.iss);
  return { q, verifier };
}

async function exchange(ctx, code, verifier, resource = ctx.mcpUrl) {
  return req(ctx.as.token_endpoint, form({
    grant_type: 'authorization_code',
    code,
    redirect_uri: ctx.cb.redirectUri,
    client_id: ctx.client.client_id,
    code_verifier: verifier,
    resource,
  }));
}

async function refresh(ctx, refreshToken, resource = ctx.mcpUrl) {
  return req(ctx.as.token_endpoint, form({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: ctx.client.client_id,
    resource,
  }));
}

async function stats(ctx) {
  return (await req(`${ctx.adminUrl}/stats`)).json;
}

// ------------------------------------------------------------------- MCP ----
function parseRpc(res) {
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('text/event-stream')) {
    const msgs = res.text.split('\n').filter((l) => l.startsWith('data:')).map((l) => {
      try {
        return JSON.parse(l.slice(5).trim());
      } catch {
        return null;
      }
    }).filter(Boolean);
    return msgs.find((m) => 'result' in m || 'error' in m) ?? msgs[0];
  }
  return res.json;
}

class Mcp {
  constructor(url) {
    this.url = url;
    this.sid = null;
    this.id = 0;
    this.protocolVersion = null;
  }

  async send(token, method, params, { notify = false } = {}) {
    const body = { jsonrpc: '2.0', method, ...(params ? { params } : {}) };
    if (!notify) {
      this.id += 1;
      body.id = this.id;
    }
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (this.sid) headers['mcp-session-id'] = this.sid;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    const res = await req(this.url, { method: 'POST', headers, body: JSON.stringify(body) });
    res.rpc = res.status === 200 ? parseRpc(res) : undefined;
    return res;
  }

  async initialize(token) {
    const res = await this.send(token, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'latchkey-selftest', version: '0.0.0' },
    });
    if (res.status === 200) {
      this.sid = res.headers.get('mcp-session-id');
      this.protocolVersion = res.rpc?.result?.protocolVersion ?? null;
      await this.send(token, 'notifications/initialized', undefined, { notify: true });
    }
    return res;
  }

  call(token, name, args = {}) {
    return this.send(token, 'tools/call', { name, arguments: args });
  }
}
const toolText = (res) => res.rpc?.result?.content?.[0]?.text;

// ------------------------------------------------------------- scenarios ----
async function discover(ctx) {
  const un = await req(ctx.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
  });
  must(un.status === 401, 'unauthenticated POST /mcp -> 401', un.status);
  const www = un.headers.get('www-authenticate') || '';
  const m = /resource_metadata="([^"]+)"/.exec(www);
  must(www.startsWith('Bearer ') && m, 'WWW-Authenticate: Bearer ... resource_metadata="..."', www);
  const prm = await req(m[1]);
  must(prm.status === 200, 'PRM fetched', prm.status);
  ok(prm.json.resource === ctx.mcpUrl, `PRM resource === MCP URL ${ctx.mcpUrl}`, prm.json.resource);
  ok(prm.json.authorization_servers?.[0] === ctx.issuer, 'PRM authorization_servers[0] === issuer', prm.json.authorization_servers);
  ok(['mcp:read', 'mcp:write'].every((s) => prm.json.scopes_supported?.includes(s)), 'PRM scopes_supported has mcp:read mcp:write', prm.json.scopes_supported);
  const asMeta = await req(wellKnown(ctx.issuer, 'oauth-authorization-server'));
  must(asMeta.status === 200, 'RFC 8414 AS metadata fetched', asMeta.status);
  ctx.as = asMeta.json;
  ok(ctx.as.issuer === ctx.issuer, 'AS metadata issuer === ready-line issuer', ctx.as.issuer);
  ok(ctx.as.code_challenge_methods_supported?.includes('S256'), 'S256 advertised');
  ok(ctx.as.authorization_response_iss_parameter_supported === true, 'authorization_response_iss_parameter_supported');
  ok(Boolean(ctx.as.registration_endpoint && ctx.as.revocation_endpoint), 'registration + revocation endpoints advertised');
}

async function register(ctx) {
  const res = await req(ctx.as.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: 'Latchkey selftest',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  must(res.status === 201 && res.json?.client_id, 'DCR -> 201 with client_id', res.text);
  ok(!res.json.client_secret, 'public client: no client_secret');
  ctx.client = res.json;
}

async function fullFlow(ctx, scopeAll) {
  // ---- authorization code + PKCE ----
  const { q, verifier } = await authorize(ctx, { scope: scopeAll });
  must(Boolean(q.code), 'authorization code received', q);
  const bad = await exchange(ctx, q.code, b64url(randomBytes(32)));
  ok(bad.status === 400 && bad.json?.error === 'invalid_grant', 'wrong code_verifier -> invalid_grant', bad.text);
  // A bad verifier is rejected before the code is consumed (both peers), so keep using it.
  let code = q.code;
  let ver = verifier;
  const wrongRes = await exchange(ctx, code, ver, 'http://127.0.0.1:1/not-this-server');
  ok(wrongRes.status === 400 && wrongRes.json?.error === 'invalid_target', 'code exchange with a wrong resource -> invalid_target', wrongRes.text);
  let tok = await exchange(ctx, code, ver);
  if (tok.status !== 200) {
    // Some servers burn the code on the failed attempts above; get a fresh one.
    ok(true, `(code not reusable after failed exchange: ${tok.json?.error}); re-authorizing`);
    ({ q: { code }, verifier: ver } = await authorize(ctx, { scope: scopeAll }));
    tok = await exchange(ctx, code, ver);
  }
  must(tok.status === 200 && tok.json?.access_token, 'code exchange (with resource) -> tokens', tok.text);
  ok(/^bearer$/i.test(tok.json.token_type), 'token_type Bearer', tok.json.token_type);
  ok(typeof tok.json.expires_in === 'number', 'expires_in present', tok.json.expires_in);
  must(Boolean(tok.json.refresh_token), 'refresh_token issued', tok.json);
  const again = await exchange(ctx, code, ver);
  ok(again.status === 400 && again.json?.error === 'invalid_grant', 'authorization code cannot be used twice', again.text);
  // oidc-provider and this SDK peer both revoke the grant on code reuse; start a clean grant.
  ({ q: { code }, verifier: ver } = await authorize(ctx, { scope: scopeAll }));
  tok = await exchange(ctx, code, ver);
  must(tok.status === 200 && tok.json?.refresh_token, 'fresh grant for the MCP part', tok.text);
  const at1 = tok.json.access_token;
  const rt1 = tok.json.refresh_token;

  // ---- MCP with the token ----
  const mcp = new Mcp(ctx.mcpUrl);
  const init = await mcp.initialize(at1);
  must(init.status === 200 && init.rpc?.result?.serverInfo, 'MCP initialize with bearer token', init.text);
  ok(Boolean(mcp.sid), 'Mcp-Session-Id issued', mcp.sid);
  const list = await mcp.send(at1, 'tools/list', {});
  const names = (list.rpc?.result?.tools ?? []).map((t) => t.name);
  ok(['echo', 'whoami', 'test-tool', 'write-thing'].every((n) => names.includes(n)), 'tools/list has echo, whoami, test-tool, write-thing', names);
  const echo = await mcp.call(at1, 'echo', { text: 'hello latchkey' });
  ok(toolText(echo) === 'hello latchkey', 'tools/call echo returns its text', echo.text);
  const who = JSON.parse(toolText(await mcp.call(at1, 'whoami')) ?? '{}');
  ok(who.client_id === ctx.client.client_id, 'whoami client_id === registered client', who);
  ok(typeof who.sub === 'string' && who.sub.length > 0, 'whoami has a subject', who);
  const tt = await mcp.call(at1, 'test-tool');
  ok(toolText(tt) === 'test-tool ok', 'test-tool works', tt.text);
  const w = await mcp.call(at1, 'write-thing', { text: 'x' });
  ok(w.status === 200 && toolText(w) === 'wrote: x', 'write-thing allowed with mcp:write', w.text);

  // ---- refresh twice (rotation) ----
  const r1 = await refresh(ctx, rt1);
  must(r1.status === 200 && r1.json?.access_token, 'refresh #1', r1.text);
  ok(r1.json.refresh_token && r1.json.refresh_token !== rt1, 'refresh #1 rotated the refresh token');
  const r2 = await refresh(ctx, r1.json.refresh_token);
  must(r2.status === 200 && r2.json?.access_token, 'refresh #2', r2.text);
  ok(r2.json.refresh_token && r2.json.refresh_token !== r1.json.refresh_token, 'refresh #2 rotated the refresh token');
  const at3 = r2.json.access_token;
  const rt3 = r2.json.refresh_token;
  const e3 = await mcp.call(at3, 'echo', { text: 'after refresh' });
  ok(toolText(e3) === 'after refresh', 'same MCP session works with the refreshed token', e3.text);

  const wr = await refresh(ctx, rt3, 'http://127.0.0.1:1/not-this-server');
  ok(wr.status === 400 && wr.json?.error === 'invalid_target', 'refresh with a wrong resource -> invalid_target', wr.text);

  // ---- reuse detection ----
  const before = await stats(ctx);
  const reuse = await refresh(ctx, rt1);
  ok(reuse.status === 400 && reuse.json?.error === 'invalid_grant', 'reusing an old refresh token -> invalid_grant', reuse.text);
  const after = await stats(ctx);
  ok(after.refresh_token_reuse_detected === before.refresh_token_reuse_detected + 1, 'stats.refresh_token_reuse_detected +1', after);
  ok(after.revoked_grants > before.revoked_grants, 'stats.revoked_grants increased');
  const dead = await mcp.call(at3, 'echo', { text: 'x' });
  ok(dead.status === 401, 'access token of the revoked grant -> 401', dead.status);
  const dead2 = await refresh(ctx, rt3);
  ok(dead2.status === 400 && dead2.json?.error === 'invalid_grant', 'newest refresh token of the revoked grant -> invalid_grant', dead2.text);
  const intro = (await req(`${ctx.adminUrl}/introspect?token=${encodeURIComponent(at3)}`)).json;
  ok(intro?.active === false, '/admin/introspect says the access token is inactive', intro);
}

async function stepUpAndRevoke(ctx, scopeReadOnly, scopeAll) {
  // ---- read-only token: step-up challenge ----
  let { q, verifier } = await authorize(ctx, { scope: scopeReadOnly });
  let tok = await exchange(ctx, q.code, verifier);
  must(tok.status === 200, 'read-only grant', tok.text);
  const ro = tok.json;
  ok(!(ro.scope ?? '').split(' ').includes('mcp:write'), 'read-only token lacks mcp:write', ro.scope);
  const mcp = new Mcp(ctx.mcpUrl);
  must((await mcp.initialize(ro.access_token)).status === 200, 'MCP initialize with read-only token');
  const denied = await mcp.call(ro.access_token, 'write-thing', { text: 'x' });
  ok(denied.status === 403, 'write-thing with read-only token -> HTTP 403', denied.status);
  const www = denied.headers.get('www-authenticate') || '';
  ok(/^Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="[^"]+"/.test(www), '403 WWW-Authenticate insufficient_scope challenge', www);
  const echo = await mcp.call(ro.access_token, 'echo', { text: 'read ok' });
  ok(toolText(echo) === 'read ok', 'read-only token can still call echo');

  // ---- step up ----
  ({ q, verifier } = await authorize(ctx, { scope: scopeAll }));
  tok = await exchange(ctx, q.code, verifier);
  must(tok.status === 200, 'stepped-up grant', tok.text);
  const full = tok.json;
  const w = await mcp.call(full.access_token, 'write-thing', { text: 'y' });
  ok(w.status === 200 && toolText(w) === 'wrote: y', 'write-thing after step-up', w.text);

  // ---- expire-all -> 401 -> refresh -> works ----
  const exp = await req(`${ctx.adminUrl}/expire-all`, { method: 'POST' });
  ok(exp.status === 200 && exp.json?.expired >= 1, 'POST /admin/expire-all', exp.text);
  const e401 = await mcp.call(full.access_token, 'echo', { text: 'x' });
  ok(e401.status === 401 && /invalid_token/.test(e401.headers.get('www-authenticate') || ''), 'expired token -> 401 invalid_token', e401.status);
  const r = await refresh(ctx, full.refresh_token);
  must(r.status === 200, 'refresh after expiry', r.text);
  const e200 = await mcp.call(r.json.access_token, 'echo', { text: 'fresh' });
  ok(toolText(e200) === 'fresh', 'new access token works after expiry', e200.text);

  // ---- RFC 7009 revocation of the refresh token ----
  const before = await stats(ctx);
  const rev = await req(ctx.as.revocation_endpoint, form({
    token: r.json.refresh_token,
    token_type_hint: 'refresh_token',
    client_id: ctx.client.client_id,
  }));
  ok(rev.status === 200, 'revoke refresh token -> 200', rev.text);
  const after = await stats(ctx);
  ok(after.revocations === before.revocations + 1, 'stats.revocations +1', after);
  const rr = await refresh(ctx, r.json.refresh_token);
  ok(rr.status === 400 && rr.json?.error === 'invalid_grant', 'revoked refresh token -> invalid_grant', rr.text);
  const ra = await mcp.call(r.json.access_token, 'echo', { text: 'x' });
  ok(ra.status === 401, 'access token of the revoked grant -> 401', ra.status);
  const unknown = await req(ctx.as.revocation_endpoint, form({ token: 'no-such-token', client_id: ctx.client.client_id }));
  ok(unknown.status === 200, 'revoking an unknown token -> 200 (RFC 7009)', unknown.text);

  // ---- revoke an access token ----
  ({ q, verifier } = await authorize(ctx, { scope: scopeAll }));
  tok = await exchange(ctx, q.code, verifier);
  must(tok.status === 200, 'grant for access-token revocation', tok.text);
  const ratv = await req(ctx.as.revocation_endpoint, form({
    token: tok.json.access_token,
    token_type_hint: 'access_token',
    client_id: ctx.client.client_id,
  }));
  ok(ratv.status === 200, 'revoke access token -> 200', ratv.text);
  const ra2 = await mcp.call(tok.json.access_token, 'echo', { text: 'x' });
  ok(ra2.status === 401, 'revoked access token -> 401', ra2.status);
  const rr2 = await refresh(ctx, tok.json.refresh_token);
  if (ctx.kind === 'sdk') {
    ok(rr2.status === 200, 'sdk: refresh token survives access-token revocation', rr2.text);
  } else {
    // oidc-provider revokes every token of the grant when any token of it is revoked.
    ok(rr2.status === 400, 'oidc: access-token revocation also kills the grant\'s refresh tokens', rr2.text);
  }
}

async function errorPaths(ctx, scopeAll) {
  // invalid_target at the authorization endpoint (redirected before any login page)
  let res = await authorize(ctx, { scope: scopeAll, resource: 'http://127.0.0.1:1/other', expectError: true });
  ok(res.q.error === 'invalid_target', 'authorize with a foreign resource -> error=invalid_target', res.q);
  // user denies
  if (ctx.kind === 'sdk') {
    await req(`${ctx.adminUrl}/authorize-mode?mode=deny`, { method: 'POST' });
    res = await authorize(ctx, { scope: scopeAll });
    await req(`${ctx.adminUrl}/authorize-mode?mode=approve`, { method: 'POST' });
  } else {
    res = await authorize(ctx, { scope: scopeAll, env: { APPROVE_ACTION: 'deny' } });
  }
  ok(res.q.error === 'access_denied' && !res.q.code, 'denied authorization -> error=access_denied', res.q);
}

async function finalStats(ctx) {
  const s = await stats(ctx);
  for (const k of ['clients_registered', 'codes_issued', 'tokens_issued', 'refreshes', 'refresh_token_reuse_detected',
    'revocations', 'revoked_grants', 'active_grants']) {
    ok(typeof s[k] === 'number', `stats.${k} is a number (${s[k]})`);
  }
  ok(s.refreshes >= 3, 'stats.refreshes >= 3', s.refreshes);
  ok(Array.isArray(s.last_resource_params) && s.last_resource_params.some((p) => p.resource === ctx.mcpUrl
    && p.endpoint === 'token:refresh_token'), 'stats.last_resource_params records resource on refresh', s.last_resource_params);
}

async function shortTtl(script, kind, env) {
  console.log(`# ${kind}: ACCESS_TOKEN_TTL=2 natural expiry`);
  const peer = await startPeer(script, { ...env, ACCESS_TOKEN_TTL: '2' });
  const cb = await startCallback();
  const ctx = {
    kind,
    browser: kind === 'sdk' ? 'follow' : 'approve',
    mcpUrl: peer.ready.mcp_url,
    issuer: peer.ready.issuer,
    adminUrl: peer.ready.admin_url,
    cb,
  };
  try {
    await discover(ctx);
    await register(ctx);
    const { q, verifier } = await authorize(ctx, { scope: kind === 'sdk' ? 'mcp:read mcp:write' : 'openid mcp:read mcp:write' });
    const tok = await exchange(ctx, q.code, verifier);
    must(tok.status === 200, 'tokens with a 2 s lifetime', tok.text);
    ok(tok.json.expires_in <= 2, 'expires_in <= 2', tok.json.expires_in);
    const mcp = new Mcp(ctx.mcpUrl);
    must((await mcp.initialize(tok.json.access_token)).status === 200, 'MCP works before expiry');
    await sleep(3200);
    const late = await mcp.call(tok.json.access_token, 'echo', { text: 'x' });
    ok(late.status === 401, 'MCP -> 401 after the access token expired', late.status);
    const r = await refresh(ctx, tok.json.refresh_token);
    ok(r.status === 200, 'refresh after natural expiry', r.text);
    const fresh = await mcp.call(r.json.access_token, 'echo', { text: 'again' });
    ok(toolText(fresh) === 'again', 'refreshed token works', fresh.text);
  } finally {
    await cb.close();
    peer.kill('SIGTERM');
    await waitExit(peer, 5000);
  }
}

async function runPeer(kind) {
  const script = kind === 'sdk' ? 'sdk-server.mjs' : 'oidc-server.mjs';
  const scopeAll = kind === 'sdk' ? 'mcp:read mcp:write' : 'openid offline_access mcp:read mcp:write';
  const scopeRead = kind === 'sdk' ? 'mcp:read' : 'openid offline_access mcp:read';
  console.log(`# ${script}`);
  if (kind === 'oidc') {
    const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
    must(fs.existsSync(chromium), `browser for approve.mjs exists at ${chromium} (apt-get install -y chromium)`);
  }
  const peer = await startPeer(script);
  const { ready } = peer;
  ok(['mcp_url', 'issuer', 'admin_url'].every((k) => typeof ready[k] === 'string'), 'ready line has mcp_url, issuer, admin_url', ready);
  ok(new URL(ready.mcp_url).hostname === '127.0.0.1' && new URL(ready.mcp_url).pathname === '/mcp', 'mcp_url is http://127.0.0.1:PORT/mcp', ready.mcp_url);
  const cb = await startCallback();
  const ctx = {
    kind,
    browser: kind === 'sdk' ? 'follow' : 'approve',
    mcpUrl: ready.mcp_url,
    issuer: ready.issuer,
    adminUrl: ready.admin_url,
    cb,
  };
  try {
    await discover(ctx);
    await register(ctx);
    await fullFlow(ctx, scopeAll);
    await stepUpAndRevoke(ctx, scopeRead, scopeAll);
    await errorPaths(ctx, scopeAll);
    await finalStats(ctx);
    ok(peer.extraStdout() === '', 'peer wrote exactly one line on stdout', peer.extraStdout());
  } catch (e) {
    if (!(e instanceof Abort)) ok(false, `${kind}: unexpected error`, e.stack);
    if (process.env.SELFTEST_VERBOSE !== '1') console.log(`--- ${script} stderr (tail) ---\n${peer.stderrText().slice(-4000)}`);
  } finally {
    await cb.close();
  }
  // clean exit: sdk via stdin EOF, oidc via SIGTERM
  if (kind === 'sdk') {
    peer.stdin.end();
    ok(await waitExit(peer, 5000) === 0, 'peer exits 0 when stdin closes');
  } else {
    peer.kill('SIGTERM');
    ok(await waitExit(peer, 5000) === 0, 'peer exits 0 on SIGTERM');
  }
  try {
    await shortTtl(script, kind, {});
  } catch (e) {
    if (!(e instanceof Abort)) ok(false, `${kind} short TTL: unexpected error`, e.stack);
  }
}

const overall = setTimeout(() => {
  console.log(`selftest: overall timeout after ${OVERALL_TIMEOUT_MS} ms`);
  counts.failed += 1;
  for (const c of children) c.kill('SIGKILL');
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

const which = process.argv.slice(2);
const kinds = which.length ? which : ['sdk', 'oidc'];
for (const k of kinds) {
  if (!['sdk', 'oidc'].includes(k)) {
    console.error(`unknown peer ${k} (sdk | oidc)`);
    process.exit(2);
  }
  try {
    await runPeer(k);
  } catch (e) {
    if (!(e instanceof Abort)) ok(false, `${k}: peer could not run`, e.stack);
  }
}
clearTimeout(overall);
for (const c of children) c.kill('SIGTERM');
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
