#!/usr/bin/env node
// Latchkey test peer: a modern-only MCP 2026-07-28 server built with the
// official TypeScript SDK v2 (@modelcontextprotocol/server + /node), that is
// an OAuth protected resource whose authorization server is ANOTHER process
// (normally tests/peers/sdk-server.mjs):
//   - POST /mcp: createMcpHandler(factory, { legacy: 'reject' }) — a fresh
//     McpServer per request, no sessions; `initialize` (2025) is refused with
//     the unsupported-protocol-version error; GET/DELETE answer 405
//   - bearer tokens are checked by introspection at the AS's admin endpoint
//     (`GET ${AS_ADMIN}/introspect?token=…`), positive answers cached briefly;
//     the token's `aud` must be this server's resource (`<origin>/mcp`)
//   - tools: echo, ask-name (form elicitation through multi-round-trip
//     input_required), ask-model (sampling through input_required),
//     region-info (SEP-2243 `x-mcp-header` → `Mcp-Param-Region`)
//   - /admin/* test-only endpoints (no auth)
//
// Usage: AS_ISSUER=… AS_ADMIN=… node tests/peers/modern-server.mjs
// Env: PORT (0), AS_ISSUER (required unless NO_AUTH=1), AS_ADMIN (required
// unless NO_AUTH=1), NO_AUTH (0), REQUIRE_AUD (0: a token whose introspection
// has no `aud` is accepted), AUDIENCES (extra accepted `aud` values,
// space-separated; by default only `<origin>/mcp`), INTROSPECT_CACHE_MS (2000).
// Ready line (stdout, one line):
//   {"mcp_url":…,"admin_url":…,"protocol":"2026-07-28","resource_metadata_url":…,"authorization_servers":[…]}
import './lib/stdio-guard.mjs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import express from 'express';
import * as z from 'zod';
import {
  McpServer,
  OAuthError,
  OAuthErrorCode,
  acceptedContent,
  bearerAuthChallengeResponse,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  getOAuthProtectedResourceMetadataUrl,
  inputRequired,
  inputResponse,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { localhostHostValidation, toNodeHandler } from '@modelcontextprotocol/node';
import {
  SCOPES, envBool, envInt, installShutdown, listen, log, printReady, setLogName,
} from './lib/common.mjs';

setLogName('modern-server');

const PROTOCOL = '2026-07-28';
const PORT = envInt('PORT', 0);
const NO_AUTH = envBool('NO_AUTH', false);
const REQUIRE_AUD = envBool('REQUIRE_AUD', false);
const INTROSPECT_CACHE_MS = envInt('INTROSPECT_CACHE_MS', 2000);
const AS_ISSUER = process.env.AS_ISSUER || '';
const AS_ADMIN = (process.env.AS_ADMIN || '').replace(/\/+$/, '');
if (!NO_AUTH && (!AS_ISSUER || !AS_ADMIN)) {
  log('AS_ISSUER and AS_ADMIN are required (or NO_AUTH=1)');
  process.exit(2);
}

const stats = {
  mcp_requests: 0,
  unauthorized: 0,
  method_not_allowed: 0,
  introspections: 0,
  tool_calls: 0,
  input_required_rounds: 0, // input_required results sent (one per round that asked for input)
  input_responses_received: 0, // retries that carried inputResponses
  legacy_refused: 0,
  rejected: 0, // every request the SDK refused before dispatch (legacy_refused included)
  last_rejection: null,
  methods: {}, // JSON-RPC method → count
  last_headers: {},
  last_meta_keys: [], // the io.modelcontextprotocol/* keys of the last request's _meta
  last_request_state: null, // what ask-name / ask-model got back as requestState (decoded)
};

// requestState is sealed with the SDK's HMAC codec, so an edited or made-up
// state is refused (-32602 "Invalid or expired requestState") before a handler runs.
const stateCodec = createRequestStateCodec({ key: randomBytes(32), ttlSeconds: 600 });

const text = (t) => ({ content: [{ type: 'text', text: t }] });

/** The text of a sampling result (`content` is one block or, with tools, an array). */
function samplingText(result) {
  const blocks = Array.isArray(result?.content) ? result.content : [result?.content];
  return blocks.filter((b) => b?.type === 'text').map((b) => b.text).join('');
}

/** One McpServer per HTTP request (createMcpHandler calls this for every modern request). */
function buildServer() {
  const server = new McpServer(
    { name: 'latchkey-modern-peer', version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true } },
      requestState: { verify: stateCodec.verify },
    },
  );

  server.registerTool('echo', {
    title: 'Echo',
    description: 'Answers `echo: <text>`.',
    inputSchema: z.object({ text: z.string().describe('Text to echo back') }),
  }, async ({ text: t }) => {
    stats.tool_calls += 1;
    return text(`echo: ${t}`);
  });

  // Multi-round-trip (SEP-2322): the first call returns resultType
  // "input_required" with an embedded elicitation/create; the client answers
  // it and calls again with inputResponses.name + the echoed requestState.
  const nameSchema = z.object({ name: z.string() });
  server.registerTool('ask-name', {
    title: 'Ask my name',
    description: 'Asks the user for a name (form elicitation), then says hello.',
  }, async (ctx) => {
    stats.tool_calls += 1;
    const responses = ctx.mcpReq.inputResponses;
    if (responses) stats.input_responses_received += 1;
    const got = acceptedContent(responses, 'name', nameSchema);
    if (got) {
      const state = ctx.mcpReq.requestState();
      stats.last_request_state = state ?? null;
      if (state?.tool !== 'ask-name') return { ...text('requestState was not echoed'), isError: true };
      return text(`hello, ${got.name}`);
    }
    const view = inputResponse(responses, 'name');
    if (view.kind === 'elicit') return text(`no name given (${view.action})`); // declined / cancelled
    stats.input_required_rounds += 1;
    return inputRequired({
      inputRequests: {
        name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema }),
      },
      requestState: await stateCodec.mint({ tool: 'ask-name', round: 1 }),
    });
  });

  server.registerTool('ask-model', {
    title: 'Ask the model',
    description: 'Asks the client to sample a model ("Say hi"), then reports what it said.',
  }, async (ctx) => {
    stats.tool_calls += 1;
    const responses = ctx.mcpReq.inputResponses;
    if (responses) stats.input_responses_received += 1;
    const view = inputResponse(responses, 'model');
    if (view.kind === 'sampling') {
      const state = ctx.mcpReq.requestState();
      stats.last_request_state = state ?? null;
      if (state?.tool !== 'ask-model') return { ...text('requestState was not echoed'), isError: true };
      return text(`the model said: ${samplingText(view.result)}`);
    }
    stats.input_required_rounds += 1;
    return inputRequired({
      inputRequests: {
        model: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
          maxTokens: 50,
        }),
      },
      requestState: await stateCodec.mint({ tool: 'ask-model', round: 1 }),
    });
  });

  // Two rounds, each with its own requestState: the second retry must echo the second state
  // (a client that keeps the first one, or carries the first round's answers, is caught).
  server.registerTool('two-rounds', {
    title: 'Two rounds',
    description: 'Asks for a name twice, with a new requestState each round, then says both.',
  }, async (ctx) => {
    stats.tool_calls += 1;
    const responses = ctx.mcpReq.inputResponses;
    if (responses) stats.input_responses_received += 1;
    const state = responses ? ctx.mcpReq.requestState() : null;
    stats.last_request_state = state ?? null;
    const got = acceptedContent(responses, 'name', nameSchema);
    if (got && state?.round === 2) return text(`first ${state.first}, then ${got.name}`);
    if (got && state?.round === 1) {
      stats.input_required_rounds += 1;
      return inputRequired({
        inputRequests: { name: inputRequired.elicit({ message: 'And again?', requestedSchema: nameSchema }) },
        requestState: await stateCodec.mint({ tool: 'two-rounds', round: 2, first: got.name }),
      });
    }
    if (responses) return { ...text(`unexpected retry: state ${JSON.stringify(state)}`), isError: true };
    stats.input_required_rounds += 1;
    return inputRequired({
      inputRequests: { name: inputRequired.elicit({ message: 'Your name?', requestedSchema: nameSchema }) },
      requestState: await stateCodec.mint({ tool: 'two-rounds', round: 1 }),
    });
  });

  // A server that never stops asking: every answer gets another question and a new state.
  server.registerTool('endless-questions', {
    title: 'Endless questions',
    description: 'Always asks for input again (a hostile or broken multi-round-trip server).',
  }, async (ctx) => {
    stats.tool_calls += 1;
    stats.input_required_rounds += 1;
    return inputRequired({
      inputRequests: { name: inputRequired.elicit({ message: 'Once more?', requestedSchema: nameSchema }) },
      requestState: await stateCodec.mint({ tool: 'endless-questions', round: stats.input_required_rounds }),
    });
  });

  // SEP-2243: `region` is mirrored into the `Mcp-Param-Region` request header.
  // The SDK itself refuses (400, -32020) a call whose header is missing or
  // disagrees with the body; the tool reports the header it saw.
  server.registerTool('region-info', {
    title: 'Region info',
    description: 'Answers with the `region` argument and the Mcp-Param-Region header as received.',
    inputSchema: fromJsonSchema({
      type: 'object',
      properties: { region: { type: 'string', 'x-mcp-header': 'Region', description: 'A region name' } },
      required: ['region'],
    }),
  }, async ({ region }, ctx) => {
    stats.tool_calls += 1;
    const header = ctx.http?.req?.headers.get('mcp-param-region') ?? '(none)';
    return text(`region ${region}, header ${header}`);
  });

  return server;
}

