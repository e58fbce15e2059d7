"""Summary snapshots and the one Query that feeds them (by_programme, only the counted fields)."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist

from chalicelib.store import keys
from chalicelib.store.models import EnrolmentModel, SummarySnapshotModel

_FIELDS = ["category", "district_code", "village_code", "status", "extra"]


def records(regency: str, pid: str) -> Iterator[dict]:
    """Every live enrolment of the programme (the index is sparse: deleted ones are not in it)."""
    for m in EnrolmentModel.by_programme.query(keys.prog(regency, pid), attributes_to_get=_FIELDS):
        row = {name: getattr(m, name) for name in _FIELDS}
        row["extra"] = row["extra"].as_dict() if row["extra"] is not None else {}
        yield row


def get(regency: str, pid: str) -> SummarySnapshotModel | None:
    try:
        return SummarySnapshotModel.get(keys.summary(regency, pid), "SUMMARY")
    except DoesNotExist:
        return None


def put(regency: str, pid: str, counts: dict, computed_at: str) -> None:
    SummarySnapshotModel(keys.summary(regency, pid), "SUMMARY", counts=counts, computed_at=computed_at).save()
