// The proxy benchmark's tables, ratios, goals and JSON (schema latchkey-bench-proxy/2).
import os from 'node:os';

// ---------------------------------------------------------------- stats
function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const k = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[k - 1];
}
export function summary(samples) {
  if (!samples?.length) return null;
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: pct(s, 50),
    p90: pct(s, 90),
    p99: pct(s, 99),
    min: s[0],
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}
const r3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x ?? null);
const r3obj = (o) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r3(v)])) : null);
const mapObj = (o, fn) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v, k)]));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

export const GOALS = {
  latency_overhead: { limit: 1 / 5, target: '<= 1/5 of mcp-remote (p50 and p99)' },
  peak_rss: { limit: 1 / 8, target: '<= 1/8 of mcp-remote' },
  cold_start: { limit: 1 / 10, target: '<= 1/10 of mcp-remote (median)' },
  client_startup: { limit: 1 / 2, target: '<= 1/2 of mcp-remote (median time until the tools are listed)' },
};
/** true / false, or null when it could not be measured (a failed row). */
const meets = (v, limit) => (Number.isFinite(v) ? v <= limit : null);
const metWord = (m) => (m === null ? 'n/a' : m ? 'yes' : 'NO');
const goalWord = (m) => (m === null ? 'NOT MEASURED' : m ? 'MET' : 'NOT MET');
const both = (a, b) => (a === null || b === null ? null : a && b);

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mb = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : 'n/a');
const pad = (s, n) => String(s).padStart(n);
/** An error's first line, and the last line of the child's stderr when the message has it. */
function firstLine(message) {
  const [head, log] = String(message).split('; stderr:\n');
  let out = head.split('\n')[0].slice(0, 110);
  const last = (log ?? '').split('\n').map((l) => l.replace(/^\[\d+\]\s*/, '').trim()).filter(Boolean).pop();
  if (last) out += ` | its stderr ends: ${last.slice(0, 100)}`;
  return out;
}
const failRow = (label, width, fail) => `  ${label.padEnd(width)}FAILED (${fail.phase}): ${firstLine(fail.message)}`;

// ---------------------------------------------------------------- one server
/** The numbers of one server's section: summaries, overheads, ratios, goals. */
function analyse(sec) {
  const L = mapObj(sec.lat, summary);
  const C = mapObj(sec.cold, summary);
  const has = (m) => Boolean(L[m]) && !sec.failures[m];
  const over = (m, k) => (has(m) && L.direct ? L[m][k] - L.direct[k] : NaN);
  const overhead = {
    latchkey: { p50: over('latchkey', 'p50'), p99: over('latchkey', 'p99') },
    'mcp-remote': { p50: over('mcp-remote', 'p50'), p99: over('mcp-remote', 'p99') },
  };
  // A non-positive mcp-remote overhead makes the ratio meaningless (n/a); otherwise a
  // non-positive latchkey overhead trivially meets its goal (0).
  const ovRatio = (k) => {
    const a = overhead.latchkey[k];
    const b = overhead['mcp-remote'][k];
    if (!(b > 0)) return NaN;
    if (a <= 0) return 0;
    return ratio(a, b);
  };
  const hwm = (m) => (sec.mem[m] && !sec.failures[m] ? sec.mem[m].self?.vmhwm_kb ?? NaN : NaN);
  const cold = (m, k) => (C[m] && !sec.failures[m] ? C[m][k] : NaN);
  const ratios = {
    latency_overhead_p50: ovRatio('p50'),
    latency_overhead_p99: ovRatio('p99'),
    peak_rss: ratio(hwm('latchkey'), hwm('mcp-remote')),
    cold_start_median: ratio(cold('latchkey', 'p50'), cold('mcp-remote', 'p50')),
    cold_start_p90: ratio(cold('latchkey', 'p90'), cold('mcp-remote', 'p90')),
  };
  if (sec.cold['npx mcp-remote']) ratios.cold_start_median_vs_npx = ratio(cold('latchkey', 'p50'), cold('npx mcp-remote', 'p50'));
  const goals = {
    latency_overhead: { ...GOALS.latency_overhead,
      met: both(meets(ratios.latency_overhead_p50, 1 / 5), meets(ratios.latency_overhead_p99, 1 / 5)) },
    peak_rss: { ...GOALS.peak_rss, met: meets(ratios.peak_rss, 1 / 8) },
    cold_start: { ...GOALS.cold_start, met: meets(ratios.cold_start_median, 1 / 10) },
  };
  return { L, C, overhead, ratios, goals };
}

