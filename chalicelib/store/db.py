"""Shared storage plumbing: the connection, the one transaction helper and error classification.

Every transactional write goes through `transact` (PynamoDB items) or `transact_items` (raw
DynamoDB JSON, for the import's claims of 100), so the answer to DynamoDB cancelling a
transaction for a reason that is nobody's fault is written once:

- a `TransactionConflict` (another request touched one of the items at the same moment; AWS
  documents it as normal under concurrency) or a throttling reason on an item
  (`ThrottlingError`, `ProvisionedThroughputExceeded`) is retried with the same client request
  token, after a full-jitter exponential pause, up to ATTEMPTS times;
- a throttled *call* (`ProvisionedThroughputExceededException`, `ThrottlingException`, ...) has
  already been retried by botocore's own policy (standard mode, the connection's
  max_retry_attempts), so it is not retried again here;
- either one still failing becomes `Busy`, which the HTTP edge answers as 503 SERVICE_BUSY with
  Retry-After. A cancelled transaction wrote nothing, so nothing is ever half-written;
- anything else (a condition that failed, a validation error) is the caller's to interpret and
  is re-raised at once, unretried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import config
from chalicelib.domain.errors import Busy, Malformed
from chalicelib.observability import logger

ATTEMPTS = 6
BACKOFF_BASE = 0.05  # seconds; pauses are uniform in [0, min(CAP, BASE * 2**attempt)]
BACKOFF_CAP = 1.0
RETRY_AFTER = 2  # seconds, told to clients in the 503
_RETRIED_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_THROTTLED_CALLS = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                              "RequestLimitExceeded", "TransactionInProgressException"})


@cache
def connection() -> Connection:
    """One botocore connection per process, made on first use (not at import)."""
    return Connection(region=config.region(), max_retry_attempts=8)


def reset() -> None:
    """Forget the cached connection (tests that repoint AWS_ENDPOINT_URL)."""
    connection.cache_clear()


def cancellation_codes(exc: Exception) -> list[str | None]:
    """Per-item reasons of a cancelled transaction, in the order the items were added
    (PynamoDB's TransactWriteError or botocore's ClientError); "None" for items that were fine."""
    if isinstance(exc, ClientError):
        return [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [r.code if r is not None else None for r in reasons]


def _error_code(exc: Exception) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return getattr(exc, "cause_response_code", None)


def retryable(exc: Exception) -> bool:
    """Cancelled only by conflicts or throttling of its items (or, for a single write, by a
    transaction in flight on its item): the same write may succeed."""
    if _error_code(exc) == "TransactionConflictException":
        return True
    codes = {c for c in cancellation_codes(exc) if c not in (None, "None")}
    return bool(codes) and codes <= _RETRIED_REASONS


def throttled(exc: Exception) -> bool:
    """A call botocore already retried for throttling (or a transaction still in progress)."""
    return _error_code(exc) in _THROTTLED_CALLS


def pause(attempt: int) -> None:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter")."""
    time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))


def retrying(send: Callable[[], Any], what: str, attempts: int | None = None) -> Any:
    """Run `send` (one transaction) until it commits, retrying conflicts and throttled items."""
    attempts = attempts or ATTEMPTS
    for attempt in range(attempts):
        try:
            return send()
        except (PynamoDBException, ClientError) as exc:
            if throttled(exc):
                logger.warning("store busy: throttled", extra={"write": what, "attempt": attempt + 1})
                raise Busy(RETRY_AFTER) from exc
            if not retryable(exc):
                raise
            if attempt + 1 == attempts:
                logger.warning("store busy: transaction kept conflicting",
                               extra={"write": what, "attempts": attempts, "reasons": cancellation_codes(exc)})
                raise Busy(RETRY_AFTER) from exc
        pause(attempt)
    raise AssertionError("unreachable")


def transact(token: str, add: Callable[[TransactWrite], None], what: str, attempts: int | None = None) -> None:
    """The one way to write PynamoDB items together: `add(tx)` puts the items into a fresh
    TransactWrite for each attempt (same client request token, so a retry of a transaction that
    did commit is a no-op in DynamoDB). Raises TransactWriteError for the caller's conditions,
    Busy when conflicts or throttling outlast the retries."""

    def send() -> None:
        with TransactWrite(connection=connection(), client_request_token=token) as tx:
            add(tx)

    retrying(send, what, attempts)


def transact_items(items: list[dict], what: str, token: str | None = None, attempts: int | None = None) -> None:
    """`transact` for items already in DynamoDB JSON (TransactItems), sent with the plain client."""
    from chalicelib import aws

    params: dict[str, Any] = {"TransactItems": items}
    if token:
        params["ClientRequestToken"] = token
    retrying(lambda: aws.client("dynamodb").transact_write_items(**params), what, attempts)


def resume_key(target: Any, hash_value: str, key: dict | None) -> dict | None:
    """A cursor's ExclusiveStartKey, checked against the query it resumes: exactly the key
    attributes of the table and of the index (`target`: a Model or one of its indexes), the
    partition the query reads, string keys typed S. A key from anywhere else (another regency,
    another village, a made-up attribute) is CURSOR_INVALID here, before DynamoDB sees it."""
    if key is None:
        return None
    model = getattr(target, "_model", target)
    names = {model._hash_keyname, model._range_keyname} - {None}
    hash_name = model._hash_keyname
    if target is not model:
        schema = target._get_schema()["key_schema"]
        names |= {k["AttributeName"] for k in schema}
        hash_name = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
    if not isinstance(key, dict) or set(key) != names or key.get(hash_name) != {"S": hash_value} or not all(
            isinstance(v, dict) and len(v) == 1 and isinstance(v.get("S", v.get("N")), str) for v in key.values()):
        raise Malformed("CURSOR_INVALID", "Cursor tidak valid untuk daftar ini; mulai lagi dari halaman pertama",
                        {"cursor": "tidak valid"})
    return key


class AlreadyRecorded(Exception):
    """A transaction carried a receipt (e.g. a sync operation's) that another request wrote first."""


def receipt_failed(exc: TransactWriteError, has_receipt: bool) -> bool:
    """The receipt is always the last item of a transaction that carries one."""
    codes = cancellation_codes(exc)
    return has_receipt and bool(codes) and codes[-1] == "ConditionalCheckFailed"
