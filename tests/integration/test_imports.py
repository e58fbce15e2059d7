"""Imports, exports and the summary over the emulator: SQS worker fed by the dispatcher, S3 for
files, DynamoDB for records. Counts are exact; row numbers are line numbers in the file."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from openpyxl import Workbook, load_workbook

from chalicelib import config
from chalicelib.domain import roster
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, listed, new_kpj, new_person, new_programme, wait_listed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ID = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "no_hp", "kode_desa", "kategori", "pekerjaan"]
HEADER_EN = ["nik", "name", "birth_date", "sex", "phone", "village_code", "category", "occupation"]


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _people(n: int, category: str = "linmas") -> list[dict]:
    return [new_person(village=VILLAGE_A if i % 2 else VILLAGE_B, category=category) for i in range(n)]


def _values(p: dict) -> list[str]:
    return [p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], p["village_code"], p["category"],
            p.get("occupation", "")]


def _csv(people: list[dict], header=HEADER_ID, sep=";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(header)
    writer.writerows(_values(p) for p in people)
    return ("\ufeff" + out.getvalue()).encode()


def _import(api, admin, dispatcher, pid: str, body: bytes, content_type: str = "text/csv") -> dict:
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=roster.csv", admin, raw=body,
                 headers={"Content-Type": content_type})
    assert r.status_code == 202, r.data
    assert r.data["status"] == "queued"
    before = len(listed(api, admin, pid))
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    wait_listed(api, admin, pid, before + (job.get("accepted") or 0))  # the list is a GSI
    return job


def _all_enrolments(api, token, pid: str, expect: int | None = None) -> list[dict]:
    return listed(api, token, pid) if expect is None else wait_listed(api, token, pid, expect)


def test_csv_with_ten_percent_bad_rows_imports_the_rest(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = _people(60)
    bad_lines = {}
    for index, change in [(4, {"nik": "12345"}), (11, {"phone": "021-555"}), (23, {"village_code": "16.03.01.2999"}),
                          (35, {"category": "astronot"}), (47, {"birth_date": "31/02/1990"})]:
        people[index] = {**people[index], **change}
        bad_lines[index + 2] = change  # header is line 1
    people.append({**people[0], "name": "Kembar NIK"})  # line 62: same NIK as line 2
    job = _import(api, admin, dispatcher, pid, _csv(people))
    assert job["status"] == "done"
    assert (job["total"], job["processed"], job["accepted"], job["rejected"], job["already_enrolled"]) == \
        (61, 61, 55, 6, 0)
    got = {(e["row"], e["code"]) for e in job["errors"]}
    assert got == {(6, "NIK_INVALID"), (13, "PHONE_INVALID"), (25, "VILLAGE_UNKNOWN"), (37, "CATEGORY_UNKNOWN"),
                   (49, "DATE_INVALID"), (62, "DUPLICATE_IN_FILE")}
    assert {e["column"] for e in job["errors"]} == {"nik", "no_hp", "kode_desa", "kategori", "tanggal_lahir"}
    assert job["error_count"] == 6 and job["error_report_url"]
    report = load_workbook(io.BytesIO(requests.get(job["error_report_url"], timeout=10).content)).active
    lines = list(report.iter_rows(values_only=True))
    assert lines[0][:7] == ("Baris", "Jenis", "NIK (seperti tertulis)", "Nama (seperti tertulis)", "Kolom",
                            "Masalah", "Yang harus dilakukan")
    assert [(line[0], line[2], line[3]) for line in lines[1:]] == \
        [(i, people[i - 2]["nik"], people[i - 2]["name"]) for i in sorted(bad_lines)] + \
        [(62, people[0]["nik"], "Kembar NIK")]
    assert all(line[1] == "Ditolak" and line[5] and line[6] for line in lines[1:])
    stored = _all_enrolments(api, admin, pid)
    assert len(stored) == 55
    assert {e["nik"] for e in stored} == {p["nik"] for i, p in enumerate(people[:60]) if i + 2 not in bad_lines}
    one = stored[0]
    audit = api.call("GET", f"/v1/enrolments/{one['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["create"] and "import_id" in audit[0]["changes"]
    worker = api.call("GET", f"/v1/workers/{one['nik']}", admin).data
    assert [e["id"] for e in worker["enrolments"]] == [one["id"]]


def test_reupload_changes_nothing_and_reports_already_enrolled(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = _people(30)
    single = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, people[0])
    assert single.status_code == 201
    body = _csv(people, header=HEADER_EN, sep=",")
    first = _import(api, admin, dispatcher, pid, body)
    assert (first["accepted"], first["already_enrolled"], first["rejected"]) == (29, 1, 0)
    before = {e["id"]: e for e in _all_enrolments(api, admin, pid)}
    second = _import(api, admin, dispatcher, pid, body)
    assert (second["status"], second["total"], second["accepted"], second["already_enrolled"]) == ("done", 30, 0, 30)
    after = {e["id"]: e for e in _all_enrolments(api, admin, pid)}
    assert after == before  # same ids, same versions, same timestamps
    dup = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, people[5])
    assert dup.status_code == 409 and dup.data["error"]["existing_id"] in before


def test_chunk_delivered_again_counts_once_and_writes_nothing(api, admin, dispatcher):
    from chalicelib.services import deps, imports
    from chalicelib.store import imports as import_repo

    pid = new_programme(api, admin)["id"]
    job = _import(api, admin, dispatcher, pid, _csv(_people(12)))
    stored = import_repo.get("16.03", job["import_id"])  # as if the chunk ran twice mid-way (the item, running):
    import_repo._key(stored).update(actions=[import_repo.ImportJobModel.status.set("running")])
    imports.run_chunk(deps.default(), import_repo.get("16.03", job["import_id"]), 0)
    again = api.call("GET", f"/v1/imports/{job['import_id']}", admin).data
    assert (again["accepted"], again["already_enrolled"], again["processed"]) == (12, 0, 12)
    assert len(_all_enrolments(api, admin, pid)) == 12


def test_a_create_between_the_marker_read_and_the_write_keeps_its_nik(api, admin, dispatcher, monkeypatch):
    """Regression: a single create (or sync operation) committing after a chunk read the NIK markers
    and before it wrote them was overwritten, leaving two enrolments for one NIK. Markers are now
    claimed with conditions: the create keeps the NIK, the import reports the row as enrolled."""
    from chalicelib.store import bulk, keys

    pid = new_programme(api, admin)["id"]
    people = _people(6)
    racer = people[2]
    marker = (keys.unique_enrolment("16.03", pid, racer["nik"]), "UNIQ")
    read, created = bulk.get_all, []

    def read_then_someone_enrols(wanted):
        found = read(wanted)
        if marker in wanted and not created:  # the officer's create lands right after the chunk's read
            created.append(api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, racer))
        return found

    monkeypatch.setattr(bulk, "get_all", read_then_someone_enrols)
    job = _import(api, admin, dispatcher, pid, _csv(people))
    assert created and created[0].status_code == 201
    assert (job["status"], job["accepted"], job["already_enrolled"]) == ("done", 5, 1)
    enrolled = _all_enrolments(api, admin, pid, expect=len(people))  # the import's five and the racer's create
    assert sorted(e["nik"] for e in enrolled) == sorted(p["nik"] for p in people)
    worker = api.call("GET", f"/v1/workers/{racer['nik']}", admin).data
    assert [e["id"] for e in worker["enrolments"]] == [created[0].data["id"]]
    dup = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, people[0])
    assert dup.status_code == 409 and dup.data["error"]["existing_id"] in {e["id"] for e in enrolled}


def test_an_import_whose_message_ends_in_the_dlq_is_failed_as_stalled(api, admin, dispatcher):
    from datetime import timedelta

    from chalicelib import aws
    from chalicelib.services import deps, imports

    pid = new_programme(api, admin)["id"]
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=roster.csv", admin, raw=_csv(_people(3)),
                 headers={"Content-Type": "text/csv"})
    import_id = r.data["import_id"]
    source = f"imports/16.03/{pid}/{import_id}/source.csv"
    aws.client("s3").delete_object(Bucket=config.imports_bucket(), Key=source)  # the plan cannot read its file
    with dispatcher.expecting_failures() as failures:
        for _ in range(3):  # maxReceiveCount receives, each failing; then SQS moves it to the DLQ
            dispatcher.drain(config.queue_name("imports"))
    assert len(failures) == 3 and all("NoSuchKey" in f.error and import_id in f.body for f in failures)
    sqs = aws.client("sqs")
    dlq = sqs.get_queue_url(QueueName=config.queue_name("imports") + "-dlq")["QueueUrl"]
    in_dlq = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["import_id"] for m in in_dlq] == [import_id]
    assert api.call("GET", f"/v1/imports/{import_id}", admin).data["status"] == "queued"

    started = deps.default().clock()
    with deps.override(clock=lambda: started + timedelta(seconds=imports.STALLED_AFTER_SECONDS - 60)):
        assert api.call("GET", f"/v1/imports/{import_id}", admin).data["status"] == "queued"  # not yet
    with deps.override(clock=lambda: started + timedelta(seconds=imports.STALLED_AFTER_SECONDS + 60)):
        stalled = api.call("GET", f"/v1/imports/{import_id}", admin).data
    assert stalled["status"] == "failed" and stalled["failure"]["code"] == "IMPORT_STALLED", stalled
    assert stalled["finished_at"]
    # the message redriven from the DLQ later finds the job failed and changes nothing
    imports.handle(deps.default(), json.loads(in_dlq[0]["Body"]))
    assert api.call("GET", f"/v1/imports/{import_id}", admin).data == stalled


def test_xlsx_import(api, admin, dispatcher):
    from datetime import date

    pid = new_programme(api, admin)["id"]
    people = _people(8, category="petani_sawit")
    wb = Workbook()
    ws = wb.active
    ws.append(["NIK", "Nama Lengkap", "Tanggal Lahir", "L/P", "No HP", "Kode Desa", "Kategori"])
    for p in people:
        ws.append([p["nik"], p["name"], date.fromisoformat(p["birth_date"]), p["sex"], p["phone"], p["village_code"],
                   "Petani Sawit"])
    ws.append([int(people[0]["nik"][:15] + "0"), "Angka Saja", "1990-01-01", "L", None, VILLAGE_A, "petani_sawit"])
    out = io.BytesIO()
    wb.save(out)
    job = _import(api, admin, dispatcher, pid, out.getvalue(), XLSX)
    assert (job["status"], job["format"], job["total"], job["accepted"], job["rejected"]) == ("done", "xlsx", 9, 8, 1)
    assert [(e["row"], e["column"], e["code"]) for e in job["errors"]] == [(10, "NIK", "NIK_INVALID")]


def test_file_without_required_columns_fails_with_a_reason(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    job = _import(api, admin, dispatcher, pid, b"nama;no_hp\nBudi;0812\n")
    assert job["status"] == "failed"
    assert job["failure"]["code"] == "HEADER_MISSING" and "nik" in job["failure"]["message"]


def test_large_files_go_through_a_presigned_s3_upload(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    form = api.call("POST", f"/v1/programmes/{pid}/imports/upload-url", admin, {"filename": "roster desa.csv"})
    assert form.status_code == 200, form.data
    assert form.data["s3_key"].startswith(f"uploads/16.03/{pid}/") and form.data["max_bytes"] >= 30_000 * 200
    upload = requests.post(form.data["url"], data=form.data["fields"],
                           files={"file": ("roster.csv", _csv(_people(20)), "text/csv")}, timeout=30)
    assert upload.status_code in (200, 201, 204), upload.text
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, {"s3_key": form.data["s3_key"]})
    assert r.status_code == 202, r.data
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["status"], job["accepted"], job["filename"]) == ("done", 20, "roster_desa.csv")
    other = api.call("POST", f"/v1/programmes/{pid}/imports", admin, {"s3_key": "uploads/16.03/other/x.csv"})
    assert other.status_code == 422 and other.data["error"]["code"] == "UPLOAD_KEY_INVALID"
    missing = api.call("POST", f"/v1/programmes/{pid}/imports", admin, {"s3_key": form.data["s3_key"] + "x"})
    assert missing.status_code == 422 and missing.data["error"]["code"] == "UPLOAD_NOT_FOUND"


def _roster_of(sheet: roster.Sheet) -> set[tuple]:
    from chalicelib.domain.phone import normalise

    out = set()
    for row in sheet.rows:
        v = row.values
        out.add((v["nik"], v["name"], roster.parse_date(v["birth_date"]).isoformat(), v["sex"],
                 normalise(str(v["phone"])) if v["phone"] else None, v["village_code"], v["category"]))
    return out


def test_export_round_trip_csv_and_xlsx(api, admin, tokens_for, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = _people(15)
    _import(api, admin, dispatcher, pid, _csv(people))
    expected = {(p["nik"], p["name"], p["birth_date"], p["sex"], "+62" + p["phone"][1:], p["village_code"],
                 p["category"]) for p in people}
    # the round trip is an admin's: a viewer's export is masked (test_privacy.py)
    as_csv = api.client.http.get(f"/v1/programmes/{pid}/export?format=csv",
                                 headers={"Authorization": f"Bearer {admin}"})
    assert as_csv.status_code == 200 and as_csv.headers["Content-Type"].startswith("text/csv")
    sheet = roster.read(as_csv.body, "csv")
    assert _roster_of(sheet) == expected
    assert "alamat" in sheet.ignored_columns  # nama_desa and kecamatan are read (the code wins over the name)
    assert (sheet.columns["village_name"], sheet.columns["district"]) == ("nama_desa", "kecamatan")
    first = next(csv.DictReader(io.StringIO(as_csv.body.decode("utf-8-sig"))))
    assert first["kecamatan"] == "Tanjung Agung" and first["nama_desa"] in {"Embawang", "Pagar Dewa"}
    as_xlsx = api.client.http.get(f"/v1/programmes/{pid}/export?format=xlsx",
                                  headers={"Authorization": f"Bearer {admin}", "Accept": XLSX})
    assert as_xlsx.status_code == 200 and as_xlsx.headers["Content-Type"] == XLSX
    assert _roster_of(roster.read(as_xlsx.body, "xlsx")) == expected
    cells = next(load_workbook(io.BytesIO(as_xlsx.body)).active.iter_rows(min_row=2, max_row=2, values_only=True))
    assert isinstance(cells[0], str)  # NIK stays text in Excel
    link = api.call("GET", f"/v1/programmes/{pid}/export?format=xlsx&delivery=url", admin).data
    assert link["rows"] == 15
    assert _roster_of(roster.read(requests.get(link["download_url"], timeout=10).content, "xlsx")) == expected


def _summary_from(records: list[dict]) -> dict:
    out: dict = {"by_category": {}, "by_district": {}, "by_village": {}, "by_status": {}}
    for e in records:
        for key, field in (("by_category", "category"), ("by_district", "district_code"),
                           ("by_village", "village_code"), ("by_status", "status")):
            out[key][e[field]] = out[key].get(e[field], 0) + 1
    return {"total": len(records), **out}


def test_summary_equals_the_records_after_creates_patches_deletes_and_an_import(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    made = [api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, p).data
            for p in _people(4, category="guru_ngaji")]
    kpj = new_kpj()
    moved = api.call("PATCH", f"/v1/enrolments/{made[0]['id']}", admin,
                     {"village_code": VILLAGE_A, "category": "rt_rw", "status": "submitted"}, headers={"If-Match": "1"})
    assert moved.status_code == 200, moved.data
    active = api.call("PATCH", f"/v1/enrolments/{made[1]['id']}", admin, {"status": "submitted"},
                      headers={"If-Match": "1"}).data
    assert api.call("PATCH", f"/v1/enrolments/{made[1]['id']}", admin, {"status": "active", "kpj_number": kpj},
                    headers={"If-Match": str(active["version"])}).status_code == 200
    rejected = api.call("PATCH", f"/v1/enrolments/{made[2]['id']}", admin,
                        {"status": "rejected", "rejection_reason": "NIK ganda"}, headers={"If-Match": "1"})
    assert rejected.status_code == 200, rejected.data
    assert api.call("DELETE", f"/v1/enrolments/{made[3]['id']}", admin).status_code == 204
    job = _import(api, admin, dispatcher, pid, _csv(_people(10, category="petani_sawit")))
    assert job["accepted"] == 10
    dispatcher.drain_stream()  # the aggregator keeps the summary from the table's stream
    kept = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    assert kept["source"] == "kept"
    fresh = api.call("GET", f"/v1/programmes/{pid}/summary?recount=true", admin).data
    assert fresh["source"] == "recount" and fresh["differed"] is False
    records = _all_enrolments(api, admin, pid)
    expected = _summary_from(records)
    for summary in (kept, fresh):
        assert {k: summary[k] for k in expected} == expected
    assert fresh["total"] == 13 and fresh["by_status"] == {"active": 1, "draft": 10, "rejected": 1, "submitted": 1}
    members = 12  # the rejected one is not paid for
    assert fresh["months"] == 3 and fresh["contribution_idr_total"] == members * 3 * 16800
    assert fresh["targets"]["petani_sawit"] == {"target": 2124, "actual": 10, "percent": 0.5}
    assert fresh["targets"]["pekerja_desa"]["actual"] == 2
    assert fresh["by_group"] == {"pekerja_desa": 3, "petani_sawit": 10}


@pytest.mark.parametrize(("role", "import_status", "summary_status", "export_status"), [
    ("admin", 202, 200, 200), ("viewer", 403, 200, 200), ("officer", 403, 403, 403)])
def test_roles(api, tokens_for, role, import_status, summary_status, export_status):
    admin = tokens_for("admin")
    pid = new_programme(api, admin)["id"]
    token = tokens_for(role, [VILLAGE_A] if role == "officer" else [])
    r = api.call("POST", f"/v1/programmes/{pid}/imports", token, raw=_csv(_people(1)),
                 headers={"Content-Type": "text/csv"})
    assert r.status_code == import_status
    assert api.call("GET", f"/v1/programmes/{pid}/summary", token).status_code == summary_status
    assert api.client.http.get(f"/v1/programmes/{pid}/export", headers={"Authorization": f"Bearer {token}"}) \
        .status_code == export_status


def test_import_errors_in_contract_shape(api, admin):
    r = api.call("POST", "/v1/programmes/NOPE/imports", admin, raw=b"nik\n1", headers={"Content-Type": "text/csv"})
    assert r.status_code == 404 and r.data["error"]["code"] == "PROGRAMME_NOT_FOUND"
    pid = new_programme(api, admin)["id"]
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, raw=b"", headers={"Content-Type": "text/csv"})
    assert r.status_code == 400 and r.data["error"]["code"] == "BODY_MISSING"
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, json_body={"s3_key": ""})
    assert r.status_code == 422
    r = api.call("GET", "/v1/imports/NOPE", admin)
    assert r.status_code == 404 and json.loads(json.dumps(r.data))["error"]["message"]
