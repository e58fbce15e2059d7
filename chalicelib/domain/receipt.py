"""What became of one sync operation (services/sync.py push), kept per (user, op_id) so that a
replay of the operation answers the same and applies nothing again. store/receipts.py owns the
item; it takes and returns this object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Receipt:
    regency: str
    sub: str  # the user who sent the operation
    op_id: str
    fingerprint: str  # a hash of what the operation says: an op_id reused for other content is refused
    result: dict[str, Any]  # as answered: op_id, status, and id / version / error when there are
    at: str
    expires_at: int  # epoch seconds: the table's TTL removes it then