function sectionLines(sec, a, r) {
  const lines = [];
  const modes = ['direct', 'latchkey', 'mcp-remote'];
  lines.push('');
  lines.push(`== ${sec.protocol} server: ${sec.describe}`);
  lines.push(`   ${sec.mcpUrl}; ${r.opts.n} timed tools/call after ${r.opts.warmup} warm-up; ${r.opts.cold} cold starts; `
    + `load ${sec.load.before.toFixed(2)} -> ${sec.load.after.toFixed(2)}; ${sec.seconds.toFixed(1)} s`);
  lines.push('');
  lines.push('tools/call round trip (ms)      p50      p99     mean      max   +p50 vs direct  +p99 vs direct');
  for (const m of modes) {
    const label = m === 'direct' ? `direct (${sec.protocol})` : m;
    if (sec.failures[m]) { lines.push(failRow(label, 28, sec.failures[m])); continue; }
    const l = a.L[m];
    if (!l) continue;
    const o = m === 'direct' ? ['', ''] : [f(a.overhead[m].p50, 3), f(a.overhead[m].p99, 3)];
    lines.push(`  ${label.padEnd(28)}${pad(f(l.p50, 3), 7)}  ${pad(f(l.p99, 3), 7)}  ${pad(f(l.mean, 3), 7)}  ${pad(f(l.max, 2), 7)}  ${pad(o[0], 14)}  ${pad(o[1], 14)}`);
  }
  lines.push('');
  lines.push('peak RSS of the proxy process (VmHWM, MiB)   peak   RSS at end   descendants');
  for (const m of ['latchkey', 'mcp-remote']) {
    const mm = sec.mem[m];
    if (!mm || sec.failures[m]) {
      if (sec.failures[m]) lines.push(failRow(m, 43, sec.failures[m]));
      continue;
    }
    const desc = mm.descendants.length ? mm.descendants.map((d) => `${d.name}:${mb(d.vmhwm_kb)}`).join(' ') : 'none';
    lines.push(`  ${`${m} (pid ${mm.self?.pid}, ${mm.self?.name})`.padEnd(43)}${pad(mb(mm.self?.vmhwm_kb), 6)}  ${pad(mb(mm.self?.vmrss_kb), 11)}   ${desc}`);
  }
  lines.push('');
  lines.push('cold start: spawn -> initialize answer (ms)   median      p90      min      max');
  for (const m of Object.keys(sec.cold)) {
    const label = m === 'direct' ? `direct (${sec.era === '2026' ? 'server/discover POST' : 'initialize POST only'}, no spawn)` : m;
    if (sec.failures[m]) { lines.push(failRow(label, 43, sec.failures[m])); continue; }
    const c = a.C[m];
    if (!c) continue;
    lines.push(`  ${label.padEnd(43)}${pad(f(c.p50, 1), 7)}  ${pad(f(c.p90, 1), 7)}  ${pad(f(c.min, 1), 7)}  ${pad(f(c.max, 1), 7)}`);
  }
  lines.push('');
  lines.push('ratios (latchkey / mcp-remote)                 value    goal      met');
  const row = (label, v, limit) => lines.push(`  ${label.padEnd(44)}${pad(f(v, 3), 6)}  <= ${f(limit, 3)}  ${metWord(meets(v, limit))}`);
  const info = (label, v) => lines.push(`  ${label.padEnd(44)}${pad(f(v, 3), 6)}  (info)`);
  row('added latency p50 (overhead vs direct)', a.ratios.latency_overhead_p50, 1 / 5);
  row('added latency p99 (overhead vs direct)', a.ratios.latency_overhead_p99, 1 / 5);
  row('peak RSS', a.ratios.peak_rss, 1 / 8);
  row('cold start median', a.ratios.cold_start_median, 1 / 10);
  info('cold start p90', a.ratios.cold_start_p90);
  if (a.ratios.cold_start_median_vs_npx !== undefined) info('cold start median vs `npx mcp-remote`', a.ratios.cold_start_median_vs_npx);
  return lines;
}

