"""Period end and renewal: moving many enrolments without timing out.

Both start small and synchronous (find what ended; create the next programme) and carry the
bulk over the `lifecycle` queue in pages, so 26,775 enrolments never run in one request or one
Lambda invocation. Every enrolment change goes through the enrolment store's versioned,
audited writes, so a redelivered page changes nothing twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chalicelib import aws, config
from chalicelib.auth import User
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import Actor, Enrolment, apply_patch
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.inputs import Renewal
from chalicelib.observability import logger, metrics
from chalicelib.services import audit_trail, programmes
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import programmes as programme_repo
from chalicelib.store import reminders as reminder_repo
from chalicelib.store import renewals as renewal_repo

QUEUE = "lifecycle"
SYSTEM = Actor("system", "system")
CARRIED = frozenset({"active", "expired"})  # may become "renewed"; deceased/rejected/withdrawn never carry
EXPIRY_LOOKBACK_DAYS = 7
RENEW_PAGE = 100


def _set_status(deps: Deps, current: Enrolment, status: str, actor: Actor, extra: dict | None = None) -> bool:
    """Versioned, audited status change through the enrolment store; False if it moved meanwhile."""
    updated, diff = apply_patch(current, {"status": status}, current.regency, today_wib(deps.clock), actor,
                                deps.now_iso())
    if extra:
        diff.update(extra)
    try:
        audit = audit_trail.entry(deps, current.regency, "enrolment", current.id, "update", updated.updated_at,
                                  actor, diff)
        enrolment_repo.replace(updated, current.version, audit, deps.new_id())
    except Conflict:
        return False
    return True


# ---------- period end ----------
def expire_due(deps: Deps, regency: str) -> int:
    """Queue active enrolments whose cover ended (ends before today, WIB) for expiry; returns how many."""
    today = today_wib(deps.clock)
    messages, batch = [], []
    for back in range(1, EXPIRY_LOOKBACK_DAYS + 1):
        day = (today - timedelta(days=back)).isoformat()
        for e in enrolment_repo.live_ending_on(regency, day):
            if e.status == "active":
                batch.append(e.id)
            if len(batch) == config.reminder_chunk():
                messages.append({"type": "expire", "regency": regency, "today": today.isoformat(), "eids": batch})
                batch = []
    if batch:
        messages.append({"type": "expire", "regency": regency, "today": today.isoformat(), "eids": batch})
    aws.send_messages(QUEUE, messages)
    total = sum(len(m["eids"]) for m in messages)
    logger.info("period end: expiry queued", extra={"regency": regency, "enrolments": total})
    return total


def daily_expiry(deps: Deps) -> int:
    return sum(expire_due(deps, regency) for regency in config.regencies())


def _expire(deps: Deps, message: dict) -> Counter:
    counts: Counter = Counter()
    today = message["today"]
    for eid in message["eids"]:
        e = enrolment_repo.get(message["regency"], eid)
        if e is None or e.deleted or e.status != "active" or e.coverage_end >= today:
            counts["unchanged"] += 1
            continue
        counts["expired" if _set_status(deps, e, "expired", SYSTEM) else "unchanged"] += 1
    metrics.add_metric(name="EnrolmentsExpired", unit="Count", value=counts["expired"])
    return counts


# ---------- renewal ----------
def _renewal_out(r: dict, programme: dict | None) -> dict:
    return {**{k: v for k, v in r.items() if k != "programme_id"}, "programme": programme}


def renew(deps: Deps, user: User, pid: str, body: Renewal) -> tuple[dict, bool]:
    """Create the next period's programme once and queue the carry-over; (renewal, created?)."""
    old = programmes.get(user, pid)
    if body.coverage_start.isoformat() <= old["coverage_end"]:
        raise Invalid("RENEWAL_OVERLAPS", "Periode baru harus dimulai setelah periode lama berakhir",
                      {"coverage_start": f"harus setelah {old['coverage_end']}"})
    start_day = body.coverage_start.isoformat()
    existing = renewal_repo.get(user.regency, pid, start_day)
    if existing is not None:
        return _renewal_out(existing, programme_repo.get(user.regency, existing["programme_id"])), False
    now = deps.now_iso()
    new_pid = deps.new_id()
    code = body.code or f"{old['code']}-R{body.coverage_start:%Y%m}"[:40]
    new = {**old, "id": new_pid, "code": code, "name": body.name or _next_name(old["name"], body),
           "coverage_start": start_day, "coverage_end": body.coverage_end.isoformat(),
           "monthly_contribution_idr": body.rate if body.rate is not None else old["monthly_contribution_idr"],
           "version": 1, "created_at": now, "updated_at": now, "created_by": user.sub, "updated_by": user.sub}
    rules = reminder_repo.get_rules(user.regency, pid)
    audit = audit_trail.entry(deps, user.regency, "programme", new_pid, "create", now,
                              Actor(user.sub, user.role), {"renewed_from": [None, pid]})
    try:
        renewal = renewal_repo.start(user.regency, pid, start_day, new, rules.doc if rules else None, audit, now,
                                     user.sub)
    except renewal_repo.AlreadyRenewed:  # a concurrent identical request won
        won = renewal_repo.get(user.regency, pid, start_day)
        return _renewal_out(won, programme_repo.get(user.regency, won["programme_id"])), False
    # the pages read the by_programme GSI: give it time to catch up with enrolments made just before
    aws.send_messages(QUEUE, [{"type": "renew", "regency": user.regency, "from": pid, "to": new_pid,
                               "marker": start_day, "actor": user.sub, "role": user.role, "cursor": None}],
                      delay_seconds=config.index_settle_seconds())
    logger.info("renewal started", extra={"from_programme_id": pid, "programme_id": new_pid})
    return _renewal_out(renewal, new), True


