"""Enrolment use cases: enrol, read, list, correct, withdraw (soft delete) and the audit trail.

Officers act only in their assigned villages; lists for an officer walk only those villages'
index partitions, so another village's records are never read, let alone returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace as evolve
from typing import TYPE_CHECKING

from chalicelib.auth import User
from chalicelib.domain import eligibility
from chalicelib.domain import fields as extra_fields
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import (
    Actor,
    Enrolment,
    apply_patch,
    check_name,
    check_person,
    check_status,
    created_changes,
    district_of,
    normalise_phone,
)
from chalicelib.domain.errors import Conflict, Forbidden, Invalid, NotFound
from chalicelib.domain.inputs import EnrolmentFilter
from chalicelib.domain.receipt import Receipt as OpReceipt
from chalicelib.observability import logger, metrics
from chalicelib.services import audit_trail, cursors, lifecycle, programmes
from chalicelib.services.deps import Deps
from chalicelib.store import audit as audit_repo
from chalicelib.store import enrolments as repo
from chalicelib.store import programmes as programme_repo
from chalicelib.store import regions

if TYPE_CHECKING:  # pydantic models, loaded on first use (domain/validation.py)
    from chalicelib.domain.validation import EnrolmentIn, EnrolmentPatch

# Builds the receipt that must commit in the same transaction as the change (services/sync.py).
Receipt = Callable[[Enrolment], OpReceipt] | None


def outside_villages(field: str, reason: str = "di luar wilayah tugas") -> Forbidden:
    """The refusal of a village the caller is not assigned to, naming the field that named it."""
    return Forbidden("VILLAGE_FORBIDDEN", "Desa ini bukan wilayah tugas Anda", {field: reason})


def _check_village(user: User, village_code: str, field: str = "village_code") -> None:
    if not user.can_see_village(village_code):
        raise outside_villages(field)
    regions.require_village(user.regency, [village_code], field)


def _check_category(programme: dict, category: str) -> None:
    if category not in {c["code"] for c in programme["categories"]}:
        raise Invalid("CATEGORY_UNKNOWN", "Kategori tidak ada di program ini", {"category": "tidak dikenal"})


def completed(enrolment: Enrolment, programme: dict) -> Enrolment:
    """The enrolment with `incomplete` against the programme's *current* definitions."""
    enrolment.incomplete = extra_fields.incomplete(programme.get("fields"), enrolment.extra, enrolment.category)
    return enrolment


def check_extra(programme: dict, values: dict | None, category: str, *, new: bool) -> dict:
    """A write's `extra` values checked against the programme's definitions (422 naming extra.<key>)."""
    checked = extra_fields.validated(programme.get("fields"), values, category, new=new)
    extra_fields.check_size({k: v for k, v in checked.items() if v is not None})
    return checked


def enrol(deps: Deps, user: User, pid: str, data: EnrolmentIn, eid: str | None = None,
          receipt: Receipt = None) -> Enrolment:
    """`eid` lets an offline device name the record it creates, so it can queue edits to it."""
    programme = programmes.get(user, pid)
    _check_village(user, data.village_code)
    _check_category(programme, data.category)
    check_name(data.name)
    parsed, warnings = check_person(data.nik, data.birth_date, data.sex, user.regency, today_wib(deps.clock))
    warnings += _eligibility(programme, data.birth_date)
    check_status(None, data.status, data.kpj_number, None)
    extra = check_extra(programme, data.extra, data.category, new=True)
    now = deps.now_iso()
    enrolment = Enrolment(
        id=eid or deps.new_id(), regency=user.regency, programme_id=pid, nik=parsed.value, name=data.name,
        birth_date=data.birth_date.isoformat(), sex=data.sex, phone=normalise_phone(data.phone),
        village_code=data.village_code, district_code=district_of(data.village_code), category=data.category,
        occupation=data.occupation, kpj_number=data.kpj_number, status=data.status,
        coverage_start=programme["coverage_start"], coverage_end=programme["coverage_end"],
        warnings=warnings, version=1, created_at=now, updated_at=now, created_by=user.sub, updated_by=user.sub,
        extra=extra)
    audit = audit_trail.entry(deps, user.regency, "enrolment", enrolment.id, "create", now,
                              user, created_changes(enrolment))
    repo.insert(enrolment, audit,
                receipt(enrolment) if receipt else None)
    enrolment = _follow_a_period_move(deps, user, enrolment)
    metrics.add_metric(name="EnrolmentsCreated", unit="Count", value=1)
    logger.info("enrolment created", extra={"enrolment_id": enrolment.id, "programme_id": pid,
                                            "nik": parsed.masked()})
    return completed(enrolment, programme)


