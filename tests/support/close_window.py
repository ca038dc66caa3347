#!/usr/bin/python3
"""Close an X11 window the way a window manager's close button does: send it WM_DELETE_WINDOW
(a WM_PROTOCOLS client message), so the app sees a normal close request. Under Xvfb there is no
window manager to click, and WebDriver's "close window" would end the whole app.

    /usr/bin/python3 close_window.py <window title>     (needs python3-xlib, from apt)
Exits 1 when no window has that title."""
import sys

from Xlib import X, display
from Xlib.protocol import event


def find(node, title):
    """The window under `node` titled `title`, or None (also used by benches/app/painted.py).
    A window that goes away while we look is passed over."""
    try:
        name = node.get_wm_name()
    except Exception:
        name = None
    if name == title:
        return node
    try:
        children = node.query_tree().children
    except Exception:
        return None
    for child in children:
        found = find(child, title)
        if found is not None:
            return found
    return None


def main():
    title = sys.argv[1]
    d = display.Display()
    window = find(d.screen().root, title)
    if window is None:
        print(f"no window titled {title!r}", file=sys.stderr)
        sys.exit(1)
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    message = event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(message, event_mask=X.NoEventMask)
    d.flush()


if __name__ == "__main__":
    main()
