// The window's only way to reach Latchkey: typed calls to the Rust shell's commands
// (src-tauri/src/commands.rs) and its two events. Types come from ../bindings.ts, which is
// generated from the Rust types. Tokens never cross this boundary: only metadata does.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AdoptPlan,
  Checkup,
  ConnectUpdate,
  Fix,
  ImportDone,
  Overview,
  Problem,
  Revoked,
  RevokePlan,
  ServerDetail,
  ServerView,
  SetupDone,
  SetupView,
} from "../bindings";

/** Commands reject with a Problem: `message` in plain words, `detail` for the curious. */
export function asProblem(e: unknown): Problem {
  if (e && typeof e === "object" && "message" in e && "detail" in e && "kind" in e) {
    return e as Problem;
  }
  const text = e instanceof Error ? e.message : String(e);
  return { kind: "invalid", message: text, detail: text };
}

export const api = {
  overview: () => invoke<Overview>("overview"),
  serverDetail: (url: string, grantId: number | null = null) =>
    invoke<ServerDetail>("server_detail", { url, grantId }),
  /** Validates the URL and asks the server once whether it wants a sign-in. */
  addServer: (url: string) => invoke<ServerView>("add_server", { url }),
  /** Resolves with the final update; the steps arrive as `connect-progress` events. */
  connect: (url: string, anotherAccount = false) =>
    invoke<ConnectUpdate>("connect", { url, anotherAccount }),
  openAgain: (url: string) => invoke<void>("open_again", { url }),
  cancelConnect: (url: string) => invoke<void>("cancel_connect", { url }),
  /** Leave the browser sign-in in progress for a code entered on another device. */
  connectWithCode: (url: string) => invoke<void>("connect_with_code", { url }),
  revokePlan: (url: string, grantId: number | null = null) =>
    invoke<RevokePlan>("revoke_plan", { url, grantId }),
  revoke: (url: string, grantId: number | null = null) =>
    invoke<Revoked>("revoke", { url, grantId }),
  refreshAll: () => invoke<void>("refresh_all"),
  setDefaultAccount: (url: string, grantId: number) =>
    invoke<void>("set_default_account", { url, grantId }),
  /** Only for servers without a sign-in (added by mistake). */
  forgetServer: (url: string) => invoke<void>("forget_server", { url }),
  /** What fixing one entry of a client's config file will change; nothing is written. */
  adoptPlan: (file: string, entry: string, fix: Fix) =>
    invoke<AdoptPlan>("adopt_plan", { file, entry, fix }),
  /** Make that fix (after consent): resolves with the backup's id. */
  adopt: (file: string, entry: string, fix: Fix) => invoke<number>("adopt", { file, entry, fix }),
  /** Move a token cache's sign-ins into Latchkey (or revoke them): the outcome and its backups. */
  importTokens: (file: string, revokeInstead: boolean) =>
    invoke<ImportDone>("import_tokens", { file, revokeInstead }),
  /** The checkup of a server's sign-in (`latchkey doctor <url>`). */
  checkup: (url: string) => invoke<Checkup>("checkup", { url }),
  /** Put the file back as backup `id` holds it; the id of the backup of what it replaced. */
  undoAdopt: (id: number) => invoke<number>("undo_adopt", { id }),
  /** The first-run pass: what one consent would change; nothing is written. */
  setupPlan: () => invoke<SetupView>("setup_plan"),
  /** Make the changes shown (`fingerprint` says which), file by file. */
  setupApply: (fingerprint: string) => invoke<SetupDone>("setup_apply", { fingerprint }),
  /** Put back every file the pass changed. */
  undoSetup: (backups: number[]) => invoke<number[]>("undo_setup", { backups }),
  setupDismissed: () => invoke<boolean>("setup_dismissed"),
  setSetupDismissed: (dismissed: boolean) =>
    invoke<void>("set_setup_dismissed", { dismissed }),
  getAutostart: () => invoke<boolean>("get_autostart"),
  setAutostart: (enabled: boolean) => invoke<void>("set_autostart", { enabled }),
  /** A Connect asked for outside the window (a notification's Connect button), once. */
  takeConnectRequest: () => invoke<string | null>("take_connect_request"),
};

/**
 * The store or a client's config changed (this app, a `latchkey proxy`, the CLI): the event
 * carries the overview the shell built (`null` when it could not, so fetch it to see why).
 */
export function onStateChanged(handler: (o: Overview | null) => void): Promise<UnlistenFn> {
  return listen<Overview | null>("state-changed", (e) => handler(e.payload ?? null));
}

/** A Connect was asked for outside the window: take it with `api.takeConnectRequest`. */
export function onConnectRequested(handler: () => void): Promise<UnlistenFn> {
  return listen("connect-requested", () => handler());
}

/** One step of a Connect in progress. */
export function onConnectProgress(handler: (u: ConnectUpdate) => void): Promise<UnlistenFn> {
  return listen<ConnectUpdate>("connect-progress", (e) => handler(e.payload));
}
