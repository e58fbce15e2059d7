"""Opaque, tamper-evident pagination cursors.

A cursor wraps DynamoDB's LastEvaluatedKey plus whatever the list needs to resume (e.g. which
of an officer's villages it was in). It is signed so a client cannot hand us a key from another
partition; a bad or foreign cursor is a 400, never a 500.

Signed is not enough (issue 12.3): whoever learns a stage's secret can sign anything, so a
decoded state must also have the shape its list makes (`valid`, a DynamoDB key by default) and
the store checks that a resume key lies in the very partition it queries (store/db.resume_key).
A forged state never reaches DynamoDB: before, one did as ExclusiveStartKey and came back as a
500 (moto's 500 retried 8 times by botocore: 11 s).

The secret: per stage in AWS Secrets Manager (infra/secrets.yaml creates `<prefix>-cursor-secret`,
.chalice/config.json names it in LINDUNG_CURSOR_SECRET_ID, the API function's policy may read
it), read once per container on the first request. Outside the local stage a missing or
unreadable secret makes the API refuse every request with 503 SERVICE_MISCONFIGURED and an ERROR
log naming what is missing (fail closed: never sign with a public default). Not cached on
failure, so the container recovers by itself once the secret is readable. Only the local stage
falls back to LINDUNG_CURSOR_SECRET or a fixed development value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable
from typing import Any

from chalicelib import config
from chalicelib.domain.errors import Malformed, Unavailable

MAX_CHARS = 2048  # our cursors are a few hundred characters; anything longer is not ours
MIN_SECRET_CHARS = 32
LOCAL_SECRET = "lindung-local-cursor"
_NUMBER = re.compile(r"-?\d{1,38}(\.\d{1,38})?")

_secret_cache: bytes | None = None


def _secret() -> bytes:
    global _secret_cache
    if _secret_cache is None:
        _secret_cache = _load_secret()
    return _secret_cache


def ready() -> None:
    """Raise Unavailable unless the cursor secret is at hand (the Router calls this first)."""
    _secret()


def reset() -> None:
    """Forget the cached secret (tests that change the stage or the secret)."""
    global _secret_cache
    _secret_cache = None


def _load_secret() -> bytes:
    from chalicelib.observability import logger

    secret_id = config.cursor_secret_id()
    if not secret_id:
        if config.is_local():
            return os.environ.get("LINDUNG_CURSOR_SECRET", LOCAL_SECRET).encode()
        logger.error("cursor secret not configured: set LINDUNG_CURSOR_SECRET_ID for this stage",
                     extra={"stage": config.stage()})
        raise _misconfigured()
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import aws

    try:
        value = aws.client("secretsmanager").get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except ClientError as exc:
        logger.error("cursor secret unreadable", extra={"secret_id": secret_id,
                                                        "error_code": exc.response.get("Error", {}).get("Code")})
        raise _misconfigured() from None
    except BotoCoreError as exc:
        logger.error("cursor secret unreadable", extra={"secret_id": secret_id, "error_code": type(exc).__name__})
        raise _misconfigured() from None
    if len(value) < MIN_SECRET_CHARS:
        logger.error("cursor secret too short", extra={"secret_id": secret_id, "min_chars": MIN_SECRET_CHARS})
        raise _misconfigured()
    return value.encode()


def _misconfigured() -> Unavailable:
    return Unavailable("SERVICE_MISCONFIGURED", "Layanan belum dikonfigurasi lengkap (rahasia kursor tidak "
                       "tersedia); hubungi operator")


def is_key(value: Any) -> bool:
    """A DynamoDB key as LastEvaluatedKey has it: a few attributes, each one typed S or N value."""
    if not isinstance(value, dict) or not 1 <= len(value) <= 4:
        return False
    for name, typed in value.items():
        if not (isinstance(name, str) and 0 < len(name) <= 64 and isinstance(typed, dict) and len(typed) == 1):
            return False
        ((kind, v),) = typed.items()
        if not isinstance(v, str):
            return False
        if not ((kind == "S" and 0 < len(v) <= 1024) or (kind == "N" and _NUMBER.fullmatch(v))):
            return False
    return True


def is_count(value: Any, most: int = 10_000) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def is_text_map(value: Any, most: int = 100, chars: int = 256) -> bool:
    return isinstance(value, dict) and len(value) <= most and all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= chars for k, v in value.items())


def encode(state: dict | None, scope: str) -> str | None:
    if not state:
        return None
    payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(_secret(), scope.encode() + b"|" + payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


def decode(cursor: str | None, scope: str, valid: Callable[[Any], bool] = is_key) -> dict | None:
    """Return the state, or raise CURSOR_INVALID if it was not made for this very list or does not
    have the shape that list makes (`valid`: a DynamoDB key unless the list says otherwise)."""
    if not cursor:
        return None
    if len(cursor) <= MAX_CHARS:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            mac, payload = raw[:12], raw[12:]
            good = hmac.new(_secret(), scope.encode() + b"|" + payload, hashlib.sha256).digest()[:12]
            if hmac.compare_digest(mac, good):
                state = json.loads(payload)
                if isinstance(state, dict) and valid(state):
                    return state
        except (ValueError, json.JSONDecodeError, RecursionError):
            pass
    raise invalid()


def invalid() -> Malformed:
    return Malformed("CURSOR_INVALID", "Cursor tidak valid untuk daftar ini; mulai lagi dari halaman pertama",
                     {"cursor": "tidak valid"})