function sectionNotes(sec, a) {
  const notes = [];
  const tag = `${sec.protocol} server`;
  for (const k of ['p50', 'p99']) {
    if (a.overhead.latchkey[k] <= 0 && a.overhead['mcp-remote'][k] > 0) {
      notes.push(`${tag}: latchkey's ${k} was at or below direct's (noise, or a faster HTTP client than Node's fetch); its ${k} overhead ratio is shown as 0`);
    }
    if (a.overhead['mcp-remote'][k] <= 0) notes.push(`${tag}: mcp-remote's ${k} was at or below direct's; the ${k} overhead ratio is meaningless (n/a)`);
  }
  for (const [m, st] of Object.entries(sec.stops)) if (st && !st.clean && !sec.failures[m]) notes.push(`${tag}: ${m} did not exit 0 on stdin EOF after the latency run (${JSON.stringify(st)})`);
  for (const [m, n] of Object.entries(sec.unclean)) if (!sec.failures[m]) notes.push(`${tag}: ${m}: ${n} cold-start run(s) did not exit 0 on stdin EOF within 5 s`);
  for (const [m, fl] of Object.entries(sec.failures)) notes.push(`${tag}: ${m} FAILED during ${fl.phase}: ${firstLine(fl.message)}`);
  return notes.concat(sec.notes);
}

// ---------------------------------------------------------------- client start-up
function startupAnalyse(sec) {
  const st = sec.startup;
  const ts = mapObj(st.ts, (runs) => ({
    listed: summary(runs.map((x) => x.listed)),
    initialized: summary(runs.map((x) => x.initialized)),
  }));
  const gem = mapObj(st.gemini, summary);
  const tsOk = (m) => (ts[m]?.listed && !st.failures.ts[m] ? ts[m].listed.p50 : NaN);
  const gemOk = (m) => (gem[m] && !st.failures.gemini[m] ? gem[m].p50 : NaN);
  const base = gem.baseline?.p50 ?? NaN;
  const ratios = {
    ts_sdk_median: ratio(tsOk('latchkey'), tsOk('mcp-remote')),
    ts_sdk_p90: ratio(ts.latchkey?.listed?.p90, ts['mcp-remote']?.listed?.p90),
    gemini_median: ratio(gemOk('latchkey'), gemOk('mcp-remote')),
    gemini_over_baseline_median: ratio(gemOk('latchkey') - base, gemOk('mcp-remote') - base),
  };
  if (st.failures.ts['mcp-remote'] || st.failures.ts.latchkey) ratios.ts_sdk_p90 = NaN;
  const goals = {
    ts_sdk: { ...GOALS.client_startup, met: meets(ratios.ts_sdk_median, 1 / 2) },
  };
  if (Object.keys(st.gemini).length || Object.keys(st.failures.gemini).length) {
    // Gemini's own start-up (~1.1 s here, the same whichever proxy) is not the proxy's to cut:
    // the goal is judged on what each proxy adds to it; the whole command is shown for the record.
    goals.gemini = { ...GOALS.client_startup, met: meets(ratios.gemini_over_baseline_median, 1 / 2) };
  }
  return { ts, gem, ratios, goals };
}

