"""Offline-first sync over the emulator: a device that loses its connection, replays, and pulls.

Every call goes through the app (chalice.test.Client) and from there over HTTP to moto.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.ids import ulid
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, eventually, new_person, new_programme, wait_indexed


@pytest.fixture(autouse=True)
def no_settle(monkeypatch):
    """The feed's clock-skew horizon is tested on its own below; elsewhere changes show at once,
    except with delayed indexes (make test-eventual): the horizon must outlast the index's lag, or a
    cursor passes a change the index did not show yet (in AWS the 30 s horizon covers it)."""
    delay = float(os.environ.get("LINDUNG_GSI_DELAY_SECONDS") or 0)
    monkeypatch.setenv("LINDUNG_SYNC_SETTLE_SECONDS", str(2 * delay))


@pytest.fixture(autouse=True)
def never_scan(monkeypatch):
    from pynamodb.connection.base import Connection

    def refuse(*args, **kwargs):
        raise AssertionError("sync must never Scan")

    monkeypatch.setattr(Connection, "scan", refuse)


@pytest.fixture()
def programme(api, admin):
    return new_programme(api, admin)


def officer(tokens_for, villages=(VILLAGE_A, VILLAGE_B)):
    sub = f"officer-{uuid.uuid4().hex[:8]}"
    return sub, tokens_for("officer", list(villages), sub=sub)


def create_op(pid, person, eid=None):
    op = {"op_id": str(uuid.uuid4()), "op": "create", "type": "enrolment", "programme_id": pid, "data": person}
    if eid:
        op["id"] = eid
    return op


def update_op(pid, eid, version, data):
    return {"op_id": str(uuid.uuid4()), "op": "update", "type": "enrolment", "programme_id": pid, "id": eid,
            "version": version, "data": data}


def push(api, token, ops, status=200):
    r = api.call("POST", "/v1/sync", token, {"operations": ops})
    assert r.status_code == status, r.data
    return r.data


def pull_all(api, token, since=None, limit=500, villages=None):
    changes, cursor, pages = [], since, 0
    while True:
        url = f"/v1/sync?limit={limit}" + (f"&since={cursor}" if cursor else "") + (
            f"&villages={villages}" if villages else "")
        r = api.call("GET", url, token)
        assert r.status_code == 200, r.data
        changes += r.data["changes"]
        cursor, pages = r.data["next_cursor"], pages + 1
        assert cursor
        if not r.data["has_more"]:
            return changes, cursor, pages


class LambdaTimeout(BaseException):
    """What the device experiences when the function is killed mid-batch: no response at all."""


def test_offline_device_replays_a_batch_three_times_and_ends_with_exactly_50(api, admin, tokens_for, programme,
                                                                                monkeypatch):
    pid = programme["id"]
    _, token = officer(tokens_for)
    # Offline: the device queues 50 enrolments, naming each record itself so it can edit it later.
    queue = [create_op(pid, new_person(village=VILLAGE_A if i % 2 else VILLAGE_B), eid=ulid()) for i in range(50)]

    # Attempt 1: the function times out after 20 operations; the device gets nothing back.
    from chalicelib.services import sync

    real_apply, calls = sync.apply, {"n": 0}

    def dying_apply(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 20:
            raise LambdaTimeout()
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(sync, "apply", dying_apply)
    with pytest.raises(LambdaTimeout):
        api.call("POST", "/v1/sync", token, {"operations": queue})
    monkeypatch.setattr(sync, "apply", real_apply)

    # Attempt 2: the server finishes but the connection drops before the response arrives.
    lost = push(api, token, queue)
    # Attempts 3 and 4: replays after further timeouts; each gets the same answer.
    replays = [push(api, token, queue) for _ in range(2)]
    assert replays[0] == replays[1] == lost
    results = lost["results"]
    assert [r["op_id"] for r in results] == [op["op_id"] for op in queue]
    assert {r["status"] for r in results} == {"applied"}
    assert [r["id"] for r in results] == [op["id"] for op in queue]
    assert {r["version"] for r in results} == {1}

    wait_indexed(api, admin, pid, [op["id"] for op in queue])  # the list is a GSI
    listed = api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500", admin).data["items"]
    assert len(listed) == 50 and {e["id"] for e in listed} == {op["id"] for op in queue}
    for e in listed[:50:7]:  # applied once: exactly one create in each record's audit trail
        audit = api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"]
        assert [a["action"] for a in audit] == ["create"]

    # Offline again: 10 corrections of its own records (version 1 -> 2), sent three times.
    edits = [update_op(pid, op["id"], 1, {"occupation": f"Petani {i}"}) for i, op in enumerate(queue[:10])]
    first = push(api, token, edits)
    assert push(api, token, edits) == push(api, token, edits) == first
    assert {(r["status"], r["version"]) for r in first["results"]} == {("applied", 2)}

    # A fresh device pulls the roster in pages: 50 records, versions as on the server.
    changes, _, pages = pull_all(api, tokens_for("officer", [VILLAGE_A, VILLAGE_B]), limit=15)
    # (the villages also hold other tests' programmes: a device gets every programme's records)
    pulled = {c["id"]: c for c in changes if c["type"] == "enrolment" and c.get("programme_id") == pid}
    assert len(pulled) == 50 and pages >= 4
    server = {e["id"]: e for e in api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500", admin).data["items"]}
    assert {i: c["version"] for i, c in pulled.items()} == {i: e["version"] for i, e in server.items()}
    assert sorted(c["version"] for c in pulled.values()) == [1] * 40 + [2] * 10


def test_each_outcome_and_its_replay(api, admin, tokens_for, programme):
    pid = programme["id"]
    _sub, token = officer(tokens_for, [VILLAGE_A])
    existing = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(village=VILLAGE_A)).data
    person = new_person(village=VILLAGE_A)
    ops = [
        create_op(pid, person),
        create_op(pid, {**person, "name": "Orang Yang Sama"}),  # same NIK, same programme
        update_op(pid, existing["id"], 7, {"occupation": "Guru"}),  # stale
        create_op(pid, {**new_person(village=VILLAGE_A), "nik": "123"}),
        create_op(pid, new_person(village=VILLAGE_B)),  # not this officer's village
        update_op(pid, existing["id"], 1, {"sex": "X"}),
        {**update_op(pid, existing["id"], 1, {}), "op": "delete", "version": None},
    ]
    results = push(api, token, ops)["results"]
    applied, duplicate, stale, bad_nik, foreign, bad_field, deleted = results
    assert applied["status"] == "applied" and applied["version"] == 1
    assert duplicate["status"] == "duplicate" and duplicate["id"] == applied["id"]
    assert duplicate["error"]["code"] == "ENROLMENT_DUPLICATE"
    assert stale["status"] == "conflict" and stale["version"] == 1 and stale["id"] == existing["id"]
    assert bad_nik["status"] == "rejected" and bad_nik["error"]["code"] == "NIK_INVALID"
    assert "nik" in bad_nik["error"]["fields"] and bad_nik["error"]["message"]
    assert foreign["status"] == "rejected" and foreign["error"]["code"] == "VILLAGE_FORBIDDEN"
    assert bad_field["status"] == "rejected" and "sex" in bad_field["error"]["fields"]
    assert deleted["status"] == "applied" and deleted["version"] == 2
    assert push(api, token, ops)["results"] == results  # every outcome is final and replayed as is

    reused = {**ops[0], "data": {**person, "name": "Isi Lain"}}
    again = push(api, token, [reused])["results"][0]
    assert again["status"] == "rejected" and again["error"]["code"] == "OP_ID_REUSED"
    # The same op_id from another user is that user's own operation.
    other = push(api, tokens_for("officer", [VILLAGE_A]), [ops[3]])["results"][0]
    assert other["status"] == "rejected" and other["op_id"] == ops[3]["op_id"]


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda ops: [*ops, dict(ops[0])], "operations"),
    (lambda ops: [{**ops[0], "type": "programme"}], "operations.0.type"),
    (lambda ops: [{**ops[0], "op": "upsert"}], "operations.0.op"),
    (lambda ops: [{k: v for k, v in ops[0].items() if k != "op_id"}], "operations.0.op_id"),
    (lambda ops: ops * 201, "operations"),
    (lambda ops: [], "operations"),
])
def test_a_malformed_envelope_refuses_the_batch(api, tokens_for, programme, mutate, field):
    _, token = officer(tokens_for)
    r = api.call("POST", "/v1/sync", token, {"operations": mutate([create_op(programme["id"], new_person())])})
    assert r.status_code == 422, r.data
    assert field in r.data["error"]["fields"]


def test_partial_failure_keeps_what_succeeded(api, admin, tokens_for, programme, monkeypatch):
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.store import enrolments as repo

    pid = programme["id"]
    _, token = officer(tokens_for)
    ops = [create_op(pid, new_person(village=VILLAGE_A)) for _ in range(5)]
    real_insert, calls = repo.insert, {"n": 0}

    def flaky_insert(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise PynamoDBException("simulated storage failure")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(repo, "insert", flaky_insert)
    first = push(api, token, ops)["results"]
    assert [r["status"] for r in first] == ["applied", "applied", "failed", "applied", "applied"]
    assert first[2]["error"]["code"] == "TEMPORARY_FAILURE"
    monkeypatch.setattr(repo, "insert", real_insert)
    second = push(api, token, ops)["results"]
    assert [r["status"] for r in second] == ["applied"] * 5
    assert [second[i] for i in (0, 1, 3, 4)] == [first[i] for i in (0, 1, 3, 4)]
    wait_indexed(api, admin, pid, [r["id"] for r in second])  # the list is a GSI
    listed = api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500", admin).data["items"]
    assert len(listed) == 5


def test_time_budget_leaves_the_rest_for_the_replay(tokens_for, chalice_app, programme):
    from chalicelib.api.schemas import SyncIn
    from chalicelib.auth import User
    from chalicelib.services import deps, sync

    user = User(sub=f"budget-{uuid.uuid4().hex[:6]}", role="officer", regency="16.03", villages=frozenset({VILLAGE_A}))
    batch = SyncIn.model_validate({"operations": [create_op(programme["id"], new_person()) for _ in range(4)]})
    left = iter([60_000, 60_000, 1_000, 1_000])
    first = sync.push(deps.default(), user, batch, lambda: next(left))["results"]
    assert [r["status"] for r in first] == ["applied", "applied", "failed", "failed"]
    assert first[2]["error"]["code"] == "TIME_BUDGET"
    second = sync.push(deps.default(), user, batch)["results"]
    assert second[:2] == first[:2] and [r["status"] for r in second[2:]] == ["applied", "applied"]


def test_a_replay_racing_the_first_attempt_applies_once(api, admin, chalice_app, programme):
    """Two requests with the same batch, the second reading receipts before the first wrote them:
    the second's transactions fail on the receipt condition and it answers with the stored result.

    Played in sequence (apply() called past the receipt lookup) because moto rolls a failed
    transaction back by restoring a copy of the whole table, which loses concurrent commits:
    real threads would test the emulator, not this code. DynamoDB transactions are isolated.
    """
    from chalicelib.api.schemas import SyncIn
    from chalicelib.auth import User
    from chalicelib.services import deps, sync

    user = User(sub=f"race-{uuid.uuid4().hex[:6]}", role="officer", regency="16.03", villages=frozenset({VILLAGE_A}))
    batch = SyncIn.model_validate({"operations": [
        create_op(programme["id"], new_person()),
        create_op(programme["id"], new_person(), eid=ulid()),
    ]})
    first = sync.push(deps.default(), user, batch)["results"]
    eid = first[0]["id"]
    update = SyncIn.model_validate({"operations": [update_op(programme["id"], eid, 1, {"occupation": "Buruh"})]})
    first += sync.push(deps.default(), user, update)["results"]
    # The late racer: past its (empty) receipt lookup, it tries to apply each operation again.
    late = [sync.apply(deps.default(), user, op, sync.fingerprint(op))
            for op in [*batch.operations, *update.operations]]
    assert late == first
    assert [r["status"] for r in late] == ["applied", "applied", "applied"]
    audit = api.call("GET", f"/v1/enrolments/{eid}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["update", "create"]
    assert api.call("GET", f"/v1/enrolments/{eid}", admin).data["version"] == 2


def test_changes_feed_creates_updates_deletes_moves_and_programmes(api, admin, tokens_for, programme):
    pid = programme["id"]
    _a_sub, a_token = officer(tokens_for, [VILLAGE_A])
    made = push(api, a_token, [create_op(pid, new_person(village=VILLAGE_A)) for _ in range(3)])["results"]
    ids = [r["id"] for r in made]
    first, cursor, _ = eventually(lambda: pull_all(api, a_token),
                                  lambda r: set(ids) <= {c["id"] for c in r[0]})  # past the horizon
    assert pid in {c["id"] for c in first if c["type"] == "programme"}
    assert first[0]["type"] == "programme"  # programmes come before the records that need them
    assert [c["id"] for c in first if c["type"] == "enrolment"][-3:] == ids
    assert all(None not in c.values() for c in first)  # compact: no nulls
    assert datetime.fromisoformat(first[-1]["birth_date"])  # ISO dates

    nothing, cursor, _ = pull_all(api, a_token, cursor)
    assert nothing == []

    api.call("PATCH", f"/v1/enrolments/{ids[0]}", admin, {"occupation": "Penyadap karet"}, headers={"If-Match": "1"})
    api.call("DELETE", f"/v1/enrolments/{ids[1]}", admin)
    api.call("PATCH", f"/v1/enrolments/{ids[2]}", admin, {"village_code": VILLAGE_B}, headers={"If-Match": "1"})
    api.call("PATCH", f"/v1/programmes/{pid}", admin, {"name": "Program Diperpanjang"})
    since = cursor
    later, cursor, _ = eventually(lambda: pull_all(api, a_token, since), lambda r: len(r[0]) >= 4)
    by_id = {(c["type"], c["id"]): c for c in later}
    edited = by_id[("enrolment", ids[0])]
    assert edited["occupation"] == "Penyadap karet" and edited["version"] == 2
    assert by_id[("enrolment", ids[1])] == {"type": "enrolment", "id": ids[1], "version": 2, "deleted": True,
                                           "updated_at": by_id[("enrolment", ids[1])]["updated_at"]}
    assert by_id[("enrolment", ids[2])]["moved_out"] is True and "nik" not in by_id[("enrolment", ids[2])]
    assert by_id[("programme", pid)]["name"] == "Program Diperpanjang"
    assert len(later) == 4

    b_token = tokens_for("officer", [VILLAGE_B])
    b_changes, _, _ = eventually(lambda: pull_all(api, b_token), lambda r: any(c.get("id") == ids[2] for c in r[0]))
    moved = [c for c in b_changes if c.get("id") == ids[2]]
    assert moved and moved[0]["village_code"] == VILLAGE_B and moved[0]["version"] == 2

    fresh, _, _ = pull_all(api, tokens_for("officer", [VILLAGE_A]))
    fresh_ids = {c["id"] for c in fresh if c["type"] == "enrolment"}
    assert ids[0] in fresh_ids and ids[1] not in fresh_ids and ids[2] not in fresh_ids  # no old tombstones


def test_feed_holds_back_the_last_seconds_against_clock_skew(chalice_app, api, admin, programme, monkeypatch):
    from chalicelib.api.schemas import SyncQuery
    from chalicelib.auth import User
    from chalicelib.services import sync
    from chalicelib.services.deps import Deps

    village = "16.03.02.2001"
    made = api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin, new_person(village=village)).data
    user = User(sub="skew", role="officer", regency="16.03", villages=frozenset({village}))
    query = SyncQuery(limit=1000)  # the feed serves the regency's programmes first: other tests make many
    monkeypatch.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "30")
    now = datetime.now(UTC)
    held = sync.pull(Deps(clock=lambda: now), user, query)
    assert made["id"] not in {c.id for c in held["changes"]} and held["has_more"] is False
    # The cursor did not move past the held-back change: the next pull (30 s on) delivers it.
    # (again from the same cursor while the index has not caught up: make test-eventual's lag is real time)
    later = eventually(lambda: sync.pull(Deps(clock=lambda: now + timedelta(seconds=31)), user,
                                         SyncQuery(since=held["next_cursor"], limit=1000)),
                       lambda page: made["id"] in {c.id for c in page["changes"]})
    assert made["id"] in {c.id for c in later["changes"]}


def test_sync_responses_are_gzipped_when_asked(client, api, admin, tokens_for, programme):
    _, token = officer(tokens_for, [VILLAGE_A])
    pushed = {r["id"] for r in push(api, token, [create_op(programme["id"], new_person(village=VILLAGE_A))
                                                  for _ in range(10)])["results"]}
    headers = {"Authorization": f"Bearer {token}"}
    # past the feed's horizon first (2 s in make test-eventual), so both reads below serve the same changes
    eventually(lambda: pull_all(api, token), lambda r: pushed <= {c["id"] for c in r[0]})
    plain = client.http.get("/v1/sync?limit=500", headers=headers)
    zipped = client.http.get("/v1/sync?limit=500", headers={**headers, "Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert json.loads(gzip.decompress(zipped.body))["changes"] == json.loads(plain.body)["changes"]
    assert len(zipped.body) < len(plain.body) / 2
    refused = client.http.get("/v1/sync?limit=500", headers={**headers, "Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers



def test_behind_api_gateway_the_function_leaves_gzip_to_the_rest_api(client, api, tokens_for, programme, monkeypatch):
    """In AWS a body the function gzips itself would reach the client as base64 text (API Gateway
    decodes only for Accepts that match a binary media type): the REST API compresses there."""
    _, token = officer(tokens_for, [VILLAGE_A])
    push(api, token, [create_op(programme["id"], new_person(village=VILLAGE_A)) for _ in range(10)])
    from chalicelib import config

    # (the test client sets the local stage's environment on every request, so the switch itself)
    monkeypatch.setattr(config, "gzip_in_app", lambda: False)
    reply = client.http.get("/v1/sync?limit=500", headers={"Authorization": f"Bearer {token}",
                                                           "Accept-Encoding": "gzip"})
    assert reply.status_code == 200 and "Content-Encoding" not in reply.headers
    assert len(json.loads(reply.body)["changes"]) >= 10
