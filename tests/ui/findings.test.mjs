// What the MCP clients' config files need (issue 4 in the window): each finding in plain words
// with its one fix; the fix asks once, in the plan's words, with names and never values; Cancel
// and Escape change nothing; a confirmed fix says how to undo it and the finding goes away.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adoptPlans,
  CACHE_DIR,
  configFindings,
  CURSOR_FILE,
  manyFindings,
  fullScenario,
  GOOSE_FILE,
  overviewOf,
  tokenCacheFinding,
  URLS,
} from "./scenarios.mjs";
import { eventually, fakeCalls, focused, norm, nowSeconds, textIs, useFreshApp } from "./harness.mjs";

const ctx = useFreshApp();
const plans = adoptPlans();
const finding = (page, entry) =>
  page.locator(`[data-testid="config-finding"][data-entry="${entry}"]`);

test("each finding says what is wrong, where, and offers the fix Latchkey can make", async () => {
  const { page } = ctx.app;
  const section = page.getByTestId("config-findings");
  await section.waitFor();
  assert.equal(await page.getByTestId("config-finding").count(), 3);
  // Fixable ones first.
  assert.deepEqual(
    await page.getByTestId("config-finding").evaluateAll((els) => els.map((e) => e.dataset.fix)),
    ["move_secrets", "use_sign_in", "none"],
  );
  const gh = finding(page, "github");
  await textIs(
    gh.getByTestId("finding-what"),
    "Your GitHub token is stored in plain text in Cursor's config, at env.GITHUB_PERSONAL_ACCESS_TOKEN.",
  );
  // Grouped by client, then file, each group with its count.
  assert.deepEqual(
    await page.getByTestId("finding-group").evaluateAll((els) => els.map((e) => e.dataset.client)),
    ["Cursor", "Goose", "Zed"],
  );
  const cursor = page.locator('[data-testid="finding-group"][data-client="Cursor"]');
  await textIs(cursor.getByTestId("group-count"), "1");
  assert.equal(await cursor.getByTestId("config-finding").count(), 1);
  // The home folder as `~`; the full path on hover.
  await textIs(cursor.getByTestId("finding-file"), "~/.cursor/mcp.json");
  assert.equal(await cursor.getByTestId("finding-file").getAttribute("title"), CURSOR_FILE);
  // A short list has no filter box.
  assert.equal(await page.getByTestId("findings-filter").count(), 0);
  await textIs(gh.getByTestId("finding-fix"), "Move secrets to keychain");
  await textIs(finding(page, "linear").getByTestId("finding-fix"), "Use Latchkey sign-in");
  // No fix Latchkey can make: said plainly, no button.
  const zed = finding(page, "legacy");
  assert.equal(await zed.getByTestId("finding-fix").count(), 0);
  assert.match(norm(await zed.textContent()), /Change it by hand/);
});

test("a long list is grouped with counts per client and file, and a filter narrows it", async () => {
  const now = nowSeconds();
  const servers = fullScenario(now).overview.servers.slice(0, 1);
  const findings = manyFindings();
  const app = await ctx.open({ overview: overviewOf(servers, now, findings) });
  const { page } = app;
  try {
    const groups = page.getByTestId("finding-group");
    await groups.first().waitFor();
    const counts = await groups.evaluateAll((els) =>
      els.map((e) => [e.dataset.client, e.querySelector('[data-testid="group-count"]').textContent]),
    );
    assert.deepEqual(counts, [
      ["Cursor", "7"],
      ["Claude Desktop", "4"],
      ["Zed", "1"],
    ]);
    // Two Cursor files: each says how many of the group's findings it holds.
    const cursorFiles = groups.first().getByTestId("finding-file-group");
    assert.deepEqual((await cursorFiles.getByTestId("finding-file").allTextContents()).map(norm), [
      "~/.cursor/mcp.json · 5 findings",
      "~/work/.cursor/mcp.json · 2 findings",
    ]);
    const filter = page.getByTestId("findings-filter");
    assert.equal(await filter.getAttribute("aria-label"), "Filter the findings");
    await textIs(page.getByTestId("findings-shown"), "12 findings");

    // Every word must match, in any field: the client, the entry, the file, the words.
    await filter.fill("work sentry-1");
    await textIs(page.getByTestId("findings-shown"), "Showing 1 of 12");
    assert.deepEqual(
      await page.getByTestId("config-finding").evaluateAll((els) => els.map((e) => e.dataset.entry)),
      ["sentry-1"],
    );
    await filter.fill("CLAUDE");
    await textIs(page.getByTestId("findings-shown"), "Showing 4 of 12");
    assert.deepEqual(
      await groups.evaluateAll((els) => els.map((e) => e.dataset.client)),
      ["Claude Desktop"],
    );
    // Nothing matches: said so, with a way back.
    await filter.fill("no such thing");
    await textIs(page.getByTestId("findings-none"), "No finding matches “no such thing”. Show all");
    await page.getByTestId("findings-none").getByRole("button", { name: "Show all" }).click();
    await textIs(page.getByTestId("findings-shown"), "12 findings");
    assert.equal(await filter.inputValue(), "");
    // Filtering hides; the fixes still work on what is shown.
    await filter.fill("zed");
    assert.equal(await page.getByTestId("config-finding").count(), 1);
  } finally {
    await app.close();
  }
});

