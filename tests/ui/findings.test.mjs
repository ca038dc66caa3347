// What the MCP clients' config files need (issue 4 in the window): each finding in plain words
// with its one fix; the fix asks once, in the plan's words, with names and never values; Cancel
// and Escape change nothing; a confirmed fix says how to undo it and the finding goes away.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adoptPlans,
  configFindings,
  CURSOR_FILE,
  fullScenario,
  GOOSE_FILE,
  overviewOf,
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
  assert.match(norm(await gh.textContent()), /github in Cursor/);
  // The home folder as `~`; the full path on hover.
  await textIs(gh.getByTestId("finding-file"), "~/.cursor/mcp.json");
  assert.equal(await gh.getByTestId("finding-file").getAttribute("title"), CURSOR_FILE);
  await textIs(gh.getByTestId("finding-fix"), "Move secrets to keychain");
  await textIs(finding(page, "linear").getByTestId("finding-fix"), "Use Latchkey sign-in");
  // No fix Latchkey can make: said plainly, no button.
  const zed = finding(page, "legacy");
  assert.equal(await zed.getByTestId("finding-fix").count(), 0);
  assert.match(norm(await zed.textContent()), /Change it by hand/);
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
