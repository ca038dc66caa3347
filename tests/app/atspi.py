"""Read and drive the real app the way a screen reader does: over AT-SPI, the Linux accessibility
bus (WebKitGTK exposes the page there). Used by tests/app/a11y.test.mjs; prints JSON.

  atspi.py tree          every showing node of the window's document: role, name, states
  atspi.py press NAME    do the default action of the showing control named NAME (a click)
  atspi.py tab MAX       press Tab (real key events, XTest) until focus comes back round or
                         MAX presses; the focused control after each press
"""
import json
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

APP = "latchkey-app"
CONTROLS = {"push button", "toggle button", "check box", "entry", "link", "combo box", "menu item",
            "radio button", "password text", "spin button"}


def children(node):
    for i in range(node.get_child_count()):
        c = node.get_child_at_index(i)
        if c is not None:
            yield c


def walk(node):
    yield node
    for c in children(node):
        yield from walk(c)


def document(timeout=20.0):
    """The window's web document, once the app is on the accessibility bus."""
    until = time.time() + timeout
    while time.time() < until:
        desktop = Atspi.get_desktop(0)
        for app in children(desktop):
            if app.get_name() == APP:
                for n in walk(app):
                    if n.get_role_name() == "document web":
                        return n
        time.sleep(0.2)
    sys.exit(f"{APP} has no web document on the accessibility bus")


def describe(n):
    s = n.get_state_set()
    return {
        "role": n.get_role_name(),
        "name": n.get_name() or "",
        "focusable": s.contains(Atspi.StateType.FOCUSABLE),
        "focused": s.contains(Atspi.StateType.FOCUSED),
        "showing": s.contains(Atspi.StateType.SHOWING),
        "control": n.get_role_name() in CONTROLS,
    }


def tree():
    return [describe(n) for n in walk(document()) if n.get_state_set().contains(Atspi.StateType.SHOWING)]


def press(name):
    for n in walk(document()):
        d = describe(n)
        if d["name"] == name and d["showing"] and d["control"]:
            # Every accessible is also an Atspi.Action (the separate interface getter is deprecated).
            if Atspi.Action.get_n_actions(n) == 0:
                sys.exit(f"{name!r} has no action")
            return {"pressed": name, "ok": Atspi.Action.do_action(n, 0)}
    sys.exit(f"no showing control named {name!r}")


def focused(doc):
    for n in walk(doc):
        if n is not doc and n.get_state_set().contains(Atspi.StateType.FOCUSED):
            return describe(n)
    return None


def tab(most):
    doc = document()
    # Key events go to the window under the pointer (Xvfb has no window manager): click the
    # page's top-left corner first, so Tab starts from the top of the document.
    e = doc.get_extents(Atspi.CoordType.SCREEN)
    Atspi.generate_mouse_event(e.x + 2, e.y + 2, "b1c")
    time.sleep(0.3)
    seen = []
    for _ in range(most):
        Atspi.generate_keyboard_event(0xFF09, None, Atspi.KeySynthType.PRESSRELEASE | Atspi.KeySynthType.SYM)
        time.sleep(0.2)
        f = focused(doc)
        if f is None:  # past the page's last control: the window's own chrome
            if seen:
                break
            continue
        if seen and f == seen[0]:
            break
        seen.append(f)
    return seen


if __name__ == "__main__":
    cmd = sys.argv[1]
    out = tree() if cmd == "tree" else press(sys.argv[2]) if cmd == "press" else tab(int(sys.argv[2]))
    print(json.dumps(out))
