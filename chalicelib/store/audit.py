"""Audit events: written inside the same transaction as the change they describe."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.store import keys
from chalicelib.store.db import resume_key
from chalicelib.store.models import AuditModel


@dataclass(frozen=True)
class AuditEntry:
    regency: str
    entity_type: str
    entity_id: str
    action: str
    actor: str
    actor_role: str
    at: str
    event_id: str
    changes: dict


def audit_model(a: AuditEntry) -> AuditModel:
    return AuditModel(keys.audit(a.regency, a.entity_type, a.entity_id), f"{a.at}#{a.event_id}",
                      entity_type=a.entity_type, entity_id=a.entity_id, action=a.action, actor=a.actor,
                      actor_role=a.actor_role, at=a.at, changes=a.changes)


def page(regency: str, entity_type: str, entity_id: str, start_key: dict | None,
         limit: int) -> tuple[list[AuditEntry], dict | None]:
    """Up to `limit` of a record's audit events, newest first, and the key to resume after them."""
    pk = keys.audit(regency, entity_type, entity_id)
    results = AuditModel.query(pk, scan_index_forward=False, last_evaluated_key=resume_key(AuditModel, pk, start_key),
                               limit=limit)
    return [_entry(regency, m) for m in results], results.last_evaluated_key


def query(regency: str, entity_type: str, entity_id: str, start_key: dict | None, limit: int) -> list[AuditEntry]:
    """The first page of `page`."""
    return page(regency, entity_type, entity_id, start_key, limit)[0]


def _entry(regency: str, m: AuditModel) -> AuditEntry:
    return AuditEntry(regency, m.entity_type, m.entity_id, m.action, m.actor, m.actor_role, m.at,
                      m.sk.split("#", 1)[1], m.changes)
