// The status pill: its words and its colour, from the generated `Status` type.
import type { ServerView, Status } from "../bindings";
import { humanUntil } from "./time";

/** The pill's text, e.g. "Connected · expires in 42 min · refreshes automatically". */
export function pillText(status: Status, now: number): string {
  switch (status.kind) {
    case "connected": {
      if (status.expires_at === null) return "Connected";
      const when = humanUntil(status.expires_at, now);
      // A refreshable token that has just run out reads "expired 2 min ago", not "expires ... ago".
      const expiry = status.expires_at > now ? `expires ${when}` : `expired ${when}`;
      return status.refreshes_automatically
        ? `Connected · ${expiry} · refreshes automatically`
        : `Connected · ${expiry}`;
    }
    case "expired":
      return "Expired · sign in again";
    case "needs_reconnect":
      return "Needs reconnect";
    case "not_connected":
      return "Not connected";
    case "refreshing":
      return "Refreshing…";
    case "no_sign_in_needed":
      return "No sign-in needed";
  }
}

/** Short words for an account in the several-accounts list ("Connected", "Needs reconnect"). */
export function shortStatus(status: Status): string {
  switch (status.kind) {
    case "connected":
      return "Connected";
    case "expired":
      return "Expired";
    default:
      return pillText(status, 0);
  }
}

export type Tone = "ok" | "warn" | "bad" | "neutral" | "busy";

/** The pill's colour: green when all is well, amber when it will need the person soon. */
export function pillTone(status: Status, needsAttention: boolean): Tone {
  switch (status.kind) {
    case "connected":
      return needsAttention ? "warn" : "ok";
    case "expired":
    case "needs_reconnect":
      return "bad";
    case "refreshing":
      return "busy";
    case "not_connected":
    case "no_sign_in_needed":
      return "neutral";
  }
}

export interface RowActions {
  connect: boolean;
  reconnect: boolean;
  revoke: boolean;
  details: boolean;
  remove: boolean;
  addAccount: boolean;
}

/** Which buttons a row offers. One click fixes what needs attention. */
export function rowActions(s: ServerView): RowActions {
  const k = s.status.kind;
  const signedIn = s.accounts.length > 0;
  // A connected grant that will expire without a refresh token is fixed by signing in again.
  const expiringForGood =
    s.status.kind === "connected" && !s.status.refreshes_automatically && s.attention !== null;
  return {
    connect: k === "not_connected",
    reconnect: k === "expired" || k === "needs_reconnect" || expiringForGood,
    revoke: signedIn,
    details: s.known_to_latchkey,
    remove: s.known_to_latchkey && !signedIn && k !== "refreshing",
    addAccount: signedIn && s.known_to_latchkey,
  };
}

/** "Used by Cursor, Claude Code", or "Found in Cursor" for a server Latchkey has not signed in to. */
export function clientsLine(s: ServerView): string | null {
  if (s.clients.length === 0) return s.known_to_latchkey ? null : "Found in an MCP client's config";
  const names = s.clients.join(", ");
  return s.known_to_latchkey ? `Used by ${names}` : `Found in ${names}`;
}
