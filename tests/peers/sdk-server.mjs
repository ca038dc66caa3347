#!/usr/bin/env node
// Latchkey test peer: an MCP server built with the official TypeScript SDK that
// is ALSO its own OAuth 2.1 authorization server on the same origin, using the
// SDK's auth router (mcpAuthRouter) with a real in-memory provider written here:
//   - DCR (RFC 7591) at /register
//   - /authorize: PKCE S256, AUTO-APPROVES (302 to redirect_uri with code, state, iss)
//   - /token: authorization_code + refresh_token, RFC 8707 `resource` checks,
//     refresh-token rotation with reuse detection (reuse => whole grant revoked)
//   - /revoke (RFC 7009)
//   - /mcp protected by requireBearerAuth; `write-thing` needs mcp:write (403 step-up)
//   - /admin/* test-only endpoints (no auth)
//
// Usage: node tests/peers/sdk-server.mjs      (env: see tests/peers/README.md)
// Ready line (stdout, one line): {"mcp_url":...,"issuer":...,"admin_url":...}
import './lib/stdio-guard.mjs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import {
  createOAuthMetadata,
  getOAuthProtectedResourceMetadataUrl,
  mcpAuthRouter,
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
  InvalidGrantError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
  UnauthorizedClientError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import {
  SCOPES, envBool, envInt, installShutdown, listen, log, mountMcp, printReady, pushBounded,
  setLogName, stepUpMiddleware,
} from './lib/common.mjs';

setLogName('sdk-server');

const PORT = envInt('PORT', 0);
const ACCESS_TOKEN_TTL = envInt('ACCESS_TOKEN_TTL', 3600); // seconds
const REFRESH_TOKEN_TTL = envInt('REFRESH_TOKEN_TTL', 30 * 24 * 3600); // seconds
const CODE_TTL = envInt('CODE_TTL', 120); // seconds
const SUBJECT = process.env.SUBJECT || 'latchkey-test-user';
const REQUIRE_RESOURCE = envBool('REQUIRE_RESOURCE', false);
// A slow token endpoint for refreshes, so two refreshers surely overlap in tests.
const REFRESH_DELAY_MS = envInt('REFRESH_DELAY_MS', 0);
// Other resource servers whose tokens this authorization server issues (comma-separated URLs).
const extraResources = new Set(
  (process.env.EXTRA_RESOURCES || '').split(',').map((s) => s.trim()).filter(Boolean).map((r) => normResource(r)),
);

const token = () => randomBytes(32).toString('base64url');
const now = () => Date.now();

const stats = {
  clients_registered: 0,
  authorizations: 0,
  authorizations_denied: 0,
  codes_issued: 0,
  code_reuse_detected: 0,
  tokens_issued: 0,
  refresh_tokens_issued: 0,
  refreshes: 0,
  refresh_token_reuse_detected: 0,
  token_errors: 0,
  revocation_requests: 0,
  revocations: 0,
  revoked_grants: 0,
  active_grants: 0,
  active_access_tokens: 0,
  active_refresh_tokens: 0,
  insufficient_scope_challenges: 0,
  mcp_sessions: 0,
  mcp_sessions_closed: 0,
  tool_calls: 0,
  writes: 0,
  last_resource_params: [],
};

// Runtime knobs (also settable through /admin).
const knobs = {
  authorize_mode: process.env.AUTHORIZE_MODE === 'deny' ? 'deny' : 'approve',
  max_scope: (process.env.MAX_SCOPE || SCOPES.join(' ')).split(' ').filter(Boolean),
};

/** Normalise a resource indicator the way URL does; drop the fragment. */
function normResource(r) {
  const u = new URL(String(r));
  u.hash = '';
  return u.href;
}

class PeerProvider {
  constructor({ issuer, mcpUrl }) {
    this.issuer = issuer;
    this.mcpUrl = mcpUrl;
    this.clients = new Map();
    this.codes = new Map();
    this.grants = new Map();
    this.accessTokens = new Map();
    this.refreshTokens = new Map();
    this.clientsStore = {
      getClient: async (id) => this.clients.get(id),
      registerClient: async (client) => {
        this.clients.set(client.client_id, client);
        stats.clients_registered += 1;
        log(`registered client ${client.client_id} (${client.client_name ?? 'unnamed'}) auth=${client.token_endpoint_auth_method ?? '(default)'} redirect_uris=${JSON.stringify(client.redirect_uris)}`);
        return client;
      },
    };
  }

