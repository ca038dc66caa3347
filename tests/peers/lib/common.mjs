// Shared plumbing for the Latchkey OAuth/MCP test peers.
//  - lifecycle: listen on 127.0.0.1, print ONE JSON ready line, exit on SIGTERM / stdin close
//  - the MCP server (official TS SDK McpServer + StreamableHTTPServerTransport, stateful)
//  - the step-up (insufficient_scope) middleware for the `write-thing` tool
import './stdio-guard.mjs';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export const SCOPES = ['mcp:read', 'mcp:write'];
export const WRITE_SCOPE = 'mcp:write';
export const STEP_UP_TOOLS = new Set(['write-thing']);

let logName = 'peer';
export function setLogName(name) {
  logName = name;
}
export function log(...args) {
  console.error(`[${logName}]`, ...args);
}

export function envInt(name, def) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

export function envBool(name, def = false) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  return ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase());
}

/** Listen on 127.0.0.1 only; resolves with the bound port. */
export function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Print the single ready line. Nothing else is ever written to stdout. */
export function printReady(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/**
 * Exit cleanly on SIGTERM/SIGINT/SIGHUP, and when stdin (a pipe or socket
 * from the parent test harness) reaches EOF. stdin that is /dev/null, a file
 * or a TTY is ignored, so a peer started with no stdin does not exit at once.
 * PEER_EXIT_ON_STDIN_CLOSE=0 disables the stdin watch altogether.
 */
export function installShutdown(servers, extra = async () => {}) {
  let done = false;
  const shutdown = async (why) => {
    if (done) return;
    done = true;
    log(`shutting down (${why})`);
    setTimeout(() => process.exit(0), 2000).unref();
    try {
      await extra();
    } catch (err) {
      log('cleanup error', err);
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections?.();
    })));
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(sig));

  if (envBool('PEER_EXIT_ON_STDIN_CLOSE', true)) {
    let st;
    try {
      st = fs.fstatSync(0);
    } catch {
      st = undefined;
    }
    if (st && (st.isFIFO() || st.isSocket())) {
      process.stdin.on('end', () => shutdown('stdin closed'));
      process.stdin.on('close', () => shutdown('stdin closed'));
      process.stdin.on('error', () => shutdown('stdin error'));
      process.stdin.resume(); // discard anything written to us
    }
  }
  return shutdown;
}

function text(t) {
  return { content: [{ type: 'text', text: t }] };
}

/** A fresh McpServer (one per MCP session) with the test tools. */
export function createMcpServer({ name, stats }) {
  const server = new McpServer({ name, version: '1.0.0' }, { capabilities: { logging: {} } });

  server.registerTool('echo', {
    title: 'Echo',
    description: 'Returns its `text` argument unchanged.',
    inputSchema: { text: z.string().describe('Text to echo back') },
  }, async ({ text: t }) => {
    stats.tool_calls += 1;
    return text(t);
  });

  server.registerTool('whoami', {
    title: 'Who am I',
    description: 'Returns the subject, client id, scopes and resource of the access token used for this call (JSON text).',
  }, async (extra) => {
    stats.tool_calls += 1;
    const a = extra.authInfo;
    return text(JSON.stringify({
      sub: a?.extra?.sub ?? null,
      client_id: a?.clientId ?? null,
      scopes: a?.scopes ?? [],
      resource: a?.resource ? String(a.resource) : null,
    }));
  });

  server.registerTool('test-tool', {
    title: 'Test tool',
    description: 'A no-argument tool that always succeeds.',
  }, async () => {
    stats.tool_calls += 1;
    return text('test-tool ok');
  });

  server.registerTool('sleep', {
    title: 'Sleep',
    description: 'Answers after `ms` milliseconds (a slow tool).',
    inputSchema: { ms: z.number().int().min(0).max(60000) },
  }, async ({ ms }) => {
    stats.tool_calls += 1;
    await new Promise((r) => setTimeout(r, ms));
    return text(`slept ${ms} ms`);
  });

  server.registerTool('announce', {
    title: 'Announce',
    description: 'Answers at once; 300 ms later the server sends notifications/tools/list_changed, which travels on the standalone GET stream (not tied to any request).',
  }, async () => {
    stats.tool_calls += 1;
    setTimeout(() => {
      try {
        server.sendToolListChanged();
        stats.announcements = (stats.announcements ?? 0) + 1;
      } catch (err) {
        log('announce failed', err);
      }
    }, 300);
    return text('announcing');
  });

  server.registerTool('write-thing', {
    title: 'Write a thing',
    description: 'Requires scope mcp:write. Without it the HTTP request is answered 403 insufficient_scope (step-up).',
    inputSchema: { text: z.string().optional().describe('What to write') },
  }, async ({ text: t }, extra) => {
    stats.tool_calls += 1;
    // Defence in depth: the HTTP middleware normally rejects this already.
    if (!extra.authInfo?.scopes?.includes(WRITE_SCOPE)) {
      return { ...text('insufficient_scope: mcp:write required'), isError: true };
    }
    stats.writes += 1;
    return text(`wrote: ${t ?? ''}`);
  });

  return server;
}

