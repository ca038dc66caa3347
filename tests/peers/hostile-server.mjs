#!/usr/bin/env node
// Latchkey test peer: a deliberately HOSTILE MCP server that is also its own
// OAuth 2.1 authorization server (auto-approve), written on plain node:http so
// that it can break the protocol in exactly one chosen way. MODE (env, default
// `good`; switchable at runtime with POST /admin/mode?mode=X) picks the single
// deviation. Every mode not listed as changing an endpoint behaves like `good`
// there, so a client that ignores a check really does end up with a token.
//
// MODE                   | the one deviation from `good`
// -----------------------+---------------------------------------------------------------------
// good                   | none: PRM, RFC 8414 metadata, DCR, auto-approving /authorize, /token, /mcp
// wrong-state            | /authorize redirects with state=hostile-wrong-state-<random> (not the client's)
// missing-state          | /authorize redirects without `state`
// wrong-iss              | /authorize redirects with iss=<other_origin> (another issuer)
// missing-iss            | /authorize redirects without `iss` (metadata still promises it)
// normalized-iss         | /authorize redirects with iss=<issuer>/ (trailing slash: equal-looking, not byte-equal)
// issuer-mismatch        | AS metadata "issuer" is <other_origin>
// resource-mismatch      | PRM "resource" is <other_origin>/mcp
// resource-origin-hinted | the challenge's resource_metadata PRM names the bare origin (<issuer>) as "resource"
// resource-origin-path   | no resource_metadata in the challenge; the path-inserted PRM names the bare origin
// resource-origin-root   | no resource_metadata; the path-inserted PRM is 404; the root PRM
//                        |   (/.well-known/oauth-protected-resource) names the bare origin (RFC 9728: allowed)
// redirect-other-origin  | PRM URL answers 302 to the same path on <other_origin> (which serves a valid-looking PRM)
// oversized-metadata     | AS metadata is valid JSON of just over 2 MiB ("x_padding"), chunked, no Content-Length
// oversized-metadata-cl  | same body, sent with Content-Length
// slow-metadata          | AS metadata: nothing (not even headers) until SLOW_MS ms (default 60000), then the good document
// malformed-metadata     | AS metadata: 200 application/json, body truncated JSON
// no-access-token        | /token answers 200 {"token_type":"Bearer","expires_in":3600} (both grants)
// dcr-rejected           | /register answers 400 {"error":"invalid_redirect_uri",...}
// callback-twice         | /authorize redirects normally; 500 ms later the server GETs redirect_uri itself with
//                        |   code=SECOND, the right state and iss; outcome in /admin/stats second_callback_status
// never-callback         | /authorize answers 200 text/html "waiting" and never redirects
// deny                   | /authorize redirects error=access_denied&error_description=The+user+said+no&state&iss
// no-pkce-support        | AS metadata has no code_challenge_methods_supported
// token-500              | /token refresh_token grant answers 500 text/plain (code exchange still works)
// token-invalid-grant    | /token refresh_token grant answers 400 {"error":"invalid_grant"}
// token-malformed        | /token refresh_token grant answers 200 with truncated JSON (refresh token not spent)
// token-slow             | /token refresh_token grant answers only after SLOW_MS (refresh token not spent)
// no-auth                | /mcp answers without a token (a server that needs no sign-in)
// escape-dcr-error       | /register answers 400 with terminal escape sequences in error and error_description
// escape-token-error     | tokens carry a scope with an escape sequence; the refresh_token grant answers 400
//                        |   with escape sequences in error and error_description
// escape-issuer          | PRM authorization_servers[0] is <issuer> followed by an escape sequence
// ssrf-issuer            | PRM authorization_servers[0] is http://localhost:<other port> (this machine, by name)
// ssrf-endpoints         | AS metadata's registration and token endpoints are on http://127.0.0.1:<other port>
//                        |   (for a test that treats this server as public: a public server pointing inward)
// mcp-huge-body          | tools/call with arguments {"huge": true} answers one JSON body of HUGE_MB MiB (default 8)
// mcp-endless-event      | tools/call with {"huge": true} answers an SSE stream whose one event never ends
//                        |   (data lines, no blank line, until the client goes away)
// mcp-chatty             | GET /mcp is an SSE stream of 10 KiB notifications, as fast as the client reads them
// lies-about-version     | server/discover claims 2026-07-28, but every request sent with MCP-Protocol-Version
//                        |   2026-07-28 gets 400 -32022 {supported: ["2025-11-25"]}; initialize works as in good
// drops-mid-event        | tools/call answers an SSE stream and drops the connection in the middle of its event
// replays-on-resume      | tools/call answers an SSE stream with one event (id r1, a log notification, retry 50 ms)
//                        |   and closes it before the answer; GET with Last-Event-ID r1 sends r1 AGAIN, then the
//                        |   answer (id r2): a client must resume, and deliver the notification once
// null-id-errors         | tools/call answers HTTP 400 {"id": null, "error": {code -32602, ...}} (as SDK servers
//                        |   answer transport-level problems: the client cannot tell which request it was)
// auth-basic-only        | AS metadata lists token_endpoint_auth_methods_supported ["client_secret_basic"] only;
//                        |   /register refuses any other method; /token requires HTTP Basic with the issued secret
//
// Every mode: /token answers 401 invalid_client for a client_id it does not know, and
// POST /admin/forget-clients forgets every registered client (an authorization server that
// restarted with its clients in memory), keeping the tokens.
//
// Usage: MODE=wrong-state node tests/peers/hostile-server.mjs     (docs: tests/peers/README.md)
// Ready line (stdout, one line):
//   {"mcp_url","issuer","admin_url","mode","other_origin","resource_metadata_url","authorization_server_metadata_url"}
// Env: MODE (good), PORT (0), OTHER_PORT (0), SLOW_MS (60000), SECOND_CALLBACK_DELAY_MS (500).
import './lib/stdio-guard.mjs';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { envInt, installShutdown, listen, log, printReady, setLogName } from './lib/common.mjs';