  /** This server's own MCP endpoint, or another resource server it issues tokens for
   * (EXTRA_RESOURCES, or added with POST /admin/resources?add=URL). */
  serves(resource) {
    const r = normResource(resource);
    return r === this.mcpUrl || extraResources.has(r);
  }

  recordResource(endpoint, resource) {
    pushBounded(stats.last_resource_params, {
      endpoint,
      resource: resource === undefined || resource === null ? null : String(resource),
      at: new Date().toISOString(),
    });
  }

  // --- /authorize ------------------------------------------------------------
  async authorize(client, params, res) {
    stats.authorizations += 1;
    this.recordResource('authorize', params.resource);
    const target = new URL(params.redirectUri);
    const finish = (q) => {
      for (const [k, v] of Object.entries(q)) if (v !== undefined) target.searchParams.set(k, v);
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      target.searchParams.set('iss', this.issuer); // RFC 9207
      res.redirect(302, target.href);
    };

    if (knobs.authorize_mode === 'deny') {
      stats.authorizations_denied += 1;
      return finish({ error: 'access_denied', error_description: 'the test peer is set to deny' });
    }
    if (params.resource && !this.serves(params.resource)) {
      return finish({ error: 'invalid_target', error_description: `unknown resource ${params.resource}` });
    }
    if (REQUIRE_RESOURCE && !params.resource) {
      return finish({ error: 'invalid_target', error_description: 'resource parameter is required' });
    }
    const requested = (params.scopes ?? []).filter(Boolean);
    const unknown = requested.filter((s) => !SCOPES.includes(s));
    if (unknown.length) {
      return finish({ error: 'invalid_scope', error_description: `unsupported scope(s): ${unknown.join(' ')}` });
    }
    // No scope requested => everything allowed; the grant is capped by MAX_SCOPE (down-scoping).
    const wanted = requested.length ? requested : SCOPES;
    const scopes = wanted.filter((s) => knobs.max_scope.includes(s));
    if (!scopes.length) {
      return finish({ error: 'invalid_scope', error_description: 'none of the requested scopes can be granted' });
    }

    const code = token();
    this.codes.set(code, {
      clientId: client.client_id,
      challenge: params.codeChallenge,
      redirectUri: params.redirectUri,
      scopes,
      resource: params.resource ? normResource(params.resource) : null,
      expiresAt: now() + CODE_TTL * 1000,
      used: false,
      grantId: null,
    });
    stats.codes_issued += 1;
    return finish({ code });
  }

  async challengeForAuthorizationCode(client, code) {
    const rec = this.codes.get(code);
    if (!rec || rec.clientId !== client.client_id) {
      stats.token_errors += 1;
      throw new InvalidGrantError('invalid authorization code');
    }
    return rec.challenge;
  }

  // --- /token: authorization_code ------------------------------------------
  async exchangeAuthorizationCode(client, code, _verifier, redirectUri, resource) {
    this.recordResource('token:authorization_code', resource);
    try {
      const rec = this.codes.get(code);
      if (!rec || rec.clientId !== client.client_id) throw new InvalidGrantError('invalid authorization code');
      if (rec.used) {
        stats.code_reuse_detected += 1;
        if (rec.grantId) this.revokeGrant(rec.grantId, 'authorization code reuse');
        throw new InvalidGrantError('authorization code already used');
      }
      if (rec.expiresAt <= now()) throw new InvalidGrantError('authorization code expired');
      if (redirectUri !== undefined && redirectUri !== rec.redirectUri) {
        throw new InvalidGrantError('redirect_uri does not match the authorization request');
      }
      if (resource) {
        const r = normResource(resource);
        if (!this.serves(r)) throw new InvalidTargetError(`unknown resource ${resource}`);
        if (rec.resource && r !== rec.resource) throw new InvalidTargetError('resource differs from the authorization request');
      } else if (REQUIRE_RESOURCE) {
        throw new InvalidTargetError('resource parameter is required');
      }
      rec.used = true;
      const grant = {
        id: token(),
        clientId: client.client_id,
        sub: SUBJECT,
        scopes: rec.scopes,
        resource: rec.resource ?? (resource ? normResource(resource) : this.mcpUrl),
        createdAt: now(),
        revoked: false,
        revokedReason: null,
        refreshAllowed: !client.grant_types || client.grant_types.includes('refresh_token'),
      };
      rec.grantId = grant.id;
      this.grants.set(grant.id, grant);
      return this.issue(grant, grant.scopes);
    } catch (err) {
      stats.token_errors += 1;
      throw err;
    }
  }

