// Light, dark, or follow the system. The choice is remembered in localStorage; "system" leaves
// the choice to prefers-color-scheme (the CSS in app.css reads `data-theme` on <html>).
export type ThemeChoice = "system" | "light" | "dark";

export const THEME_KEY = "latchkey.theme";

export function parseTheme(v: string | null | undefined): ThemeChoice {
  return v === "light" || v === "dark" ? v : "system";
}

/** The toggle cycles system -> light -> dark -> system. */
export function nextTheme(t: ThemeChoice): ThemeChoice {
  return t === "system" ? "light" : t === "light" ? "dark" : "system";
}

export function themeLabel(t: ThemeChoice): string {
  return t === "system" ? "System theme" : t === "light" ? "Light theme" : "Dark theme";
}

export function loadTheme(storage: Pick<Storage, "getItem"> | undefined): ThemeChoice {
  try {
    return parseTheme(storage?.getItem(THEME_KEY));
  } catch {
    return "system"; // storage can be unavailable; the system theme is a fine default
  }
}

export function saveTheme(storage: Pick<Storage, "setItem" | "removeItem">, t: ThemeChoice): void {
  try {
    if (t === "system") storage.removeItem(THEME_KEY);
    else storage.setItem(THEME_KEY, t);
  } catch {
    // Not remembered this time; the theme still applies.
  }
}

export function applyTheme(root: HTMLElement, t: ThemeChoice): void {
  if (t === "system") delete root.dataset.theme;
  else root.dataset.theme = t;
}
