"""One KPJ number belongs to one person, on every write (issue #11): the owner marker the KPJ
import claims is also claimed, in the same transaction, by a plain create and by a PATCH; a
KPJ another NIK holds is a 409 KPJ_TAKEN and nothing of that write is stored."""

from __future__ import annotations

import threading

import pytest

from tests.integration.helpers import VILLAGE_A, eventually, new_kpj, new_person, new_programme

_numbers = iter(range(1, 10_000))


@pytest.fixture()
def kpj() -> str:
    return f"2609{next(_numbers):07d}"


def _create(api, admin, pid, **kw):
    return api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(village=VILLAGE_A, **kw))


def test_a_create_with_another_persons_kpj_is_refused_and_leaves_nothing(api, admin, kpj):
    pid = new_programme(api, admin)["id"]
    first = _create(api, admin, pid, kpj_number=kpj, status="active")
    assert first.status_code == 201, first.data
    second_person = new_person(village=VILLAGE_A, kpj_number=kpj, status="active")
    r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, second_person)
    assert r.status_code == 409, r.data
    assert r.data["error"]["code"] == "KPJ_TAKEN" and "kpj_number" in r.data["error"]["fields"]
    assert api.call("GET", f"/v1/workers/{second_person['nik']}", admin).status_code == 404
    again = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, {**second_person, "kpj_number": None,
                                                                          "status": "draft"})
    assert again.status_code == 201, again.data  # the NIK itself was never taken by the refused write


def test_the_same_person_keeps_their_kpj_in_another_programme(api, admin, kpj):
    person = new_person(village=VILLAGE_A, kpj_number=kpj, status="active")
    for _ in range(2):
        pid = new_programme(api, admin)["id"]
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, person)
        assert r.status_code == 201, r.data


def test_a_patch_to_another_persons_kpj_is_refused_and_changes_nothing(api, admin, kpj):
    pid = new_programme(api, admin)["id"]
    holder = _create(api, admin, pid, kpj_number=kpj, status="active").data
    other = _create(api, admin, pid).data
    r = api.call("PATCH", f"/v1/enrolments/{other['id']}", admin, {"kpj_number": kpj},
                 headers={"If-Match": str(other["version"])})
    assert r.status_code == 409, r.data
    assert r.data["error"]["code"] == "KPJ_TAKEN"
    stored = api.call("GET", f"/v1/enrolments/{other['id']}", admin).data
    assert (stored["version"], stored.get("kpj_number")) == (other["version"], None)
    audit = api.call("GET", f"/v1/enrolments/{other['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["create"]
    own = api.call("PATCH", f"/v1/enrolments/{holder['id']}", admin, {"occupation": "Kaur Keuangan"},
                   headers={"If-Match": str(holder["version"])})
    assert own.status_code == 200, own.data  # the holder's own edits still pass the marker's condition


def test_a_patch_claims_the_marker_so_a_later_create_with_that_kpj_is_refused(api, admin, kpj):
    pid = new_programme(api, admin)["id"]
    someone = _create(api, admin, pid).data
    r = api.call("PATCH", f"/v1/enrolments/{someone['id']}", admin, {"kpj_number": kpj},
                 headers={"If-Match": str(someone["version"])})
    assert r.status_code == 200, r.data
    late = _create(api, admin, pid, kpj_number=kpj, status="active")
    assert late.status_code == 409 and late.data["error"]["code"] == "KPJ_TAKEN", late.data


def test_two_creates_with_one_kpj_at_once_store_exactly_one(api, admin, kpj):
    pid = new_programme(api, admin)["id"]
    people = [new_person(village=VILLAGE_A, kpj_number=kpj, status="active") for _ in range(6)]
    answers: list[int] = []
    start = threading.Barrier(len(people))

    def create(body):
        start.wait()
        answers.append(api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, body).status_code)

    threads = [threading.Thread(target=create, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * 5, answers
    holders = [p for p in people if api.call("GET", f"/v1/workers/{p['nik']}", admin).status_code == 200]
    assert len(holders) == 1


def _patch_kpj(api, admin, enrolment: dict, number: str | None):
    r = api.call("PATCH", f"/v1/enrolments/{enrolment['id']}", admin, {"kpj_number": number},
                 headers={"If-Match": str(enrolment["version"])})
    assert r.status_code == 200, r.data
    return r.data


def test_a_corrected_kpj_releases_the_mistyped_one_for_its_owner(api, admin, kpj):
    """A KPJ typed wrong and then corrected by PATCH is free again: the person it really belongs
    to can be enrolled with it. The corrected one is held."""
    pid = new_programme(api, admin)["id"]
    someone = _create(api, admin, pid, kpj_number=kpj, status="active").data
    right = new_kpj()
    _patch_kpj(api, admin, someone, right)
    owner = _create(api, admin, pid, kpj_number=kpj, status="active")
    assert owner.status_code == 201, owner.data
    late = _create(api, admin, pid, kpj_number=right, status="active")
    assert late.status_code == 409 and late.data["error"]["code"] == "KPJ_TAKEN", late.data


def test_a_kpj_the_person_still_holds_in_another_programme_is_not_released(api, admin, kpj):
    person = new_person(village=VILLAGE_A, kpj_number=kpj, status="active")
    first = api.call("POST", f"/v1/programmes/{new_programme(api, admin)['id']}/enrolments", admin, person)
    pid = new_programme(api, admin)["id"]
    second = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, person)  # the marker names this one last
    assert first.status_code == second.status_code == 201
    eventually(lambda: api.call("GET", f"/v1/workers/{person['nik']}", admin).data,
               lambda w: len(w.get("enrolments", [])) == 2)
    _patch_kpj(api, admin, second.data, new_kpj())  # corrected here; the first programme still has it
    other = _create(api, admin, pid, kpj_number=kpj, status="active")
    assert other.status_code == 409 and other.data["error"]["code"] == "KPJ_TAKEN", other.data


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _roster_import(api, admin, dispatcher, pid: str, people: list[dict]) -> dict:
    import csv
    import io

    from chalicelib import config

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "No HP", "Kode Desa", "Kategori", "No KPJ",
                     "Status"])
    writer.writerows([p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], p["village_code"], p["category"],
                      p.get("kpj_number") or "", p.get("status") or "draft"] for p in people)
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=roster.csv", admin,
                 raw=("\ufeff" + out.getvalue()).encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.data
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert job["status"] == "done", job
    return job


