import { describe, expect, it } from "vitest";
import { chipClass, chipTitle, sortChips } from "./scopes";

describe("scope chips", () => {
  it("give each access its own class", () => {
    expect(chipClass("write")).toBe("chip chip-write");
    expect(chipClass("read")).toBe("chip chip-read");
    expect(chipClass("identity")).toBe("chip chip-identity");
  });

  it("say in words what a scope can do", () => {
    expect(chipTitle("write")).toBe("can change things");
    expect(chipTitle("read")).toBe("read only");
    expect(chipTitle("identity")).toContain("identity");
  });

  it("put write scopes first, keeping the server's order within each kind", () => {
    const sorted = sortChips([
      { name: "openid", access: "identity" },
      { name: "repo:read", access: "read" },
      { name: "issues:write", access: "write" },
      { name: "wiki:read", access: "read" },
    ]);
    expect(sorted.map((c) => c.name)).toEqual(["issues:write", "repo:read", "wiki:read", "openid"]);
  });
});
