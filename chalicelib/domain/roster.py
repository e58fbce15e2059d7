"""Reading roster spreadsheets (CSV or XLSX) into rows keyed by our field names. Pure: bytes in.

Rosters come from 246 village offices, typed in Excel by whoever was available, so the reader is
forgiving about form and strict about meaning:
- the header row is looked for in the first HEADER_SCAN_ROWS rows of each sheet in turn (titles,
  blank and merged rows above it are skipped; a "Rekap" sheet without one is passed over);
- header names in Indonesian or English, any case/spacing (`No. HP / WA`, `no_hp`, `phone`);
- the data ends at the footer: a JUMLAH/TOTAL row, the signature block (Mengetahui, Kepala Desa,
  a name in brackets, NIP, "Muara Enim, 2 Oktober 2025") or a run of blank rows. Footer rows are
  reported as ignored, never as rejected; a row with a NIK in it is always data;
- CSV in UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252, decided per file from the
  bytes (UTF-8 validates itself: a file with valid UTF-8 sequences is UTF-8, and its lines that do
  not decode become row errors, never mojibake); separated by `,`, `;` (Indonesian-locale Excel)
  or tabs;
- XLSX read in streaming mode after the package is checked (sizes, compression ratio, longest
  text), so a crafted file fails with a clear code in seconds instead of eating the worker;
- row numbers are the line numbers people see in the file, so an officer finds the row the error
  report names.
Legacy `.xls` (OLE2) is refused with FORMAT_UNSUPPORTED: "simpan sebagai .xlsx".
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MAX_ROWS = 50_000  # data rows
MAX_LINES = MAX_ROWS + 10_000  # every line read, blank and footer ones included
HEADER_SCAN_ROWS = 30
MAX_COLUMNS = 200  # cells right of this column are not read (a declared A1:XFD1048576 is ignored)
MAX_SHEETS = 50
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
FOOTER_BLANK_RUN = 3  # this many blank rows in a row end the data (what follows is footer unless it has a NIK)
STOP_BLANK_RUN = 1_000  # after this many blank rows nothing more is read
# XLSX package limits, checked on the zip directory before any XML is parsed
XLSX_MAX_ENTRIES = 2_000
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_MAX_PART = 160 * 1024 * 1024
XLSX_MAX_SHARED_STRINGS = 48 * 1024 * 1024
XLSX_MAX_RATIO = 200  # uncompressed / compressed, for parts over XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 1024 * 1024
XLSX_MAX_CELLS = 2_500_000  # per sheet: 50,000 rows of 50 columns

# canonical field -> accepted header spellings (after normalise_header)
HEADERS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no_nik", "nomor_nik", "nomor_induk_kependudukan", "national_id", "nik_ktp", "no_ktp",
            "nomor_ktp", "nik_e_ktp"),
    "name": ("nama", "nama_lengkap", "name", "full_name", "nama_peserta", "nama_pekerja", "nama_anggota",
             "nama_sesuai_ktp"),
    "birth_date": ("tanggal_lahir", "tgl_lahir", "birth_date", "date_of_birth", "dob", "tgl_lhr", "tanggal_lhr",
                   "tempat_tanggal_lahir", "tempat_tgl_lahir", "ttl"),
    "sex": ("jenis_kelamin", "jk", "l_p", "sex", "gender", "kelamin", "jns_kelamin", "lk_pr", "p_l"),
    "phone": ("no_hp", "nomor_hp", "hp", "no_telp", "telepon", "phone", "phone_number", "mobile", "no_wa",
              "no_hp_wa", "no_telp_hp", "nomor_telepon", "no_handphone", "whatsapp"),
    "village_code": ("kode_desa", "kode_wilayah", "village_code", "kode_kelurahan", "kode_desa_kelurahan"),
    "village_name": ("desa", "kelurahan", "desa_kelurahan", "kelurahan_desa", "nama_desa", "nama_kelurahan",
                     "nama_desa_kelurahan", "desa_kel", "village", "village_name"),
    "district": ("kecamatan", "kec", "nama_kecamatan", "kode_kecamatan", "district"),
    "category": ("kategori", "category", "kategori_peserta"),
    "occupation": ("pekerjaan", "jabatan", "occupation", "jabatan_pekerjaan", "pekerjaan_jabatan"),
    "kpj_number": ("no_kpj", "nomor_kpj", "kpj", "kpj_number"),
    "status": ("status",),
    "effective_date": ("tmt", "tmt_kepesertaan", "tanggal_efektif", "tgl_efektif", "tanggal_aktif", "tgl_aktif",
                       "tanggal_kepesertaan", "tgl_kepesertaan", "effective_date"),  # the KPJ list's (kpj_import)
}
# the columns without which no row can be read (village and category may come from the upload)
REQUIRED = ("nik", "name", "birth_date", "sex")
_ALIASES = {alias: canonical for canonical, aliases in HEADERS.items() for alias in aliases}
_PHONE_WORDS = {"hp", "telp", "tlp", "telpon", "telepon", "wa", "whatsapp", "handphone", "ponsel"}

_SEX = {"l": "L", "lk": "L", "laki_laki": "L", "laki": "L", "lelaki": "L", "pria": "L", "m": "L", "male": "L",
        "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "f": "P", "female": "P", "w": "P", "pe": "P"}
_MONTHS = {"januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
           "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8,
           "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "okt": 10,
           "oktober": 10, "oct": 10, "november": 11, "nopember": 11, "nov": 11, "nop": 11, "desember": 12,
           "des": 12, "dec": 12, "january": 1, "february": 2, "march": 3, "june": 6, "july": 7, "august": 8,
           "october": 10, "december": 12}
_NO_PHONE = {"", "0", "00", "tidak_ada", "tdk_ada", "belum_ada", "blm_ada", "tidak_punya", "tdk_punya", "kosong",
             "na", "n_a", "nihil", "none", "tidak", "tdk", "x"}
_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DMY2 = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})")
_D_MONTH_Y = re.compile(r"(\d{1,2})[\s/.\-]*([A-Za-z]{3,9})\.?[\s/.,\-]*(\d{4}|\d{2})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_PHONE_SPLIT = re.compile(r"[/,;|&\n]|\bdan\b|\batau\b|\bor\b", re.IGNORECASE)
_NIKISH = re.compile(r"'?\s*\d[\d\s.\-]{8,}\d\s*")
_FOOTER_WORDS = re.compile(
    r"^(jumlah|total|sub ?total|grand ?total|mengetahui|menyetujui|disetujui|diketahui|kepala desa|kades|lurah|"
    r"camat|sekretaris desa|dibuat oleh|pembuat daftar|yang membuat|ttd|tanda tangan|nip\b|a\.?n\.? |an\. |"
    r"keterangan ?:|catatan ?:)", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^[A-Za-z .'-]{3,40},\s*\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}$")
_BRACKETED = re.compile(r"^\(\s*[^()]{2,80}\s*\)$")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
XLS_MESSAGE = "Berkas .xls (Excel 97-2003) tidak didukung; buka di Excel lalu simpan sebagai .xlsx atau CSV"


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
    nik: str | None = None  # as written in the file, so the row can be found in the report
    name: str | None = None


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    problem: tuple[str, str, str] | None = None  # (field, code, message) found while reading, e.g. encoding


@dataclass
class Sheet:
    columns: dict[str, str]  # canonical field -> header as written in the file
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)
    ignored_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): titles below, footer
    sheet_name: str | None = None
    header_line: int = 1
    encoding: str | None = None


def normalise_header(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").replace("\ufeff", "").lower()).strip("_")


def normalise_code(text: str) -> str:
    """'Perangkat Desa' / 'perangkat-desa' / 'PERANGKAT_DESA' -> 'perangkat_desa'."""
    return normalise_header(text)


def canonical_column(header: Any) -> str | None:
    """Our field for a header cell, or None. Phone columns come in too many spellings to list
    (`No HP / WA`, `NO. HP / WA`, `No. Telp/HP`), so any header made of phone words is the phone."""
    key = normalise_header(header)
    if key in _ALIASES:
        return _ALIASES[key]
    words = set(key.split("_")) - {"no", "nomor", "nmr", "nomer"}
    if words and words <= _PHONE_WORDS:
        return "phone"
    return None


def detect_format(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    if data[:8] == OLE_MAGIC:
        raise FileError("FORMAT_UNSUPPORTED", XLS_MESSAGE)
    if data[:4] == XLSX_MAGIC:
        return "xlsx"
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise FileError("FORMAT_UNSUPPORTED", XLS_MESSAGE)
    if name.endswith((".xlsx", ".xlsm")) or "spreadsheetml" in (content_type or ""):
        raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak atau bukan XLSX")
    return "csv"


def read(data: bytes, fmt: str, required: tuple[str, ...] = REQUIRED,
         extra_headers: dict[str, str] | None = None) -> Sheet:
    """The roster of the first sheet with a header row; FileError when there is none.

    extra_headers: normalised header -> key of a programme's own field (domain/fields.py
    header_lookup); such a column's values arrive as `extra.<key>`."""
    if not data or not data.strip():
        raise FileError("FILE_EMPTY", "Berkas kosong")
    extra = {h: f"extra.{k}" for h, k in (extra_headers or {}).items()}
    if fmt == "xlsx":
        return _read_xlsx(data, required, extra)
    text_rows, encoding = _csv_rows(data)
    sheet = _sheet(text_rows, required, extra=extra)
    if sheet is None:
        raise _header_missing([text_rows], required)
    sheet.encoding = encoding
    return sheet


