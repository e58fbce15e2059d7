"""What the use cases take from a request, as plain dataclasses: the HTTP edge validates a body
or a query against its schema (chalicelib/api/schemas.py) and hands the use case one of these
(Call.input), so services never see a request schema. Programme bodies go as plain JSON values
instead (Call.values), since programmes are dicts end to end. Inputs a use case checks itself, item
by item (an enrolment of a sync operation or a roster row, reminder rules), are pydantic models
of domain/validation.py, which the edge uses as its schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

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


@dataclass(frozen=True)
class EnrolmentFilter:
    """A page of a programme's enrolments, narrowed (GET /programmes/{pid}/enrolments)."""

    limit: int
    cursor: str | None = None
    village_code: str | None = None
    district_code: str | None = None
    category: str | None = None
    status: str | None = None
    q: str | None = None  # a name or NIK, searched
    incomplete: bool | None = None  # True: only records missing a required extra field; False: only complete ones
    extra: str | None = None  # "<key>:<value>" of an extra field


@dataclass(frozen=True)
class SyncOperation:
    """One operation a phone queued offline. The envelope was checked for the whole batch; `data`
    (an enrolment, or the fields a correction changes) is checked per operation (services/sync.py)."""

    op_id: str
    op: str  # create | update | delete
    type: str  # enrolment
    programme_id: str
    id: str | None = None
    version: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncBatch:
    operations: list[SyncOperation]


@dataclass(frozen=True)
class FeedQuery:
    """A pull of the sync feed: from `since` (the last pull's cursor), `limit` changes, of `villages`."""

    limit: int
    since: str | None = None
    villages: str | None = None  # comma-separated village codes


@dataclass(frozen=True)
class ReminderPreview:
    """Render the stored or these proposed `templates` for one enrolment or a sample worker."""

    templates: dict[str, str] = field(default_factory=dict)  # only the texts proposed
    enrolment_id: str | None = None
    count_names: bool = True
