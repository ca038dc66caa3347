// Every state a server row can be in, in the order the overview gives, with scopes, accounts and
// the right buttons. Also: nothing token-like ever reaches the DOM.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fullScenario, URLS } from "./scenarios.mjs";
import {
  eventually,
  fakeCalls,
  launch,
  norm,
  nowSeconds,
  openApp,
  row,
  serveDist,
  textIs,
} from "./harness.mjs";

let server;
let browser;
let app;

before(async () => {
  server = await serveDist();
  browser = await launch();
  app = await openApp(browser, server.url, fullScenario(nowSeconds()));
});

after(async () => {
  await app?.close();
  await browser?.close();
  await server?.close();
});

const buttons = (page, url) =>
  row(page, url)
    .locator("button[data-testid]:not(.link)")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")).filter((t) => !["make-default", "account-revoke", "account-reconnect"].includes(t)));

describe("server rows", () => {
  const rows = [
    {
      name: "connected, refreshes automatically",
      url: URLS.github,
      status: "connected",
      pill: "Connected · expires in 42 min · refreshes automatically",
      buttons: ["details-button", "revoke-button"],
      clients: "Used by Cursor, Claude Code",
      account: "Signed in as ada@example.com",
    },
    {
      name: "connected, no refresh token",
      url: URLS.docs,
      status: "connected",
      pill: "Connected · expires in 2 h",
      buttons: ["details-button", "revoke-button"],
    },
    {
      name: "connected, no lifetime given",
      url: URLS.search,
      status: "connected",
      pill: "Connected",
      buttons: ["details-button", "revoke-button"],
    },
    {
      name: "refreshing",
      url: URLS.drive,
      status: "refreshing",
      pill: "Refreshing…",
      buttons: ["details-button", "revoke-button"],
    },
    {
      name: "needs reconnect",
      url: URLS.linear,
      status: "needs_reconnect",
      pill: "Needs reconnect",
      attention: "The server stopped accepting this sign-in (invalid_grant). Reconnect to sign in again.",
      buttons: ["reconnect-button", "details-button", "revoke-button"],
    },
    {
      name: "about to expire without refresh",
      url: URLS.notes,
      status: "connected",
      pill: "Connected · expires in 10 min",
      attention: "Expires in 10 min and cannot renew itself: reconnect before then to stay signed in.",
      buttons: ["reconnect-button", "details-button", "revoke-button"],
    },
    {
      name: "expired",
      url: URLS.calendar,
      status: "expired",
      pill: "Expired · sign in again",
      attention: "The sign-in expired and cannot renew itself. Reconnect to sign in again.",
      buttons: ["reconnect-button", "details-button", "revoke-button"],
    },
    {
      name: "added by URL, not connected",
      url: URLS.tickets,
      status: "not_connected",
      pill: "Not connected",
      buttons: ["connect-button", "details-button", "remove-button"],
    },
    {
      name: "no sign-in needed",
      url: URLS.weather,
      status: "no_sign_in_needed",
      pill: "No sign-in needed",
      buttons: ["details-button", "remove-button"],
      clients: "Used by Zed",
    },
    {
      name: "found in MCP client configs",
      url: URLS.wiki,
      status: "not_connected",
      pill: "Not connected",
      buttons: ["connect-button"],
      clients: "Found in Claude Desktop, VS Code",
    },
  ];

  for (const r of rows) {
    test(r.name, async () => {
      const { page } = app;
      const el = row(page, r.url);
      assert.equal(await el.getAttribute("data-status"), r.status);
      await textIs(el.getByTestId("status-pill"), r.pill);
      assert.deepEqual(await buttons(page, r.url), r.buttons);
      if (r.attention) {
        await textIs(el.getByTestId("attention"), `! Needs attention: ${r.attention}`);
        assert.equal(await el.getAttribute("data-attention"), "true");
      } else {
        assert.equal(await el.getByTestId("attention").count(), 0);
      }
      if (r.clients) await textIs(el.getByTestId("clients"), r.clients);
      if (r.account) await textIs(el.getByTestId("account"), r.account);
      const signedIn = r.buttons.includes("revoke-button");
      assert.equal(await el.getByTestId("add-account-button").count(), signedIn ? 1 : 0);
    });
  }

  test("rows needing attention come first and look different", async () => {
    const { page } = app;
    const order = await page
      .getByTestId("server-row")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-attention")));
    const firstCalm = order.indexOf("false");
    assert.ok(firstCalm > 0, "some rows need attention");
    assert.ok(!order.slice(firstCalm).includes("true"), `attention rows first: ${order}`);

    const edge = (url) => row(page, url).evaluate((e) => getComputedStyle(e).boxShadow);
    assert.notEqual(await edge(URLS.linear), await edge(URLS.github), "attention rows are marked");
    // The header counts what needs the person, config files included, as the tray does.
    await textIs(
      page.getByTestId("summary"),
      "11 servers · 2 servers need a reconnect · 1 sign-in expires soon and cannot renew itself · " +
        "1 secret in plain text · 1 client entry signs in on its own · 1 config file problem",
    );
    assert.equal(await page.getByTestId("summary").getAttribute("data-needs-you"), "6");
  });

  test("write scopes look different from read and identity ones, and say so", async () => {
    const chips = row(app.page, URLS.github).getByTestId("scope-chip");
    const info = await chips.evaluateAll((els) =>
      els.map((e) => {
        const s = getComputedStyle(e);
        return {
          name: e.firstChild?.textContent?.trim() || e.textContent.trim(),
          text: e.textContent.replace(/\s+/g, " ").trim(),
          access: e.getAttribute("data-access"),
          title: e.getAttribute("title"),
          look: `${s.backgroundColor} ${s.borderColor} ${s.color} ${s.borderStyle}`,
        };
      }),
    );
    assert.deepEqual(
      info.map((c) => c.access),
      ["write", "read", "identity"],
      "write scopes first",
    );
    const [write, read, identity] = info;
    assert.equal(write.title, "can change things");
    assert.equal(read.title, "read only");
    assert.match(identity.title, /identity/);
    assert.notEqual(write.look, read.look, "write and read chips differ");
    assert.notEqual(read.look, identity.look, "identity chips are subdued");
    assert.match(write.text, /issues:write, can change things/);
  });

  test("several accounts: listed, default marked, another made default", async () => {
    const { page } = app;
    const items = row(page, URLS.mail).getByTestId("account-item");
    assert.equal(await items.count(), 2);
    await textIs(items.nth(0), "ada@example.com Connected Default");
    assert.equal(await items.nth(1).getAttribute("data-default"), "false");
    await items.nth(1).getByTestId("make-default").click();
    await eventually(
      async () => norm(await row(page, URLS.mail).getByTestId("account").textContent()).endsWith("ada@work.example"),
      "the new default to show",
    );
    assert.deepEqual(
      (await fakeCalls(page, "set_default_account")).map((c) => c.args),
      [{ url: URLS.mail, grantId: 52 }],
    );
    assert.equal(await row(page, URLS.mail).getAttribute("data-status"), "needs_reconnect");
  });

  test("Up and Down move between rows", async () => {
    const { page } = app;
    const rowsUrls = await page
      .getByTestId("server-row")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-url")));
    await row(page, rowsUrls[0]).getByTestId("details-button").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    const at = () => page.evaluate(() => document.activeElement?.getAttribute("data-url"));
    assert.equal(await at(), rowsUrls[2]);
    await page.keyboard.press("ArrowUp");
    assert.equal(await at(), rowsUrls[1]);
    await page.keyboard.press("End");
    assert.equal(await at(), rowsUrls[rowsUrls.length - 1]);
    await page.keyboard.press("Home");
    assert.equal(await at(), rowsUrls[0]);
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.equal(ring, "solid", "a focused row shows a focus ring");
  });

  test("Remove forgets a server without a sign-in", async () => {
    const { page } = app;
    await row(page, URLS.weather).getByTestId("remove-button").click();
    await eventually(async () => (await row(page, URLS.weather).count()) === 0, "the row to go");
    assert.deepEqual((await fakeCalls(page, "forget_server")).map((c) => c.args), [
      { url: URLS.weather },
    ]);
  });

  test("no token-looking text anywhere in the DOM", async () => {
    const html = await app.page.evaluate(() => document.documentElement.outerHTML);
    for (const needle of ["eyJ", "Bearer", "access_token", "refresh_token"]) {
      assert.ok(!html.includes(needle), `the DOM contains "${needle}"`);
    }
  });
});
