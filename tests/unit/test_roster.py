"""Roster files: headers in two languages, CSV dialects, XLSX, line numbers, the enrolment rules."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from chalicelib.domain import roster
from chalicelib.domain.programme import DEFAULT_CATEGORIES
from chalicelib.services.roster_check import Rules, check
from devtools.people import person

VILLAGE = "16.03.01.2011"
RULES = Rules("16.03", DEFAULT_CATEGORIES, lambda code: code in {VILLAGE, "16.03.01.2012"}, date(2025, 10, 15))
P1, P2, P3 = (person(i, VILLAGE, "linmas") for i in (11, 12, 13))


def _csv(lines: list[str], sep: str = ",", bom: bool = False, encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(sep.join(cells) for cells in (line.split("|") for line in lines)) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def _row(p: dict, date_text: str | None = None) -> str:
    return "|".join([p["nik"], p["name"], date_text or p["birth_date"], p["sex"], p["phone"], p["village_code"],
                     p["category"]])


def test_english_headers_comma_csv():
    data = _csv(["nik|name|birth_date|sex|phone|village_code|category", _row(P1), _row(P2)])
    sheet = roster.read(data, roster.detect_format(data))
    assert [r.line for r in sheet.rows] == [2, 3]
    result = check(sheet, RULES)
    assert (result.total, result.rejected, len(result.valid)) == (2, 0, 2)
    assert result.valid[0].phone.startswith("+628")


def test_indonesian_headers_semicolon_bom_and_day_first_dates():
    d = date.fromisoformat(P1["birth_date"])
    data = _csv(["NIK|Nama|Tanggal Lahir|Jenis Kelamin|No. HP|Kode Desa|Kategori|Keterangan",
                 _row(P1, d.strftime("%d/%m/%Y")).replace("linmas", "Linmas")], sep=";", bom=True)
    sheet = roster.read(data, "csv")
    assert sheet.columns["birth_date"] == "Tanggal Lahir"
    assert sheet.ignored_columns == ["Keterangan"]
    result = check(sheet, RULES)
    assert result.rejected == 0
    assert result.valid[0].birth_date == P1["birth_date"] and result.valid[0].category == "linmas"


def test_delimiter_detection():
    assert roster.detect_delimiter("nik;nama;tanggal_lahir") == ";"
    assert roster.detect_delimiter("nik,nama") == ","
    assert roster.detect_delimiter("nik\tnama\tx") == "\t"
    assert roster.detect_delimiter("nik") == ","


def test_windows_1252_csv_is_read():
    data = _csv(["nik|nama|tanggal_lahir|jk|kode_desa|kategori", _row(P1).replace(P1["name"], "Siti Ma’ruf")
                 .replace(f"|{P1['phone']}", "")], encoding="cp1252")
    sheet = roster.read(data, "csv")
    assert sheet.rows[0].values["name"] == "Siti Ma’ruf"


def test_line_numbers_count_blank_lines_and_multiline_cells():
    data = _csv(["nik|nama|tanggal_lahir|jk|no_hp|kode_desa|kategori", _row(P1), "", _row(P2)]) + \
        f'{P3["nik"]},"Budi\nSaputra",{P3["birth_date"]},{P3["sex"]},,{VILLAGE},linmas\r\n'.encode() + \
        _csv(["x|y|2020-13-01|Q||16.03.99.9999|astronot"])
    sheet = roster.read(data, "csv")
    assert [r.line for r in sheet.rows] == [2, 4, 5, 7]
    result = check(sheet, RULES)
    bad = {(e.row, e.field, e.code) for e in result.errors}
    assert {(7, "birth_date", "DATE_INVALID"), (7, "sex", "SEX_INVALID"), (7, "category", "CATEGORY_UNKNOWN")} <= bad
    assert (result.rejected, result.total) == (1, 4)
    assert [v.line for v in result.valid] == [2, 4, 5]
    assert result.valid[2].name == "Budi Saputra"  # a line break inside a cell is just a space


def test_bad_rows_get_the_single_enrolment_codes():
    wrong_sex = {**P2, "sex": "P" if P2["sex"] == "L" else "L"}
    lines = ["nik|nama|tanggal_lahir|jenis_kelamin|no_hp|kode_desa|kategori", _row(P1),
             _row({**P1, "name": "Orang Lain"}),                      # 3 duplicate in file
             _row(wrong_sex),                                         # 4 NIK_MISMATCH
             _row({**P3, "nik": "1603"}),                             # 5 NIK_INVALID
             _row({**P3, "phone": "021555"}),                         # 6 PHONE_INVALID
             _row({**P3, "village_code": "16.03.01.2099"}),           # 7 VILLAGE_UNKNOWN
             _row({**P3, "village_code": "16.04.01.2011"}),           # 8 other regency
             _row({**P3, "category": "astronot"}),                    # 9 CATEGORY_UNKNOWN
             _row({**P3, "name": ""}),                                # 10 REQUIRED
             "1.6030E+15|Ali|1990-01-01|L||" + VILLAGE + "|linmas",   # 11 Excel scientific NIK
             _row(P3)]                                                # 12 fine
    result = check(roster.read(_csv(lines), "csv"), RULES)
    codes = {(e.row, e.code) for e in result.errors}
    assert codes >= {(3, "DUPLICATE_IN_FILE"), (4, "NIK_MISMATCH"), (5, "NIK_INVALID"), (6, "PHONE_INVALID"),
                     (7, "VILLAGE_UNKNOWN"), (8, "VILLAGE_UNKNOWN"), (9, "CATEGORY_UNKNOWN"), (10, "REQUIRED"),
                     (11, "NIK_INVALID")}
    assert [v.line for v in result.valid] == [2, 12]
    assert result.rejected == 9 and result.total == 11
    dup = next(e for e in result.errors if e.code == "DUPLICATE_IN_FILE")
    assert "baris 2" in dup.message and dup.column == "nik"
    assert all(e.message for e in result.errors)


def test_missing_required_header_fails_the_file():
    with pytest.raises(roster.FileError) as exc:
        roster.read(_csv(["nik|nama|jenis_kelamin|kode_desa|kategori", _row(P1)]), "csv")
    assert exc.value.code == "HEADER_MISSING" and "tanggal_lahir" in exc.value.message


def test_empty_and_broken_files():
    with pytest.raises(roster.FileError) as exc:
        roster.read(b"\n\n", "csv")
    assert exc.value.code == "FILE_EMPTY"
    with pytest.raises(roster.FileError) as exc:
        roster.read(roster.XLSX_MAGIC + b"not a zip", "xlsx")
    assert exc.value.code == "FILE_UNREADABLE"


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_date_cells_serials_and_numeric_cells():
    b1, b2 = date.fromisoformat(P1["birth_date"]), date.fromisoformat(P2["birth_date"])
    data = _xlsx([["NIK", "Nama", "Tanggal Lahir", "JK", "No HP", "Kode Desa", "Kategori", "No KPJ"],
                  [P1["nik"], P1["name"], datetime(b1.year, b1.month, b1.day), P1["sex"], int(P1["phone"]), VILLAGE,
                   "linmas", None],
                  [],
                  [P2["nik"], P2["name"], (b2 - date(1899, 12, 30)).days, P2["sex"], None, VILLAGE, "linmas",
                   12345678901],
                  [int(P3["nik"][:15] + "0"), P3["name"], P3["birth_date"], P3["sex"], None, VILLAGE, "linmas",
                   None]])
    assert roster.detect_format(data) == "xlsx"
    sheet = roster.read(data, "xlsx")
    assert [r.line for r in sheet.rows] == [2, 4, 5]
    result = check(sheet, RULES)
    assert [v.line for v in result.valid] == [2, 4]
    assert result.valid[0].birth_date == P1["birth_date"] and result.valid[0].phone.startswith("+628")
    assert result.valid[1].birth_date == P2["birth_date"] and result.valid[1].kpj_number == "12345678901"
    assert [(e.row, e.code) for e in result.errors] == [(5, "NIK_INVALID")]
    assert "Teks" in result.errors[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("1990-02-03", date(1990, 2, 3)), ("03/02/1990", date(1990, 2, 3)), ("3-2-1990", date(1990, 2, 3)),
    ("32907", date(1990, 2, 3)), (datetime(1990, 2, 3, 0, 0), date(1990, 2, 3))])
def test_dates(text, expected):
    assert roster.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/1990", "1990/02/03", "kemarin", "0"])
def test_bad_dates(text):
    with pytest.raises(ValueError):
        roster.parse_date(text)
