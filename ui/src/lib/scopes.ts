// Scope chips: write-capable scopes must stand out from read-only ones at a glance.
import type { ScopeAccess, ScopeChip } from "../bindings";

/** CSS classes of a chip; the colours live in components/ScopeChips.svelte. */
export function chipClass(access: ScopeAccess): string {
  return `chip chip-${access}`;
}

/** The tooltip, and the words a screen reader hears after the scope's name. */
export function chipTitle(access: ScopeAccess): string {
  switch (access) {
    case "write":
      return "can change things";
    case "read":
      return "read only";
    case "identity":
      return "who you are (identity)";
  }
}

/** Write scopes first, then read, then identity, so the risky ones are read first. */
export function sortChips(chips: readonly ScopeChip[]): ScopeChip[] {
  const rank: Record<ScopeAccess, number> = { write: 0, read: 1, identity: 2 };
  return [...chips].sort((a, b) => rank[a.access] - rank[b.access]);
}
