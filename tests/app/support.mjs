// What the real-app tests share: where the binaries are, a sleep, and the test peers
// (tests/peers/*) they sign in against.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const appBin = process.env.LATCHKEY_APP_BIN ?? join(repo, 'target/debug/latchkey-app');
export const cli = process.env.LATCHKEY_BIN ?? join(repo, 'target/debug/latchkey');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the peer `script` with `env` added to this environment; resolves with its ready line
 * (one JSON line on stdout). `start` spawns it: `spawn` by default; a file that stops its
 * helpers as process groups passes its own.
 */
export function startPeer(script, env = {}, start = spawn) {
  const child = start(process.execPath, [join(repo, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((ready, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => ready(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

/** `startPeer` for one test: the peer is stopped when test `t` ends. */
export function startPeerFor(t, script, env = {}) {
  return startPeer(script, env, (command, args, options) => {
    const child = spawn(command, args, options);
    t.after(() => child.kill());
    return child;
  });
}
