// Revoke asks once, in the plan's words, with a button that names what it will do; Escape
// cancels and nothing is revoked; focus is trapped in the dialog and returns where it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ISSUER, revokePlans, URLS } from "./scenarios.mjs";
import {
  eventually,
  fakeCalls,
  focused,
  row,
  tabTo,
  textIs,
  useFreshApp,
} from "./harness.mjs";

const ctx = useFreshApp();

const plans = revokePlans();

test("at the server: the plan's message, 'Revoke at server', then the outcome", async () => {
  const { page } = ctx.app;
  await row(page, URLS.github).getByTestId("revoke-button").click();
  const dialog = page.getByTestId("revoke-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute("role"), "dialog");
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  await textIs(page.getByTestId("revoke-message"), plans[URLS.github].message);
  await textIs(page.getByTestId("revoke-confirm"), "Revoke at server");
  assert.equal((await fakeCalls(page, "revoke")).length, 0, "nothing revoked before confirming");

  await page.getByTestId("revoke-confirm").click();
  await textIs(page.getByTestId("revoke-outcome"), `Revoked at ${ISSUER}`);
  assert.equal(await dialog.count(), 0);
  assert.deepEqual((await fakeCalls(page, "revoke")).map((c) => c.args), [
    { url: URLS.github, grantId: 11 },
  ]);
  await eventually(
    async () => (await row(page, URLS.github).getAttribute("data-status")) === "not_connected",
    "the row to show Not connected",
  );
});

test("local only: 'Remove from this computer' and the note that the grant remains", async () => {
  const { page } = ctx.app;
  await row(page, URLS.docs).getByTestId("revoke-button").click();
  await textIs(page.getByTestId("revoke-message"), plans[URLS.docs].message);
  await textIs(page.getByTestId("revoke-confirm"), "Remove from this computer");
  await page.getByTestId("revoke-confirm").click();
  await textIs(
    page.getByTestId("revoke-outcome"),
    "Removed locally; the server-side grant remains until it expires",
  );
});

test("Escape cancels: nothing is revoked and focus returns to Revoke", async () => {
  const { page } = ctx.app;
  const button = row(page, URLS.github).getByTestId("revoke-button");
  await button.click();
  await page.getByTestId("revoke-confirm").waitFor();
  await page.keyboard.press("Escape");
  assert.equal(await page.getByTestId("revoke-dialog").count(), 0);
  await eventually(async () => (await focused(page)) === "revoke-button", "focus on Revoke");
  assert.equal(await button.evaluate((b) => b === document.activeElement), true);
  // Cancel does the same.
  await button.click();
  await page.getByTestId("revoke-cancel").click();
  assert.equal(await page.getByTestId("revoke-dialog").count(), 0);
  assert.equal((await fakeCalls(page, "revoke")).length, 0);
  assert.equal(await row(page, URLS.github).getAttribute("data-status"), "connected");
});

test("keyboard alone: open, focus trapped, confirm, focus back on the row", async () => {
  const { page } = ctx.app;
  await tabTo(page, `[data-testid="server-row"][data-url="${URLS.github}"] [data-testid="revoke-button"]`);
  await page.keyboard.press("Enter");
  await page.getByTestId("revoke-confirm").waitFor();
  assert.equal(await focused(page), "revoke-cancel", "focus starts on the safe choice");
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "revoke-confirm");
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "revoke-cancel", "Tab wraps inside the dialog");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await focused(page), "revoke-confirm", "Shift+Tab wraps too");
  // The page behind is inert while the dialog is open.
  assert.equal(await page.locator(".app[inert]").count(), 1);
  await page.keyboard.press("Enter");
  await textIs(page.getByTestId("revoke-outcome"), `Revoked at ${ISSUER}`);
  // The Revoke button is gone with the account; focus lands on its row.
  await eventually(
    () => page.evaluate(() => document.activeElement?.getAttribute("data-url")),
    "focus on the row",
  ).then((url) => assert.equal(url, URLS.github));
});

test("one of several accounts is revoked by its own grant id", async () => {
  const { page } = ctx.app;
  await row(page, URLS.mail).getByTestId("account-revoke").click();
  await textIs(page.getByTestId("revoke-message"), plans[`${URLS.mail}#52`].message);
  await page.getByTestId("revoke-confirm").click();
  await page.getByTestId("revoke-outcome").waitFor();
  assert.deepEqual((await fakeCalls(page, "revoke")).map((c) => c.args), [
    { url: URLS.mail, grantId: 52 },
  ]);
  await eventually(
    async () => (await row(page, URLS.mail).getByTestId("account-item").count()) === 0,
    "the list of accounts to fold away",
  );
});

test("a failed revoke keeps the dialog open with the reason", async () => {
  const { page } = ctx.app;
  const problem = {
    kind: "transient",
    message: "The server did not answer. Nothing was deleted; try again.",
    detail: "revocation endpoint: connection timed out after 10 s",
  };
  await page.evaluate((p) => window.__fake.failNext("revoke", p), problem);
  await row(page, URLS.github).getByTestId("revoke-button").click();
  await page.getByTestId("revoke-confirm").click();
  await textIs(page.getByTestId("revoke-dialog").getByTestId("problem-message"), problem.message);
  assert.equal(await page.getByTestId("revoke-confirm").isEnabled(), true);
  assert.equal(await row(page, URLS.github).getAttribute("data-status"), "connected");
});
