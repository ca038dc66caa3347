// The peers' self-tests start peers as child processes and wait for their ready line (one JSON
// line on stdout, the peers' common contract in tests/peers/README.md).
//
//   const peer = await startProcess('sdk-server.mjs', process.execPath, [script], { PORT: '0' });
//   peer.ready            // the parsed ready line
//   peer.extraStdout()    // anything printed after it (a peer must print nothing)
//   peer.stderrText()     // its log so far
//   await waitExit(peer, 5000)  // its exit code or signal, or 'timeout'
//   for (const c of children) c.kill('SIGTERM');
import { spawn } from 'node:child_process';

/** Every child still running. */
export const children = new Set();

export function startProcess(name, cmd, args, env = {}, { cwd, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    child.on('error', (e) => reject(new Error(`${name}: ${e.message}`)));
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no ready line in ${timeoutMs / 1000} s\n${err}`)), timeoutMs);
    child.stderr.on('data', (d) => {
      err += d;
      if (process.env.SELFTEST_VERBOSE) process.stderr.write(d);
    });
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1 && !child.ready) {
        clearTimeout(timer);
        try {
          child.ready = JSON.parse(out.slice(0, nl));
        } catch {
          reject(new Error(`${name}: ready line is not JSON: ${out.slice(0, nl)}`));
          return;
        }
        child.extraStdout = () => out.slice(nl + 1);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      child.exitCodeSeen = code;
      if (!child.ready) reject(Object.assign(new Error(`${name} exited ${code}\n${err}`), { code, stderr: err }));
    });
    child.stderrText = () => err;
  });
}

/** The child's exit code (or signal) once it exits, or 'timeout' after `ms`. */
export function waitExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    const t = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      resolve(code ?? sig);
    });
    return undefined;
  });
}