setLogName('hostile-server');

const MODES = [
  'good', 'wrong-state', 'missing-state', 'wrong-iss', 'missing-iss', 'normalized-iss',
  'issuer-mismatch', 'resource-mismatch', 'resource-origin-hinted', 'resource-origin-path',
  'resource-origin-root', 'redirect-other-origin', 'oversized-metadata',
  'oversized-metadata-cl', 'slow-metadata', 'malformed-metadata', 'no-access-token',
  'dcr-rejected', 'callback-twice', 'never-callback', 'deny', 'no-pkce-support', 'token-500',
  'token-invalid-grant', 'token-malformed', 'token-slow', 'no-auth', 'escape-dcr-error',
  'escape-token-error', 'escape-issuer', 'ssrf-issuer', 'ssrf-endpoints', 'mcp-huge-body',
  'mcp-endless-event', 'mcp-chatty', 'auth-basic-only', 'null-id-errors', 'lies-about-version',
  'drops-mid-event', 'replays-on-resume',
];

let mode = process.env.MODE || 'good';
if (!MODES.includes(mode)) {
  log(`unknown MODE ${JSON.stringify(mode)}; one of: ${MODES.join(', ')}`);
  process.exit(2);
}
const PORT = envInt('PORT', 0);
const OTHER_PORT = envInt('OTHER_PORT', 0);
const SLOW_MS = envInt('SLOW_MS', 60000);
const SECOND_CALLBACK_DELAY_MS = envInt('SECOND_CALLBACK_DELAY_MS', 500);
const HUGE_MB = envInt('HUGE_MB', 8);
const SCOPE = 'mcp:read';
const ACCESS_TOKEN_TTL = envInt('ACCESS_TOKEN_TTL', 3600);
const CODE_TTL_MS = 120000;
const OVERSIZE_PADDING = 2 * 1024 * 1024; // characters of "x_padding"
const MAX_BODY = 1024 * 1024; // request bodies we accept

