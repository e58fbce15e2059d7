"""DynamoDB throttling: retried and nothing lost or doubled; when it does not stop, a 503 the
client can retry, and nothing half-written. (Throttling during an import is the same path from
the import worker; see README "Reliability".)"""

from __future__ import annotations

from pynamodb.connection import Connection

from chalicelib import config
from chalicelib.store import db
from tests.faults import failing
from tests.figures import record
from tests.integration.helpers import eventually, new_person, new_programme


def test_throttled_transaction_is_retried_and_written_once(api, admin):
    p = new_programme(api, admin)
    person = new_person()
    with failing(db.connection().client, "TransactWriteItems", times=2) as fault:
        r = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, person)
    assert r.status_code == 201, r.data
    assert (fault.injected, fault.passed) == (2, 1), "two throttled attempts, then the real write"
    worker = eventually(lambda: api.call("GET", f"/v1/workers/{person['nik']}", admin).data,  # a GSI by NIK
                        lambda w: bool(w.get("enrolments")))
    assert [e["id"] for e in worker["enrolments"]] == [r.data["id"]]
    assert len(api.call("GET", f"/v1/enrolments/{r.data['id']}/audit", admin).data["items"]) == 1
    again = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, person)
    assert again.status_code == 409 and again.data["error"]["existing_id"] == r.data["id"]
    record("dynamodb_throttle_retried", {"throttled_attempts": fault.injected, "writes": 1, "duplicates": 0})


def test_throttling_that_does_not_stop_is_a_503_and_nothing_is_half_written(api, admin, monkeypatch):
    p = new_programme(api, admin)
    person = new_person()
    impatient = Connection(region=config.region(), max_retry_attempts=1)
    monkeypatch.setattr(db, "connection", lambda: impatient)
    with failing(impatient.client, "TransactWriteItems", times=100, code="ProvisionedThroughputExceededException"):
        r = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, person)
    assert r.status_code == 503, r.data
    assert r.data["error"]["code"] == "SERVICE_BUSY" and r.headers["Retry-After"]
    assert api.call("GET", f"/v1/workers/{person['nik']}", admin).status_code == 404, "nothing written"
    assert api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, person).status_code == 201
