// The words of the config-file fixes: the button that offers one, and what is said after.
import type { AdoptPlan, Fix } from "../bindings";

export function fixLabel(fix: Fix): string {
  return fix === "move_secrets" ? "Move secrets to keychain" : "Use Latchkey sign-in";
}

/** The file's last path component (`mcp.json`), for short sentences. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

export function doneText(plan: AdoptPlan, backupId: number): string {
  return `Changed ${plan.client}'s ${fileName(plan.file)} for ${plan.entry}. To undo later: latchkey restore ${backupId}`;
}

export function undoneText(plan: AdoptPlan): string {
  const kept = plan.fix === "move_secrets" ? " The secrets stay in the keychain too." : "";
  return `Put ${plan.client}'s ${fileName(plan.file)} back as it was.${kept}`;
}