const rand = () => randomBytes(16).toString('base64url');

const stats = {
  mode,
  registrations: 0,
  authorizations: 0,
  token_requests: 0,
  tokens_issued: 0,
  refreshes: 0,
  token_errors: 0,
  revocations: 0,
  mcp_authorized_calls: 0,
  mcp_unauthorized: 0,
  prm_fetches: 0,
  as_metadata_fetches: 0,
  other_origin_fetches: 0,
  second_callback_status: null, // null | "pending" | HTTP status | "refused" | "reset" | "timeout" | "error:<code>"
};

const clients = new Map(); // client_id -> registration
const codes = new Map(); // code -> {client_id, redirect_uri, challenge, scope, expires, used}
const accessTokens = new Map(); // token -> {client_id, scope, expires}
const refreshTokens = new Map(); // token -> {client_id, scope}

// Filled in once both listeners are bound.
let issuer = '';
let otherOrigin = '';
let mcpUrl = '';
const prmPath = '/.well-known/oauth-protected-resource/mcp';
const rootPrmPath = '/.well-known/oauth-protected-resource';
let prmUrl = '';

// ------------------------------------------------------------ helpers ----
function send(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const isText = typeof body === 'string';
  const buf = Buffer.from(isText ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': buf.length,
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(buf);
}
const oauthError = (res, status, error, description) =>
  send(res, status, description ? { error, error_description: description } : { error });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form (or, leniently, JSON) request parameters as a plain object. */
function parseParams(req, text) {
  const ct = String(req.headers['content-type'] || '');
  if (ct.includes('application/json')) {
    try {
      const v = JSON.parse(text);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const isLoopbackHost = (h) => h === '127.0.0.1' || h === '[::1]' || h === 'localhost';

/** RFC 8252 §7.3: for loopback redirect URIs the port is not compared. */
function redirectUriRegistered(client, uri) {
  let u;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return (client.redirect_uris || []).some((r) => {
    if (r === uri) return true;
    let v;
    try {
      v = new URL(r);
    } catch {
      return false;
    }
    if (!(u.protocol === 'http:' && isLoopbackHost(u.hostname))) return false;
    return v.protocol === u.protocol && v.hostname === u.hostname && v.pathname === u.pathname
      && v.search === u.search;
  });
}

// What a terminal would take as "clear the screen", "set the title" and "red".
const ESCAPES = '\u001b[2J\u001b]0;pwned\u0007\u001b[31m';

function prmDocument(resource = mcpUrl) {
  return {
    resource,
    authorization_servers: [{
      'escape-issuer': `${issuer}${ESCAPES}`,
      'ssrf-issuer': otherOrigin.replace('127.0.0.1', 'localhost'),
    }[mode] ?? issuer],
    scopes_supported: [SCOPE],
    bearer_methods_supported: ['header'],
  };
}

function asMetadata() {
  const doc = {
    issuer: mode === 'issuer-mismatch' ? otherOrigin : issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    revocation_endpoint: `${issuer}/revoke`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: mode === 'auth-basic-only' ? ['client_secret_basic'] : ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: [SCOPE],
  };
  if (mode === 'no-pkce-support') delete doc.code_challenge_methods_supported;
  if (mode === 'ssrf-endpoints') {
    doc.registration_endpoint = `${otherOrigin}/register`;
    doc.token_endpoint = `${otherOrigin}/token`;
  }
  return doc;
}

function issueTokens(client_id, scope) {
  const access_token = `hostile-at-${rand()}`;
  const refresh_token = `hostile-rt-${rand()}`;
  accessTokens.set(access_token, { client_id, scope, expires: Date.now() + ACCESS_TOKEN_TTL * 1000 });
  refreshTokens.set(refresh_token, { client_id, scope });
  stats.tokens_issued += 1;
  const said = mode === 'escape-token-error' ? `${scope} ${ESCAPES}x` : scope;
  return { access_token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL, refresh_token, scope: said };
}

function bearer(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization || ''));
  if (!m) return { ok: false, presented: false };
  const t = accessTokens.get(m[1]);
  if (!t || t.expires <= Date.now()) return { ok: false, presented: true };
  return { ok: true, token: t };
}

// --------------------------------------------------------- endpoints ----
async function handleMetadata(req, res) {
  stats.as_metadata_fetches += 1;
  if (mode === 'malformed-metadata') {
    const body = `{"issuer": "${issuer}", "authorization_endpoint": `;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (mode === 'oversized-metadata' || mode === 'oversized-metadata-cl') {
    const body = Buffer.from(JSON.stringify({ ...asMetadata(), x_padding: 'x'.repeat(OVERSIZE_PADDING) }));
    if (mode === 'oversized-metadata-cl') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }); // no length => chunked
    let off = 0;
    const pump = () => {
      while (off < body.length && !res.destroyed) {
        const chunk = body.subarray(off, off + 65536);
        off += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
    return;
  }
  if (mode === 'slow-metadata') {
    const timer = setTimeout(() => send(res, 200, asMetadata()), SLOW_MS);
    res.on('close', () => clearTimeout(timer));
    return;
  }
  send(res, 200, asMetadata());
}

function handlePrm(req, res) {
  stats.prm_fetches += 1;
  if (mode === 'redirect-other-origin') {
    res.writeHead(302, { location: `${otherOrigin}${prmPath}`, 'content-length': 0 });
    res.end();
    return;
  }
  if (mode === 'resource-origin-root') {
    send(res, 404, { error: 'not_found' });
    return;
  }
  const claims = {
    'resource-mismatch': `${otherOrigin}/mcp`,
    'resource-origin-hinted': issuer,
    'resource-origin-path': issuer,
  };
  send(res, 200, prmDocument(claims[mode] ?? mcpUrl));
}

// The root well-known PRM describes the origin itself (RFC 9728 section 3.1, empty path).
function handleRootPrm(req, res) {
  stats.prm_fetches += 1;
  send(res, 200, prmDocument(issuer));
}

async function handleRegister(req, res) {
  const text = await readBody(req);
  if (mode === 'dcr-rejected') {
    oauthError(res, 400, 'invalid_redirect_uri', 'loopback redirect URIs are not allowed');
    return;
  }
  if (mode === 'escape-dcr-error') {
    oauthError(res, 400, `invalid_client_metadata${ESCAPES}`, `no${ESCAPES}`);
    return;
  }
  let meta;
  try {
    meta = JSON.parse(text);
  } catch {
    oauthError(res, 400, 'invalid_client_metadata', 'body is not JSON');
    return;
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
    oauthError(res, 400, 'invalid_client_metadata', 'body is not a JSON object');
    return;
  }
  const uris = meta.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === 'string' && URL.canParse(u))) {
    oauthError(res, 400, 'invalid_redirect_uri', 'redirect_uris must be a non-empty array of URLs');
    return;
  }
  if (mode === 'auth-basic-only' && meta.token_endpoint_auth_method !== 'client_secret_basic') {
    oauthError(res, 400, 'invalid_client_metadata', 'token_endpoint_auth_method must be client_secret_basic');
    return;
  }
  const basic = mode === 'auth-basic-only';
  const client = {
    ...meta,
    client_id: `hostile-client-${rand()}`,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    token_endpoint_auth_method: basic ? 'client_secret_basic' : 'none',
    ...(basic ? { client_secret: `hostile-cs-${rand()}`, client_secret_expires_at: 0 } : {}),
  };
  clients.set(client.client_id, client);
  stats.registrations += 1;
  send(res, 201, client);
}

function scheduleSecondCallback(redirectUri, state) {
  stats.second_callback_status = 'pending';
  setTimeout(() => {
    const u = new URL(redirectUri);
    u.searchParams.set('code', 'SECOND');
    if (state !== null) u.searchParams.set('state', state);
    u.searchParams.set('iss', issuer);
    log(`callback-twice: second GET ${u.origin}${u.pathname}`);
    let settled = false;
    const done = (v) => {
      if (settled) return;
      settled = true;
      stats.second_callback_status = v;
      log(`callback-twice: second callback -> ${v}`);
    };
    const rq = http.get(u, { timeout: 5000 }, (rs) => {
      done(rs.statusCode);
      rs.resume();
    });
    rq.on('timeout', () => {
      done('timeout');
      rq.destroy();
    });
    rq.on('error', (err) => {
      if (err.code === 'ECONNREFUSED') done('refused');
      else if (err.code === 'ECONNRESET' || /socket hang up/i.test(err.message)) done('reset');
      else done(`error:${err.code || err.message}`);
    });
  }, SECOND_CALLBACK_DELAY_MS).unref();
}

function handleAuthorize(req, res, url) {
  stats.authorizations += 1;
  const p = url.searchParams;
  const client = clients.get(p.get('client_id') || '');
  const redirectUri = p.get('redirect_uri') || '';
  if (!client) {
    send(res, 400, 'unknown client_id');
    return;
  }
  if (!redirectUri || !redirectUriRegistered(client, redirectUri)) {
    send(res, 400, 'redirect_uri is missing or not registered for this client');
    return;
  }
  const state = p.get('state');
  if (mode === 'never-callback') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Waiting</title><p>waiting for approval&hellip; (this page never redirects)</p>\n');
    return;
  }
  const target = new URL(redirectUri);
  const finish = (params) => {
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) target.searchParams.set(k, v);
    res.writeHead(302, { location: target.href, 'content-length': 0, 'cache-control': 'no-store' });
    res.end();
  };
  if (p.get('response_type') !== 'code') {
    finish({ error: 'unsupported_response_type', state, iss: issuer });
    return;
  }
  const challenge = p.get('code_challenge');
  if (!challenge || p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    finish({ error: 'invalid_request', error_description: 'PKCE code_challenge with method S256 is required', state, iss: issuer });
    return;
  }
  if (mode === 'deny') {
    finish({ error: 'access_denied', error_description: 'The user said no', state, iss: issuer });
    return;
  }
  const code = `hostile-code-${rand()}`;
  codes.set(code, {
    client_id: client.client_id,
    redirect_uri: redirectUri,
    challenge,
    scope: SCOPE,
    expires: Date.now() + CODE_TTL_MS,
    used: false,
  });
  const out = { code, state, iss: issuer };
  if (mode === 'wrong-state') out.state = `hostile-wrong-state-${rand()}`;
  if (mode === 'missing-state') out.state = null;
  if (mode === 'wrong-iss') out.iss = otherOrigin;
  if (mode === 'missing-iss') out.iss = null;
  if (mode === 'normalized-iss') out.iss = `${issuer}/`;
  finish(out);
  if (mode === 'callback-twice') scheduleSecondCallback(redirectUri, state);
}

