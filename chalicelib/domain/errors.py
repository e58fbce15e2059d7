"""Domain errors carry an English code for programs and a Bahasa Indonesia message for people.

They are raised anywhere below app.py and turned into the contract's error shape in exactly one
place (chalicelib.api.http), so a service never needs to know about HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 422

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None, **extra: object):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the error answer carries (e.g. Retry-After); none by default."""
        return {}


class Malformed(DomainError):
    status = 400


class Unauthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422


class Unavailable(DomainError):
    """The deployment is missing something it needs (a secret, a key source): refuse, fail closed."""

    status = 503


class Busy(DomainError):
    """The store stayed too busy to take a write (transaction conflicts, throttling) after the
    retries: nothing was written, and the same request may simply be sent again later."""

    status = 503

    def __init__(self, retry_after: int = 2):
        super().__init__("SERVICE_BUSY", "Sistem sedang sibuk, coba lagi sebentar")
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unsupported(DomainError):
    status = 415
