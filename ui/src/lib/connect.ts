// The Connect steps as the window shows them, folded from `connect-progress` updates.
import type { ConnectStep, ConnectUpdate, DeviceCodeShown, Problem, ScopeChip } from "../bindings";

/** The path of a successful sign-in, in order. */
export const PATH: readonly ConnectStep[] = [
  "discovering",
  "registering",
  "waiting_for_browser",
  "exchanging",
  "connected",
];

/** Where a step sits on PATH: a code entered on another device takes the browser's place. */
function pathIndex(step: ConnectStep): number {
  return PATH.indexOf(step === "waiting_for_code" ? "waiting_for_browser" : step);
}

export function isFinal(step: ConnectStep): boolean {
  return (
    step === "connected" ||
    step === "no_sign_in_needed" ||
    step === "failed" ||
    step === "cancelled"
  );
}

/** One Connect as the window knows it. */
export interface ConnectView {
  url: string;
  step: ConnectStep;
  /** The furthest step on PATH seen so far: where a failure or a cancel happened. */
  reached: ConnectStep;
  issuer: string | null;
  account: string | null;
  scopes: ScopeChip[];
  problem: Problem | null;
  /** The server also offers sign-in with a code ("Use a code instead"). */
  deviceOffered: boolean;
  /** Signing in with a code: what to enter, and where. */
  deviceCode: DeviceCodeShown | null;
}

export function started(url: string): ConnectView {
  return {
    url,
    step: "discovering",
    reached: "discovering",
    issuer: null,
    account: null,
    scopes: [],
    problem: null,
    deviceOffered: false,
    deviceCode: null,
  };
}

/** Fold one update in. The first final update wins (the event and the command's result repeat it). */
export function applyUpdate(prev: ConnectView | undefined, u: ConnectUpdate): ConnectView {
  if (prev && isFinal(prev.step)) {
    if (isFinal(u.step)) return prev;
    prev = undefined; // a new Connect began elsewhere (the tray, another click)
  }
  const base = prev ?? started(u.url);
  const onPath = pathIndex(u.step);
  const reached = onPath >= pathIndex(base.reached) && onPath >= 0 ? u.step : base.reached;
  return {
    url: u.url,
    step: u.step,
    reached,
    issuer: u.issuer ?? base.issuer,
    account: u.account ?? base.account,
    scopes: u.scopes.length > 0 ? u.scopes : base.scopes,
    problem: u.problem ?? (u.step === "failed" ? base.problem : null),
    deviceOffered: u.device_offered || base.deviceOffered,
    deviceCode: u.device_code ?? base.deviceCode,
  };
}

/** A command rejection (bad URL, keychain locked) ends the Connect as a failure. */
export function failed(prev: ConnectView, problem: Problem): ConnectView {
  return isFinal(prev.step) ? prev : { ...prev, step: "failed", problem };
}

export function stepLabel(step: ConnectStep, issuer: string | null): string {
  switch (step) {
    case "discovering":
      return "Discovering how this server signs in";
    case "registering":
      return issuer ? `Registering with ${issuer}` : "Registering Latchkey";
    case "waiting_for_browser":
      return "Waiting for you in the browser";
    case "waiting_for_code":
      return "Waiting for you to enter the code";
    case "exchanging":
      return "Exchanging the code";
    case "connected":
      return "Connected";
    case "no_sign_in_needed":
      return "No sign-in needed";
    case "failed":
      return "Sign-in failed";
    case "cancelled":
      return "Cancelled";
  }
}

export type ItemState = "done" | "current" | "pending" | "failed" | "stopped";
export interface StepItem {
  step: ConnectStep;
  label: string;
  state: ItemState;
}

/** The checklist: done steps, the current one, what is still ahead, or where it stopped. */
export function stepItems(v: ConnectView): StepItem[] {
  const at = pathIndex(v.reached);
  const path = v.deviceCode
    ? PATH.map((s) => (s === "waiting_for_browser" ? "waiting_for_code" : s))
    : PATH;
  return path.map((step, i) => {
    let state: ItemState;
    if (v.step === "connected") state = "done";
    else if (i < at) state = "done";
    else if (i > at) state = "pending";
    else if (v.step === "failed") state = "failed";
    else if (v.step === "cancelled") state = "stopped";
    else state = "current";
    return { step, label: stepLabel(step, v.issuer), state };
  });
}

/** The one sentence read aloud (aria-live) as the steps change. */
export function headline(v: ConnectView): string {
  switch (v.step) {
    case "connected":
      return v.account ? `Connected as ${v.account}` : "Connected";
    case "no_sign_in_needed":
      return "This server needs no sign-in: clients can use it as it is.";
    case "failed":
      return "Sign-in failed";
    case "cancelled":
      return "Sign-in cancelled. Nothing was changed.";
    case "waiting_for_browser":
      return "Waiting for you in the browser: approve the sign-in there.";
    case "waiting_for_code":
      return v.deviceCode
        ? `Enter the code ${v.deviceCode.user_code} at ${v.deviceCode.verification_uri}`
        : "Waiting for you to enter the code";
    default:
      return `${stepLabel(v.step, v.issuer)}…`;
  }
}