async function handleToken(req, res) {
  stats.token_requests += 1;
  const p = parseParams(req, await readBody(req));
  const fail = (status, error, description) => {
    stats.token_errors += 1;
    oauthError(res, status, error, description);
  };
  let clientId = p.client_id;
  const basicAuth = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization || ''));
  if (basicAuth) {
    const [id, secret] = Buffer.from(basicAuth[1], 'base64').toString().split(':').map(decodeURIComponent);
    const known = clients.get(id);
    if (!known || known.client_secret !== secret) return fail(401, 'invalid_client', 'bad client credentials');
    clientId = id;
  } else if (clientId && clients.get(clientId)?.client_secret) {
    return fail(401, 'invalid_client', 'this client authenticates with client_secret_basic');
  }
  if (clientId && !clients.has(clientId)) return fail(401, 'invalid_client', 'unknown client');
  if (p.grant_type === 'authorization_code') {
    const c = codes.get(p.code || '');
    if (!c || c.used || c.expires <= Date.now()) return fail(400, 'invalid_grant', 'unknown, used or expired code');
    if (clientId && clientId !== c.client_id) return fail(400, 'invalid_grant', 'code was issued to another client');
    if (p.redirect_uri && p.redirect_uri !== c.redirect_uri) return fail(400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = p.code_verifier || '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return fail(400, 'invalid_grant', 'code_verifier missing or malformed');
    if (createHash('sha256').update(verifier).digest('base64url') !== c.challenge) {
      return fail(400, 'invalid_grant', 'PKCE verification failed');
    }
    c.used = true;
    if (mode === 'no-access-token') return send(res, 200, { token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL });
    return send(res, 200, issueTokens(c.client_id, c.scope));
  }
  if (p.grant_type === 'refresh_token') {
    if (mode === 'token-500') {
      stats.token_errors += 1;
      return send(res, 500, 'Internal Server Error (hostile-server MODE=token-500)\n');
    }
    if (mode === 'token-invalid-grant') return fail(400, 'invalid_grant');
    if (mode === 'escape-token-error') return fail(400, `invalid_${ESCAPES}grant`, `look${ESCAPES}here`);
    if (mode === 'token-malformed') {
      stats.token_errors += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"access_token": "hostile-at-trunc');
    }
    if (mode === 'token-slow') {
      stats.token_errors += 1;
      return void setTimeout(() => fail(503, 'temporarily_unavailable'), SLOW_MS);
    }
    const rt = refreshTokens.get(p.refresh_token || '');
    if (!rt) return fail(400, 'invalid_grant', 'unknown or spent refresh token');
    if (clientId && clientId !== rt.client_id) return fail(400, 'invalid_grant', 'refresh token was issued to another client');
    stats.refreshes += 1;
    if (mode === 'no-access-token') return send(res, 200, { token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL });
    refreshTokens.delete(p.refresh_token); // rotation: the old one is spent
    return send(res, 200, issueTokens(rt.client_id, rt.scope));
  }
  return fail(400, 'unsupported_grant_type');
}

