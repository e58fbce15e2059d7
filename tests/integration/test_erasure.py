"""Erasure of a person's personal data (UU 27/2022 PDP Pasal 8, 43) and the retention job, on the emulator.

The proof is a scan: after the erasure, every item of every table, every version of every object
in every bucket (XLSX opened, since their cells are zipped), every queued message and every log
line the app wrote finds neither the NIK nor the name nor the phone (any spelling), while the
same scan still finds the other person who shared the programme, the roster and the export.
"""

from __future__ import annotations

import io
import json
import logging
import random
import string
import uuid
import zipfile
from datetime import UTC, date, datetime

import boto3
import pytest
import requests

from chalicelib import config
from chalicelib.services import deps
from tests.integration.helpers import VILLAGE_A, eventually, new_person, new_programme
from tests.integration.test_reminders import NOV16, drain, enrol_live

JPEG = b"\xff\xd8\xff\xe0" + b"KTP" * 200 + b"\xff\xd9"
DIGEST_TO = "operator.erasure@desa.example"


def _unique_name() -> str:
    """A name no other module's people share (the scan looks for it everywhere)."""
    word = lambda n: random.choice(string.ascii_uppercase) + "".join(random.choices(string.ascii_lowercase, k=n))  # noqa: E731
    return f"Sri {word(7)} binti {word(6)}"


def _phone() -> str:
    return f"+62813{random.randrange(10**7, 10**8)}"


def _spellings(phone: str) -> list[str]:
    local = phone[3:]  # 813...
    return [phone, "0" + local, "62" + local, local]


# ---------- the scan ----------
def _texts_of_object(body: bytes) -> list[str]:
    out = [body.decode("utf-8", "replace"), body.decode("cp1252", "replace")]
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            out += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    return out


def scan_everything(log_text: str = "") -> str:
    """One text of everything the project stores on the emulator, and the logs given."""
    texts = [log_text]
    ddb = boto3.client("dynamodb", region_name=config.region())
    for table in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            texts += [json.dumps(item, ensure_ascii=False) for item in page["Items"]]
    s3 = boto3.client("s3", region_name=config.region())
    for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []):
                texts.append(v["Key"])
                texts += _texts_of_object(s3.get_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
                                          ["Body"].read())
    sqs = boto3.client("sqs", region_name=config.region())
    for url in sqs.list_queues().get("QueueUrls", []):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        texts += [m["Body"] for m in got.get("Messages", [])]
    return "\n".join(texts)


def traces(text: str, person: dict) -> list[str]:
    needles = [person["nik"], person["name"], person["name"].lower(), person["name"].upper(), *person.get("kpj", [])]
    for phone in person["phones"]:
        needles += _spellings(phone)
    return [n for n in needles if n in text]


@pytest.fixture(scope="module")
def app_log():
    from chalicelib.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def pull_all(api, token, cursor: str | None = None) -> tuple[list[dict], str]:
    """Every change of VILLAGE_A's feed after `cursor`, page by page (other modules write there too)."""
    changes = []
    while True:
        since = f"&since={cursor}" if cursor else ""
        page = api.call("GET", f"/v1/sync?villages={VILLAGE_A}&limit=1000{since}", token).data
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page.get("has_more"):
            return changes, cursor


