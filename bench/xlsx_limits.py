"""Crafted XLSX files against the import reader (issue #12 item 7), each built here in code.

Each file is read by `roster.read` in a fresh Python process (the import worker's code path), and
the bench prints the seconds it took, the process's peak memory (ru_maxrss, which includes the
interpreter, openpyxl and the file's own bytes) and the outcome: the FileError code, or the rows
read. Goal: every crafted file fails with a clear code (or is read correctly) within 60 s with
peak memory under 512 MB. Nothing here is asserted by tests; run it with
`.venv/bin/python -m bench.xlsx_limits` (add --keep DIR to keep the files).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import string
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER = ["NIK", "Nama", "Tanggal Lahir", "JK", "Kode Desa", "Kategori"]
GOAL_SECONDS, GOAL_MB = 60, 512

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from chalicelib.domain import roster
data = open({path!r}, "rb").read()
started = time.perf_counter()
try:
    sheet = roster.read(data, "xlsx")
    outcome = f"read {{len(sheet.rows)}} rows"
except roster.FileError as exc:
    outcome = exc.code
print(json.dumps({{"seconds": time.perf_counter() - started, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _base(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_part(base: bytes, name: str, write) -> bytes:
    """`base` with part `name` replaced (or added) by what `write(stream)` streams into it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
        info = zipfile.ZipInfo(name, date_time=(2025, 10, 2, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as part:
            write(part)
    return out.getvalue()


def _roster_rows(n: int) -> list[list]:
    from devtools.people import person

    people = [person(i, "16.03.01.2011", "linmas") for i in range(1, n + 1)]
    return [HEADER] + [[p["nik"], p["name"], p["birth_date"], p["sex"], p["village_code"], p["category"]]
                       for p in people]


def huge_shared_string(size_mb: int, random_text: bool) -> bytes:
    """One shared string of size_mb (the review's 412 KB file held 400 MB of one letter)."""
    base = _base(_roster_rows(1))

    def write(part):
        part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
        rng = random.Random(1)
        block = "".join(rng.choice(string.ascii_letters) for _ in range(1 << 20)).encode() if random_text \
            else b"A" * (1 << 20)
        for _ in range(size_mb):
            part.write(block)
        part.write(b"</t></si></sst>")

    return _with_part(base, "xl/sharedStrings.xml", write)


def full_dimension(rows: int) -> bytes:
    """A real roster whose sheet declares A1:XFD1048576 and has a cell in column XFD on every row."""
    from openpyxl.utils import get_column_letter

    data = _roster_rows(rows)

    def write(part):
        part.write(NS + b'<dimension ref="A1:XFD1048576"/><sheetData>')
        for r, values in enumerate(data, start=1):
            cells = "".join(f'<c r="{get_column_letter(c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                            for c, v in enumerate(values, start=1))
            part.write(f'<row r="{r}">{cells}<c r="XFD{r}"><v>1</v></c></row>'.encode())
        part.write(b"</sheetData></worksheet>")

    return _with_part(_base([["x"]]), "xl/worksheets/sheet1.xml", write)


def empty_rows(count: int, before_header: bool) -> bytes:
    """count empty <row/> elements after the data (or before the header)."""
    data = _roster_rows(2)

    def rows_xml(start: int) -> bytes:
        return b"".join(b'<row r="%d"/>' % n for n in range(start, start + 100_000))

    def write(part):
        part.write(NS + b"<sheetData>")
        first = 1
        if before_header:
            for start in range(1, count + 1, 100_000):
                part.write(rows_xml(start))
            first = count + 1
        for r, values in enumerate(data, start=first):
            cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
            part.write(f'<row r="{r}">{cells}</row>'.encode())
        if not before_header:
            for start in range(first + len(data), first + len(data) + count, 100_000):
                part.write(rows_xml(start))
        part.write(b"</sheetData></worksheet>")

    return _with_part(_base([["x"]]), "xl/worksheets/sheet1.xml", write)


def wide_rows(rows: int, columns: int) -> bytes:
    """rows rows of `columns` numeric cells each (16,384 is XFD), under a roster header."""

    def write(part):
        part.write(NS + b"<sheetData>")
        part.write(b'<row r="1">' + b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in HEADER)
                   + b"</row>")
        rng = random.Random(7)
        for r in range(2, rows + 2):  # random numbers: a ratio a real sheet could have, so the cell bound decides
            part.write(b'<row r="%d">' % r + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10**6)
                                                      for _ in range(columns)) + b"</row>")
        part.write(b"</sheetData></worksheet>")

    return _with_part(_base([["x"]]), "xl/worksheets/sheet1.xml", write)


def zip_bomb(size_mb: int) -> bytes:
    def write(part):
        part.write(NS + b"<sheetData>")
        block = b" " * (1 << 20)
        for _ in range(size_mb):
            part.write(block)
        part.write(b"</sheetData></worksheet>")

    return _with_part(_base([["x"]]), "xl/worksheets/sheet1.xml", write)


def many_rows(count: int) -> bytes:
    """A header then `count` non-blank rows: more than the 50,000 rows an import takes."""

    def write(part):
        part.write(NS + b"<sheetData>")
        part.write(b'<row r="1">' + b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in HEADER)
                   + b"</row>")
        for r in range(2, count + 2):
            part.write(b'<row r="%d"><c t="inlineStr"><is><t>x</t></is></c></row>' % r)
        part.write(b"</sheetData></worksheet>")

    return _with_part(_base([["x"]]), "xl/worksheets/sheet1.xml", write)


CASES = {
    "400 MB shared string of one letter": lambda: huge_shared_string(400, False),
    "40 MB shared string of random letters": lambda: huge_shared_string(40, True),
    "A1:XFD1048576 declared, 5,000 rows with a cell in XFD": lambda: full_dimension(5_000),
    "8,000,000 empty rows after the data": lambda: empty_rows(8_000_000, before_header=False),
    "8,000,000 empty rows before the header": lambda: empty_rows(8_000_000, before_header=True),
    "300 rows x 16,384 cells": lambda: wide_rows(300, 16_384),
    "zip bomb: 150 MB of spaces": lambda: zip_bomb(150),
    "1,000,000 non-blank rows": lambda: many_rows(1_000_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", help="directory to keep the crafted files in")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="xlsx-limits-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'crafted file':58} {'size':>9} {'seconds':>8} {'peak MB':>8}  outcome")
    worst_s = worst_mb = 0.0
    for n, (title, build) in enumerate(CASES.items()):
        path = folder / f"crafted-{n}.xlsx"
        path.write_bytes(build())
        child = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path))],
                               capture_output=True, text=True, timeout=600)
        if child.returncode:
            print(f"{title:58} crashed: {child.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(child.stdout.strip().splitlines()[-1])
        worst_s, worst_mb = max(worst_s, result["seconds"]), max(worst_mb, result["peak_mb"])
        print(f"{title:58} {path.stat().st_size / 1024:7.0f}KB {result['seconds']:8.2f} {result['peak_mb']:8.0f}  "
              f"{result['outcome']}")
        if not args.keep:
            path.unlink()
    print(f"worst: {worst_s:.1f} s ({worst_s / GOAL_SECONDS:.2f}x of the {GOAL_SECONDS} s goal), "
          f"{worst_mb:.0f} MB ({worst_mb / GOAL_MB:.2f}x of the {GOAL_MB} MB goal)")


if __name__ == "__main__":
    main()