# ---------- CSV: encodings decided per file ----------
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xef][\x80-\xbf]{2}|"
                             rb"\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def decode(data: bytes) -> tuple[str, set[int], str]:
    """(text, numbers of the lines that did not decode, encoding). Evidence, not a guess: a file
    that is valid UTF-8 is UTF-8; one with any valid multi-byte UTF-8 sequence is UTF-8 with some
    broken lines (reported, never decoded as something else); one with none is Windows-1252,
    what Excel writes as "CSV (Comma delimited)" on Indonesian Windows."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text"
        text = data.decode("utf-16", errors="replace")
        return text, {n for n, line in enumerate(text.split("\n"), start=1) if "\ufffd" in line}, "utf-16"
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), set(), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = "utf-8" if _UTF8_MULTIBYTE.search(body) else "cp1252"
    lines, bad = [], set()
    for number, line in enumerate(body.split(b"\n"), start=1):
        try:
            lines.append(line.decode(encoding))
        except UnicodeDecodeError:
            bad.add(number)
            lines.append(line.decode(encoding, errors="replace"))
    return "\n".join(lines), bad, encoding


def detect_delimiter(first_line: str) -> str:
    """The separator that splits the header line most (`;` from Indonesian-locale Excel)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_ENCODING_PROBLEM = ("name", "ENCODING_INVALID",
                     "Baris ini berisi huruf yang tidak terbaca (berkas bukan UTF-8 yang utuh); ketik ulang "
                     "huruf yang rusak atau simpan berkas sebagai CSV UTF-8")


