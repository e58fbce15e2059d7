"""Every read of full personal data is accounted for (UU 27/2022 PDP Pasal 31 and 46).

Who, when, which route and which records (ids, never the values). The router calls `record`
once per GET with what `domain.privacy.minimise` found in the response; use cases whose answer
is not JSON of records (the export's file, a document's presigned link) `note` what they
disclosed. One request = one BatchWriteItem (store/access.py), kept `access_log_days` (TTL).
A read that cannot be recorded is refused (503), never served unrecorded.

Admins list it per person (`GET /v1/workers/{nik}/access-log`) and per user over a time range
(`GET /v1/access-log?user=&from=&to=`), so a breach notice can name whose data an account touched.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from chalicelib import config
from chalicelib.auth import User
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.domain.privacy import Disclosure
from chalicelib.services import cursors
from chalicelib.services.deps import Deps
from chalicelib.services.deps import default as default_deps
from chalicelib.store import access as repo
from chalicelib.store import enrolments as enrolment_repo


@dataclass
class _Pending:
    disclosure: Disclosure = field(default_factory=Disclosure)
    whole: bool = False
    rows: int | None = None


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("lindung_access", default=None)


def begin() -> None:
    _pending.set(_Pending())


def note(*, enrolments: tuple[str, ...] = (), programme: str | None = None, whole: bool = False,
         rows: int | None = None) -> None:
    """A use case disclosed these records (or a programme's whole roster) outside the JSON body."""
    pending = _pending.get()
    if pending is None:
        return
    pending.disclosure.personal = True
    pending.disclosure.enrolments |= set(enrolments)
    if programme:
        pending.disclosure.programmes.add(programme)
    pending.whole = pending.whole or whole
    if rows is not None:
        pending.rows = (pending.rows or 0) + rows


def record(user: User, method: str, route: str, found: Disclosure, deps: Deps | None = None) -> bool:
    """Write the request's access items if it disclosed anything in full. True if written."""
    deps = deps or default_deps()
    pending = _pending.get() or _Pending()
    _pending.set(None)
    disclosure = Disclosure()
    disclosure.merge(pending.disclosure)
    disclosure.merge(found)
    if not disclosure.personal or not config.access_log_enabled():
        return False
    if not disclosure.enrolments and not pending.whole:
        return False  # personal values with no record to name (e.g. a sample preview)
    now = deps.clock()
    groups = {pid: tuple(sorted(ids)) for pid, ids in disclosure.by_programme.items()}
    repo.write(repo.Read(
        regency=user.regency, request_id=deps.new_id(), actor=user.sub, actor_role=user.role, at=deps.now_iso(),
        method=method, route=route, expires_at=int(now.timestamp()) + config.access_log_days() * 86400,
        enrolments=tuple(sorted(disclosure.enrolments)), programmes=tuple(sorted(disclosure.programmes)),
        whole=pending.whole, rows=pending.rows, by_programme=groups))
    return True


def _range(start: str | None, end: str | None, deps: Deps) -> tuple[str, str]:
    """ISO dates or datetimes; default the whole kept period up to now."""
    def norm(value: str | None, default: datetime, end_of_day: bool) -> str:
        if not value:
            return default.strftime("%Y-%m-%dT%H:%M:%S")
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                return day.isoformat() + ("T23:59:59.999Z" if end_of_day else "T00:00:00")
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise Invalid("QUERY_INVALID", "Tanggal harus berformat YYYY-MM-DD atau waktu ISO",
                          {"to" if end_of_day else "from": "format tidak sesuai"}) from None
        from chalicelib.domain.clock import iso

        return iso(moment) if moment.tzinfo else moment.isoformat()

    now = deps.clock()
    lo = norm(start, now - timedelta(days=config.access_log_days()), False)
    hi = norm(end, now + timedelta(minutes=1), True)
    if hi < lo:
        raise Invalid("QUERY_INVALID", "Rentang waktu terbalik: 'to' harus setelah 'from'", {"to": "sebelum from"})
    return lo, hi


def user_log(deps: Deps, admin: User, sub: str, start: str | None, end: str | None, limit: int,
             cursor: str | None) -> dict:
    lo, hi = _range(start, end, deps)
    scope = f"access|{admin.regency}|{sub}|{lo}|{hi}"
    found, last = repo.by_user(admin.regency, sub, lo, hi, cursors.decode(cursor, scope), limit)
    return {"items": found, "next_cursor": cursors.encode(last, scope),
            "user": sub, "from_time": lo, "to_time": hi}


def worker_log(deps: Deps, admin: User, nik: str, start: str | None, end: str | None, limit: int) -> dict:
    """Reads that disclosed any of the person's enrolments, newest first (up to `limit`)."""
    lo, hi = _range(start, end, deps)
    enrolments = enrolment_repo.query_worker(admin.regency, nik)
    if not enrolments and enrolment_repo.get_worker(admin.regency, nik) is None:
        raise NotFound("WORKER_NOT_FOUND", "Pekerja dengan NIK ini tidak ditemukan")
    return {"items": entries_for(admin.regency, {e.id: e.programme_id for e in enrolments}, lo, hi)[:limit],
            "next_cursor": None, "from_time": lo, "to_time": hi}


def entries_for(regency: str, eids: dict[str, str], lo: str, hi: str) -> list[dict]:
    seen: dict[str, dict] = {}
    for eid in eids:
        for entry in repo.by_enrolment(regency, eid, lo, hi):
            seen.setdefault(entry["request_id"], entry)
    by_pid: dict[str, set[str]] = {}
    for eid, pid in eids.items():
        by_pid.setdefault(pid, set()).add(eid)
    for pid, ids in by_pid.items():
        for entry in repo.by_programme_touching(regency, pid, ids, lo, hi):
            entry["enrolment_ids"] = sorted(ids & set(entry["enrolment_ids"])) if not entry["whole_roster"] \
                else sorted(ids)
            seen.setdefault(entry["request_id"], entry)
    return sorted(seen.values(), key=lambda e: e["at"], reverse=True)
