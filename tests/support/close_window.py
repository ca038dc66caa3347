#!/usr/bin/python3
"""Close an X11 window the way a window manager's close button does: send it WM_DELETE_WINDOW
(a WM_PROTOCOLS client message), so the app sees a normal close request. Under Xvfb there is no
window manager to click, and WebDriver's "close window" would end the whole app.

    /usr/bin/python3 close_window.py <window title>     (needs python3-xlib, from apt)
Exits 1 when no window has that title."""
import sys

from Xlib import X, display
from Xlib.protocol import event


def find(d, node, title):
    try:
        name = node.get_wm_name()
    except Exception:
        name = None
    if name == title:
        return node
    for child in node.query_tree().children:
        found = find(d, child, title)
        if found is not None:
            return found
    return None


def main():
    title = sys.argv[1]
    d = display.Display()
    window = find(d, d.screen().root, title)
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