/** Introspect at the AS (sdk-server's /admin/introspect); positive answers cached briefly. */
function makeVerifier(resource) {
  const accepted = new Set([resource, ...(process.env.AUDIENCES || '').split(/[\s,]+/).filter(Boolean)]);
  const cache = new Map(); // token → { info, until }
  return {
    cache,
    async verifyAccessToken(token) {
      const hit = cache.get(token);
      if (hit && hit.until > Date.now()) return hit.info;
      cache.delete(token);
      stats.introspections += 1;
      let r;
      try {
        const res = await fetch(`${AS_ADMIN}/introspect?token=${encodeURIComponent(token)}`);
        r = await res.json();
      } catch (err) {
        log('introspection failed', err);
        throw new OAuthError(OAuthErrorCode.ServerError, 'token introspection failed');
      }
      if (!r.active) throw new OAuthError(OAuthErrorCode.InvalidToken, 'Token is not active');
      if (r.token_type && r.token_type !== 'access_token') throw new OAuthError(OAuthErrorCode.InvalidToken, 'Not an access token');
      const aud = Array.isArray(r.aud) ? r.aud : r.aud ? [r.aud] : [];
      if (aud.length && !aud.some((a) => accepted.has(a))) {
        throw new OAuthError(OAuthErrorCode.InvalidToken, 'Token was not issued for this resource');
      }
      if (!aud.length && REQUIRE_AUD) throw new OAuthError(OAuthErrorCode.InvalidToken, 'Token has no audience');
      const info = {
        token,
        clientId: r.client_id ?? '',
        scopes: String(r.scope ?? '').split(' ').filter(Boolean),
        expiresAt: r.exp,
        ...(aud.length && { resource: new URL(aud[0]) }),
        extra: { sub: r.sub },
      };
      const until = Math.min(Date.now() + INTROSPECT_CACHE_MS, (r.exp ?? 0) * 1000);
      if (INTROSPECT_CACHE_MS > 0 && until > Date.now()) cache.set(token, { info, until });
      return info;
    },
  };
}

