"""Opaque, tamper-evident pagination cursors.

A cursor wraps DynamoDB's LastEvaluatedKey plus whatever the list needs to resume (e.g. which
of an officer's villages it was in). It is signed so a client cannot hand us a key from another
partition; a bad or foreign cursor is a 400, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from chalicelib.domain.errors import Malformed


def _secret() -> bytes:
    return os.environ.get("LINDUNG_CURSOR_SECRET", "lindung-local-cursor").encode()


def encode(state: dict | None, scope: str) -> str | None:
    if not state:
        return None
    payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(_secret(), scope.encode() + b"|" + payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


def decode(cursor: str | None, scope: str) -> dict | None:
    """Return the state, or raise CURSOR_INVALID if it was not made for this very list."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        mac, payload = raw[:12], raw[12:]
        good = hmac.new(_secret(), scope.encode() + b"|" + payload, hashlib.sha256).digest()[:12]
        if hmac.compare_digest(mac, good):
            state = json.loads(payload)
            if isinstance(state, dict):
                return state
    except (ValueError, json.JSONDecodeError):
        pass
    raise Malformed("CURSOR_INVALID", "Cursor tidak valid untuk daftar ini", {"cursor": "tidak valid"})
