// Child-process bookkeeping for the proxy benchmark: every child is tracked, has its stderr in
// a log file of its own, and is killed (with anything it started) when the run ends, fails or
// times out. Also /proc readings (memory) and the timing helpers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const now = () => process.hrtime.bigint();
export const ms = (a, b) => Number(b - a) / 1e6;
export const say = (...a) => console.error('[bench]', ...a);

// Every child is started in its own process group (detached), so that it and anything it
// started (npx -> sh -> node, xdg-open -> curl) can be killed by the group id = its pid.
const children = new Set();
// Processes started by someone else (the TypeScript SDK's StdioClientTransport): pid -> name.
const foreign = new Map();
let logDir = null;
let logSeq = 0;

export function setLogDir(dir) {
  logDir = dir;
}

/** A new, numbered log file in the log directory: its path. */
export function logPath(name) {
  logSeq += 1;
  return path.join(logDir, `${String(logSeq).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9]+/g, '-')}.log`);
}

/**
 * Spawn a child in its own process group with its stderr going straight to a log file (a real
 * fd: the child's logging costs this process nothing, so it cannot skew the timings).
 */
export function spawnTracked(name, cmd, args, { env, cwd, stdin = 'pipe' } = {}) {
  const logFile = logPath(name);
  const fd = fs.openSync(logFile, 'w');
  let child;
  try {
    child = spawn(cmd, args, { env, cwd, detached: true, stdio: [stdin, 'pipe', fd] });
  } finally {
    fs.closeSync(fd);
  }
  child.benchName = name;
  child.logFile = logFile;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function trackPid(pid, name) {
  if (pid) foreign.set(pid, name);
}
export function untrackPid(pid) {
  foreign.delete(pid);
}

/** The last 16 KiB of a log file (a child's stderr). */
export function tailFile(file) {
  try {
    const b = fs.readFileSync(file);
    return b.subarray(Math.max(0, b.length - 16384)).toString();
  } catch {
    return '(no log)';
  }
}
export const tail = (child) => tailFile(child.logFile);

export function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    try { child.kill(sig); } catch { /* gone */ }
  }
}

export function killAllSync() {
  for (const c of children) killGroup(c, 'SIGKILL');
  children.clear();
  for (const pid of foreign.keys()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  foreign.clear();
}

export function liveChildren() {
  return [...[...children].map((c) => `${c.benchName} (pid ${c.pid})`), ...[...foreign].map(([pid, n]) => `${n} (pid ${pid})`)];
}

export function waitExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode, timedOut: false });
  }
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve({ code: null, signal: null, timedOut: true }), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, timedOut: false });
    });
  });
}

export async function killAll() {
  const live = [...children];
  for (const c of live) killGroup(c, 'SIGTERM');
  await Promise.all(live.map((c) => waitExit(c, 2000)));
  killAllSync();
}

/** Ask a stdio child to stop the way an MCP client does (close stdin), then escalate. */
export async function stopChild(child, timeoutMs = 5000) {
  try { child.stdin?.end(); } catch { /* already closed */ }
  let r = await waitExit(child, timeoutMs);
  if (r.timedOut) {
    killGroup(child, 'SIGTERM');
    r = await waitExit(child, 2000);
    if (r.timedOut) {
      killGroup(child, 'SIGKILL');
      await waitExit(child, 2000);
    }
    return { clean: false };
  }
  // Leftovers in its group (a browser opener, npx's grandchild): gone too.
  killGroup(child, 'SIGKILL');
  return { clean: r.code === 0, code: r.code, signal: r.signal };
}

/** Run a command to completion with a time limit; resolves {code, stdout, stderr, ms}. */
export function run(name, cmd, args, { env, timeoutMs = 60000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawnTracked(name, cmd, args, { env, cwd, stdin: 'ignore' });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const t = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`${name} did not finish within ${timeoutMs} ms; stderr:\n${tail(child)}`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(t); reject(e); });
    child.once('exit', (code) => {
      const t1 = now();
      clearTimeout(t);
      // Leftovers in its group go (a browser opener); what they wrote stays readable. Then
      // wait for stdout to be drained ('close'), for at most 2 s.
      killGroup(child, 'SIGKILL');
      const done = () => resolve({ code, stdout: out, stderr: tail(child), ms: ms(t0, t1) });
      const cap = setTimeout(done, 2000);
      child.once('close', () => { clearTimeout(cap); done(); });
    });
  });
}

// ---------------------------------------------------------------- /proc
function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => {
      const m = s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'));
      return m ? Number(m[1]) : null;
    };
    const name = s.match(/^Name:\s+(.*)$/m)?.[1];
    return { pid, name, vmhwm_kb: kb('VmHWM'), vmrss_kb: kb('VmRSS') };
  } catch {
    return null;
  }
}
function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let kids = [];
    try {
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        kids = kids.concat(fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch { /* gone */ }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}
export function memoryOf(pid) {
  const self = procStatus(pid);
  const kids = descendants(pid).map(procStatus).filter(Boolean);
  return { self, descendants: kids };
}