async function handleRevoke(req, res) {
  const p = parseParams(req, await readBody(req));
  if (p.token && (accessTokens.delete(p.token) || refreshTokens.delete(p.token))) stats.revocations += 1;
  send(res, 200, {});
}

function rpcResult(msg) {
  const { id, method, params } = msg;
  switch (method) {
    case 'initialize':
      return {
        jsonrpc: '2.0',
        id,
        result: {
          protocolVersion: params?.protocolVersion ?? '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 'hostile-server', version: '1.0.0' },
        },
      };
    case 'ping':
      return { jsonrpc: '2.0', id, result: {} };
    case 'tools/list':
      return {
        jsonrpc: '2.0',
        id,
        result: {
          tools: [{
            name: 'test-tool',
            description: 'A no-argument tool that always answers "ok".',
            inputSchema: { type: 'object', properties: {} },
          }],
        },
      };
    case 'tools/call':
      return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } };
    default:
      return { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } };
  }
}

async function handleMcp(req, res) {
  const auth = bearer(req);
  if (!auth.ok && mode !== 'no-auth') {
    stats.mcp_unauthorized += 1;
    const hinted = !['resource-origin-path', 'resource-origin-root'].includes(mode);
    const hint = hinted ? `resource_metadata="${prmUrl}"` : 'realm="mcp"';
    const challenge = auth.presented
      ? `Bearer error="invalid_token", error_description="unknown or expired token", ${hint}`
      : `Bearer ${hint}`;
    send(res, 401, { error: auth.presented ? 'invalid_token' : 'unauthorized' }, { 'www-authenticate': challenge });
    return;
  }
  stats.mcp_authorized_calls += 1;
  if (req.method === 'GET' && mode === 'mcp-chatty') return chatter(req, res);
  if (req.method === 'GET' && mode === 'replays-on-resume' && req.headers['last-event-id']) {
    return replayOnResume(req, res);
  }
  if (req.method !== 'POST') {
    send(res, 405, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed' } }, { allow: 'POST' });
    return;
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    return;
  }
  const huge = !Array.isArray(body) && body?.method === 'tools/call' && body?.params?.arguments?.huge === true;
  if (huge && mode === 'mcp-huge-body') return hugeBody(res, body.id);
  if (huge && mode === 'mcp-endless-event') return endlessEvent(req, res);
  if (mode === 'lies-about-version' && !Array.isArray(body) && body?.id !== undefined) {
    const modern = req.headers['mcp-protocol-version'] === '2026-07-28';
    if (modern && body.method === 'server/discover') {
      send(res, 200, { jsonrpc: '2.0', id: body.id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'],
        capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'private', serverInfo: { name: 'hostile-liar', version: '1' } } });
      return;
    }
    if (modern) {
      send(res, 400, { jsonrpc: '2.0', id: body.id, error: { code: -32022, message: 'Unsupported protocol version',
        data: { supported: ['2025-11-25'], requested: '2026-07-28' } } });
      return;
    }
  }
  if (mode === 'replays-on-resume' && !Array.isArray(body) && body?.method === 'tools/call') {
    pendingAnswer = body.id;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.end(`id: r1\nretry: 50\ndata: ${JSON.stringify(REPLAYED)}\n\n`);
    return;
  }
  if (mode === 'drops-mid-event' && !Array.isArray(body) && body?.method === 'tools/call') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(`data: {"jsonrpc":"2.0","id":${JSON.stringify(body.id)},"result":{"content":[{"type":"te`);
    setTimeout(() => res.socket?.destroy(), 50);
    return;
  }
  if (mode === 'null-id-errors' && !Array.isArray(body) && body?.method === 'tools/call') {
    send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32602, message: 'Invalid params: hostile (null id)' } });
    return;
  }
  const msgs = Array.isArray(body) ? body : [body];
  const replies = msgs
    .filter((m) => m && typeof m === 'object' && typeof m.method === 'string' && m.id !== undefined && m.id !== null)
    .map(rpcResult);
  if (replies.length === 0) {
    res.writeHead(202, { 'content-length': 0 });
    res.end();
    return;
  }
  send(res, 200, Array.isArray(body) ? replies : replies[0]);
}

