"""The field app's home-screen icons, drawn in code (no image library): a white shield with a
green check on Lindung green, full bleed so Android's maskable crop keeps the shield whole.

    .venv/bin/python -m devtools.field_icons   # writes field/icons/icon-192.png, icon-512.png
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

GREEN = (11, 110, 79)
WHITE = (255, 255, 255)
SIZES = (192, 512)
OUT = Path(__file__).resolve().parents[1] / "field" / "icons"


def _inside_shield(x: float, y: float) -> bool:
    """x, y in [0, 1]; the shield fills the middle 60% (the maskable safe zone is 80%)."""
    if not 0.25 <= x <= 0.75 or not 0.2 <= y <= 0.82:
        return False
    if y <= 0.55:
        return True
    half = 0.25 * (0.82 - y) / 0.27  # narrows to a point at the bottom
    return abs(x - 0.5) <= half


def _on_check(x: float, y: float) -> bool:
    """A check mark: two thick strokes."""
    def near(ax: float, ay: float, bx: float, by: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= 0.035 ** 2
    return near(0.37, 0.47, 0.47, 0.58) or near(0.47, 0.58, 0.64, 0.38)


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            colour = GREEN if _on_check(x, y) else WHITE if _inside_shield(x, y) else GREEN
            rows.extend(colour)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        (out / f"icon-{size}.png").write_bytes(png(size))
        print(f"{out}/icon-{size}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
