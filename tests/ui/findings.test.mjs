// What the MCP clients' config files need (issue 4 in the window): each finding in plain words
// with its one fix; the fix asks once, in the plan's words, with names and never values; Cancel
// and Escape change nothing; a confirmed fix says how to undo it and the finding goes away.
import assert from "node:assert/strict";
import { test } from "node:test";
import { adoptPlans, CURSOR_FILE, GOOSE_FILE } from "./scenarios.mjs";
import { eventually, fakeCalls, focused, norm, textIs, useFreshApp } from "./harness.mjs";

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
    "A secret (GitHub token) sits in plain text at env.GITHUB_PERSONAL_ACCESS_TOKEN.",
  );
  assert.match(norm(await gh.textContent()), /github in Cursor/);
  assert.match(norm(await gh.textContent()), new RegExp(CURSOR_FILE.replaceAll(".", "\\.")));
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
