// The MCP clients the proxy benchmark drives: a newline-delimited JSON-RPC client for the
// proxies' stdio (it speaks 2025-06-18), and two direct HTTP baselines: a 2025-06-18 session
// client and a stateless 2026-07-28 client.
import { ms, now, tail } from './procs.mjs';

export const PROTOCOL_2025 = '2025-06-18';
export const PROTOCOL_2026 = '2026-07-28';
const CLIENT_INFO = { name: 'latchkey-bench', version: '1.0.0' };
export const INIT_PARAMS = {
  protocolVersion: PROTOCOL_2025,
  capabilities: {},
  clientInfo: CLIENT_INFO,
};

/** Newline-delimited JSON-RPC over a child's stdin/stdout (what an MCP client does). */
export class StdioClient {
  constructor(child, name) {
    this.child = child;
    this.name = name;
    this.nextId = 1;
    this.pending = new Map();
    this.buf = '';
    this.closed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => this.onData(d));
    child.once('exit', (code, signal) => {
      this.closed = true;
      for (const p of this.pending.values()) {
        p.reject(new Error(`${name} exited (code ${code}, signal ${signal}) before answering; stderr:\n${tail(child)}`));
      }
      this.pending.clear();
    });
    child.stdin.on('error', () => { /* EPIPE when it died: reported through exit */ });
  }

  onData(d) {
    this.buf += d;
    let nl;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      const t = now();
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not ours to judge here
      }
      if (msg && msg.id !== undefined && msg.method === undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p.resolve({ msg, t });
      }
      // Server->client requests/notifications are ignored (the peers send none here).
    }
  }

  /** Send a request; resolves {msg, t0, t} (hrtime of the write and of the answer line). */
  request(method, params, timeoutMs = 10000) {
    if (this.closed) return Promise.reject(new Error(`${this.name} is not running; stderr:\n${tail(this.child)}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${method} #${id} within ${timeoutMs} ms; stderr:\n${tail(this.child)}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => { clearTimeout(timer); resolve({ ...r, t0 }); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      const t0 = now();
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  notify(method, params) {
    if (this.closed) return;
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  }
}

/** The JSON-RPC answer with this id in an HTTP answer body (JSON, or an SSE stream). */
function answerIn(res, text, id, who, method) {
  if ((res.headers.get('content-type') || '').includes('text/event-stream')) {
    let msg = null;
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const m = JSON.parse(line.slice(5));
      if (m.id === id) msg = m;
    }
    if (msg) return msg;
  } else {
    const m = JSON.parse(text);
    if (m?.id === id) return m;
  }
  throw new Error(`${who}: no answer to ${method} #${id} in: ${text.slice(0, 300)}`);
}

/** The 2025-06-18 baseline: the same JSON-RPC POSTs straight to the server with Node's fetch. */
export class DirectClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
    this.sessionId = null;
    this.protocolVersion = null;
    this.nextId = 1;
    this.name = 'direct';
  }

  headers() {
    const h = {
      authorization: `Bearer ${this.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) h['mcp-protocol-version'] = this.protocolVersion;
    return h;
  }

  async request(method, params, timeoutMs = 10000) {
    const id = this.nextId++;
    const t0 = now();
    const res = await fetch(this.url, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const t = now();
    if (!res.ok) throw new Error(`direct: ${method} got HTTP ${res.status}: ${text.slice(0, 300)}`);
    const sid = res.headers.get('mcp-session-id');
    if (sid) this.sessionId = sid;
    const msg = answerIn(res, text, id, 'direct', method);
    if (method === 'initialize' && msg.result?.protocolVersion) this.protocolVersion = msg.result.protocolVersion;
    return { msg, t0, t };
  }

  /** Open a session: initialize (the timed part), then notifications/initialized. */
  async open(timeoutMs = 10000) {
    const r = await this.request('initialize', INIT_PARAMS, timeoutMs);
    checkInit('direct', r.msg);
    await this.notify('notifications/initialized');
    return r;
  }

  async notify(method) {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', method }),
      signal: AbortSignal.timeout(10000),
    });
    await res.arrayBuffer();
  }

  async close() {
    if (!this.sessionId) return;
    try {
      const res = await fetch(this.url, { method: 'DELETE', headers: this.headers(), signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
    } catch { /* best effort */ }
  }
}

/**
 * The 2026-07-28 baseline: stateless POSTs, no initialize. Every request carries the version,
 * method (and tool name) headers, and the client's version, info and capabilities in
 * `params._meta` (tests/peers/modern-selftest.mjs shows the same wire).
 */
export class ModernDirectClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
    this.nextId = 1;
    this.name = 'direct';
  }

  async request(method, params = {}, timeoutMs = 10000) {
    const id = this.nextId++;
    const headers = {
      authorization: `Bearer ${this.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_2026,
      'mcp-method': method,
    };
    if (method === 'tools/call' || method === 'prompts/get') headers['mcp-name'] = params.name;
    const body = {
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': PROTOCOL_2026,
          'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
          'io.modelcontextprotocol/clientCapabilities': {},
          ...params._meta,
        },
      },
    };
    const t0 = now();
    const res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const t = now();
    if (!res.ok) throw new Error(`direct: ${method} got HTTP ${res.status}: ${text.slice(0, 300)}`);
    return { msg: answerIn(res, text, id, 'direct', method), t0, t };
  }

  /** What stands in for a session's start: one server/discover (the timed part). */
  async open(timeoutMs = 10000) {
    const r = await this.request('server/discover', {}, timeoutMs);
    if (r.msg.error || !r.msg.result?.supportedVersions?.includes(PROTOCOL_2026)) {
      throw new Error(`direct: server/discover failed: ${JSON.stringify(r.msg).slice(0, 500)}`);
    }
    return r;
  }

  async close() { /* nothing to close: no session */ }
}

export function checkInit(name, msg) {
  if (msg.error || !msg.result?.serverInfo) {
    throw new Error(`${name}: initialize failed: ${JSON.stringify(msg).slice(0, 500)}`);
  }
}

/** One tools/call of `echo`; the answer must be `expected`. Resolves the round trip in ms. */
export async function echo(client, text, expected) {
  const r = await client.request('tools/call', { name: 'echo', arguments: { text } });
  const got = r.msg.result?.content?.[0]?.text;
  if (r.msg.error || r.msg.result?.isError || got !== expected) {
    throw new Error(`${client.name}: tools/call echo failed: ${JSON.stringify(r.msg).slice(0, 500)}`);
  }
  return ms(r.t0, r.t);
}
