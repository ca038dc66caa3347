// The Revoke flow: fetch the plan (what will happen), ask once, do it, say what happened, and
// give focus back to the button that opened the dialog (or the row, when that button is gone).
import { api, asProblem } from "./api";
import { fetchOverview } from "./live.svelte";
import { outcomeText } from "./revoke-text";
import { revoke, rowSelector, showNotice } from "./ui.svelte";

let opener: HTMLElement | null = null;

export async function openRevoke(url: string, grantId: number | null, from: HTMLElement | null) {
  opener = from;
  revoke.url = url;
  revoke.grantId = grantId;
  revoke.plan = null;
  revoke.problem = null;
  revoke.busy = false;
  revoke.open = true;
  try {
    const plan = await api.revokePlan(url, grantId);
    if (revoke.open && revoke.url === url) revoke.plan = plan;
  } catch (e) {
    if (revoke.open && revoke.url === url) revoke.problem = asProblem(e);
  }
}

export function closeRevoke(): void {
  const url = revoke.url;
  revoke.open = false;
  revoke.plan = null;
  revoke.problem = null;
  revoke.busy = false;
  returnFocus(url);
}

export async function confirmRevoke(): Promise<void> {
  const plan = revoke.plan;
  if (!plan || revoke.busy) return;
  revoke.busy = true;
  revoke.problem = null;
  try {
    const outcome = await api.revoke(plan.url, plan.grant_id);
    showNotice(outcomeText(outcome, plan.issuer), "revoke-outcome");
    // Re-read before closing, so focus returns to what the row looks like now.
    await fetchOverview();
    closeRevoke();
  } catch (e) {
    // Nothing was deleted (the Rust side says so); the dialog stays so the person can retry.
    revoke.problem = asProblem(e);
    revoke.busy = false;
  }
}

function returnFocus(url: string): void {
  const target = opener;
  opener = null;
  // Wait a frame: the row may re-render without its Revoke button after the overview refetch.
  requestAnimationFrame(() => {
    if (target && target.isConnected) {
      target.focus();
      return;
    }
    document.querySelector<HTMLElement>(rowSelector(url))?.focus();
  });
}
