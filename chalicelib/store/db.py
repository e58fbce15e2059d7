"""Shared storage plumbing: the connection for transactions and error classification."""

from __future__ import annotations

from functools import cache

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError

from chalicelib import config


@cache
def connection() -> Connection:
    """One botocore connection per process, made on first use (not at import)."""
    return Connection(region=config.region(), max_retry_attempts=8)


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    """Per-item reasons of a cancelled transaction, in the order the items were added."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [r.code if r is not None else None for r in reasons]


def reset() -> None:
    """Forget the cached connection (tests that repoint AWS_ENDPOINT_URL)."""
    connection.cache_clear()


class AlreadyRecorded(Exception):
    """A transaction carried a receipt (e.g. a sync operation's) that another request wrote first."""


def receipt_failed(exc: TransactWriteError, has_receipt: bool) -> bool:
    """The receipt is always the last item of a transaction that carries one."""
    codes = cancellation_codes(exc)
    return has_receipt and bool(codes) and codes[-1] == "ConditionalCheckFailed"
