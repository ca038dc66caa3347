// The config-file fix: fetch the plan (what will change), ask once, make it, say what changed,
// and give focus back to the button that opened the dialog (or the findings list when the
// finding is gone, as it is after a fix).
import type { AdoptPlan, ConfigFinding } from "../bindings";
import { api, asProblem } from "./api";
import { doneText, importUndoneText, undoneText } from "./adopt-text";
import { fetchOverview } from "./live.svelte";
import { adopting, focusSoon, showNotice } from "./ui.svelte";

let opener: HTMLElement | null = null;

export async function openAdopt(finding: ConfigFinding, from: HTMLElement | null): Promise<void> {
  if (!finding.fix) return;
  opener = from;
  adopting.finding = finding;
  adopting.plan = null;
  adopting.problem = null;
  adopting.busy = false;
  adopting.open = true;
  try {
    const plan = await api.adoptPlan(finding.file, finding.entry, finding.fix);
    if (adopting.open && adopting.finding === finding) adopting.plan = plan;
  } catch (e) {
    if (adopting.open && adopting.finding === finding) adopting.problem = asProblem(e);
  }
}

export function closeAdopt(): void {
  adopting.open = false;
  adopting.finding = null;
  adopting.plan = null;
  adopting.problem = null;
  adopting.busy = false;
  const target = opener;
  opener = null;
  requestAnimationFrame(() => {
    if (target && target.isConnected) target.focus();
    else focusSoon('[data-testid="config-findings"] h2');
  });
}

export async function confirmAdopt(revokeInstead = false): Promise<void> {
  const plan = adopting.plan;
  if (!plan || adopting.busy) return;
  adopting.busy = true;
  adopting.problem = null;
  if (plan.fix === "import_tokens") return importTokens(plan, revokeInstead);
  try {
    const backupId = await api.adopt(plan.file, plan.entry, plan.fix);
    showNotice(doneText(plan, backupId), "adopt-outcome", "ok", {
      label: "Undo",
      testid: "adopt-undo",
      run: () => undoAdopt(plan, backupId),
    });
    await fetchOverview();
    closeAdopt();
  } catch (e) {
    // Nothing was written (the file is only replaced once everything else worked).
    adopting.problem = asProblem(e);
    adopting.busy = false;
  }
}

/** "Undo" on a fix's outcome: the file goes back as it was; the finding comes back with it. */
async function undoAdopt(plan: AdoptPlan, backupId: number): Promise<void> {
  try {
    await api.undoAdopt(backupId);
    showNotice(undoneText(plan), "adopt-undone");
    await fetchOverview();
  } catch (e) {
    // Nothing changed: the file is only replaced once the backup of it is stored.
    showNotice(asProblem(e).message, "adopt-undone", "bad");
  }
}

/** A token cache's import (or "revoke instead"): the outcome says what moved and what was
 *  left; its Undo puts every file back (the token files and the config files). */
async function importTokens(plan: AdoptPlan, revokeInstead: boolean): Promise<void> {
  try {
    const done = await api.importTokens(plan.file, revokeInstead);
    const undo =
      done.backups.length > 0
        ? { label: "Undo", testid: "adopt-undo", run: () => undoImport(plan, done.backups) }
        : null;
    showNotice(done.message, "adopt-outcome", done.incomplete ? "bad" : "ok", undo);
    await fetchOverview();
    closeAdopt();
  } catch (e) {
    // Nothing was changed for the sign-ins the problem is about.
    adopting.problem = asProblem(e);
    adopting.busy = false;
  }
}

async function undoImport(plan: AdoptPlan, backups: number[]): Promise<void> {
  try {
    await api.undoSetup(backups);
    showNotice(importUndoneText(plan), "adopt-undone");
    await fetchOverview();
  } catch (e) {
    showNotice(asProblem(e).message, "adopt-undone", "bad");
  }
}
