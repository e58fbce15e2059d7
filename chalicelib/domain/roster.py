"""Reading roster spreadsheets (CSV or XLSX) into rows keyed by our field names. Pure: bytes in.

Rosters come from 246 village offices, typed in Excel by whoever was available, so the reader is
forgiving about form and strict about meaning:
- header names in Indonesian or English, any case/spacing (`No. HP`, `no_hp`, `phone`);
- CSV in UTF-8 (with or without BOM) or Windows-1252, separated by `,` or by `;` (what Excel
  writes on Indonesian-locale Windows, where `,` is the decimal separator) or tabs;
- dates as YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, Excel date cells or Excel serial numbers;
- row numbers are the line numbers people see in the file (header = line 1), so an officer can
  find the row the error report names.
A NIK stored as an Excel *number* is refused: Excel keeps 15 significant digits, so the 16th digit
of the NIK is already lost and guessing it would enrol the wrong person.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MAX_ROWS = 50_000

# canonical field -> accepted header spellings (after normalise_header)
HEADERS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no_nik", "nomor_nik", "nomor_induk_kependudukan", "national_id"),
    "name": ("nama", "nama_lengkap", "name", "full_name", "nama_peserta"),
    "birth_date": ("tanggal_lahir", "tgl_lahir", "birth_date", "date_of_birth", "dob"),
    "sex": ("jenis_kelamin", "jk", "l_p", "sex", "gender"),
    "phone": ("no_hp", "nomor_hp", "hp", "no_telp", "telepon", "phone", "phone_number", "mobile"),
    "village_code": ("kode_desa", "kode_wilayah", "village_code"),
    "category": ("kategori", "category"),
    "occupation": ("pekerjaan", "jabatan", "occupation"),
    "kpj_number": ("no_kpj", "nomor_kpj", "kpj", "kpj_number"),
    "status": ("status",),
    "effective_date": ("tmt", "tmt_kepesertaan", "tanggal_efektif", "tgl_efektif", "tanggal_aktif", "tgl_aktif",
                       "tanggal_kepesertaan", "tgl_kepesertaan", "effective_date"),  # the KPJ list's (kpj_import)
}
REQUIRED = ("nik", "name", "birth_date", "sex", "village_code", "category")
_ALIASES = {alias: canonical for canonical, aliases in HEADERS.items() for alias in aliases}

_SEX = {"l": "L", "laki_laki": "L", "laki": "L", "pria": "L", "m": "L", "male": "L",
        "p": "P", "perempuan": "P", "wanita": "P", "f": "P", "female": "P", "w": "P"}
_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
XLSX_MAGIC = b"PK\x03\x04"


class FileError(ValueError):
    """The file as a whole cannot be read (the import fails with this code and message)."""

    def __init__(self, code: str, message: str, field_name: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field_name


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    column: str
    code: str
    message: str


@dataclass
class Row:
    line: int
    values: dict[str, Any]


@dataclass
class Sheet:
    columns: dict[str, str]  # canonical field -> header as written in the file
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)


def normalise_header(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").replace("\ufeff", "").lower()).strip("_")


def normalise_code(text: str) -> str:
    """'Perangkat Desa' / 'perangkat-desa' / 'PERANGKAT_DESA' -> 'perangkat_desa'."""
    return normalise_header(text)


def detect_format(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    if data[:4] == XLSX_MAGIC:
        return "xlsx"
    if (filename or "").lower().endswith((".xlsx", ".xlsm")) or "spreadsheetml" in (content_type or ""):
        raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak atau bukan XLSX")
    return "csv"


def read(data: bytes, fmt: str, required: tuple[str, ...] = REQUIRED) -> Sheet:
    if not data or not data.strip():
        raise FileError("FILE_EMPTY", "Berkas kosong")
    raw_rows = _xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)
    return _sheet(raw_rows, required)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_delimiter(first_line: str) -> str:
    """The separator that splits the header line most (`;` from Indonesian-locale Excel)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first))
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            yield start, record
    except csv.Error as exc:
        raise FileError("FILE_UNREADABLE", f"CSV tidak bisa dibaca pada baris {reader.line_num}: {exc}") from None


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # only import workers pay for it, not every cold start

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile/KeyError/InvalidFileException for broken files
        raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak atau bukan XLSX") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _sheet(raw_rows: Iterable[tuple[int, list[Any]]], required: tuple[str, ...] = REQUIRED) -> Sheet:
    rows = iter(raw_rows)
    header: list[Any] | None = None
    for _, values in rows:
        if not _blank(values):
            header = values
            break
    if header is None:
        raise FileError("FILE_EMPTY", "Berkas kosong")
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        canonical = _ALIASES.get(normalise_header(name))
        if canonical and canonical not in positions:
            positions[canonical], columns[canonical] = index, str(name).replace("\ufeff", "").strip()
        elif name not in (None, ""):
            ignored.append(str(name).strip())
    missing = [f for f in required if f not in positions]
    if missing:
        names = ", ".join(f"{HEADERS[f][0]}/{f}" for f in missing)
        raise FileError("HEADER_MISSING", f"Kolom wajib tidak ada di baris judul: {names}", missing[0])
    out: list[Row] = []
    for line, values in rows:
        if _blank(values):
            continue
        if len(out) >= MAX_ROWS:
            raise FileError("FILE_TOO_LARGE", f"Berkas lebih dari {MAX_ROWS} baris; pecah menjadi beberapa berkas")
        out.append(Row(line, {f: _clean(values[i]) if i < len(values) else None for f, i in positions.items()}))
    return Sheet(columns, out, ignored)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# ---------- value coercion (each returns the value or raises ValueError with an Indonesian reason) ----------
def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = str(value).strip()
    if m := _YMD.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DMY.fullmatch(text):
        d, mo, y = (int(g) for g in m.groups())
    elif text.isdigit():
        return _excel_serial(int(text))
    else:
        raise ValueError("Tanggal lahir harus YYYY-MM-DD atau DD/MM/YYYY")
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError("Tanggal lahir tidak ada di kalender") from None


def _excel_serial(value: float) -> date:
    if not 1 <= value <= 80_000:
        raise ValueError("Tanggal lahir harus YYYY-MM-DD atau DD/MM/YYYY")
    return _EXCEL_EPOCH + timedelta(days=int(value))


def parse_nik(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("NIK tersimpan sebagai angka di Excel sehingga digit terakhirnya hilang; "
                         "format kolom NIK sebagai Teks lalu ketik ulang")
    text = str(value).strip().lstrip("'")
    if _SCIENTIFIC.fullmatch(text):
        raise ValueError("NIK tertulis sebagai angka ilmiah (mis. 1,60301E+15); format kolom NIK sebagai Teks")
    return text


def parse_sex(value: Any) -> str:
    sex = _SEX.get(normalise_header(value))
    if sex is None:
        raise ValueError("Jenis kelamin harus L atau P")
    return sex


def as_text(value: Any) -> str | None:
    """Numbers typed into text columns (phone 81234567890, KPJ) come back as digits, not 8.1e10."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() or None