def _csv_rows(data: bytes) -> tuple[list[tuple[int, list[Any], tuple | None]], str]:
    text, bad_lines, encoding = decode(data)
    lines = text.splitlines()
    header_guess = max(lines[:HEADER_SCAN_ROWS] or [""], key=lambda line: sum(line.count(d) for d in ",;\t|"))
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(header_guess))
    out: list[tuple[int, list[Any], tuple | None]] = []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if len(out) >= MAX_LINES:
                raise _too_large()
            problem = _ENCODING_PROBLEM if bad_lines and any(n in bad_lines for n in range(start, previous_end + 1)) \
                else None
            out.append((start, record[:MAX_COLUMNS], problem))
    except csv.Error as exc:
        raise FileError("FILE_UNREADABLE", f"CSV tidak bisa dibaca pada baris {reader.line_num}: {exc}") from None
    return out, encoding


# ---------- XLSX: package checks, then streaming ----------
def check_xlsx_package(data: bytes) -> None:
    """Refuse what would take the worker's memory or minutes, from the zip directory and one
    streaming pass, before any XML reaches a parser: too many parts, too much uncompressed data,
    a compression ratio no spreadsheet has (a zip bomb), or a text longer than Excel allows."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak atau bukan XLSX") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_ENTRIES:
            raise FileError("FILE_TOO_COMPLEX", f"Berkas XLSX berisi lebih dari {XLSX_MAX_ENTRIES} bagian; "
                            "salin data ke buku kerja baru lalu simpan ulang")
        total = sum(i.file_size for i in infos)
        if total > XLSX_MAX_UNCOMPRESSED or any(i.file_size > XLSX_MAX_PART for i in infos):
            raise FileError("FILE_TOO_LARGE", f"Isi berkas XLSX lebih dari {XLSX_MAX_UNCOMPRESSED // 2**20} MB "
                            "setelah dibuka; pecah menjadi beberapa berkas")
        for info in infos:
            if info.file_size > XLSX_RATIO_FROM and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
                raise FileError("FILE_COMPRESSION_SUSPICIOUS",
                                f"Berkas XLSX terkompresi lebih dari {XLSX_MAX_RATIO}:1, tidak seperti daftar "
                                "biasa; salin data ke buku kerja baru lalu simpan ulang")
            name = info.filename.lower()
            if name.endswith("sharedstrings.xml") and info.file_size > XLSX_MAX_SHARED_STRINGS:
                raise FileError("FILE_TOO_LARGE", f"Teks dalam berkas XLSX lebih dari "
                                f"{XLSX_MAX_SHARED_STRINGS // 2**20} MB; pecah menjadi beberapa berkas")
            if name.startswith("xl/") and name.endswith(".xml") and ("sharedstrings" in name or "/worksheets/" in name):
                _check_text_runs(archive, info)


def _check_text_runs(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The longest text between two tags, read 1 MB at a time: one 400 MB string must not be
    handed to the XML parser, which would hold it whole (escaped chars count up to 6 bytes each).
    The cells of a sheet are counted on the way: the parser reads every cell of a row, even those
    right of MAX_COLUMNS, so 300 rows of 16,384 cells would take minutes."""
    limit = MAX_CELL_CHARS * 6
    run = cells = 0
    with archive.open(info) as part:
        while chunk := part.read(1024 * 1024):
            if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:  # no spreadsheet part has a DTD; entities are bombs
                raise FileError("FILE_UNREADABLE", "Berkas XLSX berisi DTD/entitas XML yang tidak diizinkan")
            cells += chunk.count(b"<c ") + chunk.count(b"<c>")
            if cells > XLSX_MAX_CELLS:
                raise FileError("FILE_TOO_LARGE", f"Sheet berisi lebih dari {XLSX_MAX_CELLS:,} sel".replace(",", ".")
                                + "; hapus kolom dan baris yang tidak dipakai atau pecah berkas")
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                run = max(run + len(pieces[0]), max(map(len, pieces[1:-1])) if len(pieces) > 2 else 0)
                if run > limit:
                    break
                run = len(pieces[-1])
            if run > limit:
                break
    if run > limit:
        raise FileError("CELL_TOO_LONG", f"Ada sel berisi lebih dari {MAX_CELL_CHARS} huruf (batas Excel); "
                        "periksa sel yang terlalu panjang lalu simpan ulang")


