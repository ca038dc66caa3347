// A desktop notification server (org.freedesktop.Notifications, the XDG notification spec) on
// the session bus, for the app's tests: the test machine has no desktop, so nothing else would
// show the app's notifications or let a test press their buttons. It records every Notify call
// (summary, body, actions) and can "press" an action, which emits ActionInvoked and
// NotificationClosed exactly as a desktop's server does when a person clicks a button.
//
//   const daemon = await startNotificationDaemon();   // DBUS_SESSION_BUS_ADDRESS must be set
//   daemon.notifications  // [{id, app, summary, body, actions: {key: label}}]
//   daemon.press(id, 'connect');
//   await daemon.close();
import dbus from 'dbus-next';

const { Interface, method, signal } = dbus.interface;
const NAME = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';

class Notifications extends Interface {
  constructor(record) {
    super(NAME);
    this.record = record;
    this.next = 1;
  }

  GetCapabilities() {
    return ['actions', 'body'];
  }

  Notify(app, replacesId, _icon, summary, body, actions, _hints, _timeout) {
    const id = replacesId || this.next++;
    const pairs = {};
    for (let i = 0; i + 1 < actions.length; i += 2) pairs[actions[i]] = actions[i + 1];
    this.record({ id, app, summary, body, actions: pairs });
    return id;
  }

  CloseNotification(id) {
    this.NotificationClosed(id, 3);
  }

  GetServerInformation() {
    return ['latchkey-test-notifications', 'latchkey', '1.0', '1.2'];
  }

  ActionInvoked(id, key) {
    return [id, key];
  }

  NotificationClosed(id, reason) {
    return [id, reason];
  }
}

Notifications.configureMembers({
  methods: {
    GetCapabilities: { inSignature: '', outSignature: 'as' },
    Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
    CloseNotification: { inSignature: 'u', outSignature: '' },
    GetServerInformation: { inSignature: '', outSignature: 'ssss' },
  },
  signals: {
    ActionInvoked: { signature: 'us' },
    NotificationClosed: { signature: 'uu' },
  },
});
// (configureMembers replaces the decorators dbus-next documents for TypeScript.)
void method;
void signal;

export async function startNotificationDaemon() {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('no session bus (run inside tests/support/with-keyring.sh)');
  const bus = dbus.sessionBus();
  const notifications = [];
  const iface = new Notifications((n) => notifications.push(n));
  bus.export(PATH, iface);
  const reply = await bus.requestName(NAME, dbus.NameFlag.DO_NOT_QUEUE);
  if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) {
    bus.disconnect();
    throw new Error(`${NAME} is already owned on this bus (reply ${reply})`);
  }
  return {
    notifications,
    /** A person clicks the button `key` of notification `id`; the server then closes it. */
    press(id, key) {
      iface.ActionInvoked(id, key);
      iface.NotificationClosed(id, 2);
    },
    async close() {
      await bus.releaseName(NAME).catch(() => {});
      bus.disconnect();
    },
  };
}
