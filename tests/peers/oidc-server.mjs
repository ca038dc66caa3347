#!/usr/bin/env node
// Latchkey test peer: panva's oidc-provider as a STRICT authorization server on
// its own port, plus an MCP resource server (official TS SDK McpServer +
// StreamableHTTPServerTransport at /mcp) on a second port, in one process.
//
//   AS  (oidc-provider): http://127.0.0.1:AS_PORT        (issuer, NO trailing slash)
//       DCR at /reg, authorize at /auth (devInteractions login + consent pages),
//       /token, /token/revocation, /token/introspection, /jwks,
//       /.well-known/openid-configuration and /.well-known/oauth-authorization-server
//   RS  (MCP):           http://127.0.0.1:PORT/mcp
//       PRM at /.well-known/oauth-protected-resource/mcp -> authorization_servers [issuer]
//       access tokens are opaque, audience-bound (RFC 8707) and validated by RFC 7662
//       introspection at the AS on every request, so revocation is seen immediately.
//   Admin (no auth):     http://127.0.0.1:PORT/admin/...
//
// Usage: node tests/peers/oidc-server.mjs      (env: see tests/peers/README.md)
// Ready line (stdout, one line): {"mcp_url":...,"issuer":...,"admin_url":...}
import './lib/stdio-guard.mjs';
import http from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import express from 'express';
import Provider, { errors } from 'oidc-provider';
// jose comes with oidc-provider (the same version it uses to check DPoP at the token endpoint).
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import {
  SCOPES, envBool, envInt, installShutdown, listen, log, mountMcp, printReady, pushBounded,
  setLogName, stepUpMiddleware,
} from './lib/common.mjs';

setLogName('oidc-server');

const PORT = envInt('PORT', 0); // MCP resource server
const AS_PORT = envInt('AS_PORT', 0); // oidc-provider
const ACCESS_TOKEN_TTL = Math.max(1, envInt('ACCESS_TOKEN_TTL', 3600)); // oidc-provider needs > 0
const REFRESH_TOKEN_TTL = Math.max(1, envInt('REFRESH_TOKEN_TTL', 14 * 24 * 3600));
const REQUIRE_OFFLINE_ACCESS = envBool('REQUIRE_OFFLINE_ACCESS', false);
// Lifetime of the ID tokens this provider issues (the identity provider's sign-in), seconds.
const ID_TOKEN_TTL = Number(process.env.ID_TOKEN_TTL || 3600);
// DPOP=1: the MCP server takes only DPoP-bound tokens (RFC 9449), says so in its metadata and
// challenges, and checks each request's proof (and the token's cnf.jkt, from introspection).
const DPOP = envBool('DPOP', false);
// How long a device flow's code lives (RFC 8628 expires_in), for the expiry test.
const DEVICE_CODE_TTL = Math.max(1, envInt('DEVICE_CODE_TTL', 600));
const RS_CLIENT_ID = 'latchkey-mcp-resource-server';
const RS_CLIENT_SECRET = randomBytes(32).toString('base64url');

// Machine clients (no person, no browser), registered beforehand as an operator would:
// client credentials with a secret (client_secret_basic) or with a key (private_key_jwt,
// ES256), and a workload client for the RFC 7523 JWT-bearer grant (workload identity
// federation), whose JWTs this peer's "workload platform" key signs (/admin/workload-jwt).
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MACHINE_BASIC = { client_id: 'machine-basic', client_secret: randomBytes(24).toString('base64url') };
const machineKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const MACHINE_JWT = {
  client_id: 'machine-jwt',
  private_key_pem: machineKey.privateKey.export({ format: 'pem', type: 'pkcs8' }),
};
const WORKLOAD = { client_id: 'machine-workload' };
// Enterprise-managed authorization (SEP-990): this provider also plays the company identity
// provider. Its ID tokens (/admin/id-token, or its own from a browser sign-in of `idp-client`,
// a native client with a loopback redirect) are exchanged by `idp-client` (RFC 8693) for an
// identity assertion (ID-JAG) that `machine-xaa` redeems with the JWT-bearer grant.
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const IDP_CLIENT = { client_id: 'idp-client' };
const XAA = { client_id: 'machine-xaa', client_secret: randomBytes(24).toString('base64url') };
const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const workloadPlatform = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const WORKLOAD_ISSUER = 'https://workload-platform.test';

