#!/usr/bin/python3
"""Wait until an X11 window of the given title shows a painted page, and print when.

    /usr/bin/python3 painted.py <window title> [timeout seconds]     (needs python3-xlib)

Prints "ready" once connected to the X server, then "painted <ns>" with the CLOCK_MONOTONIC
time (the clock of Node's process.hrtime) at which the window's header row first held more
than a few colours: an unpainted window is one flat colour, a painted one has text, borders
and the logo there. Reads only a thin strip so that watching costs little CPU beside the app.
Exits 1 on timeout."""
import os
import sys
import time

from Xlib import X, display

# The window is found as the tests find the one they close.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/support"))
from close_window import find  # noqa: E402

STRIP_TOP, STRIP_HEIGHT = 12, 32  # the page's header row (the logo, "Latchkey", its buttons)
MIN_COLOURS = 6
POLL_S = 0.01


def colours(window):
    try:
        geometry = window.get_geometry()
        if geometry.height < STRIP_TOP + STRIP_HEIGHT:
            return 0
        image = window.get_image(0, STRIP_TOP, geometry.width, STRIP_HEIGHT, X.ZPixmap, 0xFFFFFFFF)
    except Exception:
        return 0  # not mapped yet, or gone
    data = image.data
    return len({data[i:i + 3] for i in range(0, len(data), 4)})


def main():
    title = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    d = display.Display()
    root = d.screen().root
    print("ready", flush=True)
    deadline = time.monotonic() + timeout
    window = None
    while time.monotonic() < deadline:
        if window is None:
            window = find(root, title)
        elif colours(window) >= MIN_COLOURS:
            print(f"painted {time.monotonic_ns()}", flush=True)
            return 0
        time.sleep(POLL_S)
    return 1


if __name__ == "__main__":
    sys.exit(main())