def _follow_a_period_move(deps: Deps, user: User, enrolment: Enrolment) -> Enrolment:
    """The programme's period may have moved between our read of it and our write, after the move's
    sweep (services/lifecycle.py) passed: read it again (one consistent GetItem) and follow."""
    fresh = programmes.get(user, enrolment.programme_id)
    if (fresh["coverage_start"], fresh["coverage_end"]) == (enrolment.coverage_start, enrolment.coverage_end):
        return enrolment
    try:
        return lifecycle.move_to_period(deps, enrolment, fresh, Actor(user.sub, user.role)) or enrolment
    except Conflict:  # edited by someone in the same instant: answered as stored (rare; keeps the old dates)
        return repo.get(user.regency, enrolment.id) or enrolment


def _eligibility(programme: dict, birth_date) -> list[str]:
    """A person outside the programme's age bounds is kept but flagged (imports reject the row)."""
    outside = eligibility.problem(birth_date, programme["coverage_start"], programme.get("eligibility"))
    return [eligibility.WARNING] if outside else []


def get(user: User, eid: str, include_deleted: bool = False, programme_id: str | None = None) -> Enrolment:
    """The enrolment if the caller may see it (the one visibility check); its history stays
    readable after a soft delete. `programme_id`: one of another programme is not found either."""
    enrolment = repo.get(user.regency, eid)
    if enrolment is not None and enrolment.erased and not include_deleted:
        raise NotFound("ENROLMENT_ERASED", "Data pribadi peserta ini sudah dihapus (hak penghapusan); "
                       "yang tersisa hanya catatan tanpa data pribadi")
    if enrolment is None or (enrolment.deleted and not include_deleted) or (
            programme_id is not None and enrolment.programme_id != programme_id):
        raise NotFound("ENROLMENT_NOT_FOUND", "Data kepesertaan tidak ditemukan")
    if not user.can_see_village(enrolment.village_code):
        raise Forbidden("VILLAGE_FORBIDDEN", "Data ini di luar wilayah tugas Anda")
    return enrolment


def read(user: User, eid: str) -> Enrolment:
    """GET /enrolments/{eid}: the enrolment with its completeness against today's definitions."""
    enrolment = get(user, eid)
    return completed(enrolment, programmes.get(user, enrolment.programme_id))


def patch(deps: Deps, user: User, eid: str, data: EnrolmentPatch, if_match: int,
          receipt: Receipt = None) -> Enrolment:
    current = get(user, eid)
    if current.version != if_match:
        raise Conflict("VERSION_STALE", "Data sudah diubah orang lain; muat ulang lalu ulangi",
                       {"version": "tidak sama dengan versi terbaru"}, current_version=current.version)
    changes = data.changes()
    programme = programmes.get(user, current.programme_id)
    if changes.get("village_code"):
        _check_village(user, changes["village_code"])
    if changes.get("category"):
        _check_category(programme, changes["category"])
    if "extra" in changes:
        if changes["extra"] is None:
            changes.pop("extra")
        else:
            changes["extra"] = check_extra(programme, changes["extra"], changes.get("category") or current.category,
                                           new=False)
    updated, diff = apply_patch(current, changes, user.regency, today_wib(deps.clock),
                                Actor(user.sub, user.role), deps.now_iso())
    if "birth_date" in changes and changes["birth_date"] is not None:  # apply_patch recomputed the warnings
        flagged = _eligibility(programmes.get(user, current.programme_id), updated.birth_date)
        if flagged and flagged[0] not in updated.warnings:
            updated.warnings = [*updated.warnings, *flagged]
        if updated.warnings != current.warnings:
            diff["warnings"] = [current.warnings, updated.warnings]
            if updated.version == current.version:
                updated.version, updated.updated_at, updated.updated_by = current.version + 1, deps.now_iso(), user.sub
    if not diff:
        return completed(current, programme)
    audit = audit_trail.entry(deps, user.regency, "enrolment", eid, "update", updated.updated_at, user, diff)
    repo.replace(updated, if_match, audit, deps.new_id(), moved_from=current.village_code,
                 receipt=receipt(updated) if receipt else None, released_kpj=current.kpj_number)
    return completed(updated, programme)


