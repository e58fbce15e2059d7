"""Programme use cases: create, read, list and change a programme of the caller's regency."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.auth import User
from chalicelib.domain.errors import Conflict, Invalid, NotFound
from chalicelib.domain.programme import period_problem, target_keys
from chalicelib.services import audit_trail, cursors
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import programmes as repo


def create(deps: Deps, user: User, values: dict[str, Any]) -> dict:
    """`values`: a programme as JSON values (ProgrammeIn, validated at the edge)."""
    now = deps.now_iso()
    programme = {**values, "id": deps.new_id(), "regency": user.regency, "version": 1, "created_at": now,
                 "updated_at": now, "created_by": user.sub, "updated_by": user.sub}
    audit = audit_trail.entry(deps, user.regency, "programme", programme["id"], "create", now,
                              user, {k: [None, v] for k, v in values.items()})
    repo.insert(programme, audit)
    return programme


def get(user: User, pid: str) -> dict:
    programme = repo.get(user.regency, pid)
    if programme is None:
        raise NotFound("PROGRAMME_NOT_FOUND", "Program tidak ditemukan")
    return programme


def list_page(user: User, limit: int, cursor: str | None) -> dict:
    scope = f"programmes|{user.regency}"
    items, last = repo.list_page(user.regency, cursors.decode(cursor, scope), limit)
    return {"items": items, "next_cursor": cursors.encode(last, scope)}


def patch(deps: Deps, user: User, pid: str, changes: dict[str, Any], if_match: int | None) -> dict:
    """`changes`: only the fields the caller sent, as JSON values (ProgrammePatch)."""
    current = get(user, pid)
    changes = dict(changes)
    nulls = sorted(k for k, v in changes.items() if v is None and k not in {"funder", "legal_basis", "eligibility",
                                                                                     "retention_years"})
    if nulls:
        raise Invalid("VALIDATION_FAILED", "Kolom wajib tidak boleh dikosongkan", {k: "wajib diisi" for k in nulls})
    updated = {**current, **changes}
    problem = period_problem(date.fromisoformat(updated["coverage_start"]), date.fromisoformat(updated["coverage_end"]))
    if problem:
        raise Invalid("VALIDATION_FAILED", "Periode tidak valid", {"coverage_end": problem})
    unknown = set(updated["targets"]) - target_keys(updated["categories"])
    if unknown:
        raise Invalid("VALIDATION_FAILED", "Target tidak valid",
                      {"targets": f"kategori/kelompok tidak ada: {', '.join(sorted(unknown))}"})
    diff = {k: [current[k], v] for k, v in changes.items() if current[k] != v}
    if not diff:
        return current
    _check_in_use(user, current, updated, diff)
    expected = if_match if if_match is not None else current["version"]
    now = deps.now_iso()
    updated.update(version=expected + 1, updated_at=now, updated_by=user.sub)
    audit = audit_trail.entry(deps, user.regency, "programme", pid, "update", now, user, diff)
    repo.replace(updated, expected, audit, deps.new_id())
    if {"coverage_start", "coverage_end"} & diff.keys():
        from chalicelib.services import lifecycle  # it imports this module

        lifecycle.queue_period_move(user, pid)
    return updated


def _check_in_use(user: User, current: dict, updated: dict, diff: dict) -> None:
    """Removing a category that enrolments use would make them vanish from the summary's groups:
    refused. (A moved period is propagated instead: services/lifecycle.py `_move_period`.) Reads
    the by_category index (eventually consistent: an enrolment made in the same instant can slip
    past, as any index read can)."""
    removed = sorted({c["code"] for c in current["categories"]} - {c["code"] for c in updated["categories"]})
    used = enrolment_repo.categories_in_use(user.regency, current["id"], removed) if removed else []
    if used:
        raise Conflict("CATEGORY_IN_USE", "Kategori masih dipakai data kepesertaan; pindahkan dulu pesertanya "
                       "ke kategori lain", {"categories": f"masih dipakai: {', '.join(used)}"})