def _read_xlsx(data: bytes, required: tuple[str, ...], extra: dict[str, str] | None = None) -> Sheet:
    check_xlsx_package(data)
    scanned: list[list[tuple[int, list[Any], None]]] = []
    for title, rows in _xlsx_worksheets(data):
        head: list = []
        sheet = _sheet(rows, required, head, extra)
        rows.close()  # stop the parser: rows below the footer are never parsed
        if sheet is not None:
            sheet.sheet_name = title
            return sheet
        scanned.append(head)
    raise _header_missing(scanned, required)


def _xlsx_worksheets(data: bytes) -> Iterator[tuple[str, Iterator[tuple[int, list[Any], None]]]]:
    """(title, rows) of each worksheet, streamed by openpyxl's own cell parser.

    Not `load_workbook(read_only=True)`: its worksheets look for a <dimension> element when they
    are made and, when there is none, parse the whole sheet first (8 M empty rows: 97 s, 1.26 GB),
    and they pad every row to the declared width (A1:XFD1048576: 16,384 cells a row)."""
    from openpyxl.reader.excel import ExcelReader  # only import workers pay for openpyxl
    from openpyxl.styles.stylesheet import apply_stylesheet

    WorkSheetParser = _fast_parser()

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type][:MAX_SHEETS]
    except Exception:  # openpyxl raises zipfile/KeyError/ValueError/InvalidFileException for broken files
        raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak atau bukan XLSX") from None
    wb = reader.wb

    def rows(target: str) -> Iterator[tuple[int, list[Any], None]]:
        with reader.archive.open(target) as source:
            parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            expected = 1
            try:
                for number, cells in parser.parse():
                    for missing in range(expected, min(number, expected + STOP_BLANK_RUN + 1)):
                        yield missing, [], None  # rows the file leaves out are blank rows
                    values: list[Any] = [None] * min(max((c for c, _ in cells), default=0), MAX_COLUMNS)
                    for column, value in cells:
                        if column <= MAX_COLUMNS:
                            values[column - 1] = value
                    yield number, values, None
                    expected = number + 1
            except (SyntaxError, ValueError, KeyError, IndexError, TypeError):  # ParseError is a SyntaxError
                raise FileError("FILE_UNREADABLE", "Berkas XLSX rusak: sheet tidak bisa dibaca") from None

    try:
        for title, target in sheets:
            yield title, rows(target)
    finally:
        reader.archive.close()


