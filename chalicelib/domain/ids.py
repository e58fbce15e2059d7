"""ULIDs: sortable by creation time, so index range keys page in the order records were made."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

IdFactory = Callable[[], str]


def ulid(now_ms: int | None = None, randomness: bytes | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(randomness if randomness is not None else os.urandom(10), "big")
    value = (ms << 80) | rand
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -5, -5))
