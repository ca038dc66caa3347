// What the window is showing besides the list: a server's detail, the revoke dialog, the
// config-file fix dialog, a notice.
import type { AdoptPlan, ConfigFinding, Problem, RevokePlan } from "../bindings";

export const view = $state({
  /** The server whose detail view is open; null shows the list. */
  detail: null as { url: string; grantId: number | null } | null,
});

export const revoke = $state({
  open: false,
  url: "",
  grantId: null as number | null,
  plan: null as RevokePlan | null,
  problem: null as Problem | null,
  busy: false,
});

/** The fix to one entry of an MCP client's config file, asked before it is made. */
export const adopting = $state({
  open: false,
  finding: null as ConfigFinding | null,
  plan: null as AdoptPlan | null,
  problem: null as Problem | null,
  busy: false,
});

/** A button offered beside a notice ("Undo"). */
export interface NoticeAction {
  label: string;
  testid: string;
  run: () => void | Promise<void>;
}

export const notice = $state({
  text: "",
  /** "revoke-outcome" for the result of a revoke, "notice" for anything else. */
  testid: "notice",
  tone: "ok" as "ok" | "bad",
  action: null as NoticeAction | null,
});

let noticeTimer: ReturnType<typeof setTimeout> | null = null;

/** Say something briefly in the status line at the bottom (aria-live). */
export function showNotice(
  text: string,
  testid = "notice",
  tone: "ok" | "bad" = "ok",
  action: NoticeAction | null = null,
): void {
  notice.text = text;
  notice.testid = testid;
  notice.tone = tone;
  notice.action = action;
  if (noticeTimer !== null) clearTimeout(noticeTimer);
  noticeTimer = null;
  // A notice with a button stays until used or dismissed: 8 s is too short to reach it by
  // keyboard (WCAG 2.2.1).
  if (action) return;
  noticeTimer = setTimeout(() => {
    notice.text = "";
    noticeTimer = null;
  }, 8000);
}

export function clearNotice(): void {
  notice.text = "";
  notice.action = null;
}

/** Focus the first element matching `selector`, or `fallback` when it is gone. */
export function focusSoon(selector: string, fallback?: string): void {
  // After Svelte has applied the change that shows the element.
  requestAnimationFrame(() => {
    const el =
      document.querySelector<HTMLElement>(selector) ??
      (fallback ? document.querySelector<HTMLElement>(fallback) : null);
    el?.focus();
  });
}

/** The CSS selector of a server's row. */
export function rowSelector(url: string): string {
  return `[data-testid="server-row"][data-url="${CSS.escape(url)}"]`;
}
