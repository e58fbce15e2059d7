"""Enrolments over the emulator: create, duplicate, list filters and cursors, patch with versions,
soft delete, audit trail, worker view, and nothing half-written on failure."""

from __future__ import annotations

import pytest

from tests.integration.helpers import VILLAGE_A, VILLAGE_B, eventually, new_kpj, new_person, new_programme, wait_indexed


@pytest.fixture()
def programme(api, admin):
    return new_programme(api, admin)


def enrol(api, token, pid, payload, status=201):
    r = api.call("POST", f"/v1/programmes/{pid}/enrolments", token, payload)
    assert r.status_code == status, r.data
    return r.data


def test_enrol_returns_id_status_version(api, admin, programme):
    e = enrol(api, admin, programme["id"], new_person(phone="0812 3456 7890"))
    assert e["id"] and e["status"] == "draft" and e["version"] == 1
    assert e["phone"] == "+6281234567890"
    assert e["district_code"] == "16.03.01" and e["coverage_end"] == "2025-12-31"
    assert e["warnings"] == []
    got = api.call("GET", f"/v1/enrolments/{e['id']}", admin)
    assert got.status_code == 200 and got.data == e and got.headers["ETag"] == "1"


def test_duplicate_nik_in_programme_is_409_with_existing_id(api, admin, programme):
    person = new_person()
    first = enrol(api, admin, programme["id"], person)
    again = api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin,
                     {**person, "nik": person["nik"][:4] + " " + person["nik"][4:]})
    assert again.status_code == 409
    assert again.data["error"]["code"] == "ENROLMENT_DUPLICATE"
    assert again.data["error"]["existing_id"] == first["id"]
    other = new_programme(api, admin)
    enrol(api, admin, other["id"], person)  # the same person in another programme is fine


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"nik": "123"}, 422, "NIK_INVALID", "nik"),
        ({"nik": "1603013102900001"}, 422, "NIK_INVALID", "nik"),
        ({"sex": "X"}, 422, "VALIDATION_FAILED", "sex"),
        ({"birth_date": "17-08-1990"}, 422, "VALIDATION_FAILED", "birth_date"),
        ({"village_code": "16.03.01.9999"}, 422, "VILLAGE_UNKNOWN", "village_code"),
        ({"village_code": "16.71.01.1001"}, 422, "VILLAGE_UNKNOWN", "village_code"),
        ({"category": "nelayan"}, 422, "CATEGORY_UNKNOWN", "category"),
        ({"phone": "0711-123456"}, 422, "PHONE_INVALID", "phone"),
        ({"status": "active"}, 422, "VALIDATION_FAILED", "kpj_number"),
        ({"status": "active", "kpj_number": "12AB"}, 422, "VALIDATION_FAILED", "kpj_number"),
        ({"surprise": 1}, 422, "VALIDATION_FAILED", "surprise"),
        ({"name": None}, 422, "VALIDATION_FAILED", "name"),
    ],
)
def test_bad_enrolments_get_field_and_reason(api, admin, programme, change, status, code, field):
    r = api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin, {**new_person(), **change})
    assert r.status_code == status, r.data
    assert r.data["error"]["code"] == code
    assert field in r.data["error"]["fields"] and r.data["error"]["fields"][field]
    assert r.data["error"]["message"]


def test_nik_that_disagrees_with_sex_or_birth_date(api, admin, programme):
    person = new_person()
    flipped = "L" if person["sex"] == "P" else "P"
    r = api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin, {**person, "sex": flipped})
    assert r.status_code == 422 and r.data["error"]["code"] == "NIK_MISMATCH" and "sex" in r.data["error"]["fields"]


def test_other_regency_nik_is_accepted_with_a_warning(api, admin, programme):
    person = new_person()
    moved = "1671" + person["nik"][4:]
    e = enrol(api, admin, programme["id"], {**person, "nik": moved})
    assert e["warnings"] == ["NIK_OTHER_REGENCY"]