def test_imported_rows_with_a_kpj_claim_it_as_a_create_does(api, admin, dispatcher, kpj):
    pid = new_programme(api, admin)["id"]
    job = _roster_import(api, admin, dispatcher, pid, [new_person(village=VILLAGE_A, kpj_number=kpj, status="active")])
    assert job["accepted"] == 1, job
    late = _create(api, admin, pid, kpj_number=kpj, status="active")
    assert late.status_code == 409 and late.data["error"]["code"] == "KPJ_TAKEN", late.data


def test_an_imported_row_with_another_persons_kpj_is_a_row_error_and_stores_nothing(api, admin, dispatcher, kpj):
    pid = new_programme(api, admin)["id"]
    assert _create(api, admin, pid, kpj_number=kpj, status="active").status_code == 201
    shared = new_kpj()
    people = [new_person(village=VILLAGE_A, kpj_number=kpj, status="active"),  # line 2: someone else's KPJ
              new_person(village=VILLAGE_A, kpj_number=new_kpj(), status="active"),
              new_person(village=VILLAGE_A, kpj_number=shared, status="active"),
              new_person(village=VILLAGE_A, kpj_number=shared, status="active")]  # line 5: line 4's KPJ, another NIK
    job = _roster_import(api, admin, dispatcher, pid, people)
    assert (job["accepted"], job["rejected"]) == (2, 2), job
    assert {(e["row"], e["code"]) for e in job["errors"]} == {(2, "KPJ_TAKEN"), (5, "KPJ_TAKEN")}, job["errors"]
    for p in (people[0], people[3]):
        assert api.call("GET", f"/v1/workers/{p['nik']}", admin).status_code == 404


def test_a_kpj_claimed_by_another_nik_after_the_plan_is_left_out_and_the_row_flagged(api, admin, dispatcher, kpj,
                                                                                      monkeypatch):
    """The plan read the owners before another NIK took the number (the read is made to miss it):
    the chunk's conditional claim still refuses it, so the person is enrolled as a draft without
    that KPJ and flagged KPJ_TAKEN, and the holder keeps it."""
    from chalicelib.services import imports

    pid = new_programme(api, admin)["id"]
    holder = _create(api, admin, pid, kpj_number=kpj, status="active").data
    monkeypatch.setattr(imports.kpj_store, "owners", lambda regency, numbers: {})
    person = new_person(village=VILLAGE_A, kpj_number=kpj, status="active")
    job = _roster_import(api, admin, dispatcher, pid, [person])
    assert job["accepted"] == 1, job
    stored = eventually(lambda: api.call("GET", f"/v1/workers/{person['nik']}", admin).data,
                        lambda w: len(w.get("enrolments", [])) == 1)["enrolments"][0]  # by_worker is a GSI
    assert (stored["status"], stored.get("kpj_number")) == ("draft", None) and "KPJ_TAKEN" in stored["warnings"]
    assert api.call("GET", f"/v1/enrolments/{holder['id']}", admin).data["kpj_number"] == kpj