test("the fix asks once with what will change, and makes it only when confirmed", async () => {
  const { page } = ctx.app;
  await finding(page, "github").getByTestId("finding-fix").click();
  const dialog = page.getByTestId("adopt-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute("role"), "dialog");
  await textIs(page.getByTestId("adopt-message"), plans[`${CURSOR_FILE}#github`].message);
  assert.deepEqual(
    (await page.getByTestId("adopt-changes").locator("li").allTextContents()).map(norm),
    plans[`${CURSOR_FILE}#github`].changes,
  );
  assert.equal(await focused(page), "adopt-cancel", "focus starts on the safe choice");
  assert.equal((await fakeCalls(page, "adopt")).length, 0, "nothing written before consent");

  const summary = page.getByTestId("summary");
  assert.match(norm(await summary.textContent()), /· 1 secret in plain text ·/);
  await page.getByTestId("adopt-confirm").click();
  await textIs(
    page.getByTestId("adopt-outcome"),
    "Changed Cursor's mcp.json for github. To undo later: latchkey restore 1",
  );
  assert.equal(await dialog.count(), 0);
  assert.deepEqual((await fakeCalls(page, "adopt")).map((c) => c.args), [
    { file: CURSOR_FILE, entry: "github", fix: "move_secrets" },
  ]);
  await eventually(
    async () => (await finding(page, "github").count()) === 0,
    "the fixed finding to go away",
  );
  await eventually(
    async () => !/secret in plain text/.test(await summary.textContent()),
    "the header to stop counting the moved secret",
  );
});

test("the header says all good only when nothing needs the person", async () => {
  const now = nowSeconds();
  const calm = fullScenario(now).overview.servers.filter((s) => s.url === URLS.github);
  const rows = [
    [[], "1 server · all good", "0"],
    [configFindings().slice(0, 1), "1 server · 1 secret in plain text", "1"],
  ];
  for (const [findings, want, count] of rows) {
    const app = await ctx.open({ overview: overviewOf(calm, now, findings) });
    try {
      await textIs(app.page.getByTestId("summary"), want);
      assert.equal(await app.page.getByTestId("summary").getAttribute("data-needs-you"), count);
    } finally {
      await app.close();
    }
  }
});

test("Cancel and Escape change nothing and give focus back to the button", async () => {
  const { page } = ctx.app;
  const button = finding(page, "linear").getByTestId("finding-fix");
  await button.click();
  await page.getByTestId("adopt-dialog").waitFor();
  await page.keyboard.press("Escape");
  assert.equal(await page.getByTestId("adopt-dialog").count(), 0);
  await eventually(async () => (await focused(page)) === "finding-fix", "focus back on the fix");
  await button.click();
  await page.getByTestId("adopt-cancel").click();
  assert.equal(await page.getByTestId("adopt-dialog").count(), 0);
  assert.deepEqual(await fakeCalls(page, "adopt"), []);
  assert.equal((await fakeCalls(page, "adopt_plan")).length, 2);
  assert.deepEqual((await fakeCalls(page, "adopt_plan"))[0].args, {
    file: GOOSE_FILE,
    entry: "linear",
    fix: "use_sign_in",
  });
});

test("a fix that fails keeps the dialog open with the problem, and nothing changed", async () => {
  const { page } = ctx.app;
  await page.evaluate(() =>
    window.__fake.failNext("adopt", {
      kind: "invalid",
      message: "The file changed since Latchkey read it; nothing was written. Try again.",
      detail: "changed since read",
    }),
  );
  await finding(page, "github").getByTestId("finding-fix").click();
  await page.getByTestId("adopt-confirm").click();
  await textIs(
    page.getByTestId("adopt-dialog").getByTestId("problem-message"),
    "The file changed since Latchkey read it; nothing was written. Try again.",
  );
  assert.equal(await finding(page, "github").count(), 1, "the finding is still there");
  assert.equal(await page.getByTestId("adopt-confirm").isEnabled(), true, "it can be retried");
});

test("Undo on the outcome puts the file back: the finding returns, the notice says so", async () => {
  const { page } = ctx.app;
  await finding(page, "github").getByTestId("finding-fix").click();
  await page.getByTestId("adopt-confirm").click();
  await page.getByTestId("adopt-outcome").waitFor();
  await eventually(async () => (await finding(page, "github").count()) === 0, "the fix");
  // The button stays until used or dismissed (no 8 s time-out to race a keyboard user).
  await page.waitForTimeout(8500);
  const undo = page.getByTestId("adopt-undo");
  await textIs(undo, "Undo");
  await undo.focus();
  await page.keyboard.press("Enter");
  await textIs(
    page.getByTestId("adopt-undone"),
    "Put Cursor's mcp.json back as it was. The secrets stay in the keychain too.",
  );
  assert.deepEqual((await fakeCalls(page, "undo_adopt")).map((c) => c.args), [{ id: 1 }]);
  await eventually(async () => (await finding(page, "github").count()) === 1, "the finding back");
  assert.equal(await page.getByTestId("adopt-undo").count(), 0, "one undo per fix");
});

test("an Undo that fails says why, in the notice", async () => {
  const { page } = ctx.app;
  await page.evaluate(() =>
    window.__fake.failNext("undo_adopt", {
      kind: "invalid",
      message: "backup 1 is gone from the keychain",
      detail: "gone",
    }),
  );
  await finding(page, "github").getByTestId("finding-fix").click();
  await page.getByTestId("adopt-confirm").click();
  await page.getByTestId("adopt-undo").click();
  await textIs(page.getByTestId("adopt-undone"), "backup 1 is gone from the keychain");
  assert.equal(await finding(page, "github").count(), 0, "the fix stands");
});

test("a token cache's finding offers the import or revoking instead, and Undo puts the files back", async () => {
  const now = nowSeconds();
  const full = fullScenario(now);
  for (const revokeInstead of [false, true]) {
    const app = await ctx.open({
      ...full,
      overview: overviewOf(full.overview.servers, now, [...configFindings(), tokenCacheFinding()]),
    });
    try {
      const { page } = app;
      const cache = page.locator(`[data-testid="config-finding"][data-fix="import_tokens"]`);
      await textIs(cache.getByTestId("finding-fix"), "Import the sign-ins");
      await cache.getByTestId("finding-fix").click();
      const plan = plans[`${CACHE_DIR}#`];
      await textIs(page.getByTestId("adopt-message"), plan.message);
      assert.deepEqual(
        (await page.getByTestId("adopt-changes").locator("li").allTextContents()).map(norm),
        plan.changes,
      );
      await textIs(page.getByTestId("adopt-alternative"), plan.alternative);
      await textIs(page.getByTestId("adopt-confirm"), "Import");
      assert.equal(await focused(page), "adopt-cancel", "focus starts on the safe choice");
      assert.equal((await fakeCalls(page, "import_tokens")).length, 0, "nothing before consent");
      await page.getByTestId(revokeInstead ? "adopt-alternative-confirm" : "adopt-confirm").click();
      await textIs(
        page.getByTestId("adopt-outcome"),
        revokeInstead
          ? "Revoked 2 sign-ins at their servers and deleted them."
          : "Imported 2 sign-ins from mcp-remote. Goose's linear now runs latchkey proxy.",
      );
      assert.deepEqual((await fakeCalls(page, "import_tokens")).map((c) => c.args), [
        { file: CACHE_DIR, revokeInstead },
      ]);
      await eventually(async () => (await cache.count()) === 0, "the cache's finding to go");
      await page.getByTestId("adopt-undo").click();
      await textIs(
        page.getByTestId("adopt-undone"),
        "Put mcp-remote's files back as they were. Latchkey keeps its copy of the sign-ins; Revoke ends them.",
      );
      assert.deepEqual((await fakeCalls(page, "undo_setup")).map((c) => c.args), [
        { backups: revokeInstead ? [1] : [1, 2] },
      ]);
      await eventually(async () => (await cache.count()) === 1, "the finding back");
    } finally {
      await app.close();
    }
  }
});