def _roster(rows: list[dict]) -> bytes:
    lines = ["PEMERINTAH KABUPATEN MUARA ENIM;;;;;;", "NIK;Nama;Tanggal Lahir;Jenis Kelamin;No HP;Kode Desa;Kategori"]
    for r in rows:
        lines.append(";".join([r["nik"], r["name"], r["birth_date"], r["sex"], r.get("phone_typed") or "-",
                               r["village_code"], r["category"]]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.fixture(scope="module")
def world(chalice_app, tokens_for, dispatcher, app_log, monkeypatch_module):
    """Person X leaves traces everywhere the project writes: two enrolments (one withdrawn, one
    active with a KPJ number and a corrected phone), a KTP photo, an SMS reminder, an opt-out, a
    restriction, a sync receipt, a roster import (with a duplicate row in its error report), an
    export file. Person Y shares the programme, the roster and the export, and must stay."""
    from chalice.test import Client

    from tests.integration.conftest import Api

    monkeypatch_module.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "0")
    admin = tokens_for("admin", sub="admin-dpo-erasure")
    officer = tokens_for("officer", [VILLAGE_A], sub="operator-erasure")
    with Client(chalice_app, stage_name="local") as c:
        api = Api(c)
        p = new_programme(api, admin)
        rules = {"village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [DIGEST_TO]}}}
        assert api.call("PUT", f"/v1/programmes/{p['id']}/reminder-rules", admin, rules).status_code == 200
        x = enrol_live(api, admin, p["id"], 1)[0]
        y = enrol_live(api, admin, p["id"], 1)[0]
        x_name = _unique_name()
        first_phone, new_phone = x["phone"], _phone()
        fixed = api.call("PATCH", f"/v1/enrolments/{x['id']}", admin, {"name": x_name, "phone": new_phone},
                         headers={"If-Match": str(x["version"])})
        assert fixed.status_code == 200, fixed.data
        x = fixed.data
        y_name = _unique_name()
        y = api.call("PATCH", f"/v1/enrolments/{y['id']}", admin, {"name": y_name},
                     headers={"If-Match": str(y["version"])}).data
        # a KTP photo
        slot = api.call("POST", f"/v1/enrolments/{x['id']}/documents", officer,
                        {"kind": "ktp", "content_type": "image/jpeg", "size": len(JPEG)}).data
        sent = requests.post(slot["url"], data=slot["fields"], files={"file": ("ktp.jpg", JPEG, "image/jpeg")},
                             timeout=10)
        assert sent.status_code in (200, 201, 204)
        assert api.call("PUT", f"/v1/enrolments/{x['id']}/documents/ktp", officer,
                        {"document_id": slot["document_id"]}).status_code == 200
        # an SMS reminder (recipient recorded, masked) for both
        def remind() -> list:
            with deps.override(clock=lambda: NOV16):  # the sweep reads a GSI: again until it saw X (claims: once)
                r = api.call("POST", "/v1/reminders/run", admin, {"as_of": "2025-11-16", "programme_id": p["id"]})
                assert r.status_code == 200, r.data
                drain(dispatcher)
            return api.call("GET", f"/v1/enrolments/{x['id']}/reminders", admin).data["items"]

        eventually(remind, bool)
        # a second programme: a roster import with X twice (the second row an error quoting NIK and name)
        q = new_programme(api, admin)
        x_row = {**x, "phone_typed": "0" + new_phone[3:7] + "-" + new_phone[7:]}
        y_row = {**y, "phone_typed": y["phone"]}
        started = api.call("POST", f"/v1/programmes/{q['id']}/imports", admin, raw=_roster([x_row, y_row, x_row]),
                           headers={"Content-Type": "text/csv"})
        assert started.status_code == 202, started.data
        dispatcher.drain(config.queue_name("imports"))
        job = api.call("GET", f"/v1/imports/{started.data['import_id']}", admin).data
        assert (job["accepted"], job["rejected"]) == (2, 1), job
        assert any(e.get("nik") == x["nik"] for e in job["errors"])
        # the BPJS branch's KPJ list activates X there: a KPJ owner marker names X's NIK
        kpj_q = f"2601{random.randrange(10**6, 10**7)}"
        kpj_list = f"\ufeffNo;NIK;No KPJ;Tgl Efektif;Status\r\n1;{x['nik']};{kpj_q};01/10/2025;Aktif\r\n".encode()
        listed = api.call("POST", f"/v1/programmes/{q['id']}/imports?kind=kpj&filename=kpj.csv", admin, raw=kpj_list,
                          headers={"Content-Type": "text/csv"})
        assert listed.status_code == 202, listed.data
        dispatcher.drain(config.queue_name("imports"))
        assert api.call("GET", f"/v1/imports/{listed.data['import_id']}", admin).data["activated"] == 1
        xq = eventually(lambda: api.call("GET", f"/v1/workers/{x['nik']}", admin).data,
                        lambda w: any(e["programme_id"] == q["id"] and e.get("kpj_number") == kpj_q
                                      for e in w["enrolments"]))
        xq = next(e for e in xq["enrolments"] if e["programme_id"] == q["id"])
        # a sync receipt naming X's record in q, then the record withdrawn
        op = {"op_id": str(uuid.uuid4()), "op": "update", "type": "enrolment", "programme_id": q["id"],
              "id": xq["id"], "version": xq["version"], "data": {"occupation": "buruh tani karet"}}
        pushed = api.call("POST", "/v1/sync", officer, {"operations": [op]}).data["results"][0]
        assert pushed["status"] == "applied", pushed
        assert api.call("DELETE", f"/v1/enrolments/{xq['id']}", admin).status_code == 204
        # an export file in S3
        link = api.call("GET", f"/v1/programmes/{p['id']}/export?format=xlsx&delivery=url", admin)
        assert link.status_code == 200, link.data
        # opt-out and restriction (after the reminder, which they would have stopped)
        assert api.call("PUT", f"/v1/workers/{x['nik']}/opt-out", officer,
                        {"asked_on": "2025-11-20", "asked_via": "langsung"}).status_code == 200
        assert api.call("PUT", f"/v1/workers/{x['nik']}/restriction", admin,
                        {"reason": "sengketa data", "opened_on": "2025-11-21"}).status_code == 200
        summary = api.call("GET", f"/v1/programmes/{p['id']}/summary?refresh=true", admin).data
        person_x = {"nik": x["nik"], "name": x_name, "phones": [first_phone, new_phone],
                    "kpj": [x["kpj_number"], kpj_q]}
        person_y = {"nik": y["nik"], "name": y_name, "phones": [y["phone"]]}
        on_phone, device_cursor = pull_all(api, officer)  # a field phone holds the record before the erasure
        assert x["id"] in {c.get("id") for c in on_phone}
        before = scan_everything(app_log.getvalue())
        assert set(traces(before, person_x)) >= {x["nik"], x_name, new_phone, first_phone, x["kpj_number"], kpj_q}
        # while by_worker lags the last write the API answers 409 VERSION_STALE before touching
        # anything ("ulangi sebentar lagi"): the DPO's client repeats, as this does
        erased = eventually(lambda: api.call("POST", f"/v1/workers/{x['nik']}/erasure", admin,
                                             {"reason": "subject_request", "reference": "470/112/DPMD/2026"}),
                            lambda r: r.status_code != 409)
        yield {"api": api, "admin": admin, "officer": officer, "p": p, "q": q, "x": x, "xq": xq, "y": y,
               "person_x": person_x, "person_y": person_y, "erased": erased, "summary": summary,
               "import_id": started.data["import_id"], "device_cursor": device_cursor}


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_the_erasure_answers_its_record_without_personal_data(world):
    r = world["erased"]
    assert r.status_code == 201, r.data
    record = r.data
    assert record["trigger"] == "request" and record["reason"] == "subject_request"
    assert record["whole_person"] is True and record["actor"] == "admin-dpo-erasure"
    assert sorted(record["enrolment_ids"]) == sorted([world["x"]["id"], world["xq"]["id"]])
    counts = record["counts"]
    assert counts["enrolments"] == 2 and counts["documents"] >= 1 and counts["reminders"] >= 1
    assert counts["audit_events"] >= 3 and counts["receipts"] >= 1
    # worker, opt-out, restriction, and two KPJ owner markers: p's (claimed by the live create) and q's (the KPJ list)
    assert counts["person_items"] == 5
    assert counts["file_rows"] >= 4 and counts["import_rows"] >= 1  # roster x2, chunk, report, export
    assert not traces(json.dumps(record), world["person_x"])


def test_a_scan_of_every_table_bucket_queue_and_log_finds_no_trace_of_the_person(world, app_log):
    after = scan_everything(app_log.getvalue())
    assert not traces(after, world["person_x"])
    # the scan does find what it looks for: the other person of the same roster, export and programme
    assert set(traces(after, world["person_y"])) >= {world["y"]["nik"], world["person_y"]["name"]}


def test_no_route_returns_the_person_any_more(world):
    api, admin, x = world["api"], world["admin"], world["x"]
    nik = x["nik"]
    for path in (f"/v1/workers/{nik}", f"/v1/workers/{nik}/report", f"/v1/workers/{nik}/access-log"):
        r = api.call("GET", path, admin)
        assert r.status_code == 404 and r.data["error"]["code"] == "WORKER_NOT_FOUND", (path, r.data)
    gone = api.call("GET", f"/v1/enrolments/{x['id']}", admin)
    assert gone.status_code == 404 and gone.data["error"]["code"] == "ENROLMENT_ERASED"
    assert "dihapus" in gone.data["error"]["message"]
    patch = api.call("PATCH", f"/v1/enrolments/{x['id']}", admin, {"name": "Nama Baru"},
                     headers={"If-Match": str(x["version"] + 1)})
    assert patch.status_code == 404
    texts = []
    audit = api.call("GET", f"/v1/enrolments/{x['id']}/audit", admin).data
    assert next(a["action"] for a in audit["items"]) == "erase"  # events kept, values redacted
    assert any("status" in a["changes"] for a in audit["items"])
    texts.append(json.dumps(audit))
    texts.append(json.dumps(api.call("GET", f"/v1/enrolments/{x['id']}/reminders", admin).data))
    for pid in (world["p"]["id"], world["q"]["id"]):
        listed = api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500", admin).data["items"]
        assert x["id"] not in {e["id"] for e in listed}
        texts.append(json.dumps(listed))
        exported = api.client.http.get(f"/v1/programmes/{pid}/export?format=csv",
                                       headers={"Authorization": f"Bearer {admin}"})
        assert exported.status_code == 200
        texts.append(exported.body.decode())
    texts.append(json.dumps(api.call("GET", f"/v1/imports/{world['import_id']}", admin).data))
    texts.append(json.dumps(pull_all(api, world["officer"])[0]))
    assert not traces("\n".join(texts), world["person_x"])
    again = api.call("POST", f"/v1/workers/{nik}/erasure", admin, {"reason": "subject_request"})
    assert again.status_code == 404


def test_field_phones_drop_the_record_through_a_tombstone(world):
    def pulled():  # the feed is a GSI: a phone's next pull sees the tombstone once the index has it
        changes, _ = pull_all(world["api"], world["officer"], world["device_cursor"])
        return changes, [c for c in changes if c.get("id") == world["x"]["id"]]

    changes, mine = eventually(pulled, lambda r: bool(r[1]) and r[1][-1].get("deleted") is True)
    assert mine[-1].get("deleted") is True, mine
    assert set(mine[-1]) <= {"id", "version", "updated_at", "deleted", "type", "kind"}, mine[-1]
    assert not traces(json.dumps(changes), world["person_x"])


def test_the_summary_still_counts_the_pseudonymous_record(world):
    api, admin, pid = world["api"], world["admin"], world["p"]["id"]
    before = world["summary"]
    # the recount reads by_programme, which shows the rewritten (pseudonymous) record once it caught up
    after = eventually(lambda: api.call("GET", f"/v1/programmes/{pid}/summary?refresh=true", admin).data,
                       lambda d: d["total"] == before["total"])
    for key in ("total", "by_category", "by_village", "by_status", "contribution_idr_total", "targets"):
        assert after[key] == before[key], key
    assert after["total"] == 2


def test_the_erasure_refuses_bad_input_in_the_contract_shape(world, tokens_for):
    api, admin, y = world["api"], world["admin"], world["y"]
    cases = [
        ({"reason": "karena"}, 422, "VALIDATION_FAILED"),
        ({}, 422, "VALIDATION_FAILED"),
        ({"reason": "subject_request", "reference": f"surat {y['nik']}"}, 422, "REFERENCE_HAS_PERSONAL_DATA"),
        ({"reason": "subject_request", "reference": f"permintaan {world['person_y']['name']}"}, 422,
         "REFERENCE_HAS_PERSONAL_DATA"),
    ]
    for body, status, code in cases:
        r = api.call("POST", f"/v1/workers/{y['nik']}/erasure", admin, body)
        assert (r.status_code, r.data["error"]["code"]) == (status, code), (body, r.data)
        assert set(r.data["error"]) >= {"code", "message", "fields"}
    for nik in ("123", "16030" + "x" * 11, "9" * 16):
        r = api.call("POST", f"/v1/workers/{nik}/erasure", admin, {"reason": "subject_request"})
        assert r.status_code == 404 and r.data["error"]["code"] == "WORKER_NOT_FOUND"
    for role in ("officer", "viewer"):
        r = api.call("POST", f"/v1/workers/{y['nik']}/erasure", tokens_for(role, [VILLAGE_A]),
                     {"reason": "subject_request"})
        assert r.status_code == 403
    assert api.call("GET", f"/v1/workers/{y['nik']}", admin).status_code == 200  # nothing erased on refusal


# ---------- retention ----------
def _retention(api, admin, as_of: str, dry_run: bool, pid: str | None = None) -> dict:
    r = api.call("POST", "/v1/retention/run", admin, {"as_of": as_of, "dry_run": dry_run, "programme_id": pid})
    assert r.status_code == 200, r.data
    return r.data


def test_retention_erases_periods_past_their_years_with_the_same_erasure(api, admin, dispatcher, app_log):
    """A programme that ended 31 Dec 2025 with retention_years 2: due on 1 Jan 2028. Z was only in
    it (erased whole); W is also in a programme still kept (only the old record goes)."""
    old = new_programme(api, admin, retention_years=2)
    kept = new_programme(api, admin, retention_years=30)
    assert old["retention_years"] == 2
    z, w = (new_person(name=_unique_name(), phone=_phone()) for _ in range(2))
    withdrawn = new_person(name=_unique_name(), phone=_phone())
    ids = {}
    for person, pid in ((z, old["id"]), (w, old["id"]), (w, kept["id"]), (withdrawn, old["id"])):
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, person)
        assert r.status_code == 201, r.data
        ids[(person["nik"], pid)] = r.data["id"]
    assert api.call("DELETE", f"/v1/enrolments/{ids[(withdrawn['nik'], old['id'])]}", admin).status_code == 204
    bad = {**z, "birth_date": "1970-01-01"}  # a row the import refuses (NIK_MISMATCH), quoting Z's NIK and name
    started = api.call("POST", f"/v1/programmes/{old['id']}/imports", admin, raw=_roster([bad]),
                       headers={"Content-Type": "text/csv"})
    dispatcher.drain(config.queue_name("imports"))
    assert api.call("GET", f"/v1/imports/{started.data['import_id']}", admin).data["rejected"] == 1
    for person in (z, w):  # the job finds people through by_worker (a GSI)
        eventually(lambda p=person: api.call("GET", f"/v1/workers/{p['nik']}", admin).data, lambda d: d["enrolments"])
    people = {k: {"nik": p["nik"], "name": p["name"], "phones": [p["phone"]]}
              for k, p in (("z", z), ("w", w), ("withdrawn", withdrawn))}

    early = _retention(api, admin, "2027-12-31", dry_run=True, pid=old["id"])
    assert early["programmes_due"] == 0 and early["enrolments"] == 0
    dry = eventually(lambda: _retention(api, admin, "2028-01-01", dry_run=True, pid=old["id"]),
                     lambda d: d["enrolments"] == 3)  # it reads the villages' change feeds (a GSI)
    assert (dry["programmes_due"], dry["enrolments"], dry["people"]) == (1, 3, 3)
    assert dry["programmes"][0]["due_on"] == "2028-01-01" and dry["programmes"][0]["retention_years"] == 2
    assert api.call("GET", f"/v1/workers/{z['nik']}", admin).status_code == 200  # a dry run changes nothing

    ran = _retention(api, admin, "2028-01-01", dry_run=False, pid=old["id"])
    assert (ran["enrolments"], ran["people"], ran["remaining"]) == (3, 2, 0)
    assert not traces(json.dumps(ran), people["z"])
    job = api.call("GET", f"/v1/imports/{started.data['import_id']}", admin).data
    assert job["errors"] == [] and not traces(json.dumps(job), people["z"])
    text = scan_everything(app_log.getvalue())
    assert not traces(text, people["z"]) and not traces(text, people["withdrawn"])
    still = api.call("GET", f"/v1/workers/{w['nik']}", admin)
    assert still.status_code == 200 and [e["programme_id"] for e in still.data["enrolments"]] == [kept["id"]]
    assert w["nik"] in text  # the record still needed keeps its data
    gone = api.call("GET", f"/v1/enrolments/{ids[(w['nik'], old['id'])]}", admin)
    assert gone.data["error"]["code"] == "ENROLMENT_ERASED"

    again = _retention(api, admin, "2028-01-01", dry_run=False, pid=old["id"])
    assert (again["enrolments"], again["people"]) == (0, 0)  # idempotent


def test_the_daily_schedule_runs_retention_with_the_events_clock(api, admin, dispatcher):
    old = new_programme(api, admin, retention_years=1)
    v = new_person(name=_unique_name(), phone=_phone())
    assert api.call("POST", f"/v1/programmes/{old['id']}/enrolments", admin, v).status_code == 201
    eventually(lambda: _retention(api, admin, "2027-01-01", True, old["id"])["enrolments"], lambda n: n == 1)
    eventually(lambda: api.call("GET", f"/v1/workers/{v['nik']}", admin).data, lambda w: w["enrolments"])  # by_worker
    before = datetime(2026, 12, 30, 18, 30, tzinfo=UTC)  # 01:30 WIB 31 Dec 2026: not yet due (due 1 Jan 2027)
    assert "retention" in dispatcher.fire_schedules(before)
    assert api.call("GET", f"/v1/workers/{v['nik']}", admin).status_code == 200
    due = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # 01:30 WIB 1 Jan 2027
    assert "retention" in dispatcher.fire_schedules(due)
    assert api.call("GET", f"/v1/workers/{v['nik']}", admin).status_code == 404
    due_on = _retention(api, admin, "2027-01-02", True, old["id"])["programmes"][0]["due_on"]
    assert due_on == date(2027, 1, 1).isoformat()
