// The config findings as a person scans them: grouped by MCP client, then by file, each group
// with its count, in the order the core gives (fixable ones first, so the groups that Latchkey
// can fix come first too). A filter narrows them by any word a person remembers: the client,
// the entry, the file or the words of the finding.
import type { ConfigFinding } from "../bindings";

/** Above this many findings the list gets a filter box. */
export const FILTER_FROM = 11;

export type FileGroup = { file: string; shown_file: string; findings: ConfigFinding[] };
export type ClientGroup = { client: string; count: number; files: FileGroup[] };

/** Every word of the query must appear somewhere in the finding (case-insensitive). */
export function matches(f: ConfigFinding, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [f.client, f.entry, f.shown_file, f.file, f.what].join(" ").toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export function groupFindings(findings: ConfigFinding[], query = ""): ClientGroup[] {
  const clients = new Map<string, ClientGroup>();
  for (const f of findings) {
    if (!matches(f, query)) continue;
    let group = clients.get(f.client);
    if (!group) {
      group = { client: f.client, count: 0, files: [] };
      clients.set(f.client, group);
    }
    let file = group.files.find((g) => g.file === f.file);
    if (!file) {
      file = { file: f.file, shown_file: f.shown_file, findings: [] };
      group.files.push(file);
    }
    file.findings.push(f);
    group.count += 1;
  }
  return [...clients.values()];
}

export function shownCount(groups: ClientGroup[]): number {
  return groups.reduce((n, g) => n + g.count, 0);
}

/** "1 finding", "27 findings". */
export function countOf(n: number): string {
  return `${n} ${n === 1 ? "finding" : "findings"}`;
}

/** "Showing 4 of 27", or just the count when the filter hides nothing. */
export function filterSummary(shown: number, total: number): string {
  return shown === total ? countOf(total) : `Showing ${shown} of ${total}`;
}
