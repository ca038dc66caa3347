// The words of the config-file fixes: the button that offers one, and what is said after.
import type { AdoptPlan, Fix } from "../bindings";

export function fixLabel(fix: Fix): string {
  switch (fix) {
    case "move_secrets":
      return "Move secrets to keychain";
    case "use_sign_in":
      return "Use Latchkey sign-in";
    case "import_tokens":
      return "Import the sign-ins";
  }
}

/** The confirm button of a fix's dialog, and what it says while it works. */
export function confirmLabel(fix: Fix, busy: boolean): string {
  if (fix === "import_tokens") return busy ? "Importing…" : "Import";
  return busy ? "Changing…" : "Change the file";
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

/** After an import's Undo: the files are back; Latchkey keeps its copy of the sign-ins. */
export function importUndoneText(plan: AdoptPlan): string {
  return `Put ${plan.client}'s files back as they were. Latchkey keeps its copy of the sign-ins; Revoke ends them.`;
}
