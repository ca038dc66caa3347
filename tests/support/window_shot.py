#!/usr/bin/python3
"""Save what an X11 window shows as a PNG, read from the X server (needs python3-xlib).

    /usr/bin/python3 window_shot.py <window title> <out.png>

The app's tests take their screenshots here rather than through WebDriver: these are the pixels
a person sees, and WebKitGTK's WebDriver "Take Screenshot" never returns when WebKit draws
without accelerated compositing, as Latchkey's window does on a machine without a GPU
(crates/latchkey-tray/src/rendering.rs). Exits 1 when no window has that title."""
import os
import struct
import sys
import zlib

from Xlib import X, display

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from close_window import find  # noqa: E402


def png(width, height, rows):
    """A PNG of 8-bit RGB `rows` (each `width * 3` bytes), filter 0 on every row."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def main():
    title, out = sys.argv[1], sys.argv[2]
    window = find(display.Display().screen().root, title)
    if window is None:
        print(f"no window titled {title!r}", file=sys.stderr)
        return 1
    g = window.get_geometry()
    data = window.get_image(0, 0, g.width, g.height, X.ZPixmap, 0xFFFFFFFF).data
    # ZPixmap at depth 24 is BGRX, four bytes a pixel.
    rows = []
    for y in range(g.height):
        line = data[y * g.width * 4:(y + 1) * g.width * 4]
        rgb = bytearray(g.width * 3)
        rgb[0::3] = line[2::4]
        rgb[1::3] = line[1::4]
        rgb[2::3] = line[0::4]
        rows.append(bytes(rgb))
    with open(out, "wb") as f:
        f.write(png(g.width, g.height, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
