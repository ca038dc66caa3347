// Shared by the browser tests: serve ui/dist under the app's CSP, drive Debian's Chromium with
// playwright-core (never a downloaded browser), inject the fake backend, and fail on any console
// error, page error or CSP violation.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, afterEach, before, beforeEach } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { fullScenario } from "./scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
const dist = path.join(repo, "ui/dist");
// Written under target/ so a test run leaves the tree clean; `make screenshots` copies them to
// docs/screenshots for the README.
export const screenshots = path.join(repo, "target/screenshots");

/** The CSP tauri.conf.json gives the window (app.security.csp). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src ipc: http://ipc.localhost",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export async function serveDist() {
  assert.ok(existsSync(path.join(dist, "index.html")), "ui/dist is missing: run `npm run ui:build` first");
  const server = http.createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(dist, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] || "application/octet-stream",
        "content-security-policy": CSP,
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-security-policy": CSP }).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Open the app on a scenario. Returns { page, errors, close }; `errors` collects console errors,
 * page errors and CSP violations, and `close()` asserts there were none.
 */
export async function openApp(browser, baseUrl, scenario, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: 900, height: 640 },
    colorScheme: opts.colorScheme || "light",
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  if (opts.init) await page.addInitScript(opts.init.fn, opts.init.arg);
  await page.addInitScript((s) => {
    window.__LATCHKEY_SCENARIO__ = s;
  }, scenario);
  await page.addInitScript({ path: path.join(here, "fake-backend.js") });
  await page.goto(baseUrl);
  await page.waitForSelector(
    '[data-testid="server-row"], [data-testid="empty-state"], [data-testid="setup-view"]',
  );
  return {
    page,
    context,
    errors,
    async close() {
      await context.close();
      assert.deepEqual(errors, [], "no console errors, page errors or CSP violations");
    },
  };
}

/**
 * One static server and one Chromium for a test file, started before its tests and stopped
 * after them. `ctx.open(scenario, opts)` opens the app on a scenario (see `openApp`).
 */
export function useBrowser() {
  const ctx = {
    server: null,
    browser: null,
    open: (scenario, opts) => openApp(ctx.browser, ctx.server.url, scenario, opts),
  };
  before(async () => {
    ctx.server = await serveDist();
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}

/** `useBrowser`, plus a fresh app on the full scenario in `ctx.app` for each test. */
export function useFreshApp() {
  const ctx = useBrowser();
  beforeEach(async () => {
    ctx.app = await ctx.open(fullScenario(nowSeconds()));
  });
  afterEach(async () => ctx.app?.close());
  return ctx;
}

export const row = (page, url) => page.locator(`[data-testid="server-row"][data-url="${url}"]`);

/** Poll until `fn()` returns something truthy (3 s), then return it; else fail with `what`. */
export async function eventually(fn, what, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) assert.fail(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait for an element's text to be exactly `want` (whitespace collapsed). */
export async function textIs(locator, want) {
  await eventually(async () => norm(await locator.textContent()) === want, `text "${want}"`).catch(
    async (e) => {
      const got = norm(await locator.textContent().catch(() => "<missing>"));
      throw new Error(`${e.message}; got "${got}"`);
    },
  );
}

export const norm = (s) => (s || "").replace(/\s+/g, " ").trim();

/** The data-testid of the focused element (or the row URL when a row itself has focus). */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    return el.getAttribute("data-testid") || el.tagName.toLowerCase();
  });
}

/** Press Tab until the element matching `selector` has focus; fail after `max` presses. */
export async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i + 1;
  }
  assert.fail(`Tab never reached ${selector}`);
}

export const fakeCalls = (page, cmd) => page.evaluate((c) => window.__fake.callsOf(c), cmd);

export const nowSeconds = () => Math.floor(Date.now() / 1000);
