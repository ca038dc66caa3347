// Accessibility of every view (issue 16, item 5): axe-core's WCAG 2.1 A/AA and best-practice
// rules find nothing in the list (light and dark), the details, each dialog, the connect steps
// (browser and code), the settings menu, the findings (grouped and filtered), the first-run view
// and its outcome, the load problem and the empty state. And the keyboard: Tab visits every
// control in the order it is read, top to bottom, each with a name; a dialog keeps focus inside.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import {
  configFindings,
  fullScenario,
  manyFindings,
  overviewOf,
  setupPlan,
  URLS,
} from "./scenarios.mjs";
import { eventually, nowSeconds, row, textIs, useBrowser } from "./harness.mjs";

const ctx = useBrowser();
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Run axe on the page as it is now: its violations, and how many rules found something to pass. */
async function audit(page) {
  // Evaluated through the DevTools protocol, so the window's CSP (script-src 'self') is untouched.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return {
      passed: result.passes.length,
      violations: result.violations.map((v) => ({
        rule: v.id,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
      })),
    };
  });
}

/** Fail with each violation's rule, words and elements. */
async function noViolations(page, where) {
  const { passed, violations } = await audit(page);
  assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 2)}`);
  // The rules really looked at the page (names, contrast, landmarks, ARIA...).
  assert.ok(passed >= 15, `${where}: only ${passed} rules applied`);
}

test("the audit sees a control with no name and text too faint to read", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  await app.page.evaluate(() => {
    const main = document.querySelector("main");
    main.insertAdjacentHTML("beforeend", '<button id="nameless"></button><p id="faint">faint</p>');
    // Through the CSSOM: the window's CSP forbids style attributes in markup.
    Object.assign(document.getElementById("faint").style, { color: "#eee", background: "#fff" });
  });
  const { violations } = await audit(app.page);
  const rules = Object.fromEntries(violations.map((v) => [v.rule, v.nodes.join()]));
  assert.match(rules["button-name"] ?? "", /#nameless/);
  assert.match(rules["color-contrast"] ?? "", /#faint/);
  await app.close();
});

const step = (page, url) => page.evaluate((u) => window.__fake.step(u), url);

test("the list, light and dark, with its findings", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const now = nowSeconds();
    const scenario = fullScenario(now);
    const app = await ctx.open(
      { ...scenario, overview: overviewOf(scenario.overview.servers, now, configFindings()) },
      { colorScheme },
    );
    await noViolations(app.page, `list (${colorScheme})`);
    await app.page.getByTestId("settings-button").click();
    await app.page.getByTestId("setup-again").waitFor();
    await noViolations(app.page, `settings menu (${colorScheme})`);
    await app.close();
  }
});

test("a long list of findings, grouped and filtered, and a filter that matches nothing", async () => {
  const now = nowSeconds();
  const servers = fullScenario(now).overview.servers.slice(0, 1);
  const app = await ctx.open({ overview: overviewOf(servers, now, manyFindings()) });
  const { page } = app;
  await page.getByTestId("findings-filter").waitFor();
  await noViolations(page, "findings grouped");
  await page.getByTestId("findings-filter").fill("cursor");
  await noViolations(page, "findings filtered");
  await page.getByTestId("findings-filter").fill("nothing like this");
  await page.getByTestId("findings-none").waitFor();
  await noViolations(page, "findings: none match");
  await app.close();
});

test("details, the revoke and fix dialogs", async () => {
  const now = nowSeconds();
  const scenario = fullScenario(now);
  const app = await ctx.open({
    ...scenario,
    overview: overviewOf(scenario.overview.servers, now, configFindings()),
  });
  const { page } = app;
  await row(page, URLS.github).getByTestId("details-button").click();
  await page.getByTestId("history-entry").first().waitFor();
  await noViolations(page, "details");
  await page.keyboard.press("Escape");
  await row(page, URLS.github).getByTestId("revoke-button").click();
  await page.getByTestId("revoke-confirm").waitFor();
  await noViolations(page, "revoke dialog");
  await page.getByTestId("revoke-cancel").click();
  await page.getByTestId("finding-fix").first().click();
  await page.getByTestId("adopt-confirm").waitFor();
  await noViolations(page, "fix dialog");
  await page.getByTestId("adopt-confirm").click();
  await page.getByTestId("adopt-undo").waitFor();
  await noViolations(page, "fix outcome with Undo");
  await app.close();
});

test("connect steps in the browser, then with a code", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  await row(page, URLS.mail).getByTestId("add-account-button").click();
  for (let i = 0; i < 3; i++) await step(page, URLS.mail);
  await row(page, URLS.mail).getByTestId("use-code").waitFor();
  await noViolations(page, "connect: waiting for the browser");
  await page.getByTestId("use-code").click();
  for (let i = 0; i < 3; i++) await step(page, URLS.mail);
  await row(page, URLS.mail).getByTestId("device-user-code").waitFor();
  await noViolations(page, "connect: a code to enter");
  await app.close();
});

test("the first-run view, its diff and its outcome", async () => {
  const app = await ctx.open({ ...fullScenario(nowSeconds()), setupPlan: setupPlan() });
  const { page } = app;
  await page.getByTestId("setup-view").waitFor();
  await page.getByTestId("setup-change").first().locator("summary").click();
  await noViolations(page, "setup view with a diff open");
  await page.getByTestId("setup-go").click();
  await page.getByTestId("setup-undo").waitFor();
  await noViolations(page, "setup outcome");
  await app.close();
});

test("a load problem and the empty state", async () => {
  const empty = await ctx.open({});
  await noViolations(empty.page, "empty state");
  await empty.close();
  const problem = { kind: "transient", message: "The database is busy.", detail: "SQLITE_BUSY" };
  const app = await ctx.open(fullScenario(nowSeconds()));
  await app.page.evaluate((p) => {
    window.__fake.failNext("overview", p);
    window.__fake.emit("state-changed", null);
  }, problem);
  await textIs(app.page.getByTestId("stale-warning").getByTestId("problem-message"), problem.message);
  await noViolations(app.page, "stale warning");
  await app.close();
});

/** What Tab reaches, in order, from the top of the page: name, and where it sits. */
async function tabOrder(page) {
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.activeElement?.blur();
  });
  const seen = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press("Tab");
    const el = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const r = e.getBoundingClientRect();
      const labelled = e.getAttribute("aria-labelledby");
      const name = (
        e.getAttribute("aria-label") ||
        (labelled && document.getElementById(labelled)?.textContent) ||
        (e.labels && e.labels[0]?.textContent) ||
        e.textContent ||
        e.getAttribute("title") ||
        ""
      ).replace(/\s+/g, " ").trim();
      // Where it is in the page and in the document, to compare the two orders.
      const all = [...document.querySelectorAll("*")];
      return {
        tag: e.tagName.toLowerCase(),
        testid: e.getAttribute("data-testid"),
        name,
        top: Math.round(r.top + window.scrollY),
        left: Math.round(r.left),
        index: all.indexOf(e),
        visible: r.width > 0 && r.height > 0,
      };
    });
    if (!el || (seen.length > 0 && el.index === seen[0].index)) break;
    seen.push(el);
  }
  return seen;
}

test("Tab visits every control once, in reading order, each with a name", async () => {
  const now = nowSeconds();
  const scenario = fullScenario(now);
  const app = await ctx.open({
    ...scenario,
    overview: overviewOf(scenario.overview.servers, now, manyFindings()),
  });
  const { page } = app;
  const order = await tabOrder(page);
  // Every control the page shows is reached (none skipped by a stray tabindex)...
  const controls = await page.evaluate(
    () =>
      [...document.querySelectorAll("button, input, a[href], summary, [tabindex='0']")].filter(
        (e) => !e.disabled && e.getBoundingClientRect().width > 0,
      ).length,
  );
  assert.equal(order.length, controls, `reached ${order.length} of ${controls} controls`);
  // ...once each, visible, with a name a screen reader can say.
  assert.equal(new Set(order.map((e) => e.index)).size, order.length, "no control twice");
  for (const e of order) {
    assert.ok(e.visible, `${e.testid ?? e.tag} has focus while hidden`);
    assert.ok(e.name.length > 0, `${e.testid ?? e.tag} has no accessible name`);
  }
  // In document order (no positive tabindex), and the document reads top to bottom.
  const indexes = order.map((e) => e.index);
  assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), "Tab follows the document");
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1], order[i]];
    const below = b.top >= a.top - 4;
    const sameLineRight = Math.abs(b.top - a.top) < 24 && b.left > a.left;
    assert.ok(below || sameLineRight, `${b.testid ?? b.name} comes after ${a.testid ?? a.name} but sits above it`);
  }
  // The first stops are the header's, then adding a server, then the rows, then the findings.
  assert.deepEqual(
    order.slice(0, 3).map((e) => e.testid),
    ["refresh-all", "theme-toggle", "settings-button"],
  );
  const firstRow = order.findIndex((e) => e.testid === "connect-button" || e.testid === "reconnect-button" || e.testid === "details-button");
  const filter = order.findIndex((e) => e.testid === "findings-filter");
  assert.ok(firstRow > 0 && filter > firstRow, "rows before findings");
  await app.close();
});

test("a dialog keeps Tab inside it, and Escape gives focus back", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const button = row(page, URLS.github).getByTestId("revoke-button");
  await button.click();
  const dialog = page.getByTestId("revoke-dialog");
  await dialog.waitFor();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press(i % 2 ? "Shift+Tab" : "Tab");
    assert.ok(
      await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]')),
      "focus stays in the dialog",
    );
  }
  await page.keyboard.press("Escape");
  assert.equal(await dialog.count(), 0);
  await eventually(
    async () => (await page.evaluate(() => document.activeElement?.dataset.testid)) === "revoke-button",
    "focus back on Revoke",
  );
  await app.close();
});
