import { describe, expect, it } from "vitest";
import type { ServerView, Status } from "../bindings";
import { clientsLine, pillText, pillTone, rowActions } from "./status";
// Written by the core (crates/latchkey-core/src/bindings.rs): `latchkey list`'s words.
import sharedWords from "./status-words.json";

const now = 1_000_000;

describe("pillText", () => {
  const rows: [string, Status, string][] = [
    [
      "connected, refreshes",
      { kind: "connected", expires_at: now + 42 * 60, refreshes_automatically: true },
      "Connected · expires in 42 min · refreshes automatically",
    ],
    [
      "connected, no refresh",
      { kind: "connected", expires_at: now + 2 * 3600, refreshes_automatically: false },
      "Connected · expires in 2 h",
    ],
    [
      "connected, no lifetime",
      { kind: "connected", expires_at: null, refreshes_automatically: true },
      "Connected",
    ],
    [
      "connected, refreshable token just ran out",
      { kind: "connected", expires_at: now - 120, refreshes_automatically: true },
      "Connected · expired 2 min ago · refreshes automatically",
    ],
    ["expired", { kind: "expired" }, "Expired · sign in again"],
    ["needs reconnect", { kind: "needs_reconnect", reason: "invalid_grant" }, "Needs reconnect"],
    ["not connected", { kind: "not_connected" }, "Not connected"],
    ["refreshing", { kind: "refreshing" }, "Refreshing…"],
    ["no sign-in needed", { kind: "no_sign_in_needed" }, "No sign-in needed"],
  ];
  for (const [name, status, want] of rows) {
    it(name, () => expect(pillText(status, now)).toBe(want));
  }
});

describe("pillTone", () => {
  it("is green when well, amber when it needs the person soon, red when broken", () => {
    const ok: Status = { kind: "connected", expires_at: null, refreshes_automatically: true };
    expect(pillTone(ok, false)).toBe("ok");
    expect(pillTone(ok, true)).toBe("warn");
    expect(pillTone({ kind: "expired" }, true)).toBe("bad");
    expect(pillTone({ kind: "needs_reconnect", reason: null }, true)).toBe("bad");
    expect(pillTone({ kind: "refreshing" }, false)).toBe("busy");
    expect(pillTone({ kind: "not_connected" }, false)).toBe("neutral");
  });
});

function server(over: Partial<ServerView>): ServerView {
  return {
    url: "https://mcp.example.com/mcp",
    name: "mcp.example.com/mcp",
    host: "mcp.example.com",
    clients: [],
    status: { kind: "not_connected" },
    scopes: [],
    account: null,
    accounts: [],
    attention: null,
    known_to_latchkey: true,
    ...over,
  };
}

const account = {
  grant_id: 1,
  account: "ada@example.com",
  is_default: true,
  status: { kind: "connected", expires_at: null, refreshes_automatically: true } as Status,
};

describe("rowActions", () => {
  const rows: [string, ServerView, Partial<Record<keyof ReturnType<typeof rowActions>, boolean>>][] =
    [
      ["added, not connected", server({}), { connect: true, remove: true, revoke: false }],
      [
        "found in a client config",
        server({ known_to_latchkey: false, clients: ["Cursor"] }),
        { connect: true, details: false, remove: false },
      ],
      [
        "connected",
        server({ status: account.status, accounts: [account] }),
        { connect: false, reconnect: false, revoke: true, addAccount: true, remove: false },
      ],
      [
        "needs reconnect",
        server({ status: { kind: "needs_reconnect", reason: null }, accounts: [account] }),
        { reconnect: true, revoke: true },
      ],
      ["expired", server({ status: { kind: "expired" }, accounts: [account] }), { reconnect: true }],
      [
        "expiring for good",
        server({
          status: { kind: "connected", expires_at: now + 60, refreshes_automatically: false },
          attention: "Expires in 1 min",
          accounts: [account],
        }),
        { reconnect: true, revoke: true },
      ],
      [
        "no sign-in needed",
        server({ status: { kind: "no_sign_in_needed" } }),
        { connect: false, reconnect: false, revoke: false, remove: true },
      ],
    ];
  for (const [name, s, want] of rows) {
    it(name, () => expect(rowActions(s)).toMatchObject(want));
  }
});

describe("clientsLine", () => {
  it("says who uses a known server and where an unknown one was found", () => {
    expect(clientsLine(server({ clients: ["Cursor", "Claude Code"] }))).toBe(
      "Used by Cursor, Claude Code",
    );
    expect(clientsLine(server({ known_to_latchkey: false, clients: ["Cursor"] }))).toBe(
      "Found in Cursor",
    );
    expect(clientsLine(server({}))).toBeNull();
  });
});

describe("pillText says what latchkey list says", () => {
  const cases = sharedWords as { status: Status; now: number; words: string }[];
  it("has the core's cases", () => expect(cases.length).toBeGreaterThan(10));
  it.each(cases.map((c) => [c.words, c] as const))("%s", (_, c) => {
    expect(pillText(c.status, c.now)).toBe(c.words);
  });
});
