// Connect shows its steps as they happen, offers Open again and Cancel while waiting for the
// browser, explains a failure in plain words with the detail one click away, and works from
// the keyboard alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DENIED, DEVICE_CODE, ISSUER, URLS } from "./scenarios.mjs";
import {
  eventually,
  fakeCalls,
  focused,
  nowSeconds,
  row,
  tabTo,
  textIs,
  useFreshApp,
} from "./harness.mjs";
import { fullScenario } from "./scenarios.mjs";

const ctx = useFreshApp();

const step = (page, url) => page.evaluate((u) => window.__fake.step(u), url);
const stepsOf = (page, url) => row(page, url).getByTestId("connect-steps");
const dataStep = (page, url) => stepsOf(page, url).getAttribute("data-step");

async function stepIs(page, url, want) {
  await eventually(async () => (await dataStep(page, url)) === want, `step ${want}`);
}

test("the steps show in order, then the row turns Connected", async () => {
  const { page } = ctx.app;
  await row(page, URLS.tickets).getByTestId("connect-button").click();
  await stepIs(page, URLS.tickets, "discovering");
  assert.deepEqual((await fakeCalls(page, "connect")).map((c) => c.args), [
    { url: URLS.tickets, anotherAccount: false },
  ]);
  const live = stepsOf(page, URLS.tickets).locator('[aria-live="polite"]');
  await textIs(live, "Discovering how this server signs in…");

  await step(page, URLS.tickets); // discovering (already shown)
  await step(page, URLS.tickets);
  await stepIs(page, URLS.tickets, "registering");
  await textIs(live, `Registering with ${ISSUER}…`);

  await step(page, URLS.tickets);
  await stepIs(page, URLS.tickets, "waiting_for_browser");
  await textIs(live, "Waiting for you in the browser: approve the sign-in there.");
  assert.equal(await page.getByTestId("open-again").count(), 1);
  assert.equal(await page.getByTestId("use-code").count(), 0, "this server offers no code");
  await page.getByTestId("open-again").click();
  await eventually(async () => (await fakeCalls(page, "open_again")).length === 1, "open_again");

  await step(page, URLS.tickets);
  await stepIs(page, URLS.tickets, "exchanging");
  assert.equal(await page.getByTestId("open-again").count(), 0, "only while waiting");

  await step(page, URLS.tickets);
  await stepIs(page, URLS.tickets, "connected");
  await textIs(live, "Connected as ada@example.com");
  await eventually(
    async () => (await row(page, URLS.tickets).getAttribute("data-status")) === "connected",
    "the row to turn Connected",
  );
  await textIs(
    row(page, URLS.tickets).getByTestId("status-pill"),
    "Connected · expires in 1 h · refreshes automatically",
  );
  const scopes = await row(page, URLS.tickets)
    .locator(':scope > .info [data-testid="scope-chip"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-access")));
  assert.deepEqual(scopes, ["write", "read"]);
});

test("Cancel while waiting for the browser stops it and changes nothing", async () => {
  const { page } = ctx.app;
  await row(page, URLS.linear).getByTestId("reconnect-button").click();
  for (let i = 0; i < 3; i++) await step(page, URLS.linear);
  await stepIs(page, URLS.linear, "waiting_for_browser");
  await page.getByTestId("cancel-connect").click();
  await stepIs(page, URLS.linear, "cancelled");
  assert.deepEqual((await fakeCalls(page, "cancel_connect")).map((c) => c.args), [
    { url: URLS.linear },
  ]);
  assert.equal(await row(page, URLS.linear).getAttribute("data-status"), "needs_reconnect");
  // The row's Reconnect is back at once, to try again; the stopped step is marked.
  assert.equal(await row(page, URLS.linear).getByTestId("reconnect-button").count(), 1);
  const states = await stepsOf(page, URLS.linear)
    .locator("li")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
  assert.deepEqual(states, ["done", "done", "stopped", "pending", "pending"]);
  await page.getByTestId("connect-dismiss").click();
  assert.equal(await stepsOf(page, URLS.linear).count(), 0);
  assert.equal(await row(page, URLS.linear).getByTestId("reconnect-button").count(), 1);
});

test("a failure is explained in plain words, with the detail one click away", async () => {
  const { page } = ctx.app;
  await row(page, URLS.wiki).getByTestId("connect-button").click();
  for (let i = 0; i < 4; i++) await step(page, URLS.wiki);
  await stepIs(page, URLS.wiki, "failed");
  const steps = stepsOf(page, URLS.wiki);
  await textIs(steps.getByTestId("problem-message"), DENIED.message);
  assert.equal(await steps.getByTestId("problem-detail").count(), 0, "detail hidden at first");
  const toggle = steps.getByTestId("problem-detail-toggle");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  await toggle.click();
  await textIs(steps.getByTestId("problem-detail"), DENIED.detail);
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  await toggle.click();
  assert.equal(await steps.getByTestId("problem-detail").count(), 0);
  assert.equal(await row(page, URLS.wiki).getAttribute("data-status"), "not_connected");
});

test("a rejected connect command shows its problem too", async () => {
  const { page } = ctx.app;
  const problem = {
    kind: "user_must_act",
    message: "The keychain is locked. Unlock it and try again.",
    detail: "secret service: org.freedesktop.Secret.Error.IsLocked",
  };
  await page.evaluate((p) => window.__fake.failNext("connect", p), problem);
  await row(page, URLS.tickets).getByTestId("connect-button").click();
  await stepIs(page, URLS.tickets, "failed");
  await textIs(stepsOf(page, URLS.tickets).getByTestId("problem-message"), problem.message);
});

test("Add another account connects with anotherAccount", async () => {
  const { page } = ctx.app;
  await row(page, URLS.mail).getByTestId("add-account-button").click();
  await stepIs(page, URLS.mail, "discovering");
  assert.deepEqual((await fakeCalls(page, "connect")).map((c) => c.args), [
    { url: URLS.mail, anotherAccount: true },
  ]);
});

test("Use a code instead shows the code, where to enter it and a QR code, then connects", async () => {
  const { page } = ctx.app;
  await row(page, URLS.mail).getByTestId("add-account-button").click();
  for (let i = 0; i < 3; i++) await step(page, URLS.mail);
  await stepIs(page, URLS.mail, "waiting_for_browser");
  await page.getByTestId("use-code").click();
  assert.deepEqual((await fakeCalls(page, "connect_with_code")).map((c) => c.args), [
    { url: URLS.mail },
  ]);
  for (let i = 0; i < 3; i++) await step(page, URLS.mail);
  await stepIs(page, URLS.mail, "waiting_for_code");
  const steps = stepsOf(page, URLS.mail);
  await textIs(steps.getByTestId("device-user-code"), DEVICE_CODE.user_code);
  await textIs(steps.getByTestId("device-address"), DEVICE_CODE.verification_uri);
  await textIs(
    steps.locator('[aria-live="polite"]'),
    `Enter the code ${DEVICE_CODE.user_code} at ${DEVICE_CODE.verification_uri}`,
  );
  assert.equal(await steps.getByTestId("device-qr").locator("svg").count(), 1);
  assert.equal(await steps.getByTestId("use-code").count(), 0, "already on a code");
  const labels = await steps.locator("li").evaluateAll((els) => els.map((e) => e.textContent));
  assert.ok(labels.some((l) => l.includes("Waiting for you to enter the code")), labels.join());
  await step(page, URLS.mail);
  await stepIs(page, URLS.mail, "connected");
  assert.equal(await steps.getByTestId("device-code").count(), 0);
});

test("a second account that needs a reconnect signs in again with the account picker", async () => {
  const { page } = ctx.app;
  const items = row(page, URLS.mail).getByTestId("account-item");
  const work = items.filter({ hasText: "ada@work.example" });
  assert.equal(await items.first().getByTestId("account-reconnect").count(), 0, "not the default");
  await work.getByTestId("account-reconnect").click();
  await stepIs(page, URLS.mail, "discovering");
  assert.deepEqual((await fakeCalls(page, "connect")).map((c) => c.args), [
    { url: URLS.mail, anotherAccount: true },
  ]);
  await textIs(page.getByTestId("notice"), "In the browser, sign in as ada@work.example.");
});

test("a notification's Connect button starts the Connect in the open window, once", async () => {
  const { page } = ctx.app;
  await page.evaluate((u) => window.__fake.requestConnect(u), URLS.tickets);
  await stepIs(page, URLS.tickets, "discovering");
  await page.evaluate((u) => window.__fake.requestConnect(u), URLS.tickets); // pressed twice
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual((await fakeCalls(page, "connect")).map((c) => c.args), [
    { url: URLS.tickets, anotherAccount: false },
  ]);
});

test("a Connect asked for before the window existed starts when it opens", async () => {
  const app = await ctx.open({ ...fullScenario(nowSeconds()), connectRequest: URLS.tickets });
  try {
    await stepIs(app.page, URLS.tickets, "discovering");
    assert.deepEqual((await fakeCalls(app.page, "connect")).map((c) => c.args), [
      { url: URLS.tickets, anotherAccount: false },
    ]);
  } finally {
    await app.close();
  }
});

test("keyboard alone: reach Connect, Open again and Cancel", async () => {
  const { page } = ctx.app;
  const connect = `[data-testid="server-row"][data-url="${URLS.tickets}"] [data-testid="connect-button"]`;
  await tabTo(page, connect);
  await page.keyboard.press("Enter");
  await stepIs(page, URLS.tickets, "discovering");
  // The button goes with the click; focus follows to the steps on the next frame.
  await eventually(async () => (await focused(page)) === "connect-steps", "focus moves to the steps");
  for (let i = 0; i < 3; i++) await step(page, URLS.tickets);
  await stepIs(page, URLS.tickets, "waiting_for_browser");

  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "open-again");
  await page.keyboard.press("Enter");
  await eventually(async () => (await fakeCalls(page, "open_again")).length === 1, "open_again");

  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "cancel-connect");
  await page.keyboard.press("Space");
  await stepIs(page, URLS.tickets, "cancelled");
  assert.equal((await fakeCalls(page, "cancel_connect")).length, 1);

  // Cancel is gone with the Connect: focus lands on the panel, then Dismiss, then the row.
  await eventually(async () => (await focused(page)) === "connect-steps", "focus on the panel");
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "connect-dismiss");
  await page.keyboard.press("Enter");
  await eventually(async () => (await focused(page)) === "server-row", "focus back on the row");
});
