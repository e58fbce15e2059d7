"""Programme fields in the admin, in headless Chromium: an admin adds luas_kebun_ha (number,
0.1-50, required for petani_sawit) and kelompok_tani (text) on the Program screen; the grid, its
filters and the form show them; an import with those columns stores them and refuses 0 ha; the
export and a renewal carry them; removing a field keeps its values; a phone's bad value is
rejected on that field alone."""

from __future__ import annotations

import csv
import io
import time
import uuid

import pytest
import requests

from devtools import tokens
from devtools.people import person
from tests.e2e.conftest import login
from tests.e2e.test_admin import PROGRAMME, VILLAGE_A, VILLAGE_B, _serial, enrol, goto, use

pytestmark = pytest.mark.e2e


def _add_field(page, key: str, label: str, kind: str, *, required=False, low="", high="", categories=()):
    page.click("#add-field")
    row = page.locator("#field-list .field-def").last
    row.locator("[data-attr=key]").fill(key)
    row.locator("[data-attr='label.id']").fill(label)
    row.locator("[data-attr=type]").select_option(kind)
    if required:
        row.locator("[data-attr=required]").check()
    row.locator("[data-attr=min]").fill(low)
    row.locator("[data-attr=max]").fill(high)
    if categories:
        row.locator("[data-attr=categories]").select_option(list(categories))


