"""The import template: what it holds, and that a filled-in copy imports with no change."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from chalicelib import config
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_person, new_programme, wait_listed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _template(api, token, pid):
    r = api.client.http.get(f"/v1/programmes/{pid}/import-template",
                            headers={"Authorization": f"Bearer {token}", "Accept": XLSX})
    return r


def _validations(sheet) -> dict[str, str]:
    """Column letter of each validated range -> its list formula."""
    rules = sheet.data_validations.dataValidation
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in rules}


def test_template_has_text_columns_dropdowns_and_a_guide(api, admin, tokens_for):
    programme = new_programme(api, admin)
    r = _template(api, admin, programme["id"])
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX
    assert "templat-impor-" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.body))
    assert wb.sheetnames == ["Peserta", "Daftar", "Petunjuk"] and wb["Daftar"].sheet_state == "hidden"
    sheet = wb["Peserta"]
    header = [c.value for c in sheet[1]]
    assert header == ["NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "No HP", "Kode Desa", "Desa",
                      "Kecamatan", "Kategori", "Pekerjaan", "No KPJ"]
    col = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    for name in ("NIK", "No HP", "No KPJ"):
        assert sheet[f"{col[name]}2"].number_format == "@" and sheet[f"{col[name]}500"].number_format == "@"
    assert sheet.max_row > 1 and all(c.value is None for c in sheet[2])  # no sample person to delete
    rules = _validations(sheet)
    assert rules[col["Jenis Kelamin"]] == '"L,P"'
    daftar = wb["Daftar"]
    labels = [c["label"] for c in programme["categories"]]
    assert rules[col["Kategori"]] == f"=Daftar!$A$2:$A${len(labels) + 1}"
    assert [daftar[f"A{i + 2}"].value for i in range(len(labels))] == labels
    villages = [r[1] for r in daftar.iter_rows(min_row=2, values_only=True) if r[1]]
    codes = [r[3] for r in daftar.iter_rows(min_row=2, values_only=True) if r[3]]
    assert len(codes) == 256 and "Embawang" in villages and len(set(villages)) == len(villages)
    assert rules[col["Desa"]].startswith("=Daftar!$B$2:$B$")
    guide = [c for row in wb["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    assert any("wajib" in str(c) for c in guide) and "1603015708900001" in guide  # the sample row lives here

    officer = tokens_for("officer", [VILLAGE_A, VILLAGE_B])
    mine = load_workbook(io.BytesIO(_template(api, officer, programme["id"]).body))["Daftar"]
    assert sorted(r[3] for r in mine.iter_rows(min_row=2, values_only=True) if r[3]) == [VILLAGE_A, VILLAGE_B]
    assert _template(api, tokens_for("viewer"), programme["id"]).status_code == 403


def test_a_filled_in_template_imports_with_no_change(api, admin, dispatcher):
    programme = new_programme(api, admin)
    pid = programme["id"]
    labels = {c["code"]: c["label"] for c in programme["categories"]}
    wb = load_workbook(io.BytesIO(_template(api, admin, pid).body))
    sheet = wb["Peserta"]
    people = [new_person(village=VILLAGE_A if i % 2 else VILLAGE_B, category="perangkat_desa" if i % 3 else "linmas",
                         occupation="Kaur Keuangan") for i in range(6)]
    names = {VILLAGE_A: ("Embawang", "Tanjung Agung"), VILLAGE_B: ("Pagar Dewa", "Tanjung Agung")}
    for row, p in enumerate(people, start=2):  # as an operator types it: dates as dates, the label picked
        values = [p["nik"], p["name"], date.fromisoformat(p["birth_date"]), p["sex"], p["phone"], p["village_code"],
                  *names[p["village_code"]], labels[p["category"]], p["occupation"], None]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=templat.xlsx", admin, raw=out.getvalue(),
                 headers={"Content-Type": XLSX})
    assert r.status_code == 202, r.data
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["status"], job["total"], job["accepted"], job["rejected"]) == ("done", 6, 6, 0), job["errors"]
    stored = wait_listed(api, admin, pid, 6)  # the list is a GSI
    got = {(e["nik"], e["name"], e["birth_date"], e["sex"], e["phone"], e["village_code"], e["category"],
            e["occupation"]) for e in stored}
    assert got == {(p["nik"], p["name"], p["birth_date"], p["sex"], "+62" + p["phone"][1:], p["village_code"],
                    p["category"], p["occupation"]) for p in people}
