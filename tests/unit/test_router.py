"""The Router checks every reply against the route's `returns`, and hands routes `call.deps` and
`call.if_match()`: a small app of its own, no emulator."""

from __future__ import annotations

import json

import pytest
from chalice import Chalice
from chalice.test import Client
from pydantic import BaseModel

from chalicelib.api.http import Call, Reply, Router


class PointOut(BaseModel):
    x: int
    label: str | None = None


@pytest.fixture(scope="module")
def client():
    app = Chalice(app_name="router-test")
    wiring = {"deps": "first"}
    api = Router(app, deps=lambda: wiring["deps"])

    @api.route("/dict", "GET", summary="a dict that fits", returns=PointOut, roles=None)
    def fits(call: Call):
        return {"x": "7", "label": None}

    @api.route("/wrong", "GET", summary="a dict that does not fit", returns=PointOut, roles=None)
    def wrong(call: Call):
        return {"y": 1, "nik": "1603015708900001"}

    @api.route("/reply", "GET", summary="a Reply with headers", returns=PointOut, roles=None)
    def reply(call: Call):
        return Reply({"x": 3}, status=202, headers={"ETag": "3"})

    @api.route("/version", "GET", summary="If-Match and deps", returns=PointOut, roles=None)
    def version(call: Call):
        required = call.request.query_params and call.request.query_params.get("required") == "1"
        return {"x": call.if_match(required=bool(required)) or 0, "label": call.deps}

    with Client(app, stage_name="local") as c:
        c.wiring = wiring
        yield c


def test_a_dict_reply_is_validated_and_dumped_as_the_declared_schema(client):
    r = client.http.get("/dict")
    assert r.status_code == 200
    assert json.loads(r.body) == {"x": 7}  # coerced by PointOut, null left out like every model reply


def test_a_reply_of_another_shape_is_never_sent(client):
    r = client.http.get("/wrong")
    assert r.status_code == 500
    body = json.loads(r.body)
    assert body["error"]["code"] == "INTERNAL"
    assert "1603015708900001" not in r.body.decode()


def test_a_reply_keeps_its_status_and_headers(client):
    r = client.http.get("/reply")
    assert (r.status_code, r.headers["ETag"], json.loads(r.body)) == (202, "3", {"x": 3})


@pytest.mark.parametrize(("header", "expected"), [("4", 4), ('"5"', 5), ('W/"6"', 6)])
def test_if_match_reads_a_version(client, header, expected):
    r = client.http.get("/version", headers={"If-Match": header})
    assert json.loads(r.body)["x"] == expected


def test_if_match_absent_is_none_or_required(client):
    assert json.loads(client.http.get("/version").body)["x"] == 0
    r = client.http.get("/version?required=1")
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (422, "IF_MATCH_REQUIRED")
    r = client.http.get("/version", headers={"If-Match": "tiga"})
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (422, "IF_MATCH_INVALID")


def test_deps_are_asked_for_on_every_request(client):
    assert json.loads(client.http.get("/version").body)["label"] == "first"
    client.wiring["deps"] = "second"  # what deps.override() does to services/deps.default()
    assert json.loads(client.http.get("/version").body)["label"] == "second"
