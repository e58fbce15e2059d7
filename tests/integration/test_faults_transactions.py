"""TransactionConflict on every transactional write, injected at botocore's wire (tests/faults.py).

DynamoDB cancels a transaction with `TransactionConflict` when another request touches one of
its items at the same moment; the emulator serialises requests, so here the cancellation is
injected. Each write path goes through store/db.py's one transaction helper:
- a few conflicts are retried (same client request token, jittered backoff) and the write lands
  once, with one audit event;
- conflicts that do not stop give 503 SERVICE_BUSY with Retry-After, and the stored state is
  exactly what it was before (nothing half-written); the same request later succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from chalicelib.domain.errors import Busy
from chalicelib.store import bulk, db, keys
from chalicelib.store.models import EnrolmentUniqueModel
from tests.faults import failing
from tests.figures import record
from tests.integration.helpers import PROGRAMME, VILLAGE_A, new_person, new_programme, wait_indexed

CONFLICT = {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "injected"}]}
PERSISTENT = 1000


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """The same retries, with pauses of at most a few ms (the jitter itself is unit-tested)."""
    monkeypatch.setattr(db, "BACKOFF_BASE", 0.001)


def conflicts(times: int):
    return failing(db.connection().client, "TransactWriteItems", times=times, code="TransactionCanceledException",
                   extra=CONFLICT)


@dataclass
class Path:
    """A write over HTTP, what it must answer, and a snapshot of everything it may change."""

    name: str
    setup: Callable  # (api, admin) -> ctx
    write: Callable  # (api, admin, ctx) -> response
    ok: int
    state: Callable  # (api, admin, ctx) -> comparable snapshot


def _enrolment(api, admin):
    p = new_programme(api, admin)
    r = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person())
    assert r.status_code == 201, r.data
    wait_indexed(api, admin, p["id"], [r.data["id"]])  # the snapshot below reads the worker index too
    return {"programme": p, "enrolment": r.data}


def _enrolment_state(api, admin, ctx):
    eid = ctx["enrolment"]["id"]
    got = api.call("GET", f"/v1/enrolments/{eid}", admin)
    audit = api.call("GET", f"/v1/enrolments/{eid}/audit", admin).data["items"]
    worker = api.call("GET", f"/v1/workers/{ctx['enrolment']['nik']}", admin).data
    return got.status_code, got.data, len(audit), worker


def _create_ctx(api, admin):
    return {"programme": new_programme(api, admin), "person": new_person()}


def _create_state(api, admin, ctx):
    """The worker item commits in the create's transaction, and is read from the table (no index)."""
    return api.call("GET", f"/v1/workers/{ctx['person']['nik']}", admin).status_code


def _sync_op(ctx):
    return {"operations": [{"op_id": ctx["op_id"], "op": "create", "type": "enrolment",
                            "programme_id": ctx["programme"]["id"], "data": ctx["person"]}]}


def _programme_state(api, admin, ctx):
    got = api.call("GET", f"/v1/programmes/{ctx['programme']['id']}", admin).data
    return got["version"], got["name"]


def _renew_ctx(api, admin):
    p = new_programme(api, admin)
    api.call("PUT", f"/v1/programmes/{p['id']}/reminder-rules", admin, {"rules": [{"days_before": 21}]})
    return {"programme": p}


def _renew_state(api, admin, ctx):
    renewals = api.call("GET", f"/v1/programmes/{ctx['programme']['id']}/renewals", admin).data["items"]
    codes = {p["code"] for p in _all_programmes(api, admin)}
    return [r["programme"]["id"] for r in renewals], f"{ctx['programme']['code']}-R202601" in codes


def _all_programmes(api, admin):
    items, cursor = [], None
    while True:
        page = api.call("GET", "/v1/programmes?limit=500" + (f"&cursor={cursor}" if cursor else ""), admin).data
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _new_code_ctx(api, admin):
    return {"code": f"TX-{uuid.uuid4().hex[:10].upper()}"}


JPEG = b"\xff\xd8\xff\xe0" + b"KTP-photo-bytes" * 50 + b"\xff\xd9"


