// The first-run pass in the window (issue 16): offered once the overview is read, when there
// is something to do and the person has not said "Not now"; opened again from Settings. One
// consent makes every change (file by file, a backup each), then the servers are signed in to
// one after the other through the same Connect the rows use.
import type { Problem, SetupDone, SetupView } from "../bindings";
import { api, asProblem } from "./api";
import { connects, startConnect } from "./connects.svelte";

export type SetupPhase = "review" | "applying" | "signing_in" | "finished";

export const setup = $state({
  open: false,
  phase: "review" as SetupPhase,
  view: null as SetupView | null,
  done: null as SetupDone | null,
  problem: null as Problem | null,
  /** The server being signed in to now, during "signing_in". */
  current: null as string | null,
  /** Set once the files were put back with "Undo all". */
  undone: false,
});

let offered = false;

/** After each overview: offer the pass once per run, unless dismissed or no file to change. */
export async function maybeOffer(): Promise<void> {
  if (offered || setup.open) return;
  try {
    if (await api.setupDismissed()) {
      offered = true;
      return;
    }
    const view = await api.setupPlan();
    offered = true;
    // Files to change start it; servers that only need a sign-in already show Connect.
    if (view.changes.length > 0) show(view);
  } catch {
    // The config files are not read yet: the next overview tries again.
  }
}

function show(view: SetupView): void {
  Object.assign(setup, {
    open: true,
    phase: "review",
    view,
    done: null,
    problem: null,
    current: null,
    undone: false,
  });
}

/** From Settings: look again, whatever was dismissed. */
export async function openSetup(): Promise<void> {
  try {
    show(await api.setupPlan());
  } catch (e) {
    show(emptyView());
    setup.problem = asProblem(e);
  }
}

function emptyView(): SetupView {
  return {
    clients: [],
    changes: [],
    secrets_moved: 0,
    entries_to_sign_in: 0,
    left_for_you: [],
    sign_ins: [],
    fingerprint: "",
  };
}

export async function notNow(): Promise<void> {
  setup.open = false;
  await api.setSetupDismissed(true).catch(() => undefined);
}

export function close(): void {
  setup.open = false;
}

/** The one consent: every change, then every sign-in. */
export async function goAhead(): Promise<void> {
  const view = setup.view;
  if (!view) return;
  setup.problem = null;
  if (view.changes.length > 0) {
    setup.phase = "applying";
    try {
      setup.done = await api.setupApply(view.fingerprint);
    } catch (e) {
      setup.problem = asProblem(e);
      setup.phase = "review";
      return;
    }
    if (setup.done.stopped) {
      // Sign-ins wait until the files are right.
      setup.phase = "finished";
      return;
    }
  }
  setup.phase = "signing_in";
  for (const s of view.sign_ins) {
    setup.current = s.url;
    await startConnect(s.url);
  }
  setup.current = null;
  setup.phase = "finished";
}

/** The outcome of one server's sign-in in this pass, in a word. */
export function signInState(url: string): "pending" | "now" | "connected" | "not_needed" | "failed" {
  const c = connects[url];
  if (setup.current === url) return "now";
  if (!c) return "pending";
  if (c.step === "connected") return "connected";
  if (c.step === "no_sign_in_needed") return "not_needed";
  if (c.step === "failed" || c.step === "cancelled") return "failed";
  return "now";
}

export async function undoAll(): Promise<void> {
  const backups = setup.done?.backups ?? [];
  try {
    await api.undoSetup(backups);
    setup.undone = true;
  } catch (e) {
    setup.problem = asProblem(e);
  }
}
