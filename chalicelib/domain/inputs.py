"""What the use cases take from a request, as plain dataclasses: the HTTP edge validates a body
against its schema (chalicelib/api/schemas.py) and hands the use case one of these (Call.input),
so services never see a request schema. Programme bodies go as plain JSON values instead
(Call.values), since programmes are dicts end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a KTP photo or a consent form


@dataclass(frozen=True)
class DocumentUpload:
    kind: str  # ktp | consent
    content_type: str
    size: int  # bytes, at most MAX_DOCUMENT_BYTES


@dataclass(frozen=True)
class DocumentConfirm:
    document_id: str


@dataclass(frozen=True)
class Renewal:
    """The next period of a programme; code, name and rate default to the old programme's."""

    coverage_start: date
    coverage_end: date
    rate: int | None = None
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class OfficerVillages:
    villages: list[str]


@dataclass(frozen=True)
class OptOut:
    channel: str
    asked_on: date
    asked_via: str
    note: str | None = None


@dataclass(frozen=True)
class Restriction:
    reason: str
    opened_on: date


@dataclass(frozen=True)
class Submission:
    """Which drafts go to the BPJS branch: `ids`, or a village's, or (neither) all."""

    village_code: str | None = None
    ids: list[str] | None = None


@dataclass(frozen=True)
class UploadRequest:
    filename: str