def _uploaded(api, admin):
    """An enrolment with a KTP photo uploaded to its issued slot, waiting to be confirmed."""
    from chalicelib import config
    from chalicelib.store import blobs

    ctx = _enrolment(api, admin)
    slot = api.call("POST", f"/v1/enrolments/{ctx['enrolment']['id']}/documents", admin,
                    {"kind": "ktp", "content_type": "image/jpeg", "size": len(JPEG)}).data
    blobs.s3().put_object(Bucket=config.documents_bucket(), Key=slot["fields"]["key"], Body=JPEG,
                          ContentType="image/jpeg", ServerSideEncryption="AES256")
    return {**ctx, "document_id": slot["document_id"]}


PATHS = [
    Path("document confirm", _uploaded,
         lambda api, admin, c: api.call("PUT", f"/v1/enrolments/{c['enrolment']['id']}/documents/ktp", admin,
                                        {"document_id": c["document_id"]}), 200, _enrolment_state),
    Path("enrolment create", _create_ctx,
         lambda api, admin, c: api.call("POST", f"/v1/programmes/{c['programme']['id']}/enrolments", admin,
                                        c["person"]), 201, _create_state),
    Path("enrolment patch", _enrolment,
         lambda api, admin, c: api.call("PATCH", f"/v1/enrolments/{c['enrolment']['id']}", admin,
                                        {"occupation": "Penyadap karet", "village_code": "16.03.01.2012"},
                                        headers={"If-Match": "1"}), 200, _enrolment_state),
    Path("enrolment delete", _enrolment,
         lambda api, admin, c: api.call("DELETE", f"/v1/enrolments/{c['enrolment']['id']}", admin,
                                        headers={"If-Match": "1"}), 204, _enrolment_state),
    Path("programme create", _new_code_ctx,
         lambda api, admin, c: api.call("POST", "/v1/programmes", admin,
                                        {**PROGRAMME, "code": c["code"]}), 201,
         lambda api, admin, c: sorted(p["code"] for p in _all_programmes(api, admin) if p["code"] == c["code"])),
    Path("programme patch", lambda api, admin: {"programme": new_programme(api, admin)},
         lambda api, admin, c: api.call("PATCH", f"/v1/programmes/{c['programme']['id']}", admin,
                                        {"name": "Program Perlindungan Diperbarui"}), 200, _programme_state),
    Path("reminder rules", lambda api, admin: {"programme": new_programme(api, admin)},
         lambda api, admin, c: api.call("PUT", f"/v1/programmes/{c['programme']['id']}/reminder-rules", admin,
                                        {"rules": [{"days_before": 30}, {"days_before": 7}]}), 200,
         lambda api, admin, c: api.call("GET", f"/v1/programmes/{c['programme']['id']}/reminder-rules",
                                        admin).data.get("version")),
    Path("renewal", _renew_ctx,
         lambda api, admin, c: api.call("POST", f"/v1/programmes/{c['programme']['id']}/renew", admin,
                                        {"coverage_start": "2026-01-01", "coverage_end": "2026-06-30"}), 202,
         _renew_state),
    Path("officer villages", lambda api, admin: {"sub": f"officer-{uuid.uuid4().hex[:8]}"},
         lambda api, admin, c: api.call("PUT", f"/v1/officers/{c['sub']}/villages", admin, {"villages": [VILLAGE_A]}),
         200, lambda api, admin, c: api.call("GET", f"/v1/officers/{c['sub']}/villages", admin).data["villages"]),
]


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_a_few_conflicts_are_retried_and_the_write_lands_once(api, admin, path):
    ctx = path.setup(api, admin)
    with conflicts(2) as fault:
        r = path.write(api, admin, ctx)
    assert r.status_code == path.ok, r.data
    assert fault.injected == 2 and fault.passed >= 1, "two cancelled attempts, then the real one"
    after = path.state(api, admin, ctx)
    again = path.write(api, admin, ctx)  # what a client retrying the same request would meet
    assert again.status_code != 500
    if path.name in {"enrolment create", "programme create"}:
        assert again.status_code == 409, again.data  # written once: the second is the duplicate
    if path.name == "renewal":
        assert again.status_code == 200  # the one renewal, found again
    if path.name == "enrolment patch":
        assert after[2] == 2, "one audit event for the one accepted write"


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_conflicts_that_do_not_stop_are_a_503_and_nothing_is_half_written(api, admin, path):
    ctx = path.setup(api, admin)
    before = path.state(api, admin, ctx)
    with conflicts(PERSISTENT) as fault:
        r = path.write(api, admin, ctx)
    assert r.status_code == 503, r.data
    assert r.data["error"]["code"] == "SERVICE_BUSY" and int(r.headers["Retry-After"]) >= 1
    assert fault.injected == db.ATTEMPTS, "retried ATTEMPTS times, then gave up"
    assert path.state(api, admin, ctx) == before, "nothing written"
    healed = path.write(api, admin, ctx)
    assert healed.status_code == path.ok, healed.data
    assert path.state(api, admin, ctx) != before
    record(f"transaction_conflict_{path.name.replace(' ', '_')}",
           {"attempts": fault.injected, "status": r.status_code, "half_written": 0})


