"""Officers' villages as admin data, and the scope matrix of the field routes."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_person, new_programme

VILLAGE_C = "16.03.02.2001"


@pytest.fixture(autouse=True)
def no_settle(monkeypatch):
    monkeypatch.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "0")


def op(pid, village):
    return {"op_id": uuid.uuid4().hex, "op": "create", "type": "enrolment", "programme_id": pid,
            "data": new_person(village=village)}


def test_assignment_overrides_the_token_and_applies_on_the_next_request(api, admin, tokens_for):
    p = new_programme(api, admin)
    in_a = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(village=VILLAGE_A)).data
    sub = f"officer-{uuid.uuid4().hex[:6]}"
    token = tokens_for("officer", [VILLAGE_A], sub=sub)  # the claim says village A
    assert api.call("GET", f"/v1/officers/{sub}/villages", admin).data == {"sub": sub, "villages": [],
                                                                            "source": "token"}
    assert api.call("GET", f"/v1/enrolments/{in_a['id']}", token).status_code == 200

    moved = api.call("PUT", f"/v1/officers/{sub}/villages", admin, {"villages": [VILLAGE_B, VILLAGE_C]})
    assert moved.status_code == 200 and moved.data["villages"] == [VILLAGE_B, VILLAGE_C] and moved.data["version"] == 1
    # Same token, next request: village A is gone, B and C apply.
    assert api.call("GET", "/v1/me", token).data["villages"] == [VILLAGE_B, VILLAGE_C]
    assert api.call("GET", f"/v1/enrolments/{in_a['id']}", token).status_code == 403
    assert api.call("GET", "/v1/sync", token).data["villages"] == [VILLAGE_B, VILLAGE_C]
    results = api.call("POST", "/v1/sync", token, {"operations": [op(p["id"], VILLAGE_A), op(p["id"], VILLAGE_B)]})
    assert [r["status"] for r in results.data["results"]] == ["rejected", "applied"]

    revoked = api.call("PUT", f"/v1/officers/{sub}/villages", admin, {"villages": []})
    assert revoked.data["version"] == 2
    assert api.call("GET", "/v1/me", token).data["villages"] == []
    assert api.call("GET", "/v1/sync", token).data["changes"][0]["type"] == "programme"  # only regency-wide data
    audit_entries = api.call("GET", f"/v1/officers/{sub}/villages", admin).data
    assert audit_entries["source"] == "assignment" and audit_entries["updated_by"].startswith("local-admin")


def test_assignment_validation(api, admin):
    r = api.call("PUT", "/v1/officers/someone/villages", admin, {"villages": ["16.03.01.9999"]})
    assert r.status_code == 422 and r.data["error"]["code"] == "VILLAGE_UNKNOWN"
    r = api.call("PUT", "/v1/officers/someone/villages", admin, {"villages": ["desa-saya"]})
    assert r.status_code == 422 and "villages.0" in r.data["error"]["fields"]


@pytest.fixture(scope="module")
def field(chalice_app, tokens_for):
    from chalice.test import Client

    from tests.integration.conftest import Api

    admin = tokens_for("admin")
    with Client(chalice_app, stage_name="local") as c:
        api = Api(c)
        p = new_programme(api, admin)
    return {"pid": p["id"]}


ROLES = {
    "admin": lambda t: t("admin"),
    "officer_a": lambda t: t("officer", [VILLAGE_A]),
    "viewer": lambda t: t("viewer"),
}

# (method, url, body kind) -> status per role; sync push results are checked per operation.
MATRIX = [
    ("GET", "/v1/sync", None, {"admin": 422, "officer_a": 200, "viewer": 422}),
    ("GET", f"/v1/sync?villages={VILLAGE_A}", None, {"admin": 200, "officer_a": 200, "viewer": 200}),
    ("GET", f"/v1/sync?villages={VILLAGE_B}", None, {"admin": 200, "officer_a": 403, "viewer": 200}),
    ("GET", f"/v1/sync?villages={VILLAGE_A},{VILLAGE_B}", None, {"admin": 200, "officer_a": 403, "viewer": 200}),
    ("POST", "/v1/sync", "op_a", {"admin": 200, "officer_a": 200, "viewer": 403}),
    ("GET", "/v1/officers/x/villages", None, {"admin": 200, "officer_a": 403, "viewer": 403}),
    ("PUT", "/v1/officers/x/villages", "villages", {"admin": 200, "officer_a": 403, "viewer": 403}),
]
CASES = [(role, m, u, b, want) for m, u, b, expected in MATRIX for role, want in expected.items()]


@pytest.mark.parametrize(("role", "method", "url", "body", "status"), CASES,
                         ids=[f"{r} {m} {u}" for r, m, u, _, _ in CASES])
def test_field_scope_matrix(api, tokens_for, field, role, method, url, body, status):
    payload = {None: None, "op_a": {"operations": [op(field["pid"], VILLAGE_A)]},
               "villages": {"villages": [VILLAGE_A]}}[body]
    r = api.call(method, url, ROLES[role](tokens_for), payload)
    assert r.status_code == status, r.data
    if status >= 400:
        assert set(r.data["error"]) >= {"code", "message", "fields"}


@pytest.mark.parametrize(("role", "expected"), [("admin", ["applied", "applied"]),
                                                ("officer_a", ["applied", "rejected"])])
def test_sync_push_is_scoped_per_operation(api, tokens_for, field, role, expected):
    r = api.call("POST", "/v1/sync", ROLES[role](tokens_for),
                 {"operations": [op(field["pid"], VILLAGE_A), op(field["pid"], VILLAGE_B)]})
    assert [x["status"] for x in r.data["results"]] == expected


def test_officer_feed_never_carries_other_villages(api, admin, tokens_for, field):
    pid = field["pid"]
    for village in (VILLAGE_A, VILLAGE_B, VILLAGE_C):
        api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(village=village))
    r = api.call("GET", "/v1/sync?limit=500", tokens_for("officer", [VILLAGE_A]))
    villages = {c["village_code"] for c in r.data["changes"] if c["type"] == "enrolment" and "village_code" in c}
    assert villages == {VILLAGE_A}
    foreign_cursor = api.call("GET", "/v1/sync", tokens_for("officer", [VILLAGE_A])).data["next_cursor"]
    stolen = api.call("GET", f"/v1/sync?since={foreign_cursor}", tokens_for("officer", [VILLAGE_A]))
    assert stolen.status_code == 400 and stolen.data["error"]["code"] == "CURSOR_INVALID"
