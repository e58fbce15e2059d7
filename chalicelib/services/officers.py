"""Which villages an officer works in: admin data that takes effect on the officer's next request.

Precedence (decided here, applied to every request by chalicelib.api.http.Router):
1. A stored assignment (`PUT /v1/officers/{sub}/villages`) is the officer's whole scope, even
   when empty, and whatever the token's `custom:villages` claim says. Revoking a village is
   therefore immediate, without waiting for the officer's ID token (up to hours) to expire.
2. No stored assignment: the token claim `custom:villages` applies (tokens issued before
   assignments existed, `make token VILLAGES=...`). Admins who want a claim ignored store an
   assignment for that officer.
Admins and viewers are regency-wide; their tokens' village claims mean nothing.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib.auth import User
from chalicelib.domain.inputs import OfficerVillages
from chalicelib.services.deps import Deps
from chalicelib.store import officers as repo
from chalicelib.store import regions
from chalicelib.store.audit import AuditEntry


def scoped(user: User) -> User:
    """The user with the villages that apply right now (runs on every authenticated request)."""
    if user.role != "officer":
        return user
    stored = repo.get(user.regency, user.sub)
    if stored is None:
        return user
    return replace(user, villages=frozenset(stored.villages))


def get(user: User, sub: str) -> dict:
    stored = repo.get(user.regency, sub)
    if stored is None:
        return {"sub": sub, "villages": [], "source": "token"}
    return {"sub": sub, "villages": sorted(stored.villages), "source": "assignment",
            "version": int(stored.version), "updated_at": stored.updated_at, "updated_by": stored.updated_by}


def assign(deps: Deps, user: User, sub: str, data: OfficerVillages) -> dict:
    villages = sorted(set(data.villages))
    regions.require_village(user.regency, villages, "villages", joined=True)
    current = repo.get(user.regency, sub)
    before = sorted(current.villages) if current else None
    version = int(current.version) + 1 if current else 1
    now = deps.now_iso()
    audit = AuditEntry(user.regency, "officer", sub, "update" if current else "create", user.sub, user.role, now,
                       deps.new_id(), {"villages": [before, villages]})
    repo.put(user.regency, sub, villages, version, now, user.sub, audit)
    return {"sub": sub, "villages": villages, "source": "assignment", "version": version, "updated_at": now,
            "updated_by": user.sub}