// Write `next()` chunks while the client reads them (back-pressure respected), until it goes
// away or `next` returns null.
function pump(req, res, next) {
  let open = true;
  req.on('close', () => { open = false; });
  res.on('close', () => { open = false; });
  const write = () => {
    while (open) {
      const chunk = next();
      if (chunk === null) return res.end();
      if (!res.write(chunk)) return res.once('drain', write);
    }
  };
  write();
}

function hugeBody(res, id) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`;
  let left = HUGE_MB * 1024 * 1024;
  let started = false;
  pump(res.req, res, () => {
    if (!started) { started = true; return head; }
    if (left <= 0) return null;
    const n = Math.min(left, 64 * 1024);
    left -= n;
    return left > 0 ? 'x'.repeat(n) : `${'x'.repeat(n)}"}]}}`;
  });
}

function endlessEvent(req, res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  const line = `data: ${'x'.repeat(1024)}\n`;
  pump(req, res, () => line.repeat(64));
}

// replays-on-resume: the event sent before the stream closed, and the call it belongs to.
const REPLAYED = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'step 1 (sent once)' } };
let pendingAnswer = null;

function replayOnResume(req, res) {
  stats.resumes = (stats.resumes || 0) + 1;
  stats.last_event_id = req.headers['last-event-id'];
  const answer = { jsonrpc: '2.0', id: pendingAnswer, result: { content: [{ type: 'text', text: 'resumed' }] } };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.end(`id: r1\ndata: ${JSON.stringify(REPLAYED)}\n\nid: r2\ndata: ${JSON.stringify(answer)}\n\n`);
}

