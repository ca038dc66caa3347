// The screenshots for the README (target/screenshots; `make screenshots` copies them to docs/), taken at 900x640 from the built UI
// on the fake backend. Each also checks the one thing it shows, so a broken view fails here.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { configFindings, manyFindings, overviewOf, screenshotScenario, setupFindings, setupPlan, URLS } from "./scenarios.mjs";
import {
  nowSeconds,
  row,
  screenshots,
  textIs,
  useBrowser,
} from "./harness.mjs";

const ctx = useBrowser();
before(() => mkdir(screenshots, { recursive: true }));

const shot = (page, name) => page.screenshot({ path: path.join(screenshots, name) });

test("list, light and dark", async () => {
  for (const scheme of ["light", "dark"]) {
    const app = await ctx.open(screenshotScenario(nowSeconds()), {
      colorScheme: scheme,
    });
    await textIs(row(app.page, URLS.linear).getByTestId("status-pill"), "Needs reconnect");
    await shot(app.page, `ui-list-${scheme}.png`);
    await app.close();
  }
});

test("connect steps", async () => {
  const app = await ctx.open(screenshotScenario(nowSeconds()));
  const { page } = app;
  // Reconnect the row that needs attention: it is the first, so the steps show without scrolling.
  await row(page, URLS.linear).getByTestId("reconnect-button").click();
  for (let i = 0; i < 3; i++) await page.evaluate((u) => window.__fake.step(u), URLS.linear);
  const steps = row(page, URLS.linear).getByTestId("connect-steps");
  await steps.and(page.locator('[data-step="waiting_for_browser"]')).waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(0, 0);
  await shot(page, "ui-connect-steps.png");
  await app.close();
});

test("revoke dialog", async () => {
  const app = await ctx.open(screenshotScenario(nowSeconds()));
  await row(app.page, URLS.github).getByTestId("revoke-button").click();
  await app.page.getByTestId("revoke-confirm").waitFor();
  await shot(app.page, "ui-revoke-dialog.png");
  await app.close();
});

test("detail view", async () => {
  const app = await ctx.open(screenshotScenario(nowSeconds()));
  await row(app.page, URLS.github).getByTestId("details-button").click();
  await app.page.getByTestId("history-entry").first().waitFor();
  await shot(app.page, "ui-detail.png");
  await app.close();
});

test("config-file findings and the fix dialog", async () => {
  const now = nowSeconds();
  const scenario = screenshotScenario(now);
  const servers = scenario.overview.servers.slice(0, 2);
  const app = await ctx.open({ ...scenario, overview: overviewOf(servers, now, configFindings()) });
  const { page } = app;
  await page.getByTestId("config-findings").scrollIntoViewIfNeeded();
  await shot(page, "ui-config-findings.png");
  await page.getByTestId("finding-fix").first().click();
  await page.getByTestId("adopt-confirm").waitFor();
  await shot(page, "ui-adopt-dialog.png");
  await page.getByTestId("adopt-confirm").click();
  await page.getByTestId("adopt-undo").waitFor();
  await shot(page, "ui-adopt-undo.png");
  await app.close();
});

test("a long list of findings, grouped and filtered", async () => {
  const now = nowSeconds();
  const scenario = screenshotScenario(now);
  const servers = scenario.overview.servers.slice(0, 1);
  const app = await ctx.open({ ...scenario, overview: overviewOf(servers, now, manyFindings()) });
  const { page } = app;
  await page.getByTestId("findings-filter").scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, 60));
  await shot(page, "ui-findings-grouped.png");
  await page.getByTestId("findings-filter").fill("cursor sentry");
  await textIs(page.getByTestId("findings-shown"), "Showing 2 of 12");
  await page.getByTestId("findings-filter").scrollIntoViewIfNeeded();
  await shot(page, "ui-findings-filtered.png");
  await app.close();
});

test("the first-run setup view and its outcome", async () => {
  const now = nowSeconds();
  const scenario = screenshotScenario(now);
  const app = await ctx.open({
    ...scenario,
    overview: overviewOf(scenario.overview.servers, now, setupFindings()),
    setupPlan: setupPlan(),
  });
  const { page } = app;
  await page.getByTestId("setup-view").waitFor();
  await page.getByTestId("setup-change").first().locator("summary").click();
  await shot(page, "ui-setup.png");
  await page.getByTestId("setup-go").click();
  for (let i = 0; i < 5; i++) {
    await page.waitForFunction(() => window.__fake.callsOf("connect").length === 1);
    await page.evaluate((u) => window.__fake.step(u), URLS.linear);
  }
  await page.getByTestId("setup-close").waitFor();
  // The header catches up with the changed files and the new sign-in (one coalesced refetch).
  await page.waitForFunction(
    () => !/plain text|reconnect/.test(document.querySelector('[data-testid="summary"]').textContent),
  );
  await page.mouse.move(0, 0);
  await shot(page, "ui-setup-done.png");
  await app.close();
});

test("empty state", async () => {
  const app = await ctx.open({});
  assert.equal(await app.page.getByTestId("empty-state").isVisible(), true);
  await shot(app.page, "ui-empty.png");
  await app.close();
});
