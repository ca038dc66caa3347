#!/usr/bin/env node
// A `$BROWSER` stand-in for Latchkey's end-to-end tests.
//
//   node tests/browser/approve.mjs <authorization-url>
//
// Opens the URL in headless Debian Chromium (/usr/bin/chromium) through
// playwright-core (no browser download). On oidc-provider's devInteractions
// pages it signs in with any login, then clicks the consent "Continue" button
// (or "[ Cancel ]" when APPROVE_ACTION=deny, so the AS redirects with
// error=access_denied), until the browser reaches the http loopback callback
// (a 127.0.0.1 / localhost / [::1] URL carrying `code` or `error`, or any
// loopback origin other than the authorization server's). Exits 0 then, and
// prints the final page's visible text to stderr.
//
// The device flow (RFC 8628) too: given oidc-provider's verification address, it
// enters APPROVE_USER_CODE on the code page when the address has none, confirms
// the device ("Continue", or "[ Abort ]" with APPROVE_ACTION=deny), signs in and
// consents as above, and exits 0 on the "Sign-in Success" page.
//
// Env:
//   APPROVE_ACTION=approve|deny   (default approve)
//   APPROVE_LOGIN=<login>         (default latchkey-test-user; becomes the `sub`)
//   APPROVE_USER_CODE=<code>      the device flow's user code, for its code page
//   SCREENSHOT_DIR=<dir>          save a PNG of every page seen
//   APPROVE_TIMEOUT_MS=<ms>       overall deadline (default 60000)
//   CHROMIUM_PATH=<path>          browser binary (default /usr/bin/chromium)
// Exit codes: 0 callback reached; 2 usage; 3 AS error page / stuck page; 4 timeout; 5 launch failure.
// Nothing is written to stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const log = (...a) => console.error('[approve]', ...a);

const startUrl = process.argv[2];
if (!startUrl || !/^https?:\/\//.test(startUrl)) {
  log('usage: node tests/browser/approve.mjs <http(s) url>');
  process.exit(2);
}

const ACTION = (process.env.APPROVE_ACTION || 'approve').toLowerCase();
const LOGIN = process.env.APPROVE_LOGIN || 'latchkey-test-user';
const SHOTS = process.env.SCREENSHOT_DIR || '';
const DEADLINE = Date.now() + Number(process.env.APPROVE_TIMEOUT_MS || 60000);
const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const startOrigin = new URL(startUrl).origin;
const asOrigins = new Set([startOrigin]);

function isLoopback(u) {
  return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK.has(u.hostname);
}

/** Is this URL the OAuth redirect back to the client (the loopback callback)? */
function isCallback(href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    return false;
  }
  if (!isLoopback(u)) return false;
  if (asOrigins.has(u.origin)) {
    // Same origin as the AS: only a response-shaped URL counts
    // (an authorization *request* carries code_challenge, never `code`).
    return (u.searchParams.has('code') || u.searchParams.has('error'))
      && !u.searchParams.has('response_type') && !u.pathname.startsWith('/interaction');
  }
  return true;
}

let shotNo = 0;
async function screenshot(page, label) {
  if (!SHOTS) return;
  try {
    fs.mkdirSync(SHOTS, { recursive: true });
    shotNo += 1;
    const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${label.replace(/[^a-z0-9-]+/gi, '_').slice(0, 40)}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log(`screenshot ${file}`);
  } catch (err) {
    log(`screenshot failed: ${err.message}`);
  }
}

