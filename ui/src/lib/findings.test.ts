import { describe, expect, it } from "vitest";
import type { ConfigFinding } from "../bindings";
import { filterSummary, groupFindings, matches, shownCount } from "./findings";

const finding = (client: string, file: string, entry: string, what = "x"): ConfigFinding => ({
  file: `/home/ada/${file}`,
  shown_file: `~/${file}`,
  client,
  entry,
  what,
  kind: "plaintext_secret",
  fix: "move_secrets",
});

const all = [
  finding("Cursor", ".cursor/mcp.json", "github", "Your GitHub token is stored in plain text"),
  finding("Zed", ".config/zed/settings.json", "legacy", "Talks over plain http"),
  finding("Cursor", "work/.cursor/mcp.json", "sentry"),
  finding("Cursor", ".cursor/mcp.json", "linear"),
];

describe("grouping the config findings", () => {
  it("groups by client, then file, in the order given, with counts", () => {
    const groups = groupFindings(all);
    expect(groups.map((g) => [g.client, g.count])).toEqual([
      ["Cursor", 3],
      ["Zed", 1],
    ]);
    expect(groups[0].files.map((f) => [f.shown_file, f.findings.map((x) => x.entry)])).toEqual([
      ["~/.cursor/mcp.json", ["github", "linear"]],
      ["~/work/.cursor/mcp.json", ["sentry"]],
    ]);
    expect(shownCount(groups)).toBe(4);
  });

  it("filters by every word, in any field, ignoring case", () => {
    expect(matches(all[0], "")).toBe(true);
    expect(matches(all[0], "  cursor   GITHUB ")).toBe(true);
    expect(matches(all[0], "github zed")).toBe(false);
    expect(matches(all[1], "plain http")).toBe(true);
    expect(matches(all[2], "work/.cursor")).toBe(true);
    const groups = groupFindings(all, "cursor mcp.json work");
    expect(groups.map((g) => g.client)).toEqual(["Cursor"]);
    expect(shownCount(groups)).toBe(1);
    expect(groupFindings(all, "nothing-like-this")).toEqual([]);
  });

  it("says how many are shown only when the filter hides some", () => {
    expect(filterSummary(27, 27)).toBe("27 findings");
    expect(filterSummary(4, 27)).toBe("Showing 4 of 27");
  });
});
