"""The role matrix and token checks, through the same code path every stage runs."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devtools import tokens
from tests.integration.helpers import PROGRAMME, VILLAGE_A, VILLAGE_B, new_person, new_programme, wait_indexed


@pytest.fixture(scope="module")
def world(chalice_app, tokens_for):
    """One programme with one enrolment in each of two villages, made by an admin."""
    from chalice.test import Client

    from tests.integration.conftest import Api

    admin = tokens_for("admin")
    with Client(chalice_app, stage_name="local") as c:
        api = Api(c)
        p = new_programme(api, admin)
        a = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(village=VILLAGE_A)).data
        b = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(village=VILLAGE_B)).data
        wait_indexed(api, admin, p["id"], [a["id"], b["id"]])  # the lists below read GSIs (eventual)
    return {"pid": p["id"], "a": a, "b": b}


ROLES = {
    "admin": lambda t: t("admin"),
    "officer_a": lambda t: t("officer", [VILLAGE_A]),
    "viewer": lambda t: t("viewer"),
}

# (method, path template, body maker) -> expected status per role
MATRIX = [
    ("GET", "/v1/programmes", None, {"admin": 200, "officer_a": 200, "viewer": 200}),
    ("POST", "/v1/programmes", "programme", {"admin": 201, "officer_a": 403, "viewer": 403}),
    ("PATCH", "/v1/programmes/{pid}", "rename", {"admin": 200, "officer_a": 403, "viewer": 403}),
    ("GET", "/v1/enrolments/{a}", None, {"admin": 200, "officer_a": 200, "viewer": 200}),
    ("GET", "/v1/enrolments/{b}", None, {"admin": 200, "officer_a": 403, "viewer": 200}),
    ("GET", "/v1/enrolments/{b}/audit", None, {"admin": 200, "officer_a": 403, "viewer": 200}),
    ("POST", "/v1/programmes/{pid}/enrolments", "person_a", {"admin": 201, "officer_a": 201, "viewer": 403}),
    ("POST", "/v1/programmes/{pid}/enrolments", "person_b", {"admin": 201, "officer_a": 403, "viewer": 403}),
    ("PATCH", "/v1/enrolments/{b}", "occupation", {"admin": 200, "officer_a": 403, "viewer": 403}),
    ("DELETE", "/v1/enrolments/{b}", None, {"officer_a": 403, "viewer": 403}),
    ("GET", "/v1/programmes/{pid}/enrolments?village_code=" + VILLAGE_B, None,
     {"admin": 200, "officer_a": 403, "viewer": 200}),
]


def _body(kind, world):
    import uuid

    return {
        None: None,
        "programme": {**PROGRAMME, "code": f"R-{uuid.uuid4().hex[:8].upper()}"},
        "rename": {"name": "Program berganti nama"},
        "person_a": new_person(village=VILLAGE_A),
        "person_b": new_person(village=VILLAGE_B),
        "occupation": {"occupation": "Linmas desa"},
    }[kind]


CASES = [(role, m, p, b, want) for m, p, b, expected in MATRIX for role, want in expected.items()]


@pytest.mark.parametrize(("role", "method", "path", "body", "status"), CASES,
                         ids=[f"{r} {m} {p}" for r, m, p, _, _ in CASES])
def test_role_matrix(api, tokens_for, world, role, method, path, body, status):
    token = ROLES[role](tokens_for)
    url = path.format(pid=world["pid"], a=world["a"]["id"], b=world["b"]["id"])
    headers = {"If-Match": str(api.call("GET", url, tokens_for("admin")).data["version"])} if method == "PATCH" else {}
    r = api.call(method, url, token, _body(body, world), headers=headers)
    assert r.status_code == status, r.data
    if r.status_code >= 400:
        assert set(r.data["error"]) >= {"code", "message", "fields"}


def test_officer_lists_only_their_villages(api, tokens_for, world):
    officer = tokens_for("officer", [VILLAGE_A])
    items = api.call("GET", f"/v1/programmes/{world['pid']}/enrolments?limit=500", officer).data["items"]
    assert items and {e["village_code"] for e in items} == {VILLAGE_A}
    by_district = api.call("GET", f"/v1/programmes/{world['pid']}/enrolments?district_code=16.03.01", officer).data
    assert {e["village_code"] for e in by_district["items"]} == {VILLAGE_A}
    both = tokens_for("officer", [VILLAGE_A, VILLAGE_B])
    items = api.call("GET", f"/v1/programmes/{world['pid']}/enrolments?limit=1", both).data
    seen, cursor = [e["village_code"] for e in items["items"]], items["next_cursor"]
    while cursor:
        page = api.call("GET", f"/v1/programmes/{world['pid']}/enrolments?limit=1&cursor={cursor}", both).data
        seen += [e["village_code"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert set(seen) == {VILLAGE_A, VILLAGE_B}


def test_officer_cannot_move_a_record_out_of_their_villages(api, tokens_for, world):
    officer = tokens_for("officer", [VILLAGE_A])
    a = api.call("GET", f"/v1/enrolments/{world['a']['id']}", officer).data
    r = api.call("PATCH", f"/v1/enrolments/{a['id']}", officer, {"village_code": VILLAGE_B},
                 headers={"If-Match": str(a["version"])})
    assert r.status_code == 403 and r.data["error"]["code"] == "VILLAGE_FORBIDDEN"


def test_worker_view_is_scoped(api, tokens_for, world):
    officer = tokens_for("officer", [VILLAGE_A])
    assert api.call("GET", f"/v1/workers/{world['a']['nik']}", officer).status_code == 200
    elsewhere = api.call("GET", f"/v1/workers/{world['b']['nik']}", officer)
    unknown = api.call("GET", "/v1/workers/1603015708900999", officer)
    assert (elsewhere.status_code, elsewhere.data) == (unknown.status_code, unknown.data) == \
        (404, {"error": {"code": "WORKER_NOT_FOUND", "message": "Pekerja dengan NIK ini tidak ditemukan",
                         "fields": {}}}), "enrolled elsewhere and unknown are one answer: no oracle for NIKs"


def test_an_officer_sees_only_what_their_villages_enrolments_hold(api, admin, tokens_for):
    """The same person enrolled in village A, then (another programme) in B with a new name and
    phone: officer A gets A's record as A holds it, never B's latest details or B's enrolment."""
    first, second = new_programme(api, admin), new_programme(api, admin)
    in_a = new_person(village=VILLAGE_A, name="Siti Aminah", phone="0812-7000-1111")
    e_a = api.call("POST", f"/v1/programmes/{first['id']}/enrolments", admin, in_a).data
    in_b = {**in_a, "village_code": VILLAGE_B, "name": "Siti Aminah Binti Usman", "phone": "0813 9000 2222"}
    e_b = api.call("POST", f"/v1/programmes/{second['id']}/enrolments", admin, in_b)
    assert e_b.status_code == 201, e_b.data
    wait_indexed(api, admin, second["id"], [e_b.data["id"]])  # the latest write: the worker index has both
    officer_a = tokens_for("officer", [VILLAGE_A])
    seen = api.call("GET", f"/v1/workers/{in_a['nik']}", officer_a).data
    assert (seen["name"], seen["phone"], seen["village_code"]) == ("Siti Aminah", "+6281270001111", VILLAGE_A)
    assert [e["id"] for e in seen["enrolments"]] == [e_a["id"]]
    full = api.call("GET", f"/v1/workers/{in_a['nik']}", admin).data
    assert (full["name"], full["village_code"]) == ("Siti Aminah Binti Usman", VILLAGE_B), "admins: the latest"
    assert sorted(e["id"] for e in full["enrolments"]) == sorted([e_a["id"], e_b.data["id"]])
    officer_b = tokens_for("officer", [VILLAGE_B])
    assert api.call("GET", f"/v1/workers/{in_a['nik']}", officer_b).data["name"] == "Siti Aminah Binti Usman"


