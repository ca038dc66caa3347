// The window around the rows: Add server, live updates, themes, the empty state, settings and
// Refresh all now.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fullScenario, URLS } from "./scenarios.mjs";
import {
  eventually,
  fakeCalls,
  focused,
  nowSeconds,
  row,
  textIs,
  useBrowser,
} from "./harness.mjs";

const ctx = useBrowser();

test("Add server: a rejection shows under the input, keeps the text, changes nothing else", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const before = await page.getByTestId("server-row").count();
  const input = page.getByTestId("add-server-input");
  await input.fill("not a url");
  await page.getByTestId("add-server-submit").click();
  const error = page.getByTestId("add-server-error");
  await textIs(
    error.getByTestId("problem-message"),
    "That is not a server URL. Type the full address, starting with https://",
  );
  assert.equal(await input.inputValue(), "not a url");
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByTestId("server-row").count(), before);

  // A good URL (Enter submits) adds a row, clears the input and the error, and focuses the row.
  await input.fill("https://new.example.com/mcp");
  await input.press("Enter");
  await row(page, "https://new.example.com/mcp").waitFor();
  assert.equal(await input.inputValue(), "");
  assert.equal(await error.count(), 0);
  await eventually(
    () => page.evaluate(() => document.activeElement?.getAttribute("data-url")),
    "focus on the new row",
  ).then((url) => assert.equal(url, "https://new.example.com/mcp"));
  await app.close();
});

test("live: state-changed updates a row, and a burst is fetched at most twice", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const fetchesBefore = (await fakeCalls(page, "overview")).length;
  await page.evaluate((url) => {
    const s = window.__fake.state.overview.servers.find((x) => x.url === url);
    s.status = { kind: "refreshing" };
    for (let i = 0; i < 25; i++) window.__fake.emit("state-changed", null);
  }, URLS.github);
  await eventually(
    async () => (await row(page, URLS.github).getAttribute("data-status")) === "refreshing",
    "the row to show Refreshing",
    1000,
  );
  await new Promise((r) => setTimeout(r, 400));
  const fetches = (await fakeCalls(page, "overview")).length - fetchesBefore;
  assert.ok(fetches >= 1 && fetches <= 2, `a burst of 25 events made ${fetches} fetches`);
  await textIs(row(page, URLS.github).getByTestId("status-pill"), "Refreshing…");
  await app.close();
});

test("live: a state-changed that carries the overview shows it with no fetch", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const fetchesBefore = (await fakeCalls(page, "overview")).length;
  await page.evaluate((url) => {
    // Only the event's overview says Refreshing: a fetch would bring the old status back.
    const o = structuredClone(window.__fake.state.overview);
    o.servers.find((x) => x.url === url).status = { kind: "refreshing" };
    for (let i = 0; i < 5; i++) window.__fake.emit("state-changed", o);
  }, URLS.github);
  await eventually(
    async () => (await row(page, URLS.github).getAttribute("data-status")) === "refreshing",
    "the row to show Refreshing",
    1000,
  );
  await new Promise((r) => setTimeout(r, 400));
  const fetches = (await fakeCalls(page, "overview")).length - fetchesBefore;
  assert.equal(fetches, 0, "the carried overview was shown as it came");
  await textIs(row(page, URLS.github).getByTestId("status-pill"), "Refreshing…");
  await app.close();
});

test("a failed refetch keeps the last list and says it may be out of date", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const problem = { kind: "transient", message: "The database is busy.", detail: "SQLITE_BUSY" };
  await page.evaluate((p) => {
    window.__fake.failNext("overview", p);
    window.__fake.emit("state-changed", null);
  }, problem);
  const warning = page.getByTestId("stale-warning");
  await textIs(warning.getByTestId("problem-message"), problem.message);
  assert.equal(await row(page, URLS.github).count(), 1, "the last list stays");
  await warning.getByRole("button", { name: "Try again" }).click();
  await eventually(async () => (await warning.count()) === 0, "the warning to go");
  await app.close();
});

test("no polling: an idle window asks for nothing", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  const calls = (await page.evaluate(() => window.__fake.calls.length));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.evaluate(() => window.__fake.calls.length), calls);
  await app.close();
});

const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test("themes: follows the system, the toggle overrides it and is remembered", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()), { colorScheme: "light" });
  const { page } = app;
  const light = await background(page);
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await background(page);
  assert.notEqual(light, dark, "system dark differs from system light");

  const toggle = page.getByTestId("theme-toggle");
  await textIs(toggle, "System");
  await toggle.click(); // light
  await textIs(toggle, "Light");
  assert.equal(await background(page), light, "light chosen over a dark system");
  await toggle.click(); // dark
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal(await background(page), dark, "dark chosen over a light system");

  await page.reload();
  await page.getByTestId("server-row").first().waitFor();
  await textIs(page.getByTestId("theme-toggle"), "Dark");
  assert.equal(await background(page), dark, "the choice survives a reload");
  await page.getByTestId("theme-toggle").click(); // back to system
  assert.equal(await background(page), light);
  await app.close();
});

test("empty state tells a new person what to do", async () => {
  const app = await ctx.open({});
  const { page } = app;
  const empty = page.getByTestId("empty-state");
  const text = (await empty.textContent()).replace(/\s+/g, " ");
  assert.match(text, /Add a remote MCP server by its URL/);
  assert.match(text, /Claude Desktop, Claude Code, Cursor, VS Code/);
  await empty.getByRole("button", { name: "Add a server" }).click();
  await eventually(async () => (await focused(page)) === "add-server-input", "focus on the input");

  // The first server to appear replaces the empty state, live.
  await page.evaluate(() => window.__fake.replaceServer({
    url: "https://first.example.com/mcp", name: "first.example.com/mcp", host: "first.example.com",
    clients: ["Cursor"], status: { kind: "not_connected" }, scopes: [], account: null,
    accounts: [], attention: null, known_to_latchkey: false,
  }));
  await page.evaluate(() => window.__fake.emit("state-changed", null));
  await row(page, "https://first.example.com/mcp").waitFor();
  assert.equal(await empty.count(), 0);
  await app.close();
});

test("settings: Start at login reads and sets autostart", async () => {
  const app = await ctx.open({ ...fullScenario(nowSeconds()), autostart: false });
  const { page } = app;
  await page.getByTestId("settings-button").click();
  const box = page.getByTestId("autostart-toggle");
  await eventually(() => box.isEnabled(), "the checkbox to load");
  assert.equal(await box.isChecked(), false);
  await box.press("Space");
  await eventually(async () => (await fakeCalls(page, "set_autostart")).length === 1, "set");
  assert.deepEqual((await fakeCalls(page, "set_autostart"))[0].args, { enabled: true });
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("#settings-panel").count(), 0);
  assert.equal(await focused(page), "settings-button");
  await app.close();
});

test("Refresh all now calls the command and says when it is done", async () => {
  const app = await ctx.open(fullScenario(nowSeconds()));
  const { page } = app;
  await page.getByTestId("refresh-all").click();
  await textIs(page.getByTestId("notice"), "Refresh finished.");
  assert.equal((await fakeCalls(page, "refresh_all")).length, 1);
  await app.close();
});