def _next_name(name: str, body: Renewal) -> str:
    return f"{name} (perpanjangan {body.coverage_start:%m/%Y}-{body.coverage_end:%m/%Y})"[:200]


def renewals(user: User, pid: str) -> dict:
    programmes.get(user, pid)
    items = [_renewal_out(r, programme_repo.get(user.regency, r["programme_id"]))
             for r in renewal_repo.of_programme(user.regency, pid)]
    return {"items": items, "next_cursor": None}


def _renew_page(deps: Deps, message: dict) -> Counter:
    """Carry one page over. The next page is queued before this one is worked on, so a crash loses
    nothing; the per-programme NIK marker makes a repeated page create no duplicate."""
    regency, old_pid, new_pid = message["regency"], message["from"], message["to"]
    new = programme_repo.get(regency, new_pid)
    page, last = enrolment_repo.programme_page(regency, old_pid, message["cursor"], RENEW_PAGE)
    if last:
        aws.send_messages(QUEUE, [{**message, "cursor": last}])
    actor = Actor(message["actor"], message["role"])
    counts: Counter = Counter()
    for old in page:
        if old.status == "renewed" and enrolment_repo.existing_id(regency, new_pid, old.nik):
            counts["already"] += 1  # a redelivered page: this renewal carried them (not "excluded")
            continue
        if old.status not in CARRIED:
            counts["excluded"] += 1
            continue
        counts[_carry(deps, old, new, actor)] += 1
    renewal_repo.add_progress(regency, old_pid, message["marker"], dict(counts), deps.now_iso(), done=not last)
    return counts


def _carry(deps: Deps, old: Enrolment, new: dict, actor: Actor) -> str:
    now = deps.now_iso()
    carried = Enrolment(**{**old.as_dict(), "id": deps.new_id(), "programme_id": new["id"],
                           "status": "active" if old.kpj_number else "submitted", "rejection_reason": None,
                           "coverage_start": new["coverage_start"], "coverage_end": new["coverage_end"],
                           "version": 1, "created_at": now, "updated_at": now, "created_by": actor.sub,
                           "updated_by": actor.sub, "deleted": False})
    outcome = "carried"
    try:
        audit = audit_trail.entry(deps, old.regency, "enrolment", carried.id, "create", now,
                                  actor, {"renewed_from": [None, old.id], "status": [None, carried.status]})
        enrolment_repo.insert(carried, audit)
    except Conflict:
        outcome = "already"  # a repeated page: this person is in the new programme already
    current = enrolment_repo.get(old.regency, old.id)
    if current is not None and current.status in CARRIED:
        _set_status(deps, current, "renewed", actor, {"renewed_to": [None, new["id"]]})
    return outcome


