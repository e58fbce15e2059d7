"""The BPJS branch's KPJ list (`POST /imports?kind=kpj`) activates the enrolments it names."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from chalicelib import config
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_kpj, new_person, new_programme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _kpj(i: int) -> str:
    return f"2501{i:07d}"


def _enrol(api, admin, pid, n, **kw) -> list[dict]:
    out = []
    for i in range(n):
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin,
                     new_person(village=VILLAGE_A if i % 2 else VILLAGE_B, **kw))
        assert r.status_code == 201, r.data
        out.append(r.data)
    return out


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def _upload(api, admin, dispatcher, pid, body: bytes, content_type="text/csv") -> dict:
    r = api.call("POST", f"/v1/programmes/{pid}/imports?kind=kpj&filename=kpj.csv", admin, raw=body,
                 headers={"Content-Type": content_type})
    assert r.status_code == 202, r.data
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert job["status"] == "done", job
    return job


def test_kpj_list_activates_drafts_and_submitted_and_reports_each_row(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = _enrol(api, admin, pid, 8)
    submitted = api.call("PATCH", f"/v1/enrolments/{people[1]['id']}", admin, {"status": "submitted"},
                         headers={"If-Match": "1"})
    assert submitted.status_code == 200
    other_pid = new_programme(api, admin)["id"]
    stranger = _enrol(api, admin, other_pid, 1)[0]  # enrolled, but in another programme
    rows = [
        [1, people[0]["nik"], _kpj(1), "01/10/2025", "Aktif"],   # line 2: draft -> active
        [2, people[1]["nik"], "2501 000 0002", "", "AKTIF"],     # line 3: submitted -> active (spaces in KPJ)
        [3, people[2]["nik"], _kpj(3), "2025-10-02", ""],        # line 4: draft -> active
        [4, stranger["nik"], _kpj(4), "", ""],                   # line 5: not in this programme
        [5, people[4]["nik"], _kpj(1), "", ""],                  # line 6: KPJ of line 2, another NIK
        [6, people[5]["nik"], "2501-ABC", "", ""],               # line 7: malformed KPJ
        [7, "16030112", _kpj(7), "", ""],                        # line 8: malformed NIK
        [8, people[6]["nik"], _kpj(8), "", "Ditolak"],           # line 9: not active at the branch
    ]
    body = _csv(["No", "NIK", "No KPJ", "Tgl Efektif", "Status"], rows)
    job = _upload(api, admin, dispatcher, pid, body)
    assert job["kind"] == "kpj"
    assert (job["total"], job["activated"], job["already_active"], job["not_found"], job["conflicts"],
            job["rejected"], job["accepted"]) == (8, 3, 0, 1, 1, 5, 3)
    assert {(e["row"], e["code"], e["column"]) for e in job["errors"]} == {
        (5, "NIK_NOT_IN_PROGRAMME", "NIK"), (6, "KPJ_TAKEN", "No KPJ"), (7, "KPJ_INVALID", "No KPJ"),
        (8, "NIK_INVALID", "NIK"), (9, "KPJ_NOT_ACTIVE", "Status")}
    got = {p["id"]: api.call("GET", f"/v1/enrolments/{p['id']}", admin).data for p in people}
    assert [(got[p["id"]]["status"], got[p["id"]]["kpj_number"]) for p in people[:3]] == \
        [("active", _kpj(1)), ("active", _kpj(2)), ("active", _kpj(3))]
    assert all(got[p["id"]]["status"] == "draft" and not got[p["id"]].get("kpj_number") for p in people[3:])
    audit = api.call("GET", f"/v1/enrolments/{people[0]['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["update", "create"]
    assert audit[0]["changes"]["status"] == ["draft", "active"]
    assert audit[0]["changes"]["kpj_effective_date"] == [None, "2025-10-01"]
    assert audit[0]["changes"]["import_id"] == [None, job["import_id"]]

    again = _upload(api, admin, dispatcher, pid, body)  # the same list again changes nothing
    assert (again["activated"], again["already_active"], again["not_found"], again["conflicts"]) == (0, 3, 1, 1)
    after = {p["id"]: api.call("GET", f"/v1/enrolments/{p['id']}", admin).data for p in people}
    assert after == got
    assert len(api.call("GET", f"/v1/enrolments/{people[0]['id']}/audit", admin).data["items"]) == 2


def test_xlsx_list_with_numeric_kpj_cells_and_header_spellings(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = _enrol(api, admin, pid, 3)
    wb = Workbook()
    ws = wb.active
    ws.append(["NIK", "Nama", "Nomor KPJ"])
    for i, p in enumerate(people):
        ws.append([p["nik"], p["name"], int(_kpj(20 + i))])  # the branch's export has KPJ as numbers
    out = io.BytesIO()
    wb.save(out)
    job = _upload(api, admin, dispatcher, pid, out.getvalue(), XLSX)
    assert (job["activated"], job["rejected"], job["format"]) == (3, 0, "xlsx")
    assert {api.call("GET", f"/v1/enrolments/{p['id']}", admin).data["kpj_number"] for p in people} == \
        {_kpj(20), _kpj(21), _kpj(22)}


def test_an_active_enrolment_with_another_kpj_and_a_second_list_for_a_taken_kpj_are_conflicts(
        api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    a, b, c = _enrol(api, admin, pid, 3)
    _upload(api, admin, dispatcher, pid, _csv(["NIK", "KPJ"], [[a["nik"], _kpj(31)]]))
    job = _upload(api, admin, dispatcher, pid, _csv(["NIK", "KPJ"], [[a["nik"], _kpj(32)], [b["nik"], _kpj(31)],
                                                                       [c["nik"], _kpj(33)]]))
    assert (job["activated"], job["conflicts"], job["rejected"]) == (1, 2, 2)
    assert {(e["row"], e["code"]) for e in job["errors"]} == {(2, "KPJ_MISMATCH"), (3, "KPJ_TAKEN")}
    assert api.call("GET", f"/v1/enrolments/{a['id']}", admin).data["kpj_number"] == _kpj(31)
    assert api.call("GET", f"/v1/enrolments/{b['id']}", admin).data["status"] == "draft"
    assert job["error_report_url"]


def test_a_file_without_a_kpj_column_fails_with_the_reason(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    r = api.call("POST", f"/v1/programmes/{pid}/imports?kind=kpj", admin, raw=_csv(["NIK", "Nama"], [["1", "x"]]),
                 headers={"Content-Type": "text/csv"})
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert job["status"] == "failed" and job["failure"]["code"] == "HEADER_MISSING"
    assert "kpj" in job["failure"]["message"].lower()


def test_activations_share_transactions_and_a_failed_condition_drops_only_its_own_row(api, admin):
    """store/kpj.activate_all, as a chunk calls it: 30 activations go in two transactions (25 + 5),
    not 30. One KPJ was claimed by another NIK after the list was checked and one enrolment was
    edited after the chunk read it: those two get their outcome and are not written; every other
    row is written with its marker, as if each had had its own transaction."""
    from dataclasses import replace

    from chalicelib.store import db
    from chalicelib.store import kpj as kpj_store
    from chalicelib.store.audit import AuditEntry

    pid = new_programme(api, admin)["id"]
    holder, *people = _enrol(api, admin, pid, 31)
    numbers = [new_kpj() for _ in people]
    r = api.call("PATCH", f"/v1/enrolments/{holder['id']}", admin, {"kpj_number": numbers[3]},
                 headers={"If-Match": str(holder["version"])})
    assert r.status_code == 200, r.data
    regency = "16.03"  # the admin token's regency (Muara Enim)
    read = kpj_store.enrolments(regency, [p["id"] for p in people])
    edited = api.call("PATCH", f"/v1/enrolments/{people[7]['id']}", admin, {"occupation": "Kaur Umum"},
                      headers={"If-Match": str(people[7]["version"])})
    assert edited.status_code == 200, edited.data
    activations = []
    for p, number in zip(people, numbers, strict=True):
        e = read[p["id"]]
        updated = replace(e, status="active", kpj_number=number, version=e.version + 1,
                          updated_at="2025-10-20T01:00:00.000Z", updated_by="test")
        audit = AuditEntry(regency, "enrolment", e.id, "update", "test", "admin", "2025-10-20T01:00:00.000Z",
                           f"kpj-test-{e.id}", {"status": [e.status, "active"], "kpj_number": [None, number]})
        activations.append(kpj_store.Activation(updated, e.version, audit, f"test-{e.id}"))
    sent: list[int] = []
    client = db.connection().client
    count = lambda **_: sent.append(1)  # noqa: E731
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", count)
    try:
        outcomes = kpj_store.activate_all(activations)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", count)
    assert outcomes[3] == "kpj_taken" and outcomes[7] == "stale"
    assert [o for i, o in enumerate(outcomes) if i not in (3, 7)] == ["ok"] * 28
    assert 2 <= len(sent) <= 4, sent  # 25 + 5; the first resent once or twice without the failed rows
    for i, p in enumerate(people):
        stored = api.call("GET", f"/v1/enrolments/{p['id']}", admin).data
        if i in (3, 7):
            assert (stored["status"], stored.get("kpj_number")) == ("draft", None), stored
        else:
            assert (stored["status"], stored["kpj_number"]) == ("active", numbers[i]), stored
    assert api.call("GET", f"/v1/enrolments/{people[7]['id']}", admin).data["occupation"] == "Kaur Umum"
    owners = kpj_store.owners(regency, numbers)
    assert owners[numbers[3]] == holder["nik"] and numbers[7] not in owners
    assert all(owners[numbers[i]] == p["nik"] for i, p in enumerate(people) if i not in (3, 7))