  // --- /token: refresh_token (rotation + reuse detection) -------------------
  async exchangeRefreshToken(client, refreshToken, scopes, resource) {
    this.recordResource('token:refresh_token', resource);
    if (REFRESH_DELAY_MS > 0) await new Promise((r) => setTimeout(r, REFRESH_DELAY_MS));
    try {
      const rt = this.refreshTokens.get(refreshToken);
      if (!rt) throw new InvalidGrantError('unknown refresh token');
      if (rt.clientId !== client.client_id) throw new InvalidGrantError('refresh token was issued to another client');
      const grant = this.grants.get(rt.grantId);
      if (!grant || grant.revoked) throw new InvalidGrantError(`grant revoked${grant?.revokedReason ? ` (${grant.revokedReason})` : ''}`);
      if (rt.used) {
        stats.refresh_token_reuse_detected += 1;
        this.revokeGrant(grant.id, 'refresh token reuse');
        throw new InvalidGrantError('refresh token already used; the grant has been revoked');
      }
      if (rt.revoked) throw new InvalidGrantError('refresh token revoked');
      if (rt.expiresAt <= now()) throw new InvalidGrantError('refresh token expired');
      if (!grant.refreshAllowed) throw new UnauthorizedClientError('client is not registered for the refresh_token grant');
      if (resource && normResource(resource) !== grant.resource) {
        throw new InvalidTargetError(`resource ${resource} was not granted`);
      }
      let atScopes = grant.scopes;
      if (scopes && scopes.filter(Boolean).length) {
        const extra = scopes.filter((s) => s && !grant.scopes.includes(s));
        if (extra.length) throw new InvalidScopeError(`scope(s) not granted: ${extra.join(' ')}`);
        atScopes = scopes.filter(Boolean);
      }
      rt.used = true;
      rt.usedAt = now();
      stats.refreshes += 1;
      return this.issue(grant, atScopes);
    } catch (err) {
      stats.token_errors += 1;
      throw err;
    }
  }

  issue(grant, atScopes) {
    const at = `canary-at-${token()}`; // recognisable: the e2e suite scans for leaks
    this.accessTokens.set(at, {
      grantId: grant.id,
      clientId: grant.clientId,
      sub: grant.sub,
      scopes: atScopes,
      resource: grant.resource,
      expiresAt: now() + ACCESS_TOKEN_TTL * 1000,
      revoked: false,
    });
    stats.tokens_issued += 1;
    const out = {
      access_token: at,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL,
      scope: atScopes.join(' '),
    };
    if (grant.refreshAllowed) {
      const rt = `canary-rt-${token()}`;
      this.refreshTokens.set(rt, {
        grantId: grant.id,
        clientId: grant.clientId,
        expiresAt: now() + REFRESH_TOKEN_TTL * 1000,
        used: false,
        revoked: false,
      });
      stats.refresh_tokens_issued += 1;
      out.refresh_token = rt;
    }
    return out;
  }

  revokeGrant(grantId, reason) {
    const grant = this.grants.get(grantId);
    if (!grant || grant.revoked) return;
    grant.revoked = true;
    grant.revokedReason = reason;
    for (const t of this.accessTokens.values()) if (t.grantId === grantId) t.revoked = true;
    for (const t of this.refreshTokens.values()) if (t.grantId === grantId) t.revoked = true;
    stats.revoked_grants += 1;
    log(`grant ${grantId.slice(0, 8)}… revoked: ${reason}`);
  }

  // --- bearer validation -------------------------------------------------------
  async verifyAccessToken(tok) {
    const at = this.accessTokens.get(tok);
    if (!at) throw new InvalidTokenError('Unknown access token');
    const grant = this.grants.get(at.grantId);
    if (at.revoked || !grant || grant.revoked) throw new InvalidTokenError('Token has been revoked');
    if (at.expiresAt <= now()) throw new InvalidTokenError('Token has expired');
    return {
      token: tok,
      clientId: at.clientId,
      scopes: at.scopes,
      expiresAt: Math.floor(at.expiresAt / 1000),
      resource: new URL(at.resource),
      extra: { sub: at.sub, grant_id: at.grantId },
    };
  }

