// What the peers' self-tests share: checks that print one line each and are counted, and
// small HTTP helpers (plain fetch, so what is checked is the wire itself).
//
//   import { ok, must, note, Abort, counts, req, form, b64url, sleep } from './lib/checks.mjs';
//   ok(cond, 'what', detail);   // counted; prints "  ok   what" or "  FAIL what -- detail"
//   must(cond, 'what');         // the same, and throws Abort when it fails (the rest depends on it)
//   console.log(`${counts.passed} passed, ${counts.failed} failed`);

export const counts = { passed: 0, failed: 0 };

const show = (detail) => (typeof detail === 'string' ? detail : JSON.stringify(detail));

export function ok(cond, what, detail) {
  if (cond) {
    counts.passed += 1;
    console.log(`  ok   ${what}`);
  } else {
    counts.failed += 1;
    console.log(`  FAIL ${what}${detail !== undefined ? ` -- ${show(detail)}` : ''}`);
  }
  return cond;
}

export class Abort extends Error {}

export function must(cond, what, detail) {
  if (!ok(cond, what, detail)) throw new Abort(what);
}

/** Not a check: what a peer answered, for the record. */
export function note(what, detail) {
  console.log(`  note ${what}${detail !== undefined ? `: ${show(detail)}` : ''}`);
}

export const b64url = (buf) => Buffer.from(buf).toString('base64url');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One request, no redirects followed: {status, headers, text, json}. An SSE answer's `json` is
 * its last JSON-RPC message that carries an id (a server may stream notifications first).
 */
export async function req(url, opts = {}) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15000), ...opts });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json === undefined && (res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        const m = JSON.parse(line.slice(5));
        if (m.id !== undefined) json = m;
      } catch { /* not JSON */ }
    }
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A form POST (token, registration and revocation endpoints). */
export const form = (obj) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(Object.entries(obj).filter(([, v]) => v !== undefined)),
});