def test_enrol_into_missing_programme_is_404(api, admin):
    r = api.call("POST", "/v1/programmes/01ARZ3NDEKTSV4RRFFQ69G5FAV/enrolments", admin, new_person())
    assert r.status_code == 404


def test_failed_create_writes_nothing(api, admin, programme):
    person = new_person()
    api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin, {**person, "category": "nelayan"})
    assert api.call("GET", f"/v1/workers/{person['nik']}", admin).status_code == 404
    listed = api.call("GET", f"/v1/programmes/{programme['id']}/enrolments", admin).data["items"]
    assert listed == []


def test_list_filters_and_cursor_paging(api, admin, programme):
    pid = programme["id"]
    made = [enrol(api, admin, pid, new_person(village=VILLAGE_A, category="linmas")) for _ in range(5)]
    made += [enrol(api, admin, pid, new_person(village=VILLAGE_B, category="guru_ngaji")) for _ in range(3)]
    made += [enrol(api, admin, pid, new_person(village="16.03.02.2001", category="linmas")) for _ in range(2)]
    wait_indexed(api, admin, pid, [e["id"] for e in made])  # the list is a GSI: eventually consistent

    def ids(query):
        out, cursor = [], None
        while True:
            url = f"/v1/programmes/{pid}/enrolments?{query}&limit=2" + (f"&cursor={cursor}" if cursor else "")
            r = api.call("GET", url, admin)
            assert r.status_code == 200, r.data
            assert len(r.data["items"]) <= 2
            out += [e["id"] for e in r.data["items"]]
            cursor = r.data["next_cursor"]
            if not cursor:
                return out

    assert ids("") == [e["id"] for e in made]  # ULIDs: creation order
    assert len(ids(f"village_code={VILLAGE_A}")) == 5
    assert len(ids("district_code=16.03.01")) == 8
    assert len(ids("category=linmas")) == 7
    assert len(ids("district_code=16.03.01&category=linmas")) == 5
    assert len(ids("status=draft")) == 10
    assert ids("status=active") == []
    target = made[3]
    assert ids(f"q={target['name'].split()[0].lower()}").count(target["id"]) == 1
    assert ids(f"q={target['nik'][:12]}") == [target["id"]]


def test_list_query_validation(api, admin, programme):
    r = api.call("GET", f"/v1/programmes/{programme['id']}/enrolments?limit=0&status=alive", admin)
    assert r.status_code == 422 and {"limit", "status"} <= set(r.data["error"]["fields"])


def test_patch_needs_if_match_and_detects_stale_versions(api, admin, programme):
    e = enrol(api, admin, programme["id"], new_person())
    url = f"/v1/enrolments/{e['id']}"
    missing = api.call("PATCH", url, admin, {"name": "Budi Santoso"})
    assert missing.status_code == 422 and missing.data["error"]["code"] == "IF_MATCH_REQUIRED"
    ok = api.call("PATCH", url, admin, {"name": "Budi Santoso", "status": "submitted"}, headers={"If-Match": "1"})
    assert ok.status_code == 200 and ok.data["version"] == 2 and ok.data["status"] == "submitted"
    stale = api.call("PATCH", url, admin, {"name": "Lost Update"}, headers={"If-Match": "1"})
    assert stale.status_code == 409
    assert stale.data["error"]["code"] == "VERSION_STALE" and stale.data["error"]["current_version"] == 2
    assert api.call("GET", url, admin).data["name"] == "Budi Santoso"
    kpj = new_kpj()
    active = api.call("PATCH", url, admin, {"status": "active", "kpj_number": kpj}, headers={"If-Match": "2"})
    assert active.status_code == 200 and active.data["kpj_number"] == kpj
    back = api.call("PATCH", url, admin, {"status": "draft"}, headers={"If-Match": "3"})
    assert back.status_code == 422 and back.data["error"]["code"] == "STATUS_TRANSITION_INVALID"
    nik_change = api.call("PATCH", url, admin, {"nik": "1603015708900001"}, headers={"If-Match": "3"})
    assert nik_change.status_code == 422 and "nik" in nik_change.data["error"]["fields"]