def test_a_sync_operation_retries_conflicts_and_fails_alone_when_they_persist(api, admin, tokens_for):
    officer = tokens_for("officer", [VILLAGE_A], sub=f"officer-{uuid.uuid4().hex[:8]}")
    ctx = _create_ctx(api, admin)
    with conflicts(2):
        retried = api.call("POST", "/v1/sync", officer, _sync_op({**ctx, "op_id": "op-retried"}))
    assert retried.status_code == 200 and retried.data["results"][0]["status"] == "applied", retried.data

    busy_ctx = _create_ctx(api, admin)
    busy = {**busy_ctx, "op_id": "op-busy"}
    with conflicts(PERSISTENT):
        r = api.call("POST", "/v1/sync", officer, _sync_op(busy))
    assert r.status_code == 200
    (result,) = r.data["results"]
    assert result["status"] == "failed" and result["error"]["code"] == "SERVICE_BUSY", result
    assert _create_state(api, admin, busy_ctx) == 404, "nothing written"
    replay = api.call("POST", "/v1/sync", officer, _sync_op(busy)).data["results"][0]
    assert replay["status"] == "applied", "not recorded as an outcome: the replay applies it"
    assert _create_state(api, admin, busy_ctx) == 200


def test_import_claims_that_keep_conflicting_raise_busy_and_claim_nothing(aws_endpoint):
    from chalicelib import aws

    markers = [EnrolmentUniqueModel(keys.unique_enrolment("16.03", "TXPROG", f"16030115059{i:05d}"), "UNIQ",
                                    eid=f"E{i}") for i in range(3)]
    with failing(aws.client("dynamodb"), "TransactWriteItems", times=PERSISTENT, code="TransactionCanceledException",
                 extra=CONFLICT) as fault, pytest.raises(Busy):
        bulk.put_new(markers)
    assert fault.injected == db.ATTEMPTS
    assert bulk.get_all([(m.pk, m.sk) for m in markers]) == {}, "no marker claimed"
    with failing(aws.client("dynamodb"), "TransactWriteItems", times=2, code="TransactionCanceledException",
                 extra=CONFLICT):
        assert bulk.put_new(markers) == set()
    assert len(bulk.get_all([(m.pk, m.sk) for m in markers])) == 3


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_items_throttled_inside_a_transaction_are_retried_too(api, admin, reason):
    """DynamoDB can cancel a transaction because one of its items' partitions is throttled (a
    cancellation reason, which botocore does not retry): the helper retries it like a conflict."""
    ctx = _create_ctx(api, admin)
    throttled = {"CancellationReasons": [{"Code": "None"}, {"Code": reason, "Message": "injected"}]}
    with failing(db.connection().client, "TransactWriteItems", times=2, code="TransactionCanceledException",
                 extra=throttled) as fault:
        r = api.call("POST", f"/v1/programmes/{ctx['programme']['id']}/enrolments", admin, ctx["person"])
    assert r.status_code == 201 and fault.injected == 2, r.data
    with failing(db.connection().client, "TransactWriteItems", times=PERSISTENT, code="TransactionCanceledException",
                 extra=throttled):
        busy = api.call("POST", f"/v1/programmes/{ctx['programme']['id']}/enrolments", admin, new_person())
    assert busy.status_code == 503 and busy.headers["Retry-After"], busy.data
