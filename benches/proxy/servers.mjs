// The MCP servers the proxy benchmark measures against, on loopback:
//   2025: tests/peers/sdk-server.mjs, a stateful 2025-06-18 server that is its own OAuth AS.
//   2026: tests/peers/modern-server.mjs, a stateless 2026-07-28-only server (TS SDK v2; it
//         refuses `initialize`), whose authorization server is another sdk-server.mjs.
import path from 'node:path';
import { DirectClient, ModernDirectClient, PROTOCOL_2025, PROTOCOL_2026 } from './clients.mjs';
import { spawnTracked, stopChild, tail } from './procs.mjs';

/** Start a test peer; resolves {child, ready} once it printed its ready line. */
async function startPeer(repo, name, script, env) {
  // Its stdin is a pipe from us: when we go away, so does it.
  const child = spawnTracked(name, process.execPath, [path.join(repo, script)], {
    env: { ...process.env, PORT: '0', ...env },
  });
  const ready = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${name} not ready in 20 s; stderr:\n${tail(child)}`)), 20000);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    child.once('exit', (c) => {
      clearTimeout(t);
      reject(new Error(`${name} exited (${c}); stderr:\n${tail(child)}`));
    });
  });
  return { child, ready };
}

async function getJson(url, init) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000), ...init });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status}`);
  return res.json();
}

export const ERAS = {
  2025: {
    protocol: PROTOCOL_2025,
    describe: 'tests/peers/sdk-server.mjs: TS SDK v1, stateful (Mcp-Session-Id), its own OAuth AS',
  },
  2026: {
    protocol: PROTOCOL_2026,
    describe: 'tests/peers/modern-server.mjs: TS SDK v2, stateless, refuses initialize; AS: tests/peers/sdk-server.mjs',
  },
};

/**
 * Start the server(s) of one era. The result: {era, protocol, describe, mcpUrl, asStats(),
 * serverStats(), echoAnswer(text), direct(token), stop()}. asStats() is the authorization
 * server's /admin/stats (sign-ins and tokens issued), for both eras.
 */
export async function startServer(repo, era) {
  // Access tokens for a day: no refresh can fall inside a run.
  const asEnv = { ACCESS_TOKEN_TTL: '86400' };
  if (era === '2025') {
    const as = await startPeer(repo, 'sdk-server (2025)', 'tests/peers/sdk-server.mjs', asEnv);
    const asStats = () => getJson(`${as.ready.admin_url}/stats`);
    return {
      era,
      ...ERAS[era],
      mcpUrl: as.ready.mcp_url,
      asStats,
      serverStats: asStats,
      echoAnswer: (text) => text,
      direct: (token) => new DirectClient(as.ready.mcp_url, token),
      stop: () => stopChild(as.child),
    };
  }
  if (era === '2026') {
    const as = await startPeer(repo, 'sdk-server (AS for 2026)', 'tests/peers/sdk-server.mjs', asEnv);
    let modern;
    try {
      modern = await startPeer(repo, 'modern-server (2026)', 'tests/peers/modern-server.mjs', {
        AS_ISSUER: as.ready.issuer,
        AS_ADMIN: as.ready.admin_url,
        // Each token is introspected at the AS once, not every 2 s: the AS's share of a call
        // would otherwise land on a few calls of whoever is measured at that moment.
        INTROSPECT_CACHE_MS: '3600000',
      });
      // So that sdk-server issues tokens for the modern server (its `aud`).
      await getJson(`${as.ready.admin_url}/resources?add=${encodeURIComponent(modern.ready.mcp_url)}`, { method: 'POST' });
    } catch (e) {
      await stopChild(as.child);
      throw e;
    }
    return {
      era,
      ...ERAS[era],
      mcpUrl: modern.ready.mcp_url,
      asStats: () => getJson(`${as.ready.admin_url}/stats`),
      serverStats: () => getJson(`${modern.ready.admin_url}/stats`),
      echoAnswer: (text) => `echo: ${text}`,
      direct: (token) => new ModernDirectClient(modern.ready.mcp_url, token),
      stop: async () => {
        await stopChild(modern.child);
        await stopChild(as.child);
      },
    };
  }
  throw new Error(`unknown server era ${era}`);
}
