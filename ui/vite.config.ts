// Builds the window's static files into ui/dist, which the Tauri shell serves
// (tauri.conf.json: frontendDist "ui/dist"). Also the Vitest config for ui/src/lib/*.test.ts.
import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // Relative asset paths: the app is served from tauri://localhost (or a file server in tests).
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  // Keep Vite's and Vitest's cache with the other dependencies, not in ui/.
  cacheDir: "../node_modules/.vite",
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK on Debian 12 and current Chromium both run ES2022.
    target: "es2022",
    // The polyfill is not needed by these engines, and it is one less script to reason about.
    modulePreload: { polyfill: false },
  },
  test: {
    include: ["src/lib/**/*.test.ts"],
    environment: "node",
  },
});