  // --- /revoke (RFC 7009) --------------------------------------------------------
  async revokeToken(client, { token: tok, token_type_hint: hint }) {
    stats.revocation_requests += 1;
    const order = hint === 'access_token' ? ['access', 'refresh'] : ['refresh', 'access'];
    for (const kind of order) {
      if (kind === 'refresh') {
        const rt = this.refreshTokens.get(tok);
        if (rt && rt.clientId === client.client_id) {
          stats.revocations += 1;
          rt.revoked = true;
          // RFC 7009 §2.1: revoking a refresh token also invalidates the grant's access tokens.
          this.revokeGrant(rt.grantId, 'refresh token revoked (RFC 7009)');
          return;
        }
      } else {
        const at = this.accessTokens.get(tok);
        if (at && at.clientId === client.client_id) {
          stats.revocations += 1;
          at.revoked = true;
          return;
        }
      }
    }
    // Unknown or foreign tokens: RFC 7009 says respond 200 anyway.
  }

  introspect(tok) {
    const at = this.accessTokens.get(tok);
    const rt = this.refreshTokens.get(tok);
    const rec = at ?? rt;
    if (!rec) return { active: false };
    const grant = this.grants.get(rec.grantId);
    const active = !rec.revoked && !(at ? false : rec.used) && rec.expiresAt > now() && grant && !grant.revoked;
    return {
      active: Boolean(active),
      token_type: at ? 'access_token' : 'refresh_token',
      client_id: rec.clientId,
      sub: grant?.sub,
      scope: (at ? at.scopes : grant?.scopes ?? []).join(' '),
      aud: grant?.resource,
      exp: Math.floor(rec.expiresAt / 1000),
      used: rt ? rt.used : undefined,
      revoked: Boolean(rec.revoked),
      grant_id: rec.grantId,
      grant_revoked: grant ? grant.revoked : undefined,
      grant_revoked_reason: grant?.revokedReason ?? undefined,
    };
  }

  liveCounts() {
    const t = now();
    let activeGrants = 0;
    for (const g of this.grants.values()) if (!g.revoked) activeGrants += 1;
    let ats = 0;
    for (const a of this.accessTokens.values()) if (!a.revoked && a.expiresAt > t) ats += 1;
    let rts = 0;
    for (const r of this.refreshTokens.values()) if (!r.revoked && !r.used && r.expiresAt > t) rts += 1;
    return { active_grants: activeGrants, active_access_tokens: ats, active_refresh_tokens: rts };
  }
}