def test_patch_moves_indexes_with_the_record(api, admin, programme):
    pid = programme["id"]
    e = enrol(api, admin, pid, new_person(village=VILLAGE_A))
    r = api.call("PATCH", f"/v1/enrolments/{e['id']}", admin, {"village_code": VILLAGE_B}, headers={"If-Match": "1"})
    assert r.status_code == 200
    def lists():  # through the by_village GSI: eventually consistent (make test-eventual)
        return [[x["id"] for x in api.call("GET", f"/v1/programmes/{pid}/enrolments?village_code={v}",
                                           admin).data["items"]] for v in (VILLAGE_B, VILLAGE_A)]

    in_b, in_a = eventually(lists, lambda got: got[0] == [e["id"]] and got[1] == [])
    assert in_b == [e["id"]] and in_a == []


def test_soft_delete_hides_frees_the_nik_and_keeps_the_audit(api, admin, programme):
    person = new_person()
    e = enrol(api, admin, programme["id"], person)
    assert api.call("DELETE", f"/v1/enrolments/{e['id']}", admin, headers={"If-Match": "9"}).status_code == 409
    assert api.call("DELETE", f"/v1/enrolments/{e['id']}", admin, headers={"If-Match": "1"}).status_code == 204
    assert api.call("GET", f"/v1/enrolments/{e['id']}", admin).status_code == 404
    assert api.call("DELETE", f"/v1/enrolments/{e['id']}", admin).status_code == 404
    assert api.call("GET", f"/v1/programmes/{programme['id']}/enrolments", admin).data["items"] == []
    audit = api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["delete", "create"]
    again = enrol(api, admin, programme["id"], person)
    assert again["id"] != e["id"]


def test_audit_says_who_changed_what_newest_first(api, admin, tokens_for, programme):
    e = enrol(api, admin, programme["id"], new_person(village=VILLAGE_A))
    officer = tokens_for("officer", [VILLAGE_A], sub="operator-embawang")
    api.call("PATCH", f"/v1/enrolments/{e['id']}", officer, {"occupation": "Kaur Keuangan"}, headers={"If-Match": "1"})
    api.call("PATCH", f"/v1/enrolments/{e['id']}", admin, {"status": "submitted"}, headers={"If-Match": "2"})
    page = api.call("GET", f"/v1/enrolments/{e['id']}/audit?limit=2", admin).data
    assert [a["action"] for a in page["items"]] == ["update", "update"]
    assert page["items"][0]["changes"]["status"] == ["draft", "submitted"]
    assert page["items"][1]["actor"] == "operator-embawang" and page["items"][1]["actor_role"] == "officer"
    assert page["items"][1]["changes"]["occupation"] == [None, "Kaur Keuangan"]
    rest = api.call("GET", f"/v1/enrolments/{e['id']}/audit?limit=2&cursor={page['next_cursor']}", admin).data
    assert [a["action"] for a in rest["items"]] == ["create"]


def test_worker_with_all_enrolments(api, admin, programme):
    person = new_person()
    first = enrol(api, admin, programme["id"], person)
    second = enrol(api, admin, new_programme(api, admin)["id"], person)
    w = eventually(lambda: api.call("GET", f"/v1/workers/{person['nik']}", admin),  # the by_worker GSI
                   lambda r: r.status_code == 200 and len(r.data["enrolments"]) == 2)
    assert w.status_code == 200 and w.data["name"] == person["name"]
    assert {x["id"] for x in w.data["enrolments"]} == {first["id"], second["id"]}
    assert api.call("GET", "/v1/workers/1603015708900001", admin).status_code == 404
