// The first-run pass in the window (issue 16): offered at start when there is something to do,
// one consent for every file, Undo for all of it, the sign-ins one after the other; "Not now"
// is remembered and Settings opens it again; a pass that stops says where and signs in to
// nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CURSOR_FILE, fullScenario, GOOSE_FILE, overviewOf, setupFindings, setupPlan, URLS } from "./scenarios.mjs";
import { eventually, fakeCalls, focused, norm, nowSeconds, textIs, useBrowser } from "./harness.mjs";

const ctx = useBrowser();
function withSetup(extra = {}) {
  const now = nowSeconds();
  const full = fullScenario(now);
  return { ...full, overview: overviewOf(full.overview.servers, now, setupFindings()), setupPlan: setupPlan(), ...extra };
}

test("the window starts with what was found, every change and the sign-ins after, nothing written yet", async () => {
  const app = await ctx.open(withSetup());
  const { page } = app;
  const view = page.getByTestId("setup-view");
  await view.waitFor();
  assert.equal(await focused(page), "h2", "focus starts on the view's heading");
  await textIs(
    view.locator("p.lead"),
    "One step moves 1 secret to your keychain and points 1 entry at Latchkey's sign-in, in 2 files. Each file is backed up first; Undo puts them all back. Then you sign in to 1 server, one after the other.",
  );
  assert.deepEqual(
    await page
      .getByTestId("setup-client")
      .evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim()).join(" | "))),
    [
      "Cursor | 3 | none | 1 secret in plain text",
      "Goose | 2 | none | 1 entry signs in on its own",
      "mcp-remote | 0 | 2 sign-ins in plain text | 1 plain-text token cache",
      "Zed | 1 | none | 1 other problem",
      "Claude Desktop | 2 | none | nothing to fix",
    ],
  );
  const changes = page.getByTestId("setup-change");
  assert.equal(await changes.count(), 2);
  assert.equal(await changes.first().locator("span[title]").getAttribute("title"), CURSOR_FILE);
  // The diff is there on request, values redacted.
  const diff = changes.first().getByTestId("setup-diff");
  assert.equal(await diff.isVisible(), false);
  await changes.first().locator("summary").click();
  assert.equal(await diff.isVisible(), true);
  assert.match(await diff.textContent(), /"GITHUB_PERSONAL_ACCESS_TOKEN": "\[redacted\]"/);
  assert.match(norm(await page.getByTestId("setup-left").textContent()), /over plain http/);
  // Token caches are counted where the person looks first, and left for them (import comes later).
  assert.match(norm(await page.getByTestId("summary").textContent()), /1 plain-text token cache/);
  assert.match(norm(await page.getByTestId("setup-left").textContent()), /mcp-remote keeps 2 sign-ins/);
  assert.match(norm(await page.getByTestId("setup-sign-ins").textContent()), /linear\.example\.com\/mcp/);
  assert.equal((await fakeCalls(page, "setup_apply")).length, 0, "nothing written before consent");
  await textIs(page.getByTestId("setup-go"), "Fix all and sign in");
  await app.close();
});

test("one consent changes every file, then signs in to each server; Undo all puts the files back", async () => {
  const app = await ctx.open(withSetup());
  const { page } = app;
  await page.getByTestId("setup-go").click();
  const outcome = page.getByTestId("setup-outcome");
  await textIs(outcome.locator("p").first(), "Changed 2 files, each backed up first.");
  assert.deepEqual((await fakeCalls(page, "setup_apply")).map((c) => c.args), [{ fingerprint: "3f9a" }]);
  // The sign-in runs through the same Connect the rows use, step by step.
  const signIn = page.locator(`[data-testid="setup-sign-in"][data-url="${URLS.linear}"]`);
  await eventually(async () => (await signIn.getAttribute("data-state")) === "now", "the sign-in to start");
  await eventually(async () => (await fakeCalls(page, "connect")).length === 1, "connect to be called");
  for (let i = 0; i < 5; i++) await page.evaluate((u) => window.__fake.step(u), URLS.linear);
  await eventually(async () => (await signIn.getAttribute("data-state")) === "connected", "Connected");
  await page.getByTestId("setup-undo").click();
  await textIs(outcome.locator("p").first(), "Every file is back as it was.");
  assert.deepEqual((await fakeCalls(page, "undo_setup")).map((c) => c.args), [{ backups: [1, 2] }]);
  await page.getByTestId("setup-close").click();
  await page.getByTestId("server-row").first().waitFor();
  // Undone: the findings are back in the list (the token cache never left it).
  await eventually(
    async () => (await page.getByTestId("config-finding").count()) === 4,
    "the findings to come back after Undo",
  );
  await app.close();
});

test("a pass that stops says where and why, and signs in to nothing", async () => {
  const app = await ctx.open(
    withSetup({ setupStop: { file: GOOSE_FILE, why: "~/.config/goose/config.yaml changed since Latchkey read it" } }),
  );
  const { page } = app;
  await page.getByTestId("setup-go").click();
  await textIs(
    page.getByTestId("setup-stopped"),
    "Stopped at ~/.config/goose/config.yaml: ~/.config/goose/config.yaml changed since Latchkey read it. Nothing of that file was written.",
  );
  await textIs(page.getByTestId("setup-outcome").locator("p").first(), "Changed 1 file, each backed up first.");
  assert.equal((await fakeCalls(page, "connect")).length, 0);
  assert.equal(await page.getByTestId("setup-sign-in").count(), 0);
  assert.equal(await page.getByTestId("setup-undo").count(), 1, "Undo for what was done");
  await app.close();
});

test("Not now is remembered; Settings opens the pass again", async () => {
  const app = await ctx.open(withSetup());
  const { page } = app;
  await page.getByTestId("setup-not-now").click();
  await page.getByTestId("server-row").first().waitFor();
  assert.deepEqual((await fakeCalls(page, "set_setup_dismissed")).map((c) => c.args), [{ dismissed: true }]);
  await page.getByTestId("settings-button").click();
  await page.getByTestId("setup-again").click();
  await page.getByTestId("setup-view").waitFor();
  await app.close();

  // Dismissed before: the window starts with the list.
  const again = await ctx.open(withSetup({ setupDismissed: true }));
  await again.page.getByTestId("server-row").first().waitFor();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await again.page.getByTestId("setup-view").count(), 0);
  await again.close();
});

test("files that changed since the view was shown are not written: the view says so", async () => {
  const app = await ctx.open(withSetup());
  const { page } = app;
  await page.getByTestId("setup-view").waitFor();
  await page.evaluate(() => (window.__fake.state.setupPlan.fingerprint = "changed"));
  await page.getByTestId("setup-go").click();
  await eventually(
    async () => /changed since these changes were shown/.test(await page.getByTestId("setup-view").textContent()),
    "the refusal in words",
  );
  assert.equal(await page.getByTestId("setup-view").getAttribute("data-phase"), "review");
  await app.close();
});