def delete(deps: Deps, user: User, eid: str, if_match: int | None, receipt: Receipt = None) -> Enrolment:
    current = get(user, eid)
    expected = current.version if if_match is None else if_match
    now = deps.now_iso()
    gone = Enrolment(**{**current.as_dict(), "deleted": True, "version": expected + 1, "updated_at": now,
                        "updated_by": user.sub})
    audit = audit_trail.entry(deps, user.regency, "enrolment", eid, "delete", now, user, {"deleted": [False, True]})
    repo.replace(gone, expected, audit, deps.new_id(),
                 receipt=receipt(gone) if receipt else None)
    return gone


def attach_document(deps: Deps, user: User, eid: str, kind: str, meta: dict, attempts: int = 3) -> Enrolment:
    """Record a document on the enrolment: a new version, audited like any other change.

    Attaching commutes with field edits, so a concurrent edit (stale version) is retried on
    the fresh record rather than bounced back to the officer.
    """
    for attempt in range(attempts):
        current = get(user, eid)
        now = deps.now_iso()
        updated = evolve(current, documents={**current.documents, kind: meta}, version=current.version + 1,
                         updated_at=now, updated_by=user.sub)
        old = current.documents.get(kind, {}).get("id")
        change = {f"documents.{kind}": [old, meta["id"]]}
        try:
            audit = audit_trail.entry(deps, user.regency, "enrolment", eid, "update", now, user, change)
            repo.replace(updated, current.version, audit, deps.new_id())
            return updated
        except Conflict as exc:
            if exc.code != "VERSION_STALE" or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _extra_filters(programme: dict, query: EnrolmentFilter) -> tuple[tuple | None, tuple | None]:
    """?extra=key:value and ?incomplete= as the repository's conditions (value typed as stored)."""
    extra_equals = None
    if query.extra:
        key, _, raw = query.extra.partition(":")
        definition = next((d for d in programme.get("fields") or [] if d["key"] == key), None)
        if definition is None:
            raise Invalid("QUERY_INVALID", "Kolom tambahan tidak dikenal di program ini",
                          {"extra": f"kolom '{key}' tidak ada"})
        try:
            extra_equals = (key, extra_fields.coerce({**definition, "min": None, "max": None, "pattern": None}, raw))
        except ValueError as exc:
            raise Invalid("QUERY_INVALID", "Nilai filter tidak sesuai tipe kolomnya", {"extra": str(exc)}) from None
    incomplete = None
    if query.incomplete is not None:
        required = [(d["key"], d.get("categories") or None) for d in extra_fields.active(programme.get("fields"))
                    if d.get("required")]
        incomplete = (query.incomplete, required)
    return extra_equals, incomplete