async function main() {
  // Listen first (ephemeral port), then build the URLs and the routes.
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  const server = http.createServer(app);
  const port = await listen(server, PORT);

  const base = `http://127.0.0.1:${port}`;
  const issuerUrl = new URL(`${base}/`);
  const mcpUrl = new URL(`${base}/mcp`);
  const provider = new PeerProvider({ issuer: issuerUrl.href, mcpUrl: mcpUrl.href });
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);

  const routerOptions = {
    provider,
    issuerUrl,
    resourceServerUrl: mcpUrl,
    scopesSupported: SCOPES,
    resourceName: 'Latchkey SDK test peer',
    authorizationOptions: { rateLimit: false },
    tokenOptions: { rateLimit: false },
    clientRegistrationOptions: { rateLimit: false },
    revocationOptions: { rateLimit: false },
  };
  const metadata = createOAuthMetadata(routerOptions);

  app.use((req, _res, next) => {
    log(`${req.method} ${req.originalUrl.replace(/(code|token|refresh_token)=[^&]+/g, '$1=…')}`);
    next();
  });

  // RFC 8414 metadata, as the SDK builds it, plus what this AS really does:
  // RFC 9207 iss in responses, and public-client (none) revocation.
  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      ...metadata,
      authorization_response_iss_parameter_supported: true,
      revocation_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
    });
  });

  // The SDK puts no iss on error redirects that it makes itself (bad params);
  // RFC 9207 wants iss on every authorization response.
  app.use('/authorize', (_req, res, next) => {
    const redirect = res.redirect.bind(res);
    res.redirect = (status, url) => {
      if (typeof status === 'string') [status, url] = [302, status];
      try {
        const u = new URL(url);
        if (!u.searchParams.has('iss')) u.searchParams.set('iss', issuerUrl.href);
        url = u.href;
      } catch { /* not absolute: leave it */ }
      return redirect(status, url);
    };
    next();
  });

  app.use(mcpAuthRouter(routerOptions));

  const bearer = requireBearerAuth({
    verifier: provider,
    resourceMetadataUrl,
    expectedResource: mcpUrl,
  });
  const mcp = mountMcp(app, {
    path: '/mcp',
    name: 'latchkey-sdk-peer',
    stats,
    mw: [bearer, stepUpMiddleware({ resourceMetadataUrl, stats })],
  });

  // ---- test-only admin endpoints (no auth) ----
  const admin = express.Router();
  admin.use(express.urlencoded({ extended: false }));
  admin.get('/stats', (_req, res) => {
    res.json({ ...stats, ...provider.liveCounts(), authorize_mode: knobs.authorize_mode, max_scope: knobs.max_scope.join(' ') });
  });
  admin.post('/expire-all', (_req, res) => {
    const t = now() - 1000;
    let n = 0;
    for (const at of provider.accessTokens.values()) {
      if (at.expiresAt > t) {
        at.expiresAt = t;
        n += 1;
      }
    }
    log(`expired ${n} access token(s)`);
    res.json({ expired: n });
  });
  admin.get('/introspect', (req, res) => {
    res.json(provider.introspect(String(req.query.token ?? '')));
  });
  admin.post('/introspect', (req, res) => {
    res.json(provider.introspect(String(req.body?.token ?? req.query.token ?? '')));
  });
  admin.get('/grants', (_req, res) => {
    res.json([...provider.grants.values()].map((g) => ({
      id: g.id, client_id: g.clientId, sub: g.sub, scopes: g.scopes, resource: g.resource,
      revoked: g.revoked, revoked_reason: g.revokedReason, created_at: new Date(g.createdAt).toISOString(),
    })));
  });
  admin.get('/clients', (_req, res) => res.json([...provider.clients.values()]));
  // Another resource server this AS issues tokens for (its `aud`), e.g. modern-server.mjs.
  admin.post('/resources', (req, res) => {
    const add = String(req.query.add ?? req.body?.add ?? '');
    if (!URL.canParse(add)) return res.status(400).json({ error: 'add must be a URL' });
    extraResources.add(normResource(add));
    return res.json({ resources: [provider.mcpUrl, ...extraResources] });
  });
  admin.post('/authorize-mode', (req, res) => {
    const mode = String(req.query.mode ?? req.body?.mode ?? '');
    if (!['approve', 'deny'].includes(mode)) return res.status(400).json({ error: 'mode must be approve or deny' });
    knobs.authorize_mode = mode;
    return res.json({ authorize_mode: mode });
  });
  admin.post('/max-scope', (req, res) => {
    const scope = String(req.query.scope ?? req.body?.scope ?? '');
    const list = scope.split(' ').filter(Boolean);
    if (!list.length || list.some((s) => !SCOPES.includes(s))) {
      return res.status(400).json({ error: `scope must be a non-empty subset of "${SCOPES.join(' ')}"` });
    }
    knobs.max_scope = list;
    return res.json({ max_scope: list.join(' ') });
  });
  // The network "goes down" for N seconds: the listening socket closes (connections are
  // refused, as for an unreachable host) and reopens on the same port with all state kept.
  admin.post('/offline', (req, res) => {
    const seconds = Number(req.query.seconds ?? req.body?.seconds ?? 0);
    if (!(seconds > 0 && seconds <= 600)) return res.status(400).json({ error: 'seconds must be 1..600' });
    res.json({ offline_for: seconds });
    res.on('finish', () => {
      server.close();
      server.closeAllConnections();
      log(`offline for ${seconds} s`);
      setTimeout(() => {
        listen(server, port).then(() => log('back online'), (e) => log(`cannot listen again: ${e}`));
      }, seconds * 1000);
    });
    return undefined;
  });
  app.use('/admin', admin);

  installShutdown([server], () => mcp.closeAll());

  printReady({
    mcp_url: mcpUrl.href,
    issuer: metadata.issuer,
    admin_url: `${base}/admin`,
    resource_metadata_url: resourceMetadataUrl,
    authorization_server_metadata_url: `${base}/.well-known/oauth-authorization-server`,
  });
  log(`ready: mcp=${mcpUrl.href} issuer=${metadata.issuer} access_token_ttl=${ACCESS_TOKEN_TTL}s`);
}

main().catch((err) => {
  log('fatal', err);
  process.exit(1);
});
