import { describe, expect, it } from "vitest";
import { loadTheme, nextTheme, parseTheme, saveTheme, THEME_KEY } from "./theme";

function memory() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    map: m,
  };
}

describe("theme", () => {
  it("cycles system, light, dark", () => {
    expect(nextTheme("system")).toBe("light");
    expect(nextTheme("light")).toBe("dark");
    expect(nextTheme("dark")).toBe("system");
  });

  it("treats anything unknown as system", () => {
    expect(parseTheme("purple")).toBe("system");
    expect(parseTheme(null)).toBe("system");
  });

  it("remembers a choice and forgets it for system", () => {
    const s = memory();
    saveTheme(s, "dark");
    expect(s.map.get(THEME_KEY)).toBe("dark");
    expect(loadTheme(s)).toBe("dark");
    saveTheme(s, "system");
    expect(s.map.has(THEME_KEY)).toBe(false);
  });

  it("falls back to system when storage throws", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
    };
    expect(loadTheme(broken)).toBe("system");
  });
});