async function visibleText(page) {
  try {
    return (await page.innerText('body', { timeout: 3000 })).trim();
  } catch {
    return '';
  }
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-approve-'));
let context;
let exitCode = 4;

try {
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: EXECUTABLE,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 30000,
    });
  } catch (err) {
    log(`could not launch ${EXECUTABLE}: ${err.message}`);
    exitCode = 5;
    throw err;
  }

  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(15000);

  // Only loopback traffic: the devInteractions pages @import a web font; never fetch it.
  await context.route('**/*', (route) => {
    let u;
    try {
      u = new URL(route.request().url());
    } catch {
      return route.abort();
    }
    if (u.protocol === 'data:' || u.protocol === 'about:' || isLoopback(u)) return route.continue();
    return route.abort();
  });

  // Remember a main-frame navigation to the callback even if the client's
  // listener answers oddly or closes the connection right away.
  let callbackUrl = null;
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
      const href = req.url();
      if (!callbackUrl && isCallback(href)) {
        callbackUrl = href;
        log(`callback reached: ${href.replace(/([?&]code=)[^&]+/, '$1…')}`);
      } else if (!isCallback(href)) {
        try {
          const u = new URL(href);
          if (isLoopback(u) && !callbackUrl) asOrigins.add(u.origin);
        } catch { /* ignore */ }
      }
    }
  });

  const settle = async () => {
    try {
      await page.waitForLoadState('domcontentloaded', { timeout: 10000 });
    } catch { /* the callback listener may have gone away */ }
  };

  try {
    await page.goto(startUrl, { waitUntil: 'domcontentloaded' });
  } catch (err) {
    if (!callbackUrl) log(`navigation: ${err.message.split('\n')[0]}`);
  }

  let lastUrl = '';
  let sameCount = 0;
  while (Date.now() < DEADLINE) {
    await settle();
    if (callbackUrl) {
      await page.waitForTimeout(300);
      await screenshot(page, 'callback');
      const t = await visibleText(page);
      log(`final page (${page.url()}):\n${t}`);
      exitCode = 0;
      break;
    }
    const here = page.url();
    if (here !== lastUrl) {
      lastUrl = here;
      sameCount = 0;
      await screenshot(page, new URL(here).pathname || 'page');
    } else {
      sameCount += 1;
    }

    const title = await page.title().catch(() => '');
    if (/something went wrong/i.test(title)) {
      log(`authorization server error page at ${here}:\n${await visibleText(page)}`);
      exitCode = 3;
      break;
    }

    // The device flow: done, a code to enter, or a device to confirm.
    if (/sign-in success/i.test(title)) {
      await screenshot(page, 'device-success');
      log(`device flow approved (${here})`);
      exitCode = 0;
      break;
    }
    const userCode = page.locator('input[name="user_code"]:not([type="hidden"])');
    if ((await userCode.count()) && process.env.APPROVE_USER_CODE) {
      log('device code page: entering the user code');
      await userCode.fill(process.env.APPROVE_USER_CODE);
      await Promise.all([
        page.waitForURL((u) => u.href !== here, { timeout: 15000 }).catch(() => {}),
        page.locator('button[type="submit"][form="op.deviceInputForm"]').first().click(),
      ]);
      continue;
    }
    const confirmDevice = page.locator('button[type="submit"][form="op.deviceConfirmForm"]');
    if (await confirmDevice.count()) {
      const deny = ACTION === 'deny';
      log(`device confirmation page: clicking ${deny ? '[ Abort ]' : 'Continue'}`);
      const button = deny ? confirmDevice.filter({ hasText: /abort/i }) : confirmDevice.filter({ hasText: /continue/i });
      await Promise.all([
        page.waitForURL((u) => u.href !== here, { timeout: 15000 }).catch(() => {}),
        button.first().click(),
      ]);
      if (deny) {
        await settle();
        log(`device flow aborted (${page.url()})`);
        exitCode = 0;
        break;
      }
      continue;
    }

    const login = page.locator('input[name="login"]');
    const consent = page.locator('form input[name="prompt"][value="consent"]');
    if (await login.count()) {
      log(`login page: signing in as ${LOGIN}`);
      await login.fill(LOGIN);
      const pw = page.locator('input[name="password"]');
      if (await pw.count()) await pw.fill('any-password');
      await Promise.all([
        page.waitForURL((u) => u.href !== here, { timeout: 15000 }).catch(() => {}),
        page.locator('form button[type="submit"]').first().click(),
      ]);
      continue;
    }
    if (await consent.count()) {
      if (ACTION === 'deny') {
        log('consent page: clicking [ Cancel ]');
        const cancel = page.locator('a', { hasText: /cancel|abort/i }).first();
        await Promise.all([
          page.waitForURL((u) => u.href !== here, { timeout: 15000 }).catch(() => {}),
          cancel.click(),
        ]);
      } else {
        log('consent page: clicking Continue');
        await Promise.all([
          page.waitForURL((u) => u.href !== here, { timeout: 15000 }).catch(() => {}),
          consent.locator('xpath=ancestor::form').locator('button[type="submit"]').first().click(),
        ]);
      }
      continue;
    }

    // Unknown page: give redirects / scripts a moment, then give up if nothing moves.
    if (sameCount >= 10) {
      log(`stuck on ${here}:\n${await visibleText(page)}`);
      exitCode = 3;
      break;
    }
    await page.waitForTimeout(500);
  }
  if (exitCode === 4) log('timed out before reaching the callback');
} catch (err) {
  log(`error: ${err.message}`);
} finally {
  try {
    await context?.close();
  } catch { /* ignore */ }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