function chatter(req, res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'y'.repeat(10 * 1024) } });
  pump(req, res, () => `data: ${note}\n\n`);
}

function handleAdmin(req, res, url) {
  if (url.pathname === '/admin/stats' && req.method === 'GET') {
    send(res, 200, { ...stats, mode });
    return;
  }
  if (url.pathname === '/admin/mode' && req.method === 'POST') {
    const next = url.searchParams.get('mode');
    if (!MODES.includes(next)) {
      send(res, 400, { error: 'unknown mode', modes: MODES });
      return;
    }
    const previous = mode;
    mode = next;
    stats.mode = next;
    log(`mode ${previous} -> ${next}`);
    send(res, 200, { mode, previous });
    return;
  }
  if (url.pathname === '/admin/forget-clients' && req.method === 'POST') {
    const forgotten = clients.size;
    clients.clear();
    log(`forgot ${forgotten} client(s)`);
    send(res, 200, { forgotten });
    return;
  }
  if (url.pathname === '/admin/mode' && req.method === 'GET') {
    send(res, 200, { mode, modes: MODES });
    return;
  }
  send(res, 404, { error: 'not_found' });
}

async function route(req, res) {
  const url = new URL(req.url, issuer);
  const path = url.pathname;
  const m = req.method;
  if (path === '/mcp') return handleMcp(req, res);
  if (path === prmPath && m === 'GET') return handlePrm(req, res);
  if (path === rootPrmPath && m === 'GET') return handleRootPrm(req, res);
  if (path === '/.well-known/oauth-authorization-server' && m === 'GET') return handleMetadata(req, res);
  if (path === '/register' && m === 'POST') return handleRegister(req, res);
  if (path === '/authorize' && m === 'GET') return handleAuthorize(req, res, url);
  if (path === '/token' && m === 'POST') return handleToken(req, res);
  if (path === '/revoke' && m === 'POST') return handleRevoke(req, res);
  if (path.startsWith('/admin/')) return handleAdmin(req, res, url);
  return send(res, 404, { error: 'not_found' });
}

