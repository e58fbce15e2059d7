"""A programme's own fields: read and replace the definitions (If-Match, audited, conditional).

The definitions live on the programme item, so a change moves the programme's version and its
entry in the sync feed: phones learn of a new field with their next pull.
"""

from __future__ import annotations

from chalicelib.auth import User
from chalicelib.domain import fields as rules
from chalicelib.domain.errors import Conflict
from chalicelib.services import audit_trail, programmes
from chalicelib.services.deps import Deps
from chalicelib.store import programmes as repo


def view(programme: dict) -> dict:
    stored = programme.get("fields") or []
    return {"programme_id": programme["id"], "fields": rules.active(stored),
            "removed_fields": [d for d in stored if d.get("removed")], "version": programme["version"],
            "extra_schema": rules.json_schema(stored)}


def get(user: User, pid: str) -> dict:
    return view(programmes.get(user, pid))


def put(deps: Deps, user: User, pid: str, definitions: list[dict], if_match: int) -> dict:
    """`definitions`: the programme's own fields as JSON values (FieldsIn.definitions)."""
    current = programmes.get(user, pid)
    if current["version"] != if_match:
        raise Conflict("VERSION_STALE", "Program sudah diubah orang lain; muat ulang lalu ulangi",
                       {"version": "tidak sama dengan versi terbaru"}, current_version=current["version"])
    new = [dict(d) for d in definitions]
    for d in new:
        if d.get("required") is False:
            d.pop("required")
        for bound in ("min", "max"):  # 50, not 50.0, in the schema and in messages
            if isinstance(d.get(bound), float) and d[bound].is_integer():
                d[bound] = int(d[bound])
    rules.check_definitions(new, {c["code"] for c in current["categories"]})
    stored, diff = rules.merge_definitions(current.get("fields"), new)
    if not diff:
        return view(current)
    now = deps.now_iso()
    updated = {**current, "fields": stored, "version": if_match + 1, "updated_at": now, "updated_by": user.sub}
    audit = audit_trail.entry(deps, user.regency, "programme", pid, "update", now, user, diff)
    repo.replace(updated, if_match, audit, deps.new_id())
    return view(updated)
