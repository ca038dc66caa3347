// The detail view: where the server signs in, how Latchkey registered, scopes requested vs
// granted, the times, and the history in words. Back or Escape returns to the list.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fullScenario, ISSUER, URLS } from "./scenarios.mjs";
import {
  eventually,
  fakeCalls,
  focused,
  norm,
  nowSeconds,
  row,
  textIs,
  useFreshApp,
} from "./harness.mjs";

const ctx = useFreshApp();

async function openDetail(page) {
  await row(page, URLS.github).getByTestId("details-button").click();
  await page.getByTestId("history-entry").first().waitFor();
  return page.getByTestId("server-detail");
}

test("shows the resource, issuer, client, scopes, times and history", async () => {
  const { page } = ctx.app;
  const detail = await openDetail(page);
  assert.equal(await page.getByTestId("server-row").count(), 0, "the list is replaced");
  await textIs(detail.getByTestId("detail-resource"), URLS.github);
  await textIs(detail.getByTestId("detail-issuer"), ISSUER);
  await textIs(detail.getByTestId("detail-client-id"), "lk-client-7f3a9c");
  await textIs(detail.getByTestId("detail-obtained-by"), "Browser sign-in (renewed with its refresh token)");
  await textIs(detail.getByTestId("account"), "ada@example.com");
  const text = norm(await detail.textContent());
  assert.match(text, /Dynamic client registration \(RFC 7591\)/);
  assert.match(text, /Tells the authorization server \(RFC 7009\)/);
  assert.match(norm(await detail.getByTestId("detail-expires").textContent()), /\(in 42 min\)$/);
  assert.match(norm(await detail.getByTestId("detail-next-refresh").textContent()), /\(in 37 min\)$/);

  const granted = await detail
    .getByTestId("scope-chip")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-access")));
  assert.deepEqual(granted, ["write", "read", "identity"]);
  const requested = await detail
    .getByTestId("requested-scope")
    .evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, " ").trim()));
  assert.deepEqual(requested, ["repo:read", "issues:write", "openid", "admin:org (not granted)"]);

  const history = await detail
    .getByTestId("history-entry")
    .evaluateAll((els) => els.map((e) => e.querySelector(".event").textContent.trim()));
  assert.deepEqual(history, [
    "Token handed to a client",
    "Refreshed",
    "Refresh failed",
    "Needs reconnect",
    "Removed locally",
    "Revoked",
    "Connected",
  ]);
  const first = norm(await detail.getByTestId("history-entry").first().textContent());
  assert.equal(first, "2 min ago Token handed to a client latchkey proxy (Cursor)");
});

test("Back returns to the list with focus on Details", async () => {
  const { page } = ctx.app;
  await openDetail(page);
  await page.getByTestId("detail-back").click();
  await row(page, URLS.github).waitFor();
  await eventually(async () => (await focused(page)) === "details-button", "focus on Details");
});

test("Escape returns to the list too", async () => {
  const { page } = ctx.app;
  await openDetail(page);
  await page.keyboard.press("Escape");
  await row(page, URLS.github).waitFor();
  assert.equal(await page.getByTestId("server-detail").count(), 0);
});

test("the detail follows state-changed", async () => {
  const { page } = ctx.app;
  const detail = await openDetail(page);
  await page.evaluate((url) => {
    const d = window.__fake.state.details[url];
    d.history.unshift({ at: Math.floor(Date.now() / 1000), event: "refreshed", detail: null });
    window.__fake.emit("state-changed", null);
  }, URLS.github);
  await eventually(async () => (await detail.getByTestId("history-entry").count()) === 8, "8 entries");
});

test("a server that does not connect offers the sign-in checkup, one line per check", async () => {
  const now = nowSeconds();
  const full = fullScenario(now);
  const server = full.overview.servers.find((x) => x.status.kind === "not_connected");
  const checkup = {
    server: server.url,
    worst: "failure",
    checks: [
      { check: "transport", result: "ok", says: "https", spec: "MCP 2025-11-25 Authorization §Communication Security" },
      {
        check: "issuer",
        result: "failure",
        says: "the metadata says issuer https://evil.example, but it was fetched for https://auth.example",
        spec: "RFC 8414 §3.3",
      },
      { check: "protocol_versions", result: "skipped", says: "needs a signed-in request", spec: "" },
    ],
  };
  const app = await ctx.open({
    ...full,
    details: { ...full.details, [server.url]: { server, resource: null, issuer: null, grant: null, history: [] } },
    checkups: { [server.url]: checkup },
  });
  try {
    const { page } = app;
    await row(page, server.url).getByTestId("details-button").click();
    const card = page.getByTestId("checkup");
    await textIs(card.getByTestId("checkup-run"), "Check this server's sign-in");
    assert.equal((await fakeCalls(page, "checkup")).length, 0, "nothing is asked before the click");
    await card.getByTestId("checkup-run").click();
    await textIs(card.getByTestId("checkup-summary"), "1 check fails (1 not made: it needs an earlier step).");
    const lines = (await card.getByTestId("checkup-check").allTextContents()).map(norm);
    assert.deepEqual(lines, [
      "OK Transport: https MCP 2025-11-25 Authorization §Communication Security",
      "Fails Issuer: the metadata says issuer https://evil.example, but it was fetched for https://auth.example RFC 8414 §3.3",
      "Skipped Protocol versions: needs a signed-in request",
    ]);
    assert.deepEqual((await fakeCalls(page, "checkup")).map((c) => c.args), [{ url: server.url }]);
    await textIs(card.getByTestId("checkup-run"), "Check again");
  } finally {
    await app.close();
  }
});

test("a connected server's details do not offer the checkup", async () => {
  const { page } = ctx.app;
  await openDetail(page);
  assert.equal(await page.getByTestId("checkup").count(), 0);
});