/**
 * RFC 6750 §3.1 step-up: a JSON-RPC tools/call of a tool that needs mcp:write,
 * made with a token lacking it, gets HTTP 403 with an insufficient_scope
 * challenge before it reaches the MCP transport. Runs after the bearer auth
 * middleware (req.auth) and the JSON body parser (req.body).
 */
export function stepUpMiddleware({ resourceMetadataUrl, stats }) {
  return (req, res, next) => {
    const msgs = Array.isArray(req.body) ? req.body : [req.body];
    const needsWrite = msgs.some((m) => m && typeof m === 'object' && m.method === 'tools/call'
      && STEP_UP_TOOLS.has(m.params?.name));
    if (!needsWrite || req.auth?.scopes?.includes(WRITE_SCOPE)) return next();
    stats.insufficient_scope_challenges += 1;
    res.set('WWW-Authenticate',
      `Bearer error="insufficient_scope", scope="${SCOPES.join(' ')}", resource_metadata="${resourceMetadataUrl}"`);
    res.status(403).json({
      error: 'insufficient_scope',
      error_description: 'tool write-thing requires scope mcp:write',
      scope: SCOPES.join(' '),
    });
  };
}

/**
 * Mount the stateful Streamable HTTP MCP endpoint (POST/GET/DELETE) at `path`.
 * `mw` are express middlewares run before the transport (bearer auth, step-up).
 */
export function mountMcp(app, { path = '/mcp', mw = [], name, stats }) {
  const sessions = new Map();

  const post = async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    try {
      if (sid) {
        const transport = sessions.get(sid);
        if (!transport) {
          res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
          return;
        }
        await transport.handleRequest(req, res, req.body);
        return;
      }
      if (!isInitializeRequest(req.body)) {
        res.status(400).json({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
          id: null,
        });
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
          stats.mcp_sessions += 1;
          log(`MCP session ${id} initialized`);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      const server = createMcpServer({ name, stats });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      log('MCP POST error', err);
      if (!res.headersSent) {
        res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
      }
    }
  };

  const other = async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    if (!sid) {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Missing Mcp-Session-Id' }, id: null });
      return;
    }
    const transport = sessions.get(sid);
    if (!transport) {
      res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      return;
    }
    try {
      await transport.handleRequest(req, res);
      if (req.method === 'DELETE') {
        stats.mcp_sessions_closed = (stats.mcp_sessions_closed || 0) + 1;
        log(`MCP session ${sid} closed by the client`);
      }
    } catch (err) {
      log(`MCP ${req.method} error`, err);
      if (!res.headersSent) res.status(500).end();
    }
  };

  app.post(path, ...mw, post);
  app.get(path, ...mw, other);
  app.delete(path, ...mw, other);

  return {
    sessions,
    async closeAll() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
      sessions.clear();
    },
  };
}

/** Keep the last `max` entries of an array. */
export function pushBounded(arr, item, max = 50) {
  arr.push(item);
  if (arr.length > max) arr.splice(0, arr.length - max);
}