def _foreign_token(**claims):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    now = int(time.time())
    body = {"sub": "mallory", "iss": "lindung-local", "aud": "lindung-local", "iat": now, "exp": now + 600,
            "cognito:groups": ["admin"], **claims}
    return jwt.encode(body, pem, algorithm="RS256", headers={"kid": tokens.KID})


def _elevated_viewer() -> str:
    """A viewer's genuine token with the payload rewritten to admin, signature kept."""
    import base64
    import json

    header, payload, signature = tokens.mint("viewer").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned() -> str:
    now = int(time.time())
    return jwt.encode({"sub": "x", "iss": "lindung-local", "aud": "lindung-local", "iat": now, "exp": now + 600,
                       "cognito:groups": ["admin"]}, key=None, algorithm="none", headers={"kid": tokens.KID})


@pytest.mark.parametrize(
    ("make_token", "status", "code"),
    [
        (lambda: None, 401, "AUTH_MISSING"),
        (lambda: "not-a-jwt", 401, "AUTH_INVALID"),
        (lambda: _foreign_token(), 401, "AUTH_INVALID"),  # right kid, wrong key
        (lambda: tokens.mint("admin", ttl=-120), 401, "AUTH_EXPIRED"),
        (lambda: tokens.mint("admin", aud="someone-else"), 401, "AUTH_INVALID"),
        (lambda: tokens.mint("admin", iss="https://evil.example"), 401, "AUTH_INVALID"),
        (lambda: tokens.mint("", **{"cognito:groups": []}), 403, "ROLE_MISSING"),
        (lambda: tokens.mint("admin", **{"cognito:groups": ["superuser"]}), 403, "ROLE_MISSING"),
        (lambda: jwt.encode({"sub": "x", "cognito:groups": ["admin"]}, "a-shared-secret-of-at-least-32-bytes!",
                            algorithm="HS256"), 401, "AUTH_INVALID"),
        (_elevated_viewer, 401, "AUTH_INVALID"),  # payload changed after signing
        (_unsigned, 401, "AUTH_INVALID"),  # alg "none"
    ],
)
def test_bad_tokens_are_refused(api, make_token, status, code):
    tokens.ensure_keys()  # the local issuer's key exists, as after any `make token` (order-independent)
    r = api.call("GET", "/v1/programmes", make_token())
    assert r.status_code == status, r.data
    assert r.data["error"]["code"] == code
