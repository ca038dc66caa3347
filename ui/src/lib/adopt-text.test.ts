import { describe, expect, it } from "vitest";
import type { AdoptPlan } from "../bindings";
import { confirmLabel, doneText, fileName, fixLabel, importUndoneText, undoneText } from "./adopt-text";

describe("config-file fix words", () => {
  it("names each fix by what it does", () => {
    expect(fixLabel("move_secrets")).toBe("Move secrets to keychain");
    expect(fixLabel("use_sign_in")).toBe("Use Latchkey sign-in");
    expect(fixLabel("import_tokens")).toBe("Import the sign-ins");
    expect(confirmLabel("import_tokens", false)).toBe("Import");
    expect(confirmLabel("import_tokens", true)).toBe("Importing…");
    expect(confirmLabel("use_sign_in", false)).toBe("Change the file");
  });

  it("says what changed and how to undo it later", () => {
    const plan: AdoptPlan = {
      file: "/home/ada/.cursor/mcp.json",
      client: "Cursor",
      entry: "github",
      fix: "move_secrets",
      changes: [],
      message: "",
      alternative: null,
    };
    expect(doneText(plan, 4)).toBe(
      "Changed Cursor's mcp.json for github. To undo later: latchkey restore 4",
    );
    expect(fileName("C:\\Users\\ada\\.cursor\\mcp.json")).toBe("mcp.json");
    expect(fileName("config.yaml")).toBe("config.yaml");
  });

  it("says what an undo put back, and that moved secrets stay stored", () => {
    const plan: AdoptPlan = {
      file: "/home/ada/.config/goose/config.yaml",
      client: "Goose",
      entry: "github",
      fix: "move_secrets",
      changes: [],
      message: "",
      alternative: null,
    };
    expect(undoneText(plan)).toBe(
      "Put Goose's config.yaml back as it was. The secrets stay in the keychain too.",
    );
    expect(undoneText({ ...plan, fix: "use_sign_in" })).toBe("Put Goose's config.yaml back as it was.");
    expect(importUndoneText({ ...plan, client: "mcp-remote", fix: "import_tokens" })).toBe(
      "Put mcp-remote's files back as they were. Latchkey keeps its copy of the sign-ins; Revoke ends them.",
    );
  });
});
