// The audit log's event names (crates/latchkey-core/src/audit.rs, Event::as_str) as words.
const NAMES: Record<string, string> = {
  connected: "Connected",
  refreshed: "Refreshed",
  refresh_failed: "Refresh failed",
  needs_reconnect: "Needs reconnect",
  revoked: "Revoked",
  revoked_locally: "Removed locally",
  token_handed_out: "Token handed to a client",
};

/** A human name for an audit event; an event this UI does not know yet still reads as words. */
export function eventName(event: string): string {
  const known = NAMES[event];
  if (known) return known;
  const words = event.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Events that mean something went wrong get a warning colour in the history list. */
export function eventIsBad(event: string): boolean {
  return event === "refresh_failed" || event === "needs_reconnect";
}
