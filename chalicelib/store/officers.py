"""Officer village assignments (admin data), one item per officer."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.store import db, keys
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.models import OfficerVillagesModel

SK = "VILLAGES"


def get(regency: str, sub: str) -> OfficerVillagesModel | None:
    """Consistent read: an assignment changed a moment ago applies to the very next request."""
    try:
        return OfficerVillagesModel.get(keys.officer(regency, sub), SK, consistent_read=True)
    except DoesNotExist:
        return None


def put(regency: str, sub: str, villages: list[str], version: int, now: str, by: str, audit: AuditEntry) -> None:
    """Full replacement (PUT semantics), audited in the same transaction."""
    item = OfficerVillagesModel(keys.officer(regency, sub), SK, sub=sub, villages=villages, version=version,
                                updated_at=now, updated_by=by)

    def add(tx: TransactWrite) -> None:
        tx.save(item)
        tx.save(audit_model(audit))

    db.transact(audit.event_id, add, "officer.villages")