function startupLines(secs, r) {
  const lines = [];
  const S = r.startup;
  lines.push('');
  lines.push(`== client start-up: a real client, from spawning the proxy to its tools listed`);
  if (!secs.some((s) => Object.keys(s.startup.ts).length || Object.keys(s.startup.failures.ts).length)) {
    lines.push(`   TS SDK client: skipped (${S.tsSkipped || '--client-runs 0'})`);
  } else {
    lines.push(`   TS SDK v1 Client (@modelcontextprotocol/sdk ${S.sdkVersion}) in the benchmark process: connect() + listTools(); runs per proxy: ${r.opts.clientRuns}, alternating`);
    lines.push('');
    lines.push('TS SDK client: spawn -> tools listed (ms)      median      p90      min      max   initialized (median)');
    for (const sec of secs) {
      const a = sec.startupAnalysis;
      for (const m of ['latchkey', 'mcp-remote']) {
        const label = `${sec.protocol} server, ${m}`;
        if (sec.startup.failures.ts[m]) { lines.push(failRow(label, 44, sec.startup.failures.ts[m])); continue; }
        const t = a.ts[m];
        if (!t?.listed) continue;
        lines.push(`  ${label.padEnd(44)}${pad(f(t.listed.p50, 1), 7)}  ${pad(f(t.listed.p90, 1), 7)}  ${pad(f(t.listed.min, 1), 7)}  ${pad(f(t.listed.max, 1), 7)}  ${pad(f(t.initialized.p50, 1), 21)}`);
      }
    }
  }
  lines.push('');
  if (S.geminiSkipped) {
    lines.push(`gemini mcp list: skipped (${S.geminiSkipped})`);
  } else {
    lines.push(`gemini mcp list (Gemini CLI ${S.geminiVersion}), one server configured; runs each: ${r.opts.geminiRuns}, alternating`);
    lines.push('gemini mcp list: whole command (ms)           median      p90      min      max   over gemini alone (median)');
    for (const sec of secs) {
      const a = sec.startupAnalysis;
      const base = a.gem.baseline?.p50;
      for (const m of ['baseline', 'latchkey', 'mcp-remote']) {
        const label = `${sec.protocol} server, ${m === 'baseline' ? 'gemini alone (no server)' : m}`;
        if (sec.startup.failures.gemini[m]) { lines.push(failRow(label, 44, sec.startup.failures.gemini[m])); continue; }
        const g = a.gem[m];
        if (!g) continue;
        const extra = m === 'baseline' ? '' : f(g.p50 - base, 1);
        lines.push(`  ${label.padEnd(44)}${pad(f(g.p50, 1), 7)}  ${pad(f(g.p90, 1), 7)}  ${pad(f(g.min, 1), 7)}  ${pad(f(g.max, 1), 7)}  ${pad(extra, 27)}`);
      }
    }
  }
  const ratioLines = [];
  for (const sec of secs) {
    const a = sec.startupAnalysis;
    const row = (label, v, limit) => ratioLines.push(`  ${label.padEnd(44)}${pad(f(v, 3), 6)}  <= ${f(limit, 3)}  ${metWord(meets(v, limit))}`);
    const info = (label, v) => ratioLines.push(`  ${label.padEnd(44)}${pad(f(v, 3), 6)}  (info)`);
    if (a.goals.ts_sdk && (Object.keys(sec.startup.ts).length || Object.keys(sec.startup.failures.ts).length)) {
      row(`TS SDK client median, ${sec.protocol} server`, a.ratios.ts_sdk_median, 1 / 2);
      info(`TS SDK client p90, ${sec.protocol} server`, a.ratios.ts_sdk_p90);
    }
    if (a.goals.gemini) {
      row(`gemini, added over gemini alone, ${sec.protocol}`, a.ratios.gemini_over_baseline_median, 1 / 2);
      info('  the whole command, median', a.ratios.gemini_median);
    }
  }
  if (ratioLines.length) lines.push('', 'ratios (latchkey / mcp-remote)                 value    goal      met', ...ratioLines);
  return lines;
}

// ---------------------------------------------------------------- the whole report
/** Print the tables; write the JSON when asked. Returns the notes. */
export function report(r) {
  const secs = r.sections;
  const lines = [];
  lines.push('');
  lines.push(`latchkey ${r.lkVersion} (${r.build} build: ${r.opts.latchkey})  vs  mcp-remote ${r.mcpRemotePkg.version} --protocol auto (node ${process.version})`);
  lines.push(`${os.cpus().length} CPUs, load ${r.load.before.toFixed(2)} -> ${r.load.after.toFixed(2)}; stdio clients speak 2025-06-18; the proxies translate for the 2026-07-28 server`);
  let notes = [];
  for (const sec of secs) {
    sec.analysis = analyse(sec);
    sec.startupAnalysis = startupAnalyse(sec);
    lines.push(...sectionLines(sec, sec.analysis, r));
    notes = notes.concat(sectionNotes(sec, sec.analysis));
    for (const [kind, fl] of Object.entries(sec.startup.failures)) {
      for (const [m, x] of Object.entries(fl)) notes.push(`${sec.protocol} server: ${kind === 'ts' ? 'TS SDK client' : 'gemini mcp list'} through ${m} FAILED: ${firstLine(x.message)}`);
    }
    notes = notes.concat(sec.startup.notes);
  }
  lines.push(...startupLines(secs, r));
  lines.push('');
  for (const sec of secs) {
    const g = sec.analysis.goals;
    const sg = sec.startupAnalysis.goals;
    const parts = [`latency overhead ${goalWord(g.latency_overhead.met)}`, `memory ${goalWord(g.peak_rss.met)}`, `cold start ${goalWord(g.cold_start.met)}`];
    if (sg.ts_sdk && r.opts.clientRuns > 0) parts.push(`client start-up ${goalWord(sg.ts_sdk.met)}`);
    if (sg.gemini) parts.push(`gemini ${goalWord(sg.gemini.met)}`);
    lines.push(`goals, ${sec.protocol} server: ${parts.join('; ')}`);
  }
  if (r.build !== 'release') lines.push(`(${r.build} build: not representative)`);
  notes = notes.concat(r.notes);
  for (const n of notes) lines.push(`note: ${n}`);
  lines.push(`(${r.seconds.toFixed(1)} s)`);
  console.log(lines.map((l) => l.trimEnd()).join('\n'));
  if (r.opts.out) r.writeJson(toJson(r, notes));
  return notes;
}