def _wait(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_an_admin_adds_fields_and_they_flow_through_grid_form_import_export_renewal_and_sync(ui, api, tmp_path):
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"FLD-{uuid.uuid4().hex[:6].upper()}"})
    assert r.status_code == 201, r.text
    p = r.json()
    pid = p["id"]
    before = enrol(api, pid, VILLAGE_B, "petani_sawit", status="active", kpj_number="25012345671")
    enrol(api, pid, VILLAGE_A, "linmas")
    page = ui.page
    login(ui)
    use(ui, p)

    # ----- the Program screen: two fields, one required for petani_sawit only -----
    goto(ui, "#/programmes")
    page.wait_for_selector("#programme-fields")
    _add_field(page, "luas_kebun_ha", "Luas kebun (ha)", "number", required=True, low="0,1", high="50",
               categories=["petani_sawit"])
    _add_field(page, "Kelompok Tani", "Kelompok tani", "text")
    page.click("#save-fields")
    page.wait_for_selector("[data-error-for='fields.1.key']")  # the API's reason, on the input
    page.locator("#field-list .field-def").last.locator("[data-attr=key]").fill("kelompok_tani")
    page.click("#save-fields")
    page.wait_for_selector("#programme-fields .field-def[data-key=kelompok_tani]")
    ui.shot("fields-01-programme")
    defs = api("GET", f"/v1/programmes/{pid}/fields").json()
    assert [(d["key"], d["type"], d.get("required"), d.get("min"), d.get("max"), d.get("categories"))
            for d in defs["fields"]] == [("luas_kebun_ha", "number", True, 0.1, 50, ["petani_sawit"]),
                                         ("kelompok_tani", "text", False, None, None, None)]

    # ----- the grid: a column per field; the older smallholder is "belum lengkap" -----
    goto(ui, "#/enrolments")
    page.wait_for_selector("#grid .tabulator-col[tabulator-field='extra.luas_kebun_ha']")
    assert page.inner_text("#grid .tabulator-col[tabulator-field='extra.luas_kebun_ha']").strip() == "Luas kebun (ha)"
    assert page.locator("#grid .tabulator-col[tabulator-field='extra.kelompok_tani']").count() == 1
    page.select_option("#filters [name=incomplete]", "true")
    page.click("#apply-filters")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 1")
    assert page.locator("#grid .tabulator-row [data-incomplete]").count() == 1
    assert before["name"] in page.inner_text("#grid .tabulator-row")

    # ----- the form: 0 ha is refused on its field, 2,5 is stored -----
    goto(ui, "#/enrolments/new")
    page.wait_for_selector('[name="root[extra][luas_kebun_ha]"]', state="attached")
    someone = person(next(_serial) * 7919, VILLAGE_B, "petani_sawit")
    page.fill('[name="root[nik]"]', someone["nik"])
    page.fill('[name="root[name]"]', someone["name"])
    page.fill('[name="root[birth_date]"]', someone["birth_date"])
    page.select_option('[name="root[sex]"]', someone["sex"])
    page.select_option('[name="root[village_code]"]', VILLAGE_B)
    page.select_option('[name="root[category]"]', "petani_sawit")
    page.fill('[name="root[extra][luas_kebun_ha]"]', "0")
    page.fill('[name="root[extra][kelompok_tani]"]', "Tani Makmur")
    page.click("#save-enrolment")
    page.wait_for_selector('[data-error-for="extra.luas_kebun_ha"]')
    assert "minimal 0,1" in page.inner_text('[data-error-for="extra.luas_kebun_ha"]')
    page.fill('[name="root[extra][luas_kebun_ha]"]', "2,5")
    page.click("#save-enrolment")
    page.wait_for_selector("#version-badge")
    created = page.evaluate("location.hash").split("/")[-1]
    assert api("GET", f"/v1/enrolments/{created}").json()["extra"] == {"luas_kebun_ha": 2.5,
                                                                       "kelompok_tani": "Tani Makmur"}
    assert page.input_value('[name="root[extra][luas_kebun_ha]"]') == "2.5"
    ui.shot("fields-02-enrolment")

    # ----- an import with those columns: stored, and 0 ha is a row error -----
    rows = [person(next(_serial) * 7919, VILLAGE_B, "petani_sawit") for _ in range(2)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Kode Desa", "Kategori", "Status", "No KPJ",
                     "Luas Kebun (ha)", "kelompok_tani"])
    for x, ha in zip(rows, ("3,75", "0"), strict=True):  # active with a KPJ: the renewal below carries it
        writer.writerow([x["nik"], x["name"], x["birth_date"], x["sex"], x["village_code"], "Petani Sawit", "active",
                         "2501" + x["nik"][-7:], ha, "Sawit Jaya"])
    path = tmp_path / "petani.csv"
    path.write_bytes(("\ufeff" + out.getvalue()).encode())
    goto(ui, "#/imports")
    page.set_input_files("#import-file", str(path))
    page.click("#import-upload")
    page.wait_for_selector("[data-status=done], [data-status=failed]", timeout=60000)
    assert page.inner_text("[data-count=accepted] .v") == "1"
    assert page.inner_text("[data-count=rejected] .v") == "1"
    error_row = page.locator("#import-errors tr[data-row='3']")
    assert "Luas Kebun (ha)" in error_row.inner_text() and "minimal 0,1" in error_row.inner_text()
    listed = api("GET", f"/v1/programmes/{pid}/enrolments?limit=50").json()["items"]
    imported = next(e for e in listed if e["nik"] == rows[0]["nik"])
    assert imported["extra"] == {"luas_kebun_ha": 3.75, "kelompok_tani": "Sawit Jaya"}

    # ----- the export (the grid's button) carries the fields -----
    goto(ui, "#/enrolments")
    page.wait_for_selector("#grid .tabulator-col[tabulator-field='extra.luas_kebun_ha']")
    with page.expect_download() as download:
        page.click("[data-export=csv]")
    table = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert table[0][-2:] == ["Luas kebun (ha)", "Kelompok tani"]
    assert next(r for r in table if r[0] == rows[0]["nik"])[-2:] == ["3.75", "Sawit Jaya"]

    # ----- removing a field keeps its values (hidden from form and grid, still in the export) -----
    goto(ui, "#/programmes")
    page.wait_for_selector("#programme-fields .field-def[data-key=kelompok_tani]")
    page.click("#programme-fields .field-def[data-key=kelompok_tani] .remove-field")
    page.click("#save-fields")
    page.wait_for_selector("#removed-fields [data-restore=kelompok_tani]")
    assert api("GET", f"/v1/enrolments/{imported['id']}").json()["extra"]["kelompok_tani"] == "Sawit Jaya"
    goto(ui, "#/enrolments")
    page.wait_for_selector("#grid .tabulator-col[tabulator-field='extra.luas_kebun_ha']")
    assert page.locator("#grid .tabulator-col[tabulator-field='extra.kelompok_tani']").count() == 0
    exported = api("GET", f"/v1/programmes/{pid}/export?format=csv").content.decode("utf-8-sig")
    assert "Kelompok tani (dihapus)" in exported.splitlines()[0] and "Sawit Jaya" in exported
    ui.shot("fields-03-grid")

    # ----- a phone's sync with a bad value: rejected on that field alone, the good one applied -----
    phone = {"Authorization": f"Bearer {tokens.mint('officer', [VILLAGE_B])}"}
    ops = [{"op_id": str(uuid.uuid4()), "op": "create", "type": "enrolment", "programme_id": pid,
            "data": {**person(next(_serial) * 7919, VILLAGE_B, "petani_sawit"), "extra": {"luas_kebun_ha": ha}}}
           for ha in (80, 1.25)]
    reply = requests.post(f"{api.base}/v1/sync", json={"operations": ops}, headers=phone, timeout=20)
    results = reply.json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["fields"] == {"extra.luas_kebun_ha": "maksimal 50"}
    assert results[1]["status"] == "applied"

    # ----- a renewal carries the definitions and the values -----
    renewed = api("POST", f"/v1/programmes/{pid}/renew", json={"coverage_start": "2026-01-01",
                                                             "coverage_end": "2026-12-31"})
    assert renewed.status_code == 202, renewed.text
    new_pid = renewed.json()["programme"]["id"]
    _wait(lambda: api("GET", f"/v1/programmes/{pid}/renewals").json()["items"][0]["status"] == "done")
    assert [d["key"] for d in api("GET", f"/v1/programmes/{new_pid}/fields").json()["fields"]] == ["luas_kebun_ha"]
    carried = api("GET", f"/v1/programmes/{new_pid}/enrolments?limit=50").json()["items"]
    assert {e["nik"]: e["extra"] for e in carried}[rows[0]["nik"]] == {"luas_kebun_ha": 3.75,
                                                                       "kelompok_tani": "Sawit Jaya"}
