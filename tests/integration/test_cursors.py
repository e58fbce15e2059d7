"""Issue 12.3: any bad or forged cursor is a 400 CURSOR_INVALID, answered before any storage call.

"Forged" here is the worst case: a cursor correctly signed (with the secret the tests' local stage
uses, as someone who learnt a stage's secret could) around a state the server never made. Each
list route's genuine cursor is captured as it is signed, so the forgeries carry that very list's
scope and only their content is wrong. Today such a state reached DynamoDB as ExclusiveStartKey
(moto answers 500, botocore retried it 8 times: the 500 after ~11 s; DynamoDB answers
ValidationException: a 500 at once) or crashed the service (AttributeError: a 500).
"""

from __future__ import annotations

import contextlib
import uuid

import pytest

from chalicelib.services import cursors
from tests.integration.helpers import VILLAGE_A, eventually, new_person, new_programme


@contextlib.contextmanager
def dynamodb_reads():
    """Count Query/GetItem sends of every model's client (the requests that would carry the key)."""
    from chalicelib.store import models

    sent: list[str] = []

    def count(request, **_):
        sent.append(request.headers.get("X-Amz-Target", b"").decode() if isinstance(
            request.headers.get("X-Amz-Target"), bytes) else str(request.headers.get("X-Amz-Target")))

    clients = {id(c): c for c in (m._get_connection().connection.client for m in (
        models.ProgrammeModel, models.EnrolmentModel, models.AuditModel, models.ReminderModel, models.RegionModel))}
    for c in clients.values():
        c.meta.events.register("before-send.dynamodb.Query", count)
    try:
        yield sent
    finally:
        for c in clients.values():
            c.meta.events.unregister("before-send.dynamodb.Query", count)


@pytest.fixture(scope="module")
def lists(aws_endpoint):
    """A programme with 3 enrolments, an officer's token, and each list route's genuine scope."""
    from chalice.test import Client

    from app import app
    from devtools import tokens
    from tests.integration.conftest import Api

    admin = tokens.mint("admin")
    officer = tokens.mint("officer", [VILLAGE_A], sub=f"cursor-{uuid.uuid4().hex[:6]}")
    with Client(app, stage_name="local") as c:
        api = Api(c)
        p, _ = new_programme(api, admin), new_programme(api, admin)
        eids = [api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person()).data["id"]
                for _ in range(3)]
        api.call("PATCH", f"/v1/enrolments/{eids[0]}", admin, {"occupation": "Petani"}, headers={"If-Match": "1"})
        eventually(lambda: api.call("GET", f"/v1/programmes/{p['id']}/enrolments?limit=10", officer).data["items"],
                   lambda items: len(items) == 3)  # the list reads a GSI (make test-eventual)
        routes = {
            "programmes": (admin, "/v1/programmes?limit=1", "cursor"),
            "regions": (admin, "/v1/regions?parent=16.03&limit=1", "cursor"),
            "enrolments": (officer, f"/v1/programmes/{p['id']}/enrolments?limit=1", "cursor"),
            "audit": (admin, f"/v1/enrolments/{eids[0]}/audit?limit=1", "cursor"),
            "sync": (officer, "/v1/sync?limit=1", "since"),
        }
        scopes = {}
        for name, (token, path, _) in routes.items():
            seen: list[tuple[dict, str]] = []
            real = cursors.encode

            def spy(state, scope, real=real, seen=seen):
                seen.append((state, scope))
                return real(state, scope)

            cursors.encode = spy
            try:
                r = api.call("GET", path, token)
            finally:
                cursors.encode = real
            assert r.status_code == 200 and seen and seen[-1][0], (name, r.data)
            scopes[name] = seen[-1]
        yield routes, scopes


KEY_FORGERIES = [
    {"pk": "R#16.03"},                                   # not typed: crashed botocore's serializer
    {"pk": {"N": "1"}},
    {"pk": {"S": "R#16.04"}, "sk": {"S": "PROG#01"}},    # another regency's partition
    {},
    {"pk": {"S": "x" * 3000}, "sk": {"S": "E"}},
    {"pk": {"S": "R#16.03"}, "sk": {"S": "E"}, "extra": {"S": "x"}},
    {"pk": {"S": "R#16.03", "N": "1"}, "sk": {"S": "E"}},
    {"pk": {"S": ["R#16.03"]}, "sk": {"S": "E"}},
]


def _genuine_key_in(state: dict) -> dict:
    return state.get("k") if "k" in state else state


def _forgeries(name: str, state: dict) -> list:
    if name == "sync":
        return [{"p": [1]}, {"p": {VILLAGE_A: 5}}, {"p": {}, "f": "x"}, {"p": {VILLAGE_A: "9" * 5000}},
                {"p": {}, "f": {}, "v": "1"}, [1, 2], "text", 7]
    key = _genuine_key_in(state)
    swapped = {a: {"S": v["S"].replace("R#16.03", "R#16.04")} for a, v in key.items()}
    moved = {a: {"S": v["S"] + "#x"} for a, v in key.items()}  # every attribute, the partition's too
    keyed = [*KEY_FORGERIES, *([swapped] if swapped != key else []), moved]
    if name == "enrolments":  # {"v": village position, "k": key}
        return [{"v": "a"}, {"v": -1, "k": None}, {"v": 0, "k": "abc"}, {"v": 2**70, "k": None}, {"v": 0, "k": []},
                *({"v": 0, "k": k} for k in keyed)]
    return keyed


@pytest.mark.parametrize("name", ["programmes", "regions", "enrolments", "audit", "sync"])
def test_a_forged_cursor_is_a_400_before_any_storage_read(api, lists, name):
    routes, scopes = lists
    token, path, param = routes[name]
    state, scope = scopes[name]
    assert api.call("GET", f"{path}&{param}={cursors.encode(state, scope)}", token).status_code == 200
    for forged in _forgeries(name, state):
        cursor = cursors.encode(forged, scope) if isinstance(forged, dict) else _signed_raw(forged, scope)
        with dynamodb_reads() as sent:
            r = api.call("GET", f"{path}&{param}={cursor}", token)
        assert r.status_code == 400, (name, forged, r.status_code, r.data)
        assert r.data["error"]["code"] == "CURSOR_INVALID", (name, forged, r.data)
        assert r.data["error"]["fields"] == {param if param == "cursor" else "cursor": "tidak valid"} or \
            set(r.data["error"]["fields"]) <= {"cursor", "since"}
        assert not [s for s in sent if "Query" in s], (name, forged, "the forged key reached DynamoDB")


def _signed_raw(value, scope: str) -> str:
    """A correctly signed cursor whose JSON is not an object (encode() only takes dicts)."""
    import base64
    import hashlib
    import hmac
    import json

    payload = json.dumps(value).encode()
    mac = hmac.new(cursors._secret(), scope.encode() + b"|" + payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["%%%", "A" * 20000, "AAAA", "_-_-" * 10, "eyJ2IjowfQ"])
def test_a_garbled_or_oversized_cursor_is_a_400(api, lists, cursor):
    routes, _ = lists
    for name, (token, path, param) in routes.items():
        r = api.call("GET", f"{path}&{param}={cursor}", token)
        assert r.status_code == 400, (name, cursor[:20], r.data)
        assert r.data["error"]["code"] in {"CURSOR_INVALID", "QUERY_INVALID"}, (name, r.data)
