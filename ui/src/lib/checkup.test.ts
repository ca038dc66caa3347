import { describe, expect, it } from "vitest";
import type { Check, Checkup } from "../bindings";
import { checkName, checkupSummary, verdictWord } from "./checkup";

const check = (name: string, result: Check["result"]): Check => ({ check: name, result, says: "", spec: "" });

describe("checkup words", () => {
  it("names checks and verdicts as a person reads them", () => {
    expect(checkName("protected_resource_metadata")).toBe("Protected resource metadata");
    expect(checkName("pkce")).toBe("PKCE");
    expect(verdictWord("failure")).toBe("Fails");
    expect(verdictWord("ok")).toBe("OK");
  });

  it("sums up failures, warnings and what could not be checked", () => {
    const of = (checks: Check[]): Checkup => ({ server: "https://x/mcp", checks, worst: "ok" });
    expect(checkupSummary(of([check("a", "ok")]))).toBe("Every check passed.");
    expect(checkupSummary(of([check("a", "failure"), check("b", "warning"), check("c", "skipped")]))).toBe(
      "1 check fails, 1 warning (1 not made: it needs an earlier step).",
    );
    expect(checkupSummary(of([check("a", "failure"), check("b", "failure")]))).toBe("2 checks fail.");
  });
});
