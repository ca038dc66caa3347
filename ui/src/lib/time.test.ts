import { describe, expect, it } from "vitest";
import { absoluteTime, humanUntil, msToNextMinute } from "./time";

describe("humanUntil", () => {
  const now = 1_000_000;
  // Same rows as crates/latchkey-core/src/time.rs where the words agree.
  const rows: [string, number, string][] = [
    ["under a minute ahead", 30, "in under a minute"],
    ["exactly now", 0, "in under a minute"],
    ["just past", -20, "just now"],
    ["minutes", 42 * 60 + 30, "in 42 min"],
    ["59 min rounds down, never up", 59 * 60 + 59, "in 59 min"],
    ["hours and minutes", 2 * 3600 + 5 * 60, "in 2 h 5 min"],
    ["whole hours", 2 * 3600, "in 2 h"],
    ["one day", 86_400 + 3600, "in 1 day"],
    ["days", 3 * 86_400, "in 3 days"],
    ["past minutes", -180, "3 min ago"],
    ["past hours", -(3 * 3600 + 60), "3 h 1 min ago"],
  ];
  for (const [name, delta, want] of rows) {
    it(name, () => expect(humanUntil(now + delta, now)).toBe(want));
  }
});

describe("absoluteTime", () => {
  it("formats in the given locale and zone", () => {
    expect(absoluteTime(0, "en-GB", "UTC")).toBe("1 Jan 1970, 00:00");
  });
});

describe("msToNextMinute", () => {
  it("lines the clock up with the next minute", () => {
    expect(msToNextMinute(120_000)).toBe(60_000);
    expect(msToNextMinute(120_500)).toBe(59_500);
  });
});
