// What a desktop panel does to show tray icons, for the app's tests: a StatusNotifierWatcher
// (org.kde.StatusNotifierWatcher, the freedesktop StatusNotifierItem spec) on the session bus,
// which tray items register with, and a host that reads an item's properties and its menu
// (com.canonical.dbusmenu) and clicks menu items. The test machine has no panel, so without
// this the tray would fall back to an XEmbed icon nothing reads.
//
// Tauri's tray on Linux is libayatana-appindicator (loaded at run time by tray-icon):
// - it registers with its object path (/org/ayatana/NotificationItem/<id>), not a bus name, so
//   the item is the caller's unique name + that path;
// - its menu is at <item path>/Menu; GetLayout gives labels as GTK mnemonics (muda writes `_`
//   as `__`), and `enabled`/`visible` only when false; item ids change on each rebuild;
// - the picture is a PNG file whose path is IconName (a new file on every change), so which
//   picture shows is read from its pixels (`png-pixels.mjs`); there is no tooltip on Linux.
// Start the watcher before the app: an item that finds no watcher waits for one, but the order
// keeps the test simple.
//
//   const w = await startWatcher();          // DBUS_SESSION_BUS_ADDRESS must be set
//   const item = await w.waitForItem();      // {service, path}
//   await w.properties(item)                 // {Id, Status, IconName, Menu, ...}
//   await w.menu(item)                       // [{id, text, enabled, separator}]
//   await w.click(item, id)
//   await w.close();
import dbus from 'dbus-next';

const { Interface, ACCESS_READ } = dbus.interface;
const { Variant, Message } = dbus;
const NAME = 'org.kde.StatusNotifierWatcher';
const PATH = '/StatusNotifierWatcher';
const ITEM = 'org.kde.StatusNotifierItem';
const MENU = 'com.canonical.dbusmenu';

class Watcher extends Interface {
  constructor(onItem) {
    super(NAME);
    this.items = [];
    this.sender = null; // the caller of the method being answered (set by a bus handler)
    this.onItem = onItem;
  }

  get RegisteredStatusNotifierItems() {
    return this.items;
  }

  get IsStatusNotifierHostRegistered() {
    return true;
  }

  get ProtocolVersion() {
    return 0;
  }

  RegisterStatusNotifierItem(serviceOrPath) {
    // libappindicator sends its object path; Qt and KDE items send their bus name.
    const byPath = serviceOrPath.startsWith('/');
    const item = {
      service: byPath ? this.sender : serviceOrPath,
      path: byPath ? serviceOrPath : '/StatusNotifierItem',
    };
    const key = `${item.service}${item.path}`;
    if (!this.items.includes(key)) this.items.push(key);
    this.StatusNotifierItemRegistered(key);
    this.onItem(item);
  }

  RegisterStatusNotifierHost() {}

  StatusNotifierItemRegistered(key) {
    return key;
  }
}

Watcher.configureMembers({
  properties: {
    RegisteredStatusNotifierItems: { signature: 'as', access: ACCESS_READ },
    IsStatusNotifierHostRegistered: { signature: 'b', access: ACCESS_READ },
    ProtocolVersion: { signature: 'i', access: ACCESS_READ },
  },
  methods: {
    RegisterStatusNotifierItem: { inSignature: 's', outSignature: '' },
    RegisterStatusNotifierHost: { inSignature: 's', outSignature: '' },
  },
  signals: { StatusNotifierItemRegistered: { signature: 's' } },
});

/** dbus-next Variants, unwrapped all the way down. */
function plain(v) {
  if (v instanceof Variant) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** A dbusmenu entry as a panel shows it (the spec's defaults filled in, mnemonics undone). */
function entry([id, props]) {
  const p = plain(props);
  return {
    id,
    text: (p.label ?? '').replace(/__|_/g, (m) => (m === '__' ? '_' : '')),
    enabled: p.enabled ?? true,
    visible: p.visible ?? true,
    separator: p.type === 'separator',
  };
}

export async function startWatcher() {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('no session bus');
  const bus = dbus.sessionBus();
  const found = [];
  const waiting = [];
  const watcher = new Watcher((item) => {
    found.push(item);
    for (const resolve of waiting.splice(0)) resolve(item);
  });
  // An exported method does not see its caller; a bus handler runs first and notes it.
  bus.addMethodHandler((msg) => {
    if (msg.interface === NAME && msg.member === 'RegisterStatusNotifierItem') watcher.sender = msg.sender;
    return false;
  });
  bus.export(PATH, watcher);
  if ((await bus.requestName(NAME, dbus.NameFlag.DO_NOT_QUEUE)) !== dbus.RequestNameReply.PRIMARY_OWNER) {
    bus.disconnect();
    throw new Error(`${NAME} is already owned on this bus`);
  }
  const call = async (destination, path, iface, member, signature = '', body = []) =>
    (await bus.call(new Message({ destination, path, interface: iface, member, signature, body }))).body;

  const properties = async (item) =>
    plain((await call(item.service, item.path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [ITEM]))[0]);

  return {
    /** The first item to register (now, or when it does). */
    waitForItem(timeoutMs = 20000) {
      if (found.length) return Promise.resolve(found[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no tray item registered')), timeoutMs);
        waiting.push((item) => {
          clearTimeout(t);
          resolve(item);
        });
      });
    },
    /** The item registered after the first `n` (the latest app's, when a run starts several). */
    waitForItemAfter(n, timeoutMs = 20000) {
      if (found.length > n) return Promise.resolve(found[n]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no new tray item registered')), timeoutMs);
        const check = () => {
          if (found.length > n) {
            clearTimeout(t);
            resolve(found[n]);
          } else waiting.push(check);
        };
        waiting.push(check);
      });
    },
    /** How many items registered so far. */
    get registered() {
      return found.length;
    },
    properties,
    /** The menu's top level, as GetLayout(0, -1, []) gives it. */
    async menu(item) {
      const { Menu } = await properties(item);
      const [, [, , children]] = await call(item.service, Menu, MENU, 'GetLayout', 'iias', [0, -1, []]);
      return children.map((c) => entry(c.value));
    },
    /** What a panel asks just before it shows the menu (dbusmenu AboutToShow on the root),
     *  and the menu it then reads. */
    async showMenu(item) {
      const { Menu } = await properties(item);
      await call(item.service, Menu, MENU, 'AboutToShow', 'i', [0]);
      return this.menu(item);
    },
    /** What a panel sends on a left click on the icon (StatusNotifierItem Activate). */
    async activate(item) {
      await call(item.service, item.path, ITEM, 'Activate', 'ii', [0, 0]);
    },
    /** What a panel sends when a person clicks menu entry `id`. */
    async click(item, id) {
      const { Menu } = await properties(item);
      const now = Math.floor(Date.now() / 1000);
      await call(item.service, Menu, MENU, 'Event', 'isvu', [id, 'clicked', new Variant('i', 0), now]);
    },
    /** Click the entry that reads `text`. Ids change on every rebuild of the menu, so a
     *  rebuild between the read and the click is answered by reading it again. */
    async clickText(item, text, attempts = 20) {
      for (let i = 1; ; i++) {
        const target = (await this.menu(item)).find((e) => e.text === text);
        try {
          if (!target) throw new Error(`no menu entry "${text}"`);
          return await this.click(item, target.id);
        } catch (e) {
          if (i >= attempts) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async close() {
      await bus.releaseName(NAME).catch(() => {});
      bus.disconnect();
    },
  };
}