async function main() {
  const app = express();
  const server = http.createServer(app);
  const port = await listen(server, PORT);

  const base = `http://127.0.0.1:${port}`;
  const mcpUrl = new URL(`${base}/mcp`);
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);
  const verifier = makeVerifier(mcpUrl.href);

  const handler = createMcpHandler(buildServer, {
    legacy: 'reject', // modern-only: no 2025 serving at all
    onerror: (err) => {
      const msg = String(err?.message ?? err);
      if (msg.startsWith('Rejected')) {
        stats.rejected += 1;
        stats.last_rejection = msg;
        if (msg.includes('2025-era')) stats.legacy_refused += 1;
      }
      log('mcp:', msg);
    },
  });
  const serveMcp = toNodeHandler(handler); // forwards req.auth as authInfo

  app.use((req, _res, next) => {
    log(`${req.method} ${req.originalUrl.replace(/token=[^&]+/g, 'token=…')}`);
    next();
  });

  // RFC 9728 protected-resource metadata (path-inserted, for the /mcp resource).
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      resource: mcpUrl.href,
      authorization_servers: NO_AUTH ? [] : [AS_ISSUER],
      scopes_supported: SCOPES,
      bearer_methods_supported: ['header'],
    });
  });

  const hostOk = localhostHostValidation(); // DNS-rebinding guard (127.0.0.1 / localhost only)
  app.all('/mcp', (req, res, next) => {
    if (!hostOk(req, res)) return undefined;
    const h = req.headers;
    stats.mcp_requests += 1;
    stats.last_headers = {
      'mcp-protocol-version': h['mcp-protocol-version'] ?? null,
      'mcp-method': h['mcp-method'] ?? null,
      'mcp-name': h['mcp-name'] ?? null,
      'mcp-param-region': h['mcp-param-region'] ?? null,
    };
    if (req.method !== 'POST') {
      // 2026-07-28 Streamable HTTP: no GET stream, no sessions to DELETE.
      stats.method_not_allowed += 1;
      res.set('Allow', 'POST').status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
      return undefined;
    }
    return next();
  });

  // Bearer check before the SDK sees the request. No token: a bare challenge
  // (RFC 6750 §3.1: no error code); a bad token: the SDK's invalid_token challenge.
  const auth = async (req, res, next) => {
    if (NO_AUTH) return next();
    const header = req.headers.authorization;
    if (!header) {
      stats.unauthorized += 1;
      res.set('WWW-Authenticate', `Bearer resource_metadata="${resourceMetadataUrl}"`);
      return res.status(401).json({ error: 'invalid_token', error_description: 'Missing Authorization header' });
    }
    try {
      req.auth = await verifyBearerToken(header, { verifier, resourceMetadataUrl });
      return next();
    } catch (err) {
      if (err?.code === OAuthErrorCode.InvalidToken) stats.unauthorized += 1;
      const answer = bearerAuthChallengeResponse(err, { resourceMetadataUrl });
      res.status(answer.status);
      answer.headers.forEach((v, k) => res.set(k, v));
      return res.send(Buffer.from(await answer.arrayBuffer()));
    }
  };

  app.post('/mcp', auth, express.json({ limit: '4mb' }), async (req, res) => {
    const msg = req.body;
    if (msg && typeof msg === 'object' && typeof msg.method === 'string') {
      stats.methods[msg.method] = (stats.methods[msg.method] ?? 0) + 1;
      stats.last_meta_keys = Object.keys(msg.params?._meta ?? {}).filter((k) => k.startsWith('io.modelcontextprotocol/'));
    }
    await serveMcp(req, res, req.body);
  });

  // ---- test-only admin endpoints (no auth) ----
  const admin = express.Router();
  admin.get('/stats', (_req, res) => res.json({ ...stats, protocol: PROTOCOL, no_auth: NO_AUTH, cached_tokens: verifier.cache.size }));
  admin.post('/forget-tokens', (_req, res) => {
    const n = verifier.cache.size;
    verifier.cache.clear();
    res.json({ forgotten: n });
  });
  // Publishes notifications/tools/list_changed to open subscriptions/listen streams.
  admin.post('/tools-changed', (_req, res) => {
    handler.notify.toolsChanged();
    res.json({ ok: true });
  });
  app.use('/admin', admin);

  installShutdown([server], () => handler.close());

  printReady({
    mcp_url: mcpUrl.href,
    admin_url: `${base}/admin`,
    protocol: PROTOCOL,
    resource_metadata_url: resourceMetadataUrl,
    authorization_servers: NO_AUTH ? [] : [AS_ISSUER],
  });
  log(`ready: mcp=${mcpUrl.href} as=${AS_ISSUER || '(none: NO_AUTH)'}`);
}

main().catch((err) => {
  log('fatal', err);
  process.exit(1);
});
