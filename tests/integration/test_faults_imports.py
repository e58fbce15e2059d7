"""DynamoDB throttling during a roster import, injected at botocore's wire (tests/faults.py):
BatchWriteItem calls that fail with ProvisionedThroughputExceededException (botocore retries
them), BatchWriteItem calls that succeed only in part and hand the rest back as UnprocessedItems
(chalicelib/store/bulk.py retries those with backoff), throttled BatchGetItem reads of the
NIK markers, and marker claims (TransactWriteItems) throttled or cancelled by a conflicting
transaction (retried with backoff). The final counts are exact; nothing is lost and nothing is written twice."""

from __future__ import annotations

from collections import Counter

from chalicelib import aws
from tests.faults import failing, partial_batch_writes
from tests.figures import record
from tests.integration.helpers import kept_summary, new_programme
from tests.integration.test_imports import _all_enrolments, _csv, _import, _people, dispatcher  # noqa: F401

ROWS = 120  # 2 marker claims (100 + 19) + 3 items (enrolment, worker, audit) x 119 = 15 BatchWriteItem calls
CONFLICT = {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "injected"}]}


def test_throttled_and_partial_batch_writes_during_an_import_lose_nothing_and_double_nothing(
        api, admin, dispatcher):  # noqa: F811
    pid = new_programme(api, admin)["id"]
    people = _people(ROWS)
    people[7] = {**people[7], "nik": "12345"}  # one bad row, so the counts have every column
    ddb = aws.client("dynamodb")
    with failing(ddb, "BatchWriteItem", times=3, code="ProvisionedThroughputExceededException") as throttled_writes, \
            failing(ddb, "BatchGetItem", times=2, code="ProvisionedThroughputExceededException") as throttled_reads, \
            failing(ddb, "TransactWriteItems", times=1, code="ThrottlingException") as throttled_claims, \
            failing(ddb, "TransactWriteItems", times=2, code="TransactionCanceledException",
                    extra=CONFLICT) as conflicting_claims, \
            partial_batch_writes(ddb, keep=10, times=8) as partial:
        job = _import(api, admin, dispatcher, pid, _csv(people))
    assert (throttled_writes.injected, throttled_reads.injected) == (3, 2)
    assert (throttled_claims.injected, conflicting_claims.injected) == (1, 2)
    assert partial.calls == 8 and partial.returned_unprocessed >= 15, "8 calls each did only their first 10 puts"
    assert job["status"] == "done", job
    assert (job["total"], job["processed"], job["accepted"], job["rejected"], job["already_enrolled"]) == \
        (ROWS, ROWS, ROWS - 1, 1, 0)

    stored = _all_enrolments(api, admin, pid)
    expected = {p["nik"] for i, p in enumerate(people) if i != 7}
    assert len(stored) == ROWS - 1 and {e["nik"] for e in stored} == expected, "nothing lost"
    assert not [n for n, c in Counter(e["nik"] for e in stored).items() if c > 1], "nothing doubled"
    for e in stored[:5]:
        assert [x["id"] for x in api.call("GET", f"/v1/workers/{e['nik']}", admin).data["enrolments"]] == [e["id"]]
        assert len(api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"]) == 1
    assert kept_summary(api, admin, pid)["total"] == ROWS - 1

    again = _import(api, admin, dispatcher, pid, _csv(people))  # healthy again: the same file changes nothing
    assert (again["accepted"], again["already_enrolled"], again["rejected"]) == (0, ROWS - 1, 1)
    assert len(_all_enrolments(api, admin, pid)) == ROWS - 1
    record("dynamodb_throttle_during_import", {
        "rows": ROWS, "throttled_batch_writes": throttled_writes.injected,
        "throttled_batch_gets": throttled_reads.injected, "throttled_claims": throttled_claims.injected,
        "conflicting_claims": conflicting_claims.injected, "partial_batch_writes": partial.calls,
        "items_handed_back_unprocessed": partial.returned_unprocessed, "accepted": job["accepted"],
        "rejected": job["rejected"], "lost": 0, "duplicates": 0})