# ---------- a programme's period moved ----------
MOVES_WITH_PROGRAMME = frozenset({"draft", "submitted", "active"})  # others keep the period they had


def queue_period_move(user: User, pid: str) -> None:
    """After a programme's coverage dates changed: carry them to its enrolments, in pages."""
    aws.send_messages(QUEUE, [{"type": "period", "regency": user.regency, "programme": pid, "actor": user.sub,
                               "role": user.role, "cursor": None}])
    logger.info("period move queued", extra={"programme_id": pid})


def _period_page(deps: Deps, message: dict) -> Counter:
    """Give one page of enrolments the programme's *current* dates (read now, so a page of an
    older move, redelivered or overtaken by a newer one, applies the newest): versioned and
    audited writes; an enrolment already on those dates is left alone, so nothing moves twice.
    A create that read the programme before the move and wrote after it follows on its own
    (services/enrolments.py `_follow_a_period_move`). Not covered: an enrolment committed just
    before the move that the by_programme index does not show yet, and rows an import writes
    at that moment, keep the old dates."""
    regency, pid = message["regency"], message["programme"]
    programme = programme_repo.get(regency, pid)
    if programme is None:
        return Counter()
    page, last = enrolment_repo.programme_page(regency, pid, message["cursor"], RENEW_PAGE)
    if last:
        aws.send_messages(QUEUE, [{**message, "cursor": last}])
    actor = Actor(message["actor"], message["role"])
    counts: Counter = Counter(_move_period(deps, e, programme, actor) for e in page)
    metrics.add_metric(name="EnrolmentsPeriodMoved", unit="Count", value=counts["moved"])
    return counts


def move_to_period(deps: Deps, e: Enrolment, programme: dict, actor: Actor) -> Enrolment | None:
    """Give `e` the programme's dates: a new version with an audit event (raises Conflict when `e`
    is stale). None when it keeps its period (status) or already has these dates."""
    if e.deleted or e.status not in MOVES_WITH_PROGRAMME:
        return None
    target = {"coverage_start": programme["coverage_start"], "coverage_end": programme["coverage_end"]}
    diff = {k: [getattr(e, k), v] for k, v in target.items() if getattr(e, k) != v}
    if not diff:
        return None
    now = deps.now_iso()
    moved = Enrolment(**{**e.as_dict(), **target, "version": e.version + 1, "updated_at": now,
                         "updated_by": actor.sub})
    diff["programme_version"] = [None, programme["version"]]
    audit = audit_trail.entry(deps, e.regency, "enrolment", e.id, "update", now, actor, diff)
    enrolment_repo.replace(moved, e.version, audit, deps.new_id())
    return moved


def _move_period(deps: Deps, e: Enrolment | None, programme: dict, actor: Actor, attempts: int = 5) -> str:
    for _ in range(attempts):
        if e is None:
            return "kept"
        try:
            return "moved" if move_to_period(deps, e, programme, actor) else "unchanged"
        except Conflict:  # edited meanwhile: the move commutes with any edit, so apply it to the new version
            e = enrolment_repo.get(e.regency, e.id)
    raise RuntimeError("enrolment kept changing while its period moved")  # the message is retried


# ---------- the queue handler ----------
def handle(deps: Deps, message: dict) -> Counter:
    if message["type"] == "expire":
        return _expire(deps, message)
    if message["type"] == "renew":
        return _renew_page(deps, message)
    if message["type"] == "period":
        return _period_page(deps, message)
    if message["type"] == "submit":  # "Ajukan ke BPJS" pages (services/submissions.py)
        from chalicelib.services import submissions

        return Counter(submissions.handle_page(deps, message))
    raise ValueError(f"unknown lifecycle message type {message['type']!r}")