function logged(name, handler) {
  return (req, res) => {
    const started = Date.now();
    res.on('close', () => {
      const path = (req.url || '').split('?')[0];
      const status = !res.headersSent ? 'no response (client went away)'
        : res.writableFinished ? res.statusCode : `${res.statusCode}, aborted mid-body`;
      log(`${name}${req.method} ${path} -> ${status} (${Date.now() - started} ms, mode=${mode})`);
    });
    Promise.resolve(handler(req, res)).catch((err) => {
      log('handler error', err);
      send(res, err.message === 'request body too large' ? 413 : 500, { error: 'server_error' });
    });
  };
}

// The "other origin": a second listener. It serves a valid-looking PRM (pointing at the
// real MCP URL and issuer) for redirect-other-origin, and 404 for everything else.
function routeOther(req, res) {
  stats.other_origin_fetches += 1;
  const path = new URL(req.url, otherOrigin).pathname;
  if (path === prmPath && req.method === 'GET') return send(res, 200, prmDocument(mcpUrl));
  return send(res, 404, { error: 'not_found' });
}

const main = http.createServer(logged('', route));
const other = http.createServer(logged('[other] ', routeOther));
const port = await listen(main, PORT);
const otherPort = await listen(other, OTHER_PORT);
issuer = `http://127.0.0.1:${port}`;
otherOrigin = `http://127.0.0.1:${otherPort}`;
mcpUrl = `${issuer}/mcp`;
prmUrl = `${issuer}${prmPath}`;

installShutdown([main, other]);
log(`listening on ${issuer} (other origin ${otherOrigin}), MODE=${mode}, SLOW_MS=${SLOW_MS}`);
printReady({
  mcp_url: mcpUrl,
  issuer,
  admin_url: `${issuer}/admin`,
  mode,
  other_origin: otherOrigin,
  resource_metadata_url: prmUrl,
  authorization_server_metadata_url: `${issuer}/.well-known/oauth-authorization-server`,
});
