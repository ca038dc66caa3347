import { describe, expect, it } from "vitest";
import { eventIsBad, eventName } from "./history";

describe("eventName", () => {
  // Every name crates/latchkey-core/src/audit.rs writes.
  const rows: [string, string][] = [
    ["connected", "Connected"],
    ["refreshed", "Refreshed"],
    ["refresh_failed", "Refresh failed"],
    ["needs_reconnect", "Needs reconnect"],
    ["revoked", "Revoked"],
    ["revoked_locally", "Removed locally"],
    ["token_handed_out", "Token handed to a client"],
    ["something_new", "Something new"],
  ];
  for (const [event, want] of rows) {
    it(event, () => expect(eventName(event)).toBe(want));
  }

  it("marks failures", () => {
    expect(eventIsBad("refresh_failed")).toBe(true);
    expect(eventIsBad("refreshed")).toBe(false);
  });
});
