// Times as a person reads them. The words follow `latchkey list` (crates/latchkey-core/src/time.rs:
// "in 42 min", "in 2 h 5 min", "3 min ago") so the window and the CLI agree. Two differences on
// purpose: the window re-renders once a minute, so anything under a minute reads "in under a
// minute" / "just now" instead of a seconds count that would go stale, and days are spelled out.

/** Unix seconds now (all times from Rust are Unix seconds). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function span(abs: number): string {
  if (abs < 3600) return `${Math.floor(abs / 60)} min`;
  if (abs < 86_400) {
    const h = Math.floor(abs / 3600);
    const m = Math.floor((abs % 3600) / 60);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(abs / 86_400);
  return d === 1 ? "1 day" : `${d} days`;
}

/** "in 42 min" for a time ahead, "3 min ago" for one behind. */
export function humanUntil(at: number, now: number): string {
  const delta = at - now;
  const abs = Math.abs(delta);
  if (abs < 60) return delta >= 0 ? "in under a minute" : "just now";
  return delta >= 0 ? `in ${span(abs)}` : `${span(abs)} ago`;
}

/** A date and time in the person's own locale and time zone ("26 Nov 2025, 14:03"). */
export function absoluteTime(at: number, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(at * 1000));
}

/** Milliseconds until the next whole minute: the one clock tick lines up with the minute. */
export function msToNextMinute(nowMs: number): number {
  return 60_000 - (nowMs % 60_000);
}
