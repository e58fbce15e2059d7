"""store/db.py's one transaction helper, without AWS: which cancellations it retries, how long it
waits, and when it gives up with Busy (503 SERVICE_BUSY)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain.errors import Busy
from chalicelib.store import db


def cancelled(*codes: str) -> ClientError:
    return ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                        "CancellationReasons": [{"Code": c} for c in codes]}, "TransactWriteItems")


def call_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "TransactWriteItems")


class Flaky:
    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "committed"


@pytest.fixture()
def pauses(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(db.time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize("codes", [("TransactionConflict",), ("None", "TransactionConflict"),
                                   ("ThrottlingError", "None"), ("ProvisionedThroughputExceeded",)])
def test_conflicts_and_throttled_items_are_retried(pauses, codes):
    send = Flaky(cancelled(*codes), cancelled(*codes))
    assert db.retrying(send, "test") == "committed"
    assert send.calls == 3 and len(pauses) == 2


def test_a_single_write_meeting_a_transaction_is_retried(pauses):
    send = Flaky(call_error("TransactionConflictException"))
    assert db.retrying(send, "test") == "committed" and send.calls == 2


@pytest.mark.parametrize("codes", [("ConditionalCheckFailed",), ("TransactionConflict", "ConditionalCheckFailed"),
                                   ("ValidationError",)])
def test_a_failed_condition_is_the_callers_at_once(pauses, codes):
    send = Flaky(cancelled(*codes))
    with pytest.raises(ClientError):
        db.retrying(send, "test")
    assert send.calls == 1 and pauses == []


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException",
                                  "RequestLimitExceeded", "TransactionInProgressException"])
def test_a_throttled_call_botocore_already_retried_is_busy_without_more_attempts(pauses, code):
    send = Flaky(call_error(code))
    with pytest.raises(Busy) as caught:
        db.retrying(send, "test")
    assert send.calls == 1
    assert (caught.value.status, caught.value.code) == (503, "SERVICE_BUSY")
    assert caught.value.headers == {"Retry-After": str(db.RETRY_AFTER)}


def test_conflicts_that_do_not_stop_give_busy_after_the_attempts(pauses):
    send = Flaky(*[cancelled("TransactionConflict")] * 50)
    with pytest.raises(Busy):
        db.retrying(send, "test")
    assert send.calls == db.ATTEMPTS and len(pauses) == db.ATTEMPTS - 1


def test_pauses_are_full_jitter_under_a_growing_cap(pauses):
    for _ in range(200):
        for attempt in range(db.ATTEMPTS):
            db.pause(attempt)
    caps = [min(db.BACKOFF_CAP, db.BACKOFF_BASE * 2**a) for a in range(db.ATTEMPTS)] * 200
    assert all(0 <= p <= cap for p, cap in zip(pauses, caps, strict=True))
    assert len(set(pauses)) > 100, "jittered, not fixed"
    assert max(pauses) > db.BACKOFF_BASE, "the cap grows with the attempt"
