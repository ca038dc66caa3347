import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coalesce } from "./coalesce";

describe("coalesce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("turns a burst into one run", async () => {
    const run = vi.fn(async () => {});
    const trigger = coalesce(run, 100);
    for (let i = 0; i < 20; i++) trigger();
    await vi.advanceTimersByTimeAsync(150);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("runs once more when triggered during a run, never concurrently", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const run = vi.fn(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 500));
      inFlight--;
    });
    const trigger = coalesce(run, 100);
    trigger();
    await vi.advanceTimersByTimeAsync(200); // first run is in flight
    trigger();
    trigger();
    await vi.advanceTimersByTimeAsync(2000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(maxInFlight).toBe(1);
  });
});
