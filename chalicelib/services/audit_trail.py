"""The one way a use case makes an audit event: who (sub, role), what, when, and the changes."""

from __future__ import annotations

from typing import Protocol

from chalicelib.services.deps import Deps
from chalicelib.store.audit import AuditEntry


class Actor(Protocol):
    sub: str
    role: str


def entry(deps: Deps, regency: str, entity: str, entity_id: str, action: str, at: str, actor: Actor,
          changes: dict) -> AuditEntry:
    """`changes`: {field: [old, new]}. The event id is new per event (deps.new_id)."""
    return AuditEntry(regency, entity, entity_id, action, actor.sub, actor.role, at, deps.new_id(), changes)
