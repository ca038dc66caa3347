// The words of Revoke: the confirm button says exactly what will happen, the outcome what did.
import type { Revoked, RevokePlan } from "../bindings";

export function confirmLabel(plan: Pick<RevokePlan, "at_server">): string {
  return plan.at_server ? "Revoke at server" : "Remove from this computer";
}

export function outcomeText(r: Revoked, issuer: string): string {
  switch (r) {
    case "at_server":
      return `Revoked at ${issuer}`;
    case "locally_only":
      return "Removed locally; the server-side grant remains until it expires";
    case "local_by_request":
      return "Removed from this computer; the server was not asked";
  }
}
