import { describe, expect, it } from "vitest";
import { confirmLabel, outcomeText } from "./revoke-text";

describe("revoke words", () => {
  it("name the confirm button after what will happen", () => {
    expect(confirmLabel({ at_server: true })).toBe("Revoke at server");
    expect(confirmLabel({ at_server: false })).toBe("Remove from this computer");
  });

  it("say what happened", () => {
    expect(outcomeText("at_server", "https://auth.example.com")).toBe(
      "Revoked at https://auth.example.com",
    );
    expect(outcomeText("locally_only", "https://auth.example.com")).toBe(
      "Removed locally; the server-side grant remains until it expires",
    );
    expect(outcomeText("local_by_request", "x")).toContain("this computer");
  });
});