def list_page(user: User, pid: str, query: EnrolmentFilter) -> dict:
    programme = programmes.get(user, pid)
    extra_equals, incomplete = _extra_filters(programme, query)
    filters = {"village_code": query.village_code, "district_code": query.district_code,
               "category": query.category, "status": query.status}
    scope = (f"enrolments|{user.regency}|{pid}|{sorted(filters.items())}|{query.q}|{user.role}|"
             f"{sorted(user.villages)}|{query.extra}|{query.incomplete}")
    if incomplete is not None and incomplete[0] and not incomplete[1]:
        return {"items": [], "next_cursor": None}  # nothing is required: nothing is incomplete
    state = cursors.decode(query.cursor, scope, _is_walk_state) or {}
    villages = _villages_to_walk(user, query)
    items: list[Enrolment] = []
    position, start_key = state.get("v", 0), state.get("k")
    while len(items) < query.limit and position < len(villages):
        walk_filters = dict(filters, village_code=villages[position]) if villages[position] else filters
        page, start_key = repo.filtered_page(user.regency, pid, walk_filters, query.q, start_key,
                                             query.limit - len(items), page_size=max(query.limit, 25),
                                             extra_equals=extra_equals, incomplete=incomplete)
        items.extend(completed(e, programme) for e in page)
        if start_key is None:
            position, start_key = position + 1, None
    more = position < len(villages)
    next_state = {"v": position, "k": start_key} if more else None
    return {"items": items, "next_cursor": cursors.encode(next_state, scope)}


def _is_walk_state(state: dict) -> bool:
    """list_page's cursor: {"v": which village of the walk, "k": the key to resume it at}."""
    return set(state) <= {"v", "k"} and cursors.is_count(state.get("v", 0)) and (
        state.get("k") is None or cursors.is_key(state["k"]))


def _villages_to_walk(user: User, query: EnrolmentFilter) -> list[str | None]:
    """[None] means one query over the whole programme; officers walk their villages in order."""
    if user.role != "officer":
        return [query.village_code]
    if query.village_code:
        if query.village_code not in user.villages:
            raise outside_villages("village_code")
        return [query.village_code]
    scoped = sorted(user.villages)
    if query.district_code:
        scoped = [v for v in scoped if district_of(v) == query.district_code]
    return scoped


def audit_page(user: User, eid: str, limit: int, cursor: str | None) -> dict:
    get(user, eid, include_deleted=True)
    scope = f"audit|{user.regency}|{eid}"
    items, last = audit_repo.page(user.regency, "enrolment", eid, cursors.decode(cursor, scope), limit)
    return {"items": [{"at": a.at, "action": a.action, "actor": a.actor, "actor_role": a.actor_role,
                       "changes": a.changes} for a in items],
            "next_cursor": cursors.encode(last, scope)}


def worker(user: User, nik: str) -> dict:
    """A worker with their enrolments. Officers get only what their villages' enrolments hold
    (the details as their newest such enrolment has them, never the worker's latest details
    from another village), and "enrolled only elsewhere" is the same 404 as "unknown", so the
    route cannot be used to learn which NIKs are enrolled somewhere else."""
    not_found = NotFound("WORKER_NOT_FOUND", "Pekerja dengan NIK ini tidak ditemukan")
    found = repo.get_worker(user.regency, nik)
    if user.role == "officer":
        enrolments = [e for e in repo.query_worker(user.regency, nik) if user.can_see_village(e.village_code)]
        if found is not None and user.can_see_village(found.village_code):
            held = found  # the latest details were written by an enrolment in their villages
        elif enrolments:
            held = max(enrolments, key=lambda e: (e.updated_at, e.id))
        else:
            raise not_found
        return {"nik": held.nik, "name": held.name, "birth_date": held.birth_date, "sex": held.sex,
                "phone": held.phone, "village_code": held.village_code, "enrolments": _completed_all(user, enrolments)}
    if found is None:
        raise not_found
    return {"nik": found.nik, "name": found.name, "birth_date": found.birth_date, "sex": found.sex,
            "phone": found.phone, "village_code": found.village_code,
            "enrolments": _completed_all(user, repo.query_worker(user.regency, nik))}


def _completed_all(user: User, enrolments: list[Enrolment]) -> list[Enrolment]:
    """Each enrolment's completeness against its own programme's definitions (one read per programme)."""
    known: dict[str, dict | None] = {}
    for e in enrolments:
        if e.programme_id not in known:
            known[e.programme_id] = programme_repo.get(user.regency, e.programme_id)
        if known[e.programme_id] is not None:
            completed(e, known[e.programme_id])
    return enrolments
