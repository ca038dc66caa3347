// ESLint flat config for the web UI (ui/) and its browser tests (tests/ui/).
// Run from the repository root: `npm run ui:check` passes `--config ui/eslint.config.js`.
import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";
import svelteConfig from "./svelte.config.js";

export default ts.config(
  {
    // bindings.ts is generated from Rust (ts-rs); dist/ is the build output.
    ignores: ["ui/dist/**", "ui/src/bindings.ts"],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ["ui/**/*.ts", "ui/**/*.svelte", "ui/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["ui/**/*.svelte", "ui/**/*.svelte.ts"],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: [".svelte"],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    files: ["ui/vite.config.ts", "ui/eslint.config.js", "ui/svelte.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The browser tests run in node, but the callbacks they hand to page.evaluate run in the
    // page; fake-backend.js runs only in the page.
    files: ["tests/ui/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ["tests/ui/fake-backend.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
