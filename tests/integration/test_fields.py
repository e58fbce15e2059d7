"""A programme's own fields over the emulator: definitions (If-Match, audited), `extra` on create,
patch and sync, completeness after a definition changes, retired fields, filters, renewal."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from chalicelib import config
from chalicelib.store import audit as audit_repo
from tests.integration.helpers import VILLAGE_A, eventually, new_kpj, new_person, new_programme, wait_listed

LUAS = {"key": "luas_kebun_ha", "label": {"id": "Luas kebun (ha)", "en": "Plantation area (ha)"}, "type": "number",
        "required": True, "min": 0.1, "max": 50, "categories": ["petani_sawit"]}
KELOMPOK = {"key": "kelompok_tani", "label": {"id": "Kelompok tani", "en": "Farmer group"}, "type": "text"}
# Smallholders live in Air Talas: a village no other test module enrols in, so these records never
# show in another module's village feed (test_privacy reads village B's whole feed).
SAWIT = "16.03.03.2018"
JENIS = {"key": "jenis_kebun", "label": {"id": "Jenis kebun"}, "type": "choice", "choices": ["Swadaya", "Plasma"]}


@pytest.fixture()
def programme(api, admin):
    return new_programme(api, admin)


def put_fields(api, admin, pid, fields, version, status=200):
    r = api.call("PUT", f"/v1/programmes/{pid}/fields", admin, {"fields": fields}, headers={"If-Match": str(version)})
    assert r.status_code == status, r.data
    return r.data


def with_fields(api, admin, programme, fields) -> dict:
    return put_fields(api, admin, programme["id"], fields, programme["version"])


def enrol(api, token, pid, payload, status=201):
    r = api.call("POST", f"/v1/programmes/{pid}/enrolments", token, payload)
    assert r.status_code == status, r.data
    return r.data


def patch(api, token, e, body, status=200):
    r = api.call("PATCH", f"/v1/enrolments/{e['id']}", token, body, headers={"If-Match": str(e["version"])})
    assert r.status_code == status, r.data
    return r.data


def sawit(**extra):
    return new_person(SAWIT, "petani_sawit", extra=extra)


def test_definitions_round_trip_with_schema_if_match_and_audit(api, admin, tokens_for, programme):
    pid = programme["id"]
    empty = api.call("GET", f"/v1/programmes/{pid}/fields", admin).data
    assert empty["fields"] == [] and empty["version"] == programme["version"]
    assert empty["extra_schema"]["properties"] == {}
    missing = api.call("PUT", f"/v1/programmes/{pid}/fields", admin, {"fields": [KELOMPOK]})
    assert missing.status_code == 422 and missing.data["error"]["code"] == "IF_MATCH_REQUIRED"
    out = put_fields(api, admin, pid, [LUAS, KELOMPOK], programme["version"])
    assert [f["key"] for f in out["fields"]] == ["luas_kebun_ha", "kelompok_tani"]
    assert out["version"] == programme["version"] + 1
    assert out["extra_schema"]["properties"]["luas_kebun_ha"]["minimum"] == 0.1
    assert out["extra_schema"]["additionalProperties"] is False
    stale = api.call("PUT", f"/v1/programmes/{pid}/fields", admin, {"fields": []},
                     headers={"If-Match": str(programme["version"])})
    assert stale.status_code == 409 and stale.data["error"]["code"] == "VERSION_STALE"
    assert api.call("GET", f"/v1/programmes/{pid}", admin).data["fields"][0]["key"] == "luas_kebun_ha"
    viewer = api.call("PUT", f"/v1/programmes/{pid}/fields", tokens_for("viewer"), {"fields": []},
                      headers={"If-Match": str(out["version"])})
    assert viewer.status_code == 403
    entries = list(audit_repo.query("16.03", "programme", pid, None, 10))
    assert any("fields.luas_kebun_ha" in a.changes for a in entries)


@pytest.mark.parametrize(("field", "where"), [
    ({**KELOMPOK, "key": "Kelompok Tani"}, "fields.0.key"),
    ({**JENIS, "choices": []}, "fields.0.choices"),
    ({**LUAS, "categories": ["nelayan"]}, "fields.0.categories"),
    ({**LUAS, "min": 50, "max": 0.1}, "fields.0.max"),
    ({**KELOMPOK, "pattern": "(\\d+)+/SK"}, "fields.0.pattern"),  # backtracks exponentially
])
def test_bad_definitions_are_422_naming_the_attribute(api, admin, programme, field, where):
    r = api.call("PUT", f"/v1/programmes/{programme['id']}/fields", admin, {"fields": [field]},
                 headers={"If-Match": str(programme["version"])})
    assert r.status_code == 422 and where in r.data["error"]["fields"], r.data


def test_extra_is_validated_on_create_and_patch(api, admin, programme):
    pid = programme["id"]
    with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS])
    e = enrol(api, admin, pid, sawit(luas_kebun_ha="2,5", kelompok_tani="Tani Makmur", jenis_kebun="plasma"))
    assert e["extra"] == {"luas_kebun_ha": 2.5, "kelompok_tani": "Tani Makmur", "jenis_kebun": "Plasma"}
    assert e["incomplete"] == []
    assert api.call("GET", f"/v1/enrolments/{e['id']}", admin).data["extra"] == e["extra"]
    for extra, reason in [({"luas_kebun_ha": 0}, "minimal 0,1"), ({}, "wajib diisi"),
                          ({"luas_kebun_ha": 2, "warna": "x"}, None)]:
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, sawit(**extra))
        assert r.status_code == 422 and r.data["error"]["code"] == "VALIDATION_FAILED"
        key = "warna" if "warna" in extra else "luas_kebun_ha"
        assert list(r.data["error"]["fields"]) == [f"extra.{key}"], r.data
        if reason:
            assert r.data["error"]["fields"][f"extra.{key}"] == reason
    village_worker = enrol(api, admin, pid, new_person(VILLAGE_A, "linmas"))  # not required for linmas
    assert village_worker["extra"] == {} and village_worker["incomplete"] == []
    bad = api.call("PATCH", f"/v1/enrolments/{e['id']}", admin, {"extra": {"luas_kebun_ha": 80}},
                   headers={"If-Match": str(e["version"])})
    assert bad.status_code == 422 and bad.data["error"]["fields"] == {"extra.luas_kebun_ha": "maksimal 50"}
    changed = patch(api, admin, e, {"extra": {"luas_kebun_ha": 3, "kelompok_tani": None}})
    assert changed["extra"] == {"luas_kebun_ha": 3, "jenis_kebun": "Plasma"} and changed["version"] == 2
    audit = api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"]
    assert audit[0]["changes"]["extra.luas_kebun_ha"] == [2.5, 3]
    assert audit[0]["changes"]["extra.kelompok_tani"] == ["Tani Makmur", None]


def test_a_field_made_required_marks_existing_records_incomplete_and_filterable(api, admin, programme):
    pid = programme["id"]
    before = [enrol(api, admin, pid, sawit()) for _ in range(2)]
    other = enrol(api, admin, pid, new_person(VILLAGE_A, "linmas"))
    fields = with_fields(api, admin, programme, [LUAS, KELOMPOK])
    got = api.call("GET", f"/v1/enrolments/{before[0]['id']}", admin).data
    assert got["incomplete"] == ["luas_kebun_ha"]  # "belum lengkap", still readable and editable
    patched = patch(api, admin, got, {"extra": {"kelompok_tani": "Sawit Jaya"}})
    assert patched["incomplete"] == ["luas_kebun_ha"]
    incomplete = f"/v1/programmes/{pid}/enrolments?incomplete=true"
    listing = eventually(lambda: api.call("GET", incomplete, admin).data["items"],
                         lambda items: {e["id"] for e in items} == {e["id"] for e in before})  # a GSI
    assert {e["id"] for e in listing} == {e["id"] for e in before}
    patch(api, admin, patched, {"extra": {"luas_kebun_ha": 1.5}})
    listing = eventually(lambda: api.call("GET", incomplete, admin).data["items"],
                         lambda items: [e["id"] for e in items] == [before[1]["id"]])
    complete = eventually(lambda: api.call("GET", f"/v1/programmes/{pid}/enrolments?incomplete=false",
                                           admin).data["items"],
                          lambda items: {e["id"] for e in items} == {before[0]["id"], other["id"]})
    assert {e["id"] for e in complete} == {before[0]["id"], other["id"]}
    by_group = api.call("GET", f"/v1/programmes/{pid}/enrolments?extra=kelompok_tani:Sawit%20Jaya", admin).data
    assert [e["id"] for e in by_group["items"]] == [before[0]["id"]]
    unknown = api.call("GET", f"/v1/programmes/{pid}/enrolments?extra=warna:merah", admin)
    assert unknown.status_code == 422 and "extra" in unknown.data["error"]["fields"]
    assert fields["version"] > programme["version"]


def test_a_removed_field_keeps_its_values_hidden_and_a_removed_choice_stays_readable(api, admin, programme):
    pid = programme["id"]
    v = with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS])["version"]
    e = enrol(api, admin, pid, sawit(luas_kebun_ha=4, kelompok_tani="Tani Makmur", jenis_kebun="Plasma"))
    out = put_fields(api, admin, pid, [LUAS, {**JENIS, "choices": ["Swadaya"]}], v)
    assert [f["key"] for f in out["fields"]] == ["luas_kebun_ha", "jenis_kebun"]
    assert [f["key"] for f in out["removed_fields"]] == ["kelompok_tani"]
    assert "kelompok_tani" not in out["extra_schema"]["properties"]
    got = api.call("GET", f"/v1/enrolments/{e['id']}", admin).data
    assert got["extra"] == {"luas_kebun_ha": 4, "kelompok_tani": "Tani Makmur", "jenis_kebun": "Plasma"}
    refused = api.call("PATCH", f"/v1/enrolments/{e['id']}", admin, {"extra": {"kelompok_tani": "Baru"}},
                       headers={"If-Match": str(got["version"])})
    assert refused.status_code == 422
    assert refused.data["error"]["fields"] == {"extra.kelompok_tani": "kolom tidak dikenal di program ini"}
    edited = patch(api, admin, got, {"extra": {"luas_kebun_ha": 5}, "occupation": "Pekebun"})
    assert edited["extra"] == {"luas_kebun_ha": 5, "kelompok_tani": "Tani Makmur", "jenis_kebun": "Plasma"}


def test_the_persons_report_prints_the_fields_with_their_labels_retired_ones_too(api, admin, programme):
    """Pasal 32: everything held on the person, so `extra` too, in the JSON and the printed PDF."""
    from pypdf import PdfReader

    pid = programme["id"]
    sk = [{"key": "punya_sk", "label": {"id": "Punya SK desa"}, "type": "boolean"},
          {"key": "tanggal_sk", "label": {"id": "Tanggal SK"}, "type": "date"}]
    v = with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS, *sk])["version"]
    e = enrol(api, admin, pid, sawit(luas_kebun_ha="2,5", kelompok_tani="Tani Makmur", jenis_kebun="Plasma",
                                     punya_sk="ya", tanggal_sk="17/08/2024"))
    put_fields(api, admin, pid, [LUAS, JENIS], v)  # the three others retired: their values still held
    nik = api.call("GET", f"/v1/enrolments/{e['id']}", admin).data["nik"]
    report = eventually(lambda: api.call("GET", f"/v1/workers/{nik}/report", admin).data,  # enrolments by NIK: a GSI
                        lambda rep: any(h["enrolment"]["id"] == e["id"] for h in rep.get("enrolments", [])))
    (held,) = [h for h in report["enrolments"] if h["enrolment"]["id"] == e["id"]]
    assert [(f["key"], f["label"], f["removed"], f["value"]) for f in held["extra_fields"]] == [
        ("luas_kebun_ha", "Luas kebun (ha)", False, 2.5), ("jenis_kebun", "Jenis kebun", False, "Plasma"),
        ("kelompok_tani", "Kelompok tani", True, "Tani Makmur"), ("punya_sk", "Punya SK desa", True, True),
        ("tanggal_sk", "Tanggal SK", True, "2024-08-17")]
    r = api.client.http.get(f"/v1/workers/{nik}/report?format=pdf",
                            headers={"Authorization": f"Bearer {admin}", "Accept": "application/pdf"})
    assert r.status_code == 200 and r.body[:5] == b"%PDF-"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.body)).pages)
    for printed in ("Luas kebun (ha) 2,5", "Jenis kebun Plasma", "Kelompok tani (dihapus) Tani Makmur",
                    "Punya SK desa (dihapus) ya", "Tanggal SK (dihapus) 17 Agustus 2024"):
        assert printed in text, (printed, text)


def test_a_sync_with_a_bad_value_is_rejected_on_that_field_alone(api, admin, tokens_for, programme):
    pid = programme["id"]
    with_fields(api, admin, programme, [LUAS, KELOMPOK])
    phone = tokens_for("officer", [VILLAGE_A, SAWIT])
    ops = [{"op_id": str(uuid.uuid4()), "op": "create", "type": "enrolment", "programme_id": pid,
            "data": sawit(luas_kebun_ha=value, kelompok_tani="Tani Makmur")} for value in ("0", "1,5")]
    results = api.call("POST", "/v1/sync", phone, {"operations": ops}).data["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["fields"] == {"extra.luas_kebun_ha": "minimal 0,1"}
    assert results[1]["status"] == "applied"
    stored = api.call("GET", f"/v1/enrolments/{results[1]['id']}", admin).data
    assert stored["extra"] == {"luas_kebun_ha": 1.5, "kelompok_tani": "Tani Makmur"}
    update = {"op_id": str(uuid.uuid4()), "op": "update", "type": "enrolment", "programme_id": pid,
              "id": stored["id"], "version": stored["version"], "data": {"extra": {"luas_kebun_ha": "banyak"}}}
    result = api.call("POST", "/v1/sync", phone, {"operations": [update]}).data["results"][0]
    assert result["status"] == "rejected" and result["error"]["fields"] == {"extra.luas_kebun_ha": "harus angka"}


def test_openapi_references_the_programme_schema(api):
    doc = api.call("GET", "/v1/openapi.json").data
    extra = doc["components"]["schemas"]["EnrolmentIn"]["properties"]["extra"]
    assert extra["x-schema"] == "/v1/programmes/{pid}/fields#/extra_schema"
    assert "put" in doc["paths"]["/v1/programmes/{pid}/fields"]
    assert "extra_schema" in doc["components"]["schemas"]["FieldsOut"]["properties"]


def test_renewal_carries_the_definitions_and_the_values(api, admin, programme):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    pid = programme["id"]
    with_fields(api, admin, programme, [LUAS, KELOMPOK])
    enrol(api, admin, pid, {**sawit(luas_kebun_ha=7, kelompok_tani="Tani Makmur"), "status": "active",
                            "kpj_number": new_kpj()})
    r = api.call("POST", f"/v1/programmes/{pid}/renew", admin,
                 {"coverage_start": "2026-01-01", "coverage_end": "2026-03-31"})
    assert r.status_code == 202, r.data
    new_pid = r.data["programme"]["id"]
    Dispatcher(app_module).drain(config.queue_name("lifecycle"))
    fields = api.call("GET", f"/v1/programmes/{new_pid}/fields", admin).data
    assert [f["key"] for f in fields["fields"]] == ["luas_kebun_ha", "kelompok_tani"]
    carried = eventually(lambda: api.call("GET", f"/v1/programmes/{new_pid}/enrolments", admin).data["items"],
                         lambda items: len(items) == 1)  # the list is a GSI
    assert [c["extra"] for c in carried] == [{"luas_kebun_ha": 7, "kelompok_tani": "Tani Makmur"}]


# ---------- files: import, export, summary ----------
def _roster(rows: list[list], header: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([header, *rows])  # Indonesian-locale Excel
    return ("\ufeff" + out.getvalue()).encode()


def _row(p: dict, *extra) -> list:
    return [p["nik"], p["name"], "/".join(reversed(p["birth_date"].split("-"))), p["sex"], p["phone"],
            p["village_code"], "Petani Sawit", *extra]


def test_import_stores_the_extra_columns_and_rejects_zero_hectares(api, admin, programme):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    pid = programme["id"]
    with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS])
    people = [new_person(SAWIT, "petani_sawit") for _ in range(4)]
    header = ["NIK", "Nama", "Tgl Lahir", "L/P", "No. HP", "Kode Desa", "Kategori", "Luas Kebun (ha)",
              "kelompok_tani", "Jenis kebun"]
    body = _roster([_row(people[0], "2,5", "Tani Makmur", "Plasma"), _row(people[1], "0", "Tani Makmur", ""),
                    _row(people[2], "", "Sawit Jaya", "swadaya"), _row(people[3], "12", "", "Inti")], header)
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=sawit.csv", admin, raw=body,
                 headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.data
    Dispatcher(app_module).drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["status"], job["accepted"], job["rejected"]) == ("done", 1, 3), job
    errors = {(e["row"], e["field"], e["column"], e["code"]): e["message"] for e in job["errors"]}
    assert errors == {
        (3, "extra.luas_kebun_ha", "Luas Kebun (ha)", "VALUE_INVALID"): "Luas kebun (ha): minimal 0,1",
        (4, "extra.luas_kebun_ha", "Luas Kebun (ha)", "REQUIRED"): "Luas kebun (ha): wajib diisi",
        (5, "extra.jenis_kebun", "Jenis kebun", "VALUE_INVALID"): "Jenis kebun: pilih salah satu: Swadaya, Plasma",
    }
    assert "Luas Kebun (ha)" not in job["ignored_columns"]
    [stored] = wait_listed(api, admin, pid, 1)  # the list is a GSI
    assert stored["nik"] == people[0]["nik"]
    assert stored["extra"] == {"luas_kebun_ha": 2.5, "kelompok_tani": "Tani Makmur", "jenis_kebun": "Plasma"}


def test_export_carries_the_fields_retired_ones_too_and_the_summary_counts_a_choice(api, admin, programme):
    pid = programme["id"]
    v = with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS])["version"]
    a = enrol(api, admin, pid, sawit(luas_kebun_ha=2.5, kelompok_tani="Tani Makmur", jenis_kebun="Plasma"))
    enrol(api, admin, pid, sawit(luas_kebun_ha=10, jenis_kebun="Swadaya"))
    enrol(api, admin, pid, sawit(luas_kebun_ha=1, jenis_kebun="Plasma"))
    put_fields(api, admin, pid, [LUAS, JENIS], v)  # kelompok_tani retired: its values stay in the export
    auth = {"Authorization": f"Bearer {admin}"}
    text = eventually(lambda: api.client.http.get(f"/v1/programmes/{pid}/export?format=csv", headers=auth).body,
                      lambda body: body.count(b"\n") >= 4)  # header + 3 rows: the export reads a GSI
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    header = table[0]
    assert header[-3:] == ["Luas kebun (ha)", "Jenis kebun", "Kelompok tani (dihapus)"]
    row = next(r for r in table[1:] if r[0] == a["nik"])
    assert row[-3:] == ["2.5", "Plasma", "Tani Makmur"]
    xlsx = api.client.http.get(f"/v1/programmes/{pid}/export?format=xlsx",
                               headers={**auth, "Accept": "application/vnd.openxmlformats-officedocument"
                                                          ".spreadsheetml.sheet"}).body
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(cells[0][-3:]) == header[-3:]
    assert next(r for r in cells[1:] if r[0] == a["nik"])[-3:] == [2.5, "Plasma", "Tani Makmur"]
    summary = api.call("GET", f"/v1/programmes/{pid}/summary?refresh=true", admin).data
    assert summary["by_extra"] == {"jenis_kebun": {"Plasma": 2, "Swadaya": 1}}


def test_the_import_template_carries_the_fields_with_drop_downs_and_imports_back(api, admin, programme):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    pid = programme["id"]
    punya = {"key": "punya_sertifikat", "label": {"id": "Punya sertifikat lahan"}, "type": "boolean"}
    with_fields(api, admin, programme, [LUAS, KELOMPOK, JENIS, punya])
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    auth = {"Authorization": f"Bearer {admin}", "Accept": xlsx}
    wb = load_workbook(io.BytesIO(api.client.http.get(f"/v1/programmes/{pid}/import-template", headers=auth).body))
    sheet = wb["Peserta"]
    header = [c.value for c in sheet[1]]
    assert header[-4:] == ["Luas kebun (ha)", "Kelompok tani", "Jenis kebun", "Punya sertifikat lahan"]
    col = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    rules = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in sheet.data_validations.dataValidation}
    assert rules[col["Jenis kebun"]].formula1 == "=Daftar!$G$2:$G$3"
    assert [wb["Daftar"]["G2"].value, wb["Daftar"]["G3"].value] == ["Swadaya", "Plasma"]
    assert rules[col["Punya sertifikat lahan"]].formula1 == '"Ya,Tidak"'
    luas = rules[col["Luas kebun (ha)"]]
    assert (luas.type, luas.formula1, luas.formula2) == ("decimal", "0.1", "50")
    guide = [c for row in wb["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    assert any("wajib untuk Petani Sawit" in str(c) for c in guide)
    p = new_person(SAWIT, "petani_sawit")
    values = [p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], p["village_code"], "Air Talas",
              "Rambang Niru", "Petani Sawit", None, None, 3.5, "Tani Makmur", "Swadaya", "Ya"]
    for column, value in enumerate(values, start=1):
        sheet.cell(row=2, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=templat.xlsx", admin, raw=out.getvalue(),
                 headers={"Content-Type": xlsx})
    assert r.status_code == 202, r.data
    Dispatcher(app_module).drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["accepted"], job["rejected"]) == (1, 0), job["errors"]
    [stored] = wait_listed(api, admin, pid, 1)  # the list is a GSI
    assert stored["extra"] == {"luas_kebun_ha": 3.5, "kelompok_tani": "Tani Makmur", "jenis_kebun": "Swadaya",
                               "punya_sertifikat": True}
