// The overview the window shows, kept current without polling: fetched on start, taken from every
// `state-changed` (which carries the overview the shell just built; coalesced; fetched only when
// the shell could not build it), and fetched once at `next_change_at` when a status changes by
// the clock alone. One minute timer re-renders the relative times ("expires in 41 min").
import type { Overview, Problem } from "../bindings";
import { api, asProblem, onStateChanged } from "./api";
import { coalesce } from "./coalesce";
import { maybeOffer } from "./setup.svelte";
import { msToNextMinute, nowSeconds } from "./time";

export const live = $state({
  overview: null as Overview | null,
  /** Why the overview could not be read (shown instead of the list). */
  problem: null as Problem | null,
  /** Unix seconds, advanced once a minute: everything relative is computed against it. */
  now: nowSeconds(),
  /** Bumped on every `state-changed`, so an open detail view fetches again too. */
  changes: 0,
});

let clockTimer: ReturnType<typeof setTimeout> | null = null;
let nextChangeTimer: ReturnType<typeof setTimeout> | null = null;
// setTimeout overflows past 2^31-1 ms (about 24.8 days); a longer wait is cut to that.
const MAX_TIMEOUT_MS = 2_147_483_000;

function show(o: Overview): void {
  live.overview = o;
  live.problem = null;
  void maybeOffer();
  live.now = nowSeconds();
  scheduleNextChange(o.next_change_at);
}

export async function fetchOverview(): Promise<void> {
  try {
    show(await api.overview());
  } catch (e) {
    live.problem = asProblem(e);
  }
}

function scheduleNextChange(at: number | null): void {
  if (nextChangeTimer !== null) clearTimeout(nextChangeTimer);
  nextChangeTimer = null;
  if (at === null) return;
  const ms = Math.min(Math.max((at - nowSeconds() + 1) * 1000, 1000), MAX_TIMEOUT_MS);
  nextChangeTimer = setTimeout(() => void fetchOverview(), ms);
}

function startClock(): void {
  const tick = () => {
    live.now = nowSeconds();
    clockTimer = setTimeout(tick, msToNextMinute(Date.now()));
  };
  clockTimer = setTimeout(tick, msToNextMinute(Date.now()));
  // After sleep or when the window comes back, times are stale: look again once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") live.now = nowSeconds();
  });
}

/** The overview the latest `state-changed` carried (`null`: it carried none, so fetch). */
let carried: Overview | null = null;

/** Bursts (refresh-all, a proxy refreshing) settle for 150 ms, well inside the 1 s goal. */
export const refreshSoon = coalesce(async () => {
  const o = carried;
  carried = null;
  if (o) show(o);
  else await fetchOverview();
  live.changes += 1;
}, 150);

export async function startLive(): Promise<void> {
  if (clockTimer === null) startClock();
  await onStateChanged((o) => {
    carried = o;
    refreshSoon();
  });
  await fetchOverview();
}
