// The words of a sign-in checkup (`latchkey doctor <url>` in the window).
import type { Checkup, Verdict } from "../bindings";

export function verdictWord(v: Verdict): string {
  switch (v) {
    case "ok":
      return "OK";
    case "warning":
      return "Warning";
    case "failure":
      return "Fails";
    case "skipped":
      return "Skipped";
  }
}

/** `protected_resource_metadata` → "Protected resource metadata"; `pkce` → "PKCE". */
export function checkName(check: string): string {
  const words = check.replace(/_/g, " ").replace(/\bpkce\b/g, "PKCE");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 check fails, 2 warnings" or "Every check passed", and how many could not be made. */
export function checkupSummary(c: Checkup): string {
  const count = (v: Verdict) => c.checks.filter((x) => x.result === v).length;
  const [failures, warnings, skipped] = [count("failure"), count("warning"), count("skipped")];
  const parts: string[] = [];
  if (failures) parts.push(failures === 1 ? "1 check fails" : `${failures} checks fail`);
  if (warnings) parts.push(warnings === 1 ? "1 warning" : `${warnings} warnings`);
  let said = parts.length ? parts.join(", ") : "Every check passed";
  if (skipped) said += ` (${skipped} not made: ${skipped === 1 ? "it needs" : "they need"} an earlier step)`;
  return `${said}.`;
}