const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
/** An ES256 JWT signed with `key` (default: the workload platform's). */
function workloadJwt(claims, key = workloadPlatform.privateKey, typ = 'JWT') {
  const input = `${b64u({ alg: 'ES256', typ })}.${b64u(claims)}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
/** The claims of an ES256 JWT signed with `key`, when its signature holds and it is unexpired. */
function verifiedClaims(jwt, key) {
  const [h, p, s] = String(jwt).split('.');
  if (!s) throw new Error('not a JWT');
  const ok = cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('the signature does not verify');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(Date.now() / 1000)) throw new Error('expired');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims };
}
/** The workload JWT's claims when its signature, audience and expiry hold; else throws. */
function verifyWorkloadJwt(jwt, audience) {
  const [h, p, s] = String(jwt).split('.');
  if (!s) throw new Error('the assertion is not a JWT');
  const ok = cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key: workloadPlatform.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('the assertion signature does not verify');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (claims.iss !== WORKLOAD_ISSUER) throw new Error('the assertion comes from an unknown issuer');
  const auds = [claims.aud].flat();
  if (!auds.includes(audience)) throw new Error(`the assertion audience is not ${audience}`);
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(Date.now() / 1000)) throw new Error('the assertion is expired');
  return claims;
}

const stats = {
  clients_registered: 0,
  registration_errors: 0,
  authorizations: 0,
  authorization_errors: 0,
  codes_issued: 0,
  tokens_issued: 0,
  refresh_tokens_issued: 0,
  // client credentials and workload (JWT-bearer) tokens: oidc-provider's ClientCredentials
  machine_tokens_issued: 0,
  // DPOP=1: MCP requests accepted with a valid proof, and refused (no DPoP, a bad proof)
  dpop_requests: 0,
  // enterprise-managed authorization: ID-JAGs issued by token exchange, and redeemed
  id_jags_issued: 0,
  id_jags_redeemed: 0,
  // ID tokens from a browser sign-in at this provider (not /admin/id-token) exchanged
  own_id_tokens_exchanged: 0,
  dpop_refusals: 0,
  refreshes: 0,
  refresh_token_reuse_detected: 0,
  token_errors: 0,
  revocation_requests: 0,
  revocations: 0,
  revoked_grants: 0,
  active_grants: 0,
  active_access_tokens: 0,
  active_refresh_tokens: 0,
  introspections: 0,
  insufficient_scope_challenges: 0,
  mcp_sessions: 0,
  tool_calls: 0,
  writes: 0,
  last_resource_params: [],
  last_token_errors: [],
};

// ---------------------------------------------------------------------------
// A small in-memory adapter (same semantics as oidc-provider's MemoryAdapter,
// but unbounded and inspectable so /admin can count grants and expire tokens).
// ---------------------------------------------------------------------------
const store = new Map(); // `${model}:${id}` -> { payload, expiresAt(ms) }
const grantMembers = new Map(); // grantId -> Set of store keys
const sessionUids = new Map();
const userCodes = new Map();
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);
const epoch = () => Math.floor(Date.now() / 1000);

class PeerAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    // Keep records a while past expiry so "expired" (not "not found") errors are reported.
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + (expiresIn + 300) * 1000 : Infinity;
    store.set(key, { payload, expiresAt });
    if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = epoch();
  }

  async destroy(id) {
    const key = this.key(id);
    const entry = store.get(key);
    store.delete(key);
    if (entry?.payload?.grantId) grantMembers.get(entry.payload.grantId)?.delete(key);
  }

  async revokeByGrantId(grantId) {
    const members = grantMembers.get(grantId);
    if (!members) return;
    for (const key of members) {
      if (key.startsWith(`${this.model}:`)) {
        store.delete(key);
        members.delete(key);
      }
    }
    if (members.size === 0) grantMembers.delete(grantId);
  }
}

function liveCounts() {
  const t = epoch();
  const counts = { active_grants: 0, active_access_tokens: 0, active_refresh_tokens: 0 };
  for (const [key, { payload }] of store) {
    const model = key.slice(0, key.indexOf(':'));
    const live = (payload.exp === undefined || payload.exp > t) && !payload.consumed;
    if (!live) continue;
    if (model === 'Grant') counts.active_grants += 1;
    else if (model === 'AccessToken') counts.active_access_tokens += 1;
    else if (model === 'RefreshToken') counts.active_refresh_tokens += 1;
  }
  return counts;
}

function sameResource(a, b) {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

async function main() {
  // Bind both ports first so the issuer and the MCP URL carry the real ports.
  let asHandler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const asServer = http.createServer((req, res) => asHandler(req, res));
  const asPort = await listen(asServer, AS_PORT);
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  const rsServer = http.createServer(app);
  const rsPort = await listen(rsServer, PORT);

  const issuer = `http://127.0.0.1:${asPort}`;
  const rsBase = `http://127.0.0.1:${rsPort}`;
  const mcpUrl = new URL(`${rsBase}/mcp`);
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'latchkey-peer-rs256', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    adapter: PeerAdapter,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // The static client the MCP resource server uses to call introspection.
    clients: [{
      client_id: RS_CLIENT_ID,
      client_secret: RS_CLIENT_SECRET,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }, {
      ...MACHINE_BASIC,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }, {
      client_id: MACHINE_JWT.client_id,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...machineKey.publicKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' }] },
    }, {
      ...IDP_CLIENT,
      grant_types: [TOKEN_EXCHANGE, 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      application_type: 'native',
      token_endpoint_auth_method: 'none',
    }, {
      ...XAA,
      grant_types: [JWT_BEARER],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }, {
      ...WORKLOAD,
      grant_types: [JWT_BEARER],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    }],
    // openid + offline_access are the AS's own scopes; mcp:read / mcp:write are
    // resource-server scopes, granted only together with resource=<MCP URL>.
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub'] },
    responseTypes: ['code'], // OAuth 2.1: authorization code only (no implicit / hybrid)
    pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      // RFC 8628: sign-in with a code on another device (`latchkey connect --device`).
      deviceFlow: { enabled: true },
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        // The resource server may introspect anything; other clients only their own tokens.
        allowedPolicy: async (_ctx, client, token) => client.clientId === RS_CLIENT_ID
          || token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        // strict: no default resource, and the token request must name it again
        // when the scope contains openid (oidc-provider's own default behaviour).
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (!sameResource(resourceIndicator, mcpUrl.href)) {
            throw new errors.InvalidTarget(`unknown resource indicator ${resourceIndicator}`);
          }
          return {
            scope: SCOPES.join(' '),
            audience: mcpUrl.href,
            accessTokenTTL: ACCESS_TOKEN_TTL,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && (!REQUIRE_OFFLINE_ACCESS || code.scopes.has('offline_access')),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 120,
      DeviceCode: DEVICE_CODE_TTL,
      RefreshToken: REFRESH_TOKEN_TTL,
      IdToken: ID_TOKEN_TTL,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: Math.max(REFRESH_TOKEN_TTL, 24 * 3600),
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      async claims() {
        return { sub };
      },
    }),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      const rows = Object.entries(out).map(([k, v]) => `<pre><strong>${k}</strong>: ${String(v).replace(/[<>&"]/g, '')}</pre>`);
      ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><h1>oops! something went wrong</h1>${rows.join('')}</body></html>`;
    },
  });

  // ---- observe the AS for /admin/stats ----
  provider.on('registration_create.success', (_ctx, client) => {
    stats.clients_registered += 1;
    log(`registered client ${client.clientId} application_type=${client.applicationType} auth=${client.clientAuthMethod} grant_types=${client.grantTypes} redirect_uris=${JSON.stringify(client.redirectUris)}`);
  });
  provider.on('registration_create.error', (_ctx, err) => {
    stats.registration_errors += 1;
    log(`registration error: ${err.error} ${err.error_description ?? ''}`);
  });
  provider.on('authorization.success', () => { stats.authorizations += 1; });
  provider.on('authorization.error', (_ctx, err) => {
    stats.authorization_errors += 1;
    log(`authorization error: ${err.error} ${err.error_description ?? ''} ${err.error_detail ?? ''}`);
  });
  provider.on('authorization_code.saved', () => { stats.codes_issued += 1; });
  provider.on('access_token.saved', () => { stats.tokens_issued += 1; });
  provider.on('refresh_token.saved', () => { stats.refresh_tokens_issued += 1; });
  provider.on('client_credentials.saved', () => { stats.machine_tokens_issued += 1; });
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') stats.refreshes += 1;
  });
  provider.on('grant.error', (_ctx, err) => {
    stats.token_errors += 1;
    if (err.error_detail === 'refresh token already used') stats.refresh_token_reuse_detected += 1;
    pushBounded(stats.last_token_errors, { error: err.error, detail: err.error_detail ?? err.error_description ?? null }, 20);
    log(`token error: ${err.error} ${err.error_detail ?? err.error_description ?? ''}`);
  });
  provider.on('grant.revoked', (_ctx, grantId) => {
    stats.revoked_grants += 1;
    log(`grant ${grantId} revoked`);
  });
  provider.on('server_error', (_ctx, err) => log('AS server_error', err));

  // Koa middleware around every AS request: logging, resource params, revocations,
  // and the MCP scopes added to scopes_supported in the metadata documents.
  provider.use(async (ctx, next) => {
    await next();
    log(`AS ${ctx.method} ${ctx.path} -> ${ctx.status}`);
    const route = ctx.oidc?.route;
    if (route === 'authorization' || route === 'token') {
      const params = ctx.oidc.params ?? {};
      pushBounded(stats.last_resource_params, {
        endpoint: route === 'token' ? `token:${params.grant_type}` : 'authorize',
        resource: params.resource === undefined ? null : params.resource,
        at: new Date().toISOString(),
      });
    }
    if (route === 'revocation') {
      stats.revocation_requests += 1;
      const e = ctx.oidc.entities ?? {};
      if (ctx.status === 200 && (e.AccessToken || e.RefreshToken)) stats.revocations += 1;
    }
    if (route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
      ctx.body.scopes_supported = [...new Set([...(ctx.body.scopes_supported ?? []), ...SCOPES])];
    }
  });

  // RFC 7523 §2.1, which oidc-provider does not ship: the workload's JWT (checked against the
  // workload platform's key, for this issuer as audience) is traded for an access token for the
  // one resource asked, like a client credentials token.
  provider.registerGrantType(JWT_BEARER, async (ctx) => {
    const { params, client } = ctx.oidc;
    try {
      const typ = JSON.parse(Buffer.from(String(params.assertion).split('.')[0], 'base64url').toString()).typ;
      if (typ === 'oauth-id-jag+jwt') {
        // An identity assertion from the identity provider: for this server, this client, this resource.
        const { claims } = verifiedClaims(params.assertion, idpKey.publicKey);
        if (claims.aud !== issuer) throw new Error('the ID-JAG is for another authorization server');
        if (claims.client_id !== client.clientId) throw new Error('the ID-JAG is for another client');
        if (!sameResource(claims.resource, mcpUrl.href)) throw new Error('the ID-JAG is for another resource');
        stats.id_jags_redeemed += 1;
      } else {
        verifyWorkloadJwt(params.assertion, issuer);
      }
    } catch (e) {
      throw new errors.InvalidGrant(e.message);
    }
    const resource = params.resource;
    if (!resource || !sameResource(resource, mcpUrl.href)) throw new errors.InvalidTarget('resource must be the MCP server');
    const asked = String(params.scope ?? '').split(' ').filter(Boolean);
    const unknown = asked.filter((s) => !SCOPES.includes(s));
    if (unknown.length) throw new errors.InvalidScope('requested scope is not allowed', unknown.join(' '));
    const token = new provider.ClientCredentials({ client, scope: asked.join(' ') || undefined });
    token.resourceServer = {
      audience: mcpUrl.href, scope: SCOPES.join(' '), accessTokenTTL: ACCESS_TOKEN_TTL, accessTokenFormat: 'opaque',
      identifier: () => mcpUrl.href, get scopes() { return new Set(SCOPES); },
    };
    const value = await token.save();
    ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, ...(token.scope && { scope: token.scope }) };
  }, ['assertion', 'scope', 'resource']);

  // The person an ID token names: one from /admin/id-token (signed with idpKey), or one this
  // provider issued itself at a browser sign-in (its own keys; expired ones refused here, as
  // IdToken.validate ignores the expiry).
  async function personOfIdToken(jwt) {
    let claims;
    try {
      ({ claims } = verifiedClaims(jwt, idpKey.publicKey));
    } catch (e) {
      if (e.message === 'expired') throw e;
      const client = await provider.Client.find(IDP_CLIENT.client_id);
      const verified = await provider.IdToken.validate(jwt, client);
      claims = verified.payload;
      if (!(claims.exp > Math.floor(Date.now() / 1000))) throw new Error('the ID token expired');
      stats.own_id_tokens_exchanged += 1;
    }
    if (claims.iss !== issuer || claims.aud !== IDP_CLIENT.client_id) throw new Error('the ID token is not for this client');
    return claims.sub;
  }

  // RFC 8693 at the identity provider: the person's ID token for an ID-JAG
  // (draft-ietf-oauth-identity-assertion-authz-grant) naming the MCP authorization server
  // (audience), the MCP server (resource) and the MCP client (fixed here: machine-xaa).
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const p = ctx.oidc.params;
    if (p.subject_token_type !== 'urn:ietf:params:oauth:token-type:id_token') throw new errors.InvalidRequest('subject_token_type must be id_token');
    if (p.requested_token_type !== 'urn:ietf:params:oauth:token-type:id-jag') throw new errors.InvalidRequest('requested_token_type must be id-jag');
    if (!p.audience || !p.resource) throw new errors.InvalidRequest('audience and resource are required');
    let person;
    try {
      person = await personOfIdToken(p.subject_token);
    } catch (e) {
      throw new errors.InvalidGrant(`subject_token: ${e.message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const jag = workloadJwt({ iss: issuer, sub: person, aud: p.audience, resource: p.resource, client_id: XAA.client_id, iat: now, exp: now + 300, jti: randomBytes(8).toString('hex') }, idpKey.privateKey, 'oauth-id-jag+jwt');
    stats.id_jags_issued += 1;
    ctx.body = { access_token: jag, issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag', token_type: 'N_A', expires_in: 300 };
  }, ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope']);

  asHandler = provider.callback();

  // ---- token validation at the resource server: RFC 7662 introspection ----
  const introspectionEndpoint = `${issuer}/token/introspection`;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(RS_CLIENT_ID)}:${encodeURIComponent(RS_CLIENT_SECRET)}`).toString('base64')}`;
  async function introspect(tok) {
    stats.introspections += 1;
    const res = await fetch(introspectionEndpoint, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token: tok }),
    });
    if (!res.ok) throw new ServerError(`introspection failed: HTTP ${res.status}`);
    return res.json();
  }
  const verifier = {
    async verifyAccessToken(tok) {
      const info = await introspect(tok);
      if (!info.active) throw new InvalidTokenError('Token is not active (expired, revoked or unknown)');
      if (info.token_type !== 'Bearer') throw new InvalidTokenError('Not an access token');
      const aud = Array.isArray(info.aud) ? info.aud : [info.aud].filter(Boolean);
      if (!aud.some((a) => sameResource(a, mcpUrl.href))) {
        throw new InvalidTokenError('Token was not issued for this resource');
      }
      return {
        token: tok,
        clientId: info.client_id,
        scopes: (info.scope ?? '').split(' ').filter(Boolean),
        expiresAt: info.exp,
        resource: mcpUrl,
        extra: { sub: info.sub },
      };
    },
  };

  app.use((req, _res, next) => {
    log(`RS ${req.method} ${req.originalUrl.replace(/token=[^&]+/g, 'token=…')}`);
    next();
  });

  // RFC 9728 protected resource metadata, pointing at the oidc-provider issuer.
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').json({
      resource: mcpUrl.href,
      authorization_servers: [issuer],
      scopes_supported: SCOPES,
      bearer_methods_supported: ['header'],
      ...(DPOP && { dpop_bound_access_tokens_required: true, dpop_signing_alg_values_supported: ['ES256'] }),
      resource_name: 'Latchkey oidc-provider test peer',
    });
  });

  const bearer = requireBearerAuth({ verifier, resourceMetadataUrl, expectedResource: mcpUrl });
  // RFC 9449 §7: `Authorization: DPoP <token>` with a proof of the key the token is bound to.
  const proofsSeen = new Set();
  const dpopAuth = async (req, res, next) => {
    const refuse = (error, description) => {
      stats.dpop_refusals += 1;
      log(`DPoP refused: ${error} ${description}`);
      res.status(401)
        .set('WWW-Authenticate', `DPoP algs="ES256", error="${error}", resource_metadata="${resourceMetadataUrl}"`)
        .json({ error, error_description: description });
    };
    const [scheme, tok] = String(req.headers.authorization ?? '').split(/\s+/, 2);
    if (!req.headers.authorization) {
      // No token yet: the challenge only (RFC 6750 §3.1), naming the DPoP scheme.
      return res.status(401).set('WWW-Authenticate', `DPoP algs="ES256", resource_metadata="${resourceMetadataUrl}"`).json({ error: 'unauthorized' });
    }
    if (!/^dpop$/i.test(scheme ?? '') || !tok) return refuse('invalid_token', 'a DPoP-bound token is required');
    try {
      const { payload, protectedHeader } = await jwtVerify(String(req.headers.dpop ?? ''), EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      const htu = `${rsBase}${req.originalUrl.split('?')[0]}`;
      if (payload.htm !== req.method || payload.htu !== htu) return refuse('invalid_dpop_proof', 'htm or htu does not match');
      if (Math.abs(Math.floor(Date.now() / 1000) - payload.iat) > 300) return refuse('invalid_dpop_proof', 'iat out of range');
      if (payload.ath !== createHash('sha256').update(tok).digest('base64url')) return refuse('invalid_dpop_proof', 'ath does not match');
      if (proofsSeen.has(payload.jti)) return refuse('invalid_dpop_proof', 'jti replayed');
      proofsSeen.add(payload.jti);
      const info = await introspect(tok);
      if (!info.active) return refuse('invalid_token', 'token is not active');
      if (info.cnf?.jkt !== await calculateJwkThumbprint(protectedHeader.jwk)) return refuse('invalid_token', 'token is not bound to this key');
      const aud = [info.aud].flat().filter(Boolean);
      if (!aud.some((a) => sameResource(a, mcpUrl.href))) return refuse('invalid_token', 'token was not issued for this resource');
      stats.dpop_requests += 1;
      req.auth = { token: tok, clientId: info.client_id, scopes: (info.scope ?? '').split(' ').filter(Boolean), expiresAt: info.exp, resource: mcpUrl, extra: { sub: info.sub } };
      next();
    } catch (e) {
      refuse('invalid_dpop_proof', e.message);
    }
  };
  const mcp = mountMcp(app, {
    path: '/mcp',
    name: 'latchkey-oidc-peer',
    stats,
    mw: [DPOP ? dpopAuth : bearer, stepUpMiddleware({ resourceMetadataUrl, stats })],
  });

  // ---- test-only admin endpoints (no auth) ----
  const admin = express.Router();
  admin.use(express.urlencoded({ extended: false }));
  admin.get('/stats', (_req, res) => res.json({ ...stats, ...liveCounts() }));
  admin.post('/expire-all', (_req, res) => {
    // oidc-provider allows 15 s clock skew when loading a token, so push exp well back.
    const past = epoch() - 3600;
    let n = 0;
    for (const [key, { payload }] of store) {
      if (key.startsWith('AccessToken:') && payload.exp > past) {
        payload.exp = past;
        n += 1;
      }
    }
    log(`expired ${n} access token(s)`);
    res.json({ expired: n });
  });
  const adminIntrospect = async (tok, res) => {
    try {
      res.json(await introspect(tok));
    } catch (err) {
      res.status(502).json({ error: String(err) });
    }
  };
  admin.get('/introspect', (req, res) => adminIntrospect(String(req.query.token ?? ''), res));
  admin.post('/introspect', (req, res) => adminIntrospect(String(req.body?.token ?? req.query.token ?? ''), res));
  admin.get('/grants', (_req, res) => {
    const out = [];
    for (const [key, { payload }] of store) {
      if (!key.startsWith('Grant:')) continue;
      out.push({
        id: key.slice('Grant:'.length),
        client_id: payload.clientId,
        sub: payload.accountId,
        resources: payload.resources,
        openid: payload.openid,
        exp: payload.exp,
        live_tokens: [...(grantMembers.get(key.slice('Grant:'.length)) ?? [])].map((k) => k.slice(0, k.indexOf(':'))),
      });
    }
    res.json(out);
  });
  // The machine clients' credentials, as their operator was given them.
  admin.get('/machine-clients', (_req, res) => res.json({ basic: MACHINE_BASIC, jwt: MACHINE_JWT, workload: WORKLOAD, idp: IDP_CLIENT, xaa: XAA }));
  // The person's ID token from the identity provider (for idp-client), valid exp_in seconds.
  admin.post('/id-token', (req, res) => {
    const now = Math.floor(Date.now() / 1000);
    const expIn = Number(req.body?.exp_in ?? req.query.exp_in ?? 3600);
    res.json({ id_token: workloadJwt({ iss: issuer, sub: 'ada@example.com', email: 'ada@example.com', aud: IDP_CLIENT.client_id, iat: now, exp: now + expIn }, idpKey.privateKey) });
  });
  // A workload JWT as the platform would write it: for this issuer, valid for exp_in seconds
  // (negative: expired); aud overrides the audience.
  admin.post('/workload-jwt', (req, res) => {
    const now = Math.floor(Date.now() / 1000);
    const expIn = Number(req.body?.exp_in ?? req.query.exp_in ?? 600);
    const aud = String(req.body?.aud ?? req.query.aud ?? issuer);
    res.json({ jwt: workloadJwt({ iss: WORKLOAD_ISSUER, sub: 'system:serviceaccount:ci:latchkey', aud, iat: now, exp: now + expIn, jti: randomBytes(8).toString('hex') }) });
  });
  app.use('/admin', admin);

  installShutdown([asServer, rsServer], () => mcp.closeAll());

  printReady({
    mcp_url: mcpUrl.href,
    issuer,
    admin_url: `${rsBase}/admin`,
    resource_metadata_url: resourceMetadataUrl,
    openid_configuration_url: `${issuer}/.well-known/openid-configuration`,
    authorization_server_metadata_url: `${issuer}/.well-known/oauth-authorization-server`,
  });
  log(`ready: mcp=${mcpUrl.href} issuer=${issuer} access_token_ttl=${ACCESS_TOKEN_TTL}s`);
}

main().catch((err) => {
  log('fatal', err);
  process.exit(1);
});