_COLUMNS: dict[str, int] = {}


def _column_number(reference: str) -> int:
    """`AB12` -> 28, cached by letters (a roster has a handful of columns; openpyxl's
    coordinate_to_tuple runs a regex per cell)."""
    letters = reference.rstrip("0123456789")
    number = _COLUMNS.get(letters)
    if number is None:
        if not letters or len(letters) > 3 or not letters.isascii() or not letters.isupper() \
                or not letters.isalpha() or len(letters) == len(reference):
            raise ValueError(f"bad cell reference {reference[:20]!r}")
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        _COLUMNS[letters] = number
    return number


def _fast_parser():
    """openpyxl's worksheet parser made fast enough for 26,775 rows: the stdlib's C parser, and
    each row read straight into (column, value) pairs with the same value rules as openpyxl's
    parse_cell for data_only reads (shared strings, numbers, date styles, booleans, ISO dates,
    inline strings), without its per-cell dict, regex and rich-text objects."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import INLINE_STRING, VALUE_TAG, WorkSheetParser, _cast_number
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag, run_text = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r/{{{SHEET_MAIN_NS}}}t"
    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"

    class Parser(WorkSheetParser):
        def parse(self):
            """Rows only, with the C-accelerated parser (openpyxl takes defusedxml's pure-Python one
            when it is installed, 10x slower; check_xlsx_package refuses any DTD beforehand)."""
            for _, element in iterparse(self.source):
                if element.tag == row_tag:
                    row = self.lean_row(element)
                    element.clear()
                    yield row

        def lean_row(self, element) -> tuple[int, list[tuple[int, Any]]]:
            number = element.get("r")
            if number is None:
                self.row_counter += 1
            else:
                as_float = float(number)
                if not as_float.is_integer():
                    raise ValueError(f"{number[:20]} is not a valid row number")
                self.row_counter = int(as_float)
            column, cells = 0, []
            for cell in element:
                if cell.tag != cell_tag:
                    continue
                reference = cell.get("r")
                column = _column_number(reference) if reference else column + 1
                cells.append((column, self.lean_value(cell)))
            return self.row_counter, cells

        def lean_value(self, cell) -> Any:
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                child = cell.find(INLINE_STRING)
                if child is None:
                    return None
                return "".join(t.text or "" for t in (child.findall(text_tag) or child.findall(run_text)))
            value = cell.findtext(VALUE_TAG, None) or None
            if value is None:
                return None
            if kind == "n":
                number = _cast_number(value)
                style = cell.get("s")
                style_id = int(style) if style else 0
                if style_id in self.date_formats:
                    try:
                        return from_excel(number, self.epoch, timedelta=style_id in self.timedelta_formats)
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # what openpyxl makes of a date serial outside the calendar
                return number
            if kind == "s":
                return self.shared_strings[int(value)]
            if kind == "b":
                return bool(int(value))
            if kind == "d":
                return from_ISO8601(value)
            return value  # str (a formula's cached text), e (an error such as #N/A)

    return Parser


# ---------- header and footer ----------
def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _header_map(values: list[Any], extra: dict[str, str] | None = None
                ) -> tuple[dict[str, int], dict[str, str], list[str]]:
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(values):
        canonical = canonical_column(name) or (extra or {}).get(normalise_header(name))
        if canonical and canonical not in positions:
            positions[canonical], columns[canonical] = index, " ".join(str(name).replace("\ufeff", "").split())
        elif name not in (None, "") and str(name).strip():
            ignored.append(" ".join(str(name).split()))
    return positions, columns, ignored


def _is_header(positions: dict[str, int]) -> bool:
    return "nik" in positions and len(positions) >= 2


def _sheet(raw_rows: Iterable[tuple[int, list[Any], tuple | None]], required: tuple[str, ...],
           head: list | None = None, extra: dict[str, str] | None = None) -> Sheet | None:
    """Find the header in the first rows, then read data rows up to the footer; None if no header."""
    rows: Iterator = iter(raw_rows)
    header: tuple[int, dict[str, int], dict[str, str], list[str]] | None = None
    for line, values, _ in rows:
        if line > HEADER_SCAN_ROWS:
            break
        if head is not None:
            head.append((line, values, None))
        positions, columns, ignored = _header_map(values, extra)
        if _is_header(positions):
            header = (line, positions, columns, ignored)
            break
    if header is None:
        return None
    header_line, positions, columns, ignored = header
    missing = [f for f in required if f not in positions]
    if missing:
        raise FileError("HEADER_MISSING", _missing_message(missing, columns, ignored), missing[0])
    nik_at = positions["nik"]
    out: list[Row] = []
    ignored_rows: list[tuple[int, str]] = []
    blank_run, in_footer, lines = 0, False, 0
    for line, values, problem in rows:
        lines += 1
        if lines > MAX_LINES:
            raise _too_large()
        if _blank(values):
            blank_run += 1
            if blank_run >= STOP_BLANK_RUN:
                ignored_rows.append((line, f"pembacaan berhenti setelah {STOP_BLANK_RUN} baris kosong berturut-turut; "
                                           "data di bawahnya tidak dibaca"))
                break
            if blank_run >= FOOTER_BLANK_RUN and out:
                in_footer = True
            continue
        blank_run = 0
        has_nik = nik_at < len(values) and _nikish(values[nik_at])
        if not has_nik and (in_footer or _footer_like(values)):
            in_footer = True
            ignored_rows.append((line, "bagian penutup (jumlah, tanda tangan atau catatan), tidak diimpor"))
            continue
        if len(out) >= MAX_ROWS:
            raise _too_large()
        out.append(Row(line, {f: _clean(values[i]) if i < len(values) else None for f, i in positions.items()},
                       problem))
    return Sheet(columns, out, ignored, ignored_rows, header_line=header_line)


def _nikish(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value >= 1e9
    return isinstance(value, str) and bool(_NIKISH.fullmatch(value)) and not value.lower().startswith("nip")


def _footer_like(values: list[Any]) -> bool:
    texts = [" ".join(str(v).split()) for v in values if v is not None and str(v).strip()]
    if any(re.match(r"^(jumlah|total|sub ?total|grand ?total)\b", t, re.IGNORECASE) for t in texts):
        return True
    if len(texts) > 3:
        return False
    return any(_FOOTER_WORDS.match(t) or _PLACE_DATE.match(t) or _BRACKETED.match(t) for t in texts)


def _missing_message(missing: list[str], columns: dict[str, str], ignored: list[str]) -> str:
    names = ", ".join(f"{HEADERS[f][0]}/{f}" for f in missing)
    seen = ", ".join(name[:40] for name in (list(columns.values()) + ignored)[:25]) or "-"
    return f"Kolom wajib tidak ada di baris judul: {names}. Kolom yang terbaca: {seen}"


def _header_missing(scanned: list[list], required: tuple[str, ...]) -> FileError:
    """No row in the first rows of any sheet has a NIK column: name what the best candidate had."""
    best: tuple[dict, dict, list] = ({}, {}, [])
    for rows in scanned:
        for _, values, *_ in rows[:HEADER_SCAN_ROWS]:
            mapped = _header_map(values)
            if len(mapped[0]) > len(best[0]):
                best = mapped
    if not best[0] and all(_blank(values) for rows in scanned for _, values, *_ in rows):
        return FileError("FILE_EMPTY", f"Berkas kosong: tidak ada isi di {HEADER_SCAN_ROWS} baris pertama tiap sheet")
    missing = [f for f in ("nik", *required) if f not in best[0]]
    missing = list(dict.fromkeys(missing))
    return FileError("HEADER_MISSING", _missing_message(missing, best[1], best[2])
                     + f" (baris judul dicari di {HEADER_SCAN_ROWS} baris pertama tiap sheet)", missing[0])


def _too_large() -> FileError:
    return FileError("FILE_TOO_LARGE", f"Berkas lebih dari {MAX_ROWS} baris; pecah menjadi beberapa berkas")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# ---------- value coercion (each returns the value or raises ValueError with an Indonesian reason) ----------
_DATE_HELP = "Tanggal lahir harus seperti 02/10/1964, 1964-10-02 atau 2 Oktober 1964"


def parse_date(value: Any, *, hint: date | None = None, today: date | None = None) -> date:
    """A birth date as typed. A two-digit year is settled by `hint` (the NIK's own date) when it
    has the same two digits, else it is the latest year not after `today`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = " ".join(str(value).split())
    if "," in text:  # "Muara Enim, 02-10-1964" from a Tempat/Tanggal Lahir column
        text = text.rsplit(",", 1)[1].strip()
    if m := _YMD.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DMY.fullmatch(text):
        d, mo, y = (int(g) for g in m.groups())
    elif m := _DMY2.fullmatch(text):
        d, mo, y = (int(g) for g in m.groups())
        y = _century(y, hint, today)
    elif (m := _D_MONTH_Y.fullmatch(text)) and m.group(2).lower() in _MONTHS:
        d, mo, y = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
        if len(m.group(3)) == 2:
            y = _century(y, hint, today)
    elif text.isdigit():
        return _excel_serial(int(text))
    else:
        raise ValueError(_DATE_HELP)
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError("Tanggal lahir tidak ada di kalender") from None


def _century(yy: int, hint: date | None, today: date | None) -> int:
    if hint is not None and hint.year % 100 == yy:
        return hint.year
    this_year = (today or date.today()).year
    return 2000 + yy if 2000 + yy <= this_year else 1900 + yy


def _excel_serial(value: float) -> date:
    if not 1 <= value <= 80_000:
        raise ValueError(_DATE_HELP)
    return _EXCEL_EPOCH + timedelta(days=int(value))


def parse_nik(value: Any) -> str:
    """A 16-digit number cell holds its NIK exactly (a double keeps every integer below 2**53).
    What Excel loses is the 16th digit of a number *typed* into a General cell: it reads back as 0,
    so a numeric NIK ending in 0 cannot be trusted."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("NIK harus terdiri dari 16 digit angka")
        digits = str(int(value))
        if len(digits) == 16 and digits.endswith("0"):
            raise ValueError("NIK tersimpan sebagai angka di Excel sehingga digit terakhirnya hilang; "
                             "format kolom NIK sebagai Teks lalu ketik ulang")
        return digits
    text = str(value).strip().lstrip("'").strip()
    if _SCIENTIFIC.fullmatch(text.replace(",", ".")):
        raise ValueError("NIK tertulis sebagai angka ilmiah (mis. 1,60301E+15); format kolom NIK sebagai Teks")
    return text


def parse_sex(value: Any) -> str:
    sex = _SEX.get(normalise_header(value))
    if sex is None:
        raise ValueError("Jenis kelamin harus L atau P (Laki-laki/Lk atau Perempuan/Pr)")
    return sex


def parse_phone(value: Any) -> tuple[str | None, bool]:
    """(the phone as typed, or None for "no phone"; True when a second number was dropped).
    `-`, `0` and `tidak ada` are how people write "no phone"; two numbers in one cell keep the first."""
    text = as_text(value)
    if text is None or normalise_header(text) in _NO_PHONE:
        return None, False
    parts = [p.strip() for p in _PHONE_SPLIT.split(text) if re.search(r"\d{4}", p)]
    if len(parts) == 1:
        tokens = parts[0].split()
        if len(tokens) == 2 and all(len(re.sub(r"\D", "", t)) >= 10 for t in tokens):
            parts = tokens
    if len(parts) >= 2:
        return parts[0], True
    return text, False


def as_text(value: Any) -> str | None:
    """Numbers typed into text columns (phone 81234567890, KPJ) come back as digits, not 8.1e10."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split()) or None


_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|\ufffd")


def looks_garbled(text: str | None) -> bool:
    """UTF-8 decoded as Windows-1252 somewhere upstream ('ZoÃ«'), or a replacement character."""
    return bool(text) and bool(_MOJIBAKE.search(text))
