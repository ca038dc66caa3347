// A small W3C WebDriver client over fetch: enough to drive the app through tauri-driver
// (which forwards to WebKitWebDriver). No dependency, so nothing downloads a browser.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecc';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities, { timeoutMs = 60000 } = {}) {
    const started = Date.now();
    let lastError;
    while (Date.now() - started < timeoutMs) {
      try {
        const r = await fetch(`${base}/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ capabilities: { alwaysMatch: capabilities } }),
        });
        const body = await r.json();
        if (r.ok && body.value?.sessionId) return new Session(base, body.value.sessionId);
        lastError = new Error(`new session: ${r.status} ${JSON.stringify(body)}`);
      } catch (e) {
        lastError = e; // the driver is not listening yet
      }
      await sleep(250);
    }
    throw lastError;
  }

  async cmd(method, path, body) {
    const r = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json.value ?? json)}`);
      e.status = r.status;
      e.value = json.value;
      throw e;
    }
    return json.value;
  }

  async findAll(css, from) {
    const path = from ? `/element/${from}/elements` : '/elements';
    const found = await this.cmd('POST', path, { using: 'css selector', value: css });
    return found.map((e) => e[ELEMENT] ?? Object.values(e)[0]);
  }

  /** Wait until `css` matches (and `accept(element)` holds, when given); returns the element. */
  async waitFor(css, { timeoutMs = 20000, accept, from } = {}) {
    const started = Date.now();
    let last = 'nothing matched';
    while (Date.now() - started < timeoutMs) {
      for (const el of await this.findAll(css, from).catch(() => [])) {
        if (!accept || (await accept(el))) return el;
        last = `matched but not accepted: ${await this.text(el).catch(() => '?')}`;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${css} (${last})`);
  }

  text(el) {
    return this.cmd('GET', `/element/${el}/text`);
  }

  attr(el, name) {
    return this.cmd('GET', `/element/${el}/attribute/${name}`);
  }

  click(el) {
    return this.cmd('POST', `/element/${el}/click`, {});
  }

  async type(el, text) {
    await this.cmd('POST', `/element/${el}/clear`, {});
    return this.cmd('POST', `/element/${el}/value`, { text });
  }

  source() {
    return this.cmd('GET', '/source');
  }

  /** JavaScript in the page (synchronous). */
  exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async close() {
    await fetch(`${this.base}/session/${this.id}`, { method: 'DELETE' }).catch(() => {});
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
