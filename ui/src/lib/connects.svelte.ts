// Connects in progress, one per server URL, folded from `connect-progress` events and the
// result of the `connect` command. The row of that URL shows it (components/ConnectSteps.svelte).
import { api, asProblem, onConnectProgress, onConnectRequested } from "./api";
import { applyUpdate, failed, isFinal, started, type ConnectView } from "./connect";
import { refreshSoon } from "./live.svelte";
import { focusSoon, rowSelector } from "./ui.svelte";

export const connects: Record<string, ConnectView> = $state({});

/** A finished, successful Connect folds away after this long (failures stay until dismissed). */
const DISMISS_AFTER_MS = 5000;

export async function listenConnects(): Promise<void> {
  await onConnectProgress((u) => {
    connects[u.url] = applyUpdate(connects[u.url], u);
  });
  // A notification's Connect button: asked before this window existed, or while it is open.
  await onConnectRequested(() => void takeConnectRequest());
  await takeConnectRequest();
}

async function takeConnectRequest(): Promise<void> {
  const url = await api.takeConnectRequest().catch(() => null);
  if (url && !isConnecting(url)) {
    focusSoon(rowSelector(url));
    void startConnect(url);
  }
}

export async function startConnect(url: string, anotherAccount = false): Promise<void> {
  connects[url] = started(url);
  try {
    const last = await api.connect(url, anotherAccount);
    const current = connects[last.url] ?? connects[url];
    connects[last.url] = applyUpdate(current, last);
  } catch (e) {
    const current = connects[url];
    if (current) connects[url] = failed(current, asProblem(e));
  }
  refreshSoon();
  const view = connects[url];
  if (view && (view.step === "connected" || view.step === "no_sign_in_needed")) {
    setTimeout(() => autoDismiss(url, view), DISMISS_AFTER_MS);
  }
}

function autoDismiss(url: string, view: ConnectView): void {
  // Compare fields, not objects: $state hands back a proxy, never the object stored.
  const now = connects[url];
  if (!now || now.step !== view.step || !isFinal(now.step)) return;
  const el = document.querySelector(`[data-connect-url="${CSS.escape(url)}"]`);
  const hadFocus = el !== null && el.contains(document.activeElement);
  delete connects[url];
  // A keyboard user inside the panel keeps their place: on the row it belonged to.
  if (hadFocus) focusSoon(rowSelector(url));
}

export function dismissConnect(url: string): void {
  delete connects[url];
}

export function isConnecting(url: string): boolean {
  const v = connects[url];
  return v !== undefined && !isFinal(v.step);
}
