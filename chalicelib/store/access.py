"""The access log's items (models.AccessModel): written in one batch per request, read by partition."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from chalicelib.store import keys
from chalicelib.store.models import AccessModel

SMALL_READ = 20  # up to this many enrolments: one item per enrolment, else one per programme


@dataclass(frozen=True)
class Read:
    regency: str
    request_id: str
    actor: str
    actor_role: str
    at: str
    method: str
    route: str
    expires_at: int
    enrolments: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    whole: bool = False  # the whole roster of `programmes` (an export)
    rows: int | None = None
    by_programme: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _item(read: Read, pk: str, ids: list[str] | None, programme_ids: list[str] | None) -> AccessModel:
    return AccessModel(pk, f"{read.at}#{read.request_id}", request_id=read.request_id, actor=read.actor,
                       actor_role=read.actor_role, at=read.at, method=read.method, route=read.route,
                       ids=ids or None, programme_ids=programme_ids or None, whole=read.whole, rows=read.rows,
                       expires_at=read.expires_at)


def items(read: Read) -> list[AccessModel]:
    """The user's item, plus per-enrolment items (small reads) or per-programme items (big ones)."""
    r = read.regency
    out = [_item(read, keys.access(r, "U", read.actor), sorted(read.enrolments), sorted(read.programmes))]
    if read.whole:
        out += [_item(read, keys.access(r, "P", pid), None, [pid]) for pid in sorted(read.programmes)]
    elif len(read.enrolments) <= SMALL_READ:
        out += [_item(read, keys.access(r, "E", eid), [eid], None) for eid in sorted(read.enrolments)]
    else:
        groups = dict(read.by_programme) or {"-": tuple(read.enrolments)}
        out += [_item(read, keys.access(r, "P", pid), sorted(ids), [pid]) for pid, ids in sorted(groups.items())]
    return out


def write(read: Read) -> None:
    """One BatchWriteItem (25 items a call; PynamoDB retries unprocessed items)."""
    with AccessModel.batch_write() as batch:
        for item in items(read):
            batch.save(item)


def as_dict(m: AccessModel) -> dict:
    return {"at": m.at, "request_id": m.request_id, "actor": m.actor, "actor_role": m.actor_role,
            "method": m.method, "route": m.route, "enrolment_ids": list(m.ids or []),
            "programme_ids": list(m.programme_ids or []), "whole_roster": bool(m.whole),
            "rows": int(m.rows) if m.rows is not None else None}


def _between(pk: str, start: str, end: str, start_key: dict | None = None, limit: int | None = None,
             condition=None) -> Iterator[AccessModel]:
    return AccessModel.query(pk, AccessModel.sk.between(start, end + "~"), filter_condition=condition,
                             scan_index_forward=False, last_evaluated_key=start_key, limit=limit)


def by_user(regency: str, sub: str, start: str, end: str, start_key: dict | None,
            limit: int) -> tuple[list[dict], dict | None]:
    """Up to `limit` of an account's reads in the range, newest first, and the key to resume after them."""
    results = _between(keys.access(regency, "U", sub), start, end, start_key, limit)
    return [as_dict(m) for m in results], results.last_evaluated_key


def by_enrolment(regency: str, eid: str, start: str, end: str) -> list[dict]:
    return [as_dict(m) for m in _between(keys.access(regency, "E", eid), start, end)]


def by_programme_touching(regency: str, pid: str, eids: set[str], start: str, end: str) -> list[dict]:
    """Big reads of a programme that listed one of `eids`, and whole-roster reads (exports)."""
    condition = AccessModel.whole == True  # noqa: E712
    for eid in sorted(eids):
        condition = condition | AccessModel.ids.contains(eid)
    return [as_dict(m) for m in _between(keys.access(regency, "P", pid), start, end, condition=condition)]
