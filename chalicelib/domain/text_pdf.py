"""A small writer for text-only PDF documents (A4, the PDF core font Helvetica, WinAnsi encoding).

Why not a library: fpdf2 pulls Pillow and fontTools into every Lambda function's package (+15 MB
zipped, 29 MB in all, past the 15 MB budget in README's Benchmarks), for a report that is only
lines of text. The core fonts need no embedding; Latin-1 covers the names typed in Muara Enim
rosters (callers replace anything else). Line wrapping uses Helvetica's advance widths (Adobe's
core-font metrics, per 1,000 units of the font size); bold is measured a little wider to be safe.
"""

from __future__ import annotations

import zlib

MM = 72 / 25.4
PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN, BOTTOM = 10.0, 15.0

_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *([556] * 10), 278, 278,
     584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667,
     778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556,
     278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
     334, 260, 334, 584), strict=True))
_FONTS = {"": ("F1", "Helvetica"), "B": ("F2", "Helvetica-Bold"), "I": ("F3", "Helvetica-Oblique")}


def text_width(text: str, size: float, style: str = "") -> float:
    """Width in mm of `text` at `size` points."""
    units = sum(_WIDTHS.get(ch, 556) for ch in text) * (1.08 if style == "B" else 1.0)
    return units * size / 1000 / MM


def wrap(text: str, width: float, size: float, style: str = "") -> list[str]:
    """Lines that fit `width` mm, broken at spaces (a word longer than a line is cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, style) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word, size, style) > width:
                cut = max(1, next((i for i in range(len(word), 0, -1) if text_width(word[:i], size, style) <= width),
                                  1))
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class TextPdf:
    """Write top to bottom: `text` (wrapped), `row` (a bold label and a wrapped value), `space`."""

    def __init__(self, title: str):
        self.title = title
        self.pages: list[list[bytes]] = []
        self.y = PAGE_H
        self.style, self.size = "", 10.0
        self.width = PAGE_W - 2 * MARGIN

    def font(self, style: str = "", size: float = 10) -> None:
        self.style, self.size = style, size

    def _room(self, height: float) -> None:
        if not self.pages or self.y + height > PAGE_H - BOTTOM:
            self.pages.append([])
            self.y = MARGIN

    def _put(self, x: float, text: str, style: str, size: float, height: float) -> None:
        name = _FONTS[style][0]
        baseline = PAGE_H - (self.y + height * 0.75)
        self.pages[-1].append(b"BT /%s %.1f Tf %.2f %.2f Td (%s) Tj ET" % (
            name.encode(), size, x * MM, baseline * MM, _escape(text)))

    def text(self, value: str, height: float = 5) -> None:
        for line in wrap(value, self.width, self.size, self.style):
            self._room(height)
            self._put(MARGIN, line, self.style, self.size, height)
            self.y += height

    def row(self, label: str, value: str, label_width: float = 45, height: float = 6) -> None:
        lines = wrap(value, self.width - label_width, self.size, "")
        for i, line in enumerate(lines):
            self._room(height)
            if i == 0:
                self._put(MARGIN, label, "B", self.size, height)
            self._put(MARGIN + label_width, line, "", self.size, height)
            self.y += height

    def space(self, height: float) -> None:
        self.y += height

    def output(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in below, once the pages are numbered
        pages_id = add(b"")
        fonts = b" ".join(b"/%s %d 0 R" % (name.encode(), add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base.encode()))
            for name, base in _FONTS.values())
        info = add(b"<< /Title (%s) /Producer (Lindung) >>" % _escape(self.title))
        kids = []
        for page in self.pages or [[]]:
            stream = zlib.compress(b"\n".join(page))
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream))
            kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
                            b"/Resources << /Font << %s >> >> >>" % (pages_id, PAGE_W * MM, PAGE_H * MM, content,
                                                                     fonts)))
        objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
        objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids), len(kids))
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for n, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1, catalog, info, xref)
        return bytes(out)
