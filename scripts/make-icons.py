#!/usr/bin/env python3
"""Draws Latchkey's icons (app and tray, normal and needs-attention) as RGBA PNGs with only the
standard library, so they can be regenerated anywhere: `python3 scripts/make-icons.py`.

The mark: a rounded square in Latchkey blue holding a white keyhole. The attention variant adds
an amber dot in the top-right corner."""
import math
import struct
import zlib
from pathlib import Path

BLUE = (37, 99, 235)
WHITE = (255, 255, 255)
AMBER = (245, 158, 11)
SS = 4  # supersampling per axis, for smooth edges


def coverage(size, inside):
    """Fraction of each pixel for which inside(x, y) holds, in unit coordinates [0, 1)."""
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = 0
            for sy in range(SS):
                for sx in range(SS):
                    x = (px + (sx + 0.5) / SS) / size
                    y = (py + (sy + 0.5) / SS) / size
                    hits += inside(x, y)
            row.append(hits / (SS * SS))
        rows.append(row)
    return rows


def rounded_square(x, y, margin=0.06, radius=0.22):
    lo, hi = margin, 1 - margin
    cx = min(max(x, lo + radius), hi - radius)
    cy = min(max(y, lo + radius), hi - radius)
    return lo <= x <= hi and lo <= y <= hi and (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def keyhole(x, y):
    head = (x - 0.5) ** 2 + (y - 0.40) ** 2 <= 0.13 ** 2
    # A slot that widens downwards, like a classic keyhole.
    t = (y - 0.40) / 0.34
    half = 0.055 + 0.045 * t
    slot = 0.40 <= y <= 0.74 and abs(x - 0.5) <= half
    return head or slot


def dot(x, y):
    return (x - 0.80) ** 2 + (y - 0.20) ** 2 <= 0.17 ** 2


def dot_ring(x, y):
    return (x - 0.80) ** 2 + (y - 0.20) ** 2 <= 0.21 ** 2


def render(size, attention):
    square = coverage(size, rounded_square)
    hole = coverage(size, keyhole)
    ring = coverage(size, dot_ring) if attention else None
    amber = coverage(size, dot) if attention else None
    pixels = []
    for y in range(size):
        for x in range(size):
            a = square[y][x]
            r, g, b = BLUE
            h = hole[y][x]
            r, g, b = (r * (1 - h) + WHITE[0] * h, g * (1 - h) + WHITE[1] * h, b * (1 - h) + WHITE[2] * h)
            if attention:
                # A transparent ring cut around the dot keeps it readable on any panel colour.
                cut = ring[y][x] - amber[y][x]
                a = a * (1 - cut)
                d = amber[y][x]
                r, g, b = (r * (1 - d) + AMBER[0] * d, g * (1 - d) + AMBER[1] * d, b * (1 - d) + AMBER[2] * d)
                a = max(a, d)
            pixels.append((round(r), round(g), round(b), round(a * 255)))
    return pixels


def png(size, pixels):
    raw = b"".join(
        b"\x00" + b"".join(struct.pack("4B", *pixels[y * size + x]) for x in range(size))
        for y in range(size)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    out = Path(__file__).resolve().parent.parent / "icons"
    out.mkdir(exist_ok=True)
    for name, size, attention in [
        ("32x32.png", 32, False),
        ("128x128.png", 128, False),
        ("128x128@2x.png", 256, False),
        ("icon.png", 512, False),
        ("tray.png", 64, False),
        ("tray-attention.png", 64, True),
    ]:
        (out / name).write_bytes(png(size, render(size, attention)))
        print("wrote", out / name)


if __name__ == "__main__":
    main()
