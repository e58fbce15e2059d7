"""Issue 12.6: request bodies are bounded at parse time. Too deep or too large is a 400 in the
contract's error shape (before: JSON nested 5,000 deep was a 500 RecursionError); in a sync batch
an operation whose data is too deep is rejected alone and the others apply (before: one op nested
900 deep made the whole batch a 500)."""

from __future__ import annotations

import json
import uuid

import pytest

from chalicelib.api import http
from tests.integration.helpers import PROGRAMME, VILLAGE_A, new_person, new_programme, wait_indexed


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize("raw", [
    "[" * 5000 + "]" * 5000,
    '{"name": ' + "[" * 5000 + "]" * 5000 + "}",
    json.dumps({**PROGRAMME, "code": "DEEP", "targets": nested(http.MAX_BODY_DEPTH)}),  # +1: the body itself
    "{" * 100_000,                                            # not even JSON, but deep before it is wrong
])
def test_a_body_nested_too_deep_is_a_400(api, admin, raw):
    r = api.call("POST", "/v1/programmes", admin, raw=raw)
    assert r.status_code == 400, r.data
    assert r.data["error"]["code"] == "BODY_TOO_DEEP"
    assert set(r.data["error"]) == {"code", "message", "fields"}


def test_depth_inside_strings_does_not_count_and_the_limit_itself_passes(api, admin):
    r = api.call("POST", "/v1/programmes", admin, json_body={**PROGRAMME, "code": "BRACKETS",
                                                              "name": "Program " + "[" * 40 + '"{' * 20})
    assert r.status_code == 201, r.data
    at_limit = api.call("POST", "/v1/programmes", admin,
                        json_body={**PROGRAMME, "code": "ATLIMIT", "targets": nested(http.MAX_BODY_DEPTH - 2)})
    assert at_limit.status_code == 422, at_limit.data  # parsed, then refused by the schema


def test_a_body_too_large_is_a_400_unparsed(api, admin):
    raw = json.dumps({**PROGRAMME, "code": "BIG", "name": "x" * http.MAX_BODY_BYTES})
    r = api.call("POST", "/v1/programmes", admin, raw=raw)
    assert r.status_code == 400 and r.data["error"]["code"] == "BODY_TOO_LARGE", r.data


def deep_json(depth: int) -> str:
    """JSON nested `depth` objects deep, written without json.dumps (which recurses too)."""
    return '{"x":' * depth + "1" + "}" * depth


def test_a_sync_operation_nested_too_deep_is_rejected_alone(api, admin, tokens_for):
    p = new_programme(api, admin)
    officer = tokens_for("officer", [VILLAGE_A], sub=f"deep-{uuid.uuid4().hex[:6]}")
    good = [new_person(VILLAGE_A), new_person(VILLAGE_A)]

    def op(data: str) -> str:
        envelope = {"op_id": str(uuid.uuid4()), "op": "create", "type": "enrolment", "programme_id": p["id"]}
        return json.dumps(envelope)[:-1] + ', "data": ' + data + "}"

    person = json.dumps(new_person(VILLAGE_A))
    ops = [op(json.dumps(good[0])), op(deep_json(900)), op(person[:-1] + ', "occupation": ' + deep_json(5000) + "}"),
           op(json.dumps(good[1]))]
    raw = '{"operations": [' + ",".join(ops) + "]}"
    r = api.call("POST", "/v1/sync", officer, raw=raw)
    assert r.status_code == 200, r.data
    assert [x["status"] for x in r.data["results"]] == ["applied", "rejected", "rejected", "applied"], r.data
    assert {x["error"]["code"] for x in r.data["results"][1:3]} == {"DATA_TOO_DEEP"}
    again = api.call("POST", "/v1/sync", officer, raw=raw)
    assert again.data["results"] == r.data["results"], "replayed: the same results, nothing applied twice"
    wait_indexed(api, admin, p["id"], [x["id"] for x in r.data["results"] if x["status"] == "applied"])
    listed = api.call("GET", f"/v1/programmes/{p['id']}/enrolments", admin).data["items"]
    assert sorted(e["nik"] for e in listed) == sorted(x["nik"] for x in good)