const clip = (fl) => mapObj(fl, (x) => ({ phase: x.phase, message: String(x.message).slice(0, 4000) }));

function toJson(r, notes) {
  const servers = {};
  for (const sec of r.sections) {
    const a = sec.analysis;
    servers[sec.era] = {
      protocol: sec.protocol,
      server: sec.describe,
      mcp_url: sec.mcpUrl,
      latency_ms: mapObj(a.L, r3obj),
      added_latency_ms: mapObj(a.overhead, r3obj),
      memory_kb: sec.mem,
      cold_start_ms: mapObj(a.C, r3obj),
      ratios: r3obj(a.ratios),
      goals: a.goals,
      failures: clip(sec.failures),
      auth_server_stats: sec.asStats,
      ...(sec.era === '2026' ? { server_stats: sec.serverStats } : {}),
      load: { before: r3(sec.load.before), after: r3(sec.load.after) },
      seconds: r3(sec.seconds),
      raw: {
        latency_ms: mapObj(sec.lat, (s) => s.map(r3)),
        cold_start_ms: mapObj(sec.cold, (s) => s.map(r3)),
      },
    };
  }
  const startup = {
    ts_sdk: {
      client: `@modelcontextprotocol/sdk ${r.startup.sdkVersion} Client + StdioClientTransport, initialize with protocolVersion 2025-06-18`,
      runs: r.opts.clientRuns,
      ...(r.startup.tsSkipped ? { skipped: r.startup.tsSkipped } : {}),
    },
    gemini: {
      client: r.startup.geminiVersion ? `@google/gemini-cli ${r.startup.geminiVersion}: gemini mcp list` : null,
      runs: r.opts.geminiRuns,
      ...(r.startup.geminiSkipped ? { skipped: r.startup.geminiSkipped } : {}),
    },
  };
  for (const sec of r.sections) {
    const sa = sec.startupAnalysis;
    startup.ts_sdk[sec.era] = {
      tools_listed_ms: mapObj(sa.ts, (x) => r3obj(x.listed)),
      initialized_ms: mapObj(sa.ts, (x) => r3obj(x.initialized)),
      ratio_median: r3(sa.ratios.ts_sdk_median),
      ratio_p90: r3(sa.ratios.ts_sdk_p90),
      goal: sa.goals.ts_sdk,
      failures: clip(sec.startup.failures.ts),
      raw: mapObj(sec.startup.ts, (runs) => runs.map((x) => ({ initialized: r3(x.initialized), listed: r3(x.listed) }))),
    };
    if (!r.startup.geminiSkipped) {
      startup.gemini[sec.era] = {
        whole_command_ms: mapObj(sa.gem, r3obj),
        ratio_median: r3(sa.ratios.gemini_median),
        ratio_over_baseline_median: r3(sa.ratios.gemini_over_baseline_median),
        goal: sa.goals.gemini ?? null,
        failures: clip(sec.startup.failures.gemini),
        raw: mapObj(sec.startup.gemini, (s) => s.map(r3)),
      };
    }
  }
  return {
    schema: 'latchkey-bench-proxy/2',
    date: new Date().toISOString(),
    host: {
      os: `${os.type()} ${os.release()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version,
      loadavg_1m: { before: r3(r.load.before), after: r3(r.load.after) },
    },
    latchkey: { path: r.opts.latchkey, version: r.lkVersion, build: r.build },
    mcp_remote: { version: r.mcpRemotePkg.version, command: r.mcpRemoteCommand },
    params: {
      servers: r.opts.servers, n: r.opts.n, warmup: r.opts.warmup, cold_runs: r.opts.cold,
      client_runs: r.opts.clientRuns, gemini_runs: r.opts.geminiRuns, npx: r.opts.npx, tool: 'echo',
    },
    servers,
    client_startup: startup,
    notes,
    seconds: r3(r.seconds),
  };
}
