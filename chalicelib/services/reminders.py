"""Reminder use cases: rules as data, the sweep (plan and fan out through SQS), the queue handler
that claims and sends, an enrolment's reminder history and a run's progress.

The sweep only plans: one Query of the coverage-end index per due date, then SQS messages of up
to `reminder_chunk()` enrolments (and one per village digest). Sending happens in the queue
handler, where each reminder is claimed by a conditional write before anything leaves, so a rerun,
a redelivered batch or two overlapping runs cannot send it twice, and a failed send stays
retryable for the next run (rules stay due for `catch_up_days`).
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import aws, config, notify
from chalicelib.auth import User
from chalicelib.domain import budget, safe_files
from chalicelib.domain import reminders as dr
from chalicelib.domain.clock import WIB, iso, today_wib
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.domain.inputs import ReminderPreview
from chalicelib.domain.lifecycle import LIVE
from chalicelib.domain.phone import masked
from chalicelib.notify import Attachment, Notifiers, Outgoing, SendFailed
from chalicelib.observability import logger, metrics
from chalicelib.services import cursors, enrolments, programmes
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import optouts, regions, restrictions
from chalicelib.store import programmes as programme_repo
from chalicelib.store import reminders as repo
from chalicelib.store import renewals as lifecycle_repo

if TYPE_CHECKING:  # a pydantic model, loaded on first use (domain/validation.py)
    from chalicelib.domain.validation import ReminderRulesIn

QUEUE = "reminders"
ALL_VILLAGES = "ALL"


# ---------- rules as data ----------
def ruleset(doc: dict | None) -> dr.RuleSet:
    """The domain's RuleSet from a stored (or default) rules document."""
    from chalicelib.domain import validation  # pydantic, on first use

    return validation.ruleset(doc)


def _rules_out(pid: str, stored: dr.StoredRules | None) -> dict:
    from chalicelib.domain.validation import ReminderRulesIn

    data = ReminderRulesIn.model_validate(stored.doc if stored else {})
    rs = data.ruleset()
    out = data.document()
    out.update(programme_id=pid, templates=rs.templates, version=stored.version if stored else 0,
               is_default=stored is None, updated_at=stored.updated_at if stored else None,
               sms_per_worker_per_period=rs.sms_rules())
    return out


def get_rules(user: User, pid: str) -> dict:
    """An officer sees the contacts of their own villages only (another village's contact is not
    theirs to read; found by tests/integration/test_route_matrix.py)."""
    programmes.get(user, pid)
    out = _rules_out(pid, repo.get_rules(user.regency, pid))
    if user.role == "officer":
        out["village_contacts"] = {v: c for v, c in out["village_contacts"].items() if user.can_see_village(v)}
    return out


def _check_templates(templates: dict[str, str]) -> None:
    problems = dr.template_problems(templates)
    if problems:
        raise Invalid("TEMPLATE_INVALID", "Template pesan tidak valid", problems)


def put_rules(deps: Deps, user: User, pid: str, body: ReminderRulesIn, if_match: int | None) -> dict:
    programmes.get(user, pid)
    _check_templates(body.templates.given())
    proposed = body.ruleset()
    problem = dr.quiet_hours_problem(proposed.quiet_hours)
    if problem:
        raise Invalid("QUIET_HOURS_INVALID", "Jam tenang tidak bisa dipakai", {"quiet_hours": problem})
    regions.require_village(user.regency, sorted(body.village_contacts), lambda v: f"village_contacts.{v}")
    expected = if_match
    if expected is None:
        current = repo.get_rules(user.regency, pid)
        expected = current.version if current else 0
    repo.put_rules(user.regency, pid, body.document(), expected, deps.now_iso(), user.sub)
    logger.info("reminder rules saved", extra={"programme_id": pid, "rules": [r.days_before for r in body.rules]})
    return _rules_out(pid, repo.get_rules(user.regency, pid))


_SAMPLE = {"name": "Siti Aminah", "village_code": None, "phone": "+6281200000000"}


def preview(deps: Deps, user: User, pid: str, body: ReminderPreview) -> dict:
    """Render the (stored or proposed) templates for one enrolment or a sample worker."""
    programme = programmes.get(user, pid)
    stored = repo.get_rules(user.regency, pid)
    rs = ruleset(stored.doc if stored else None)
    _check_templates(body.templates)
    templates = {**rs.templates, **body.templates}
    if body.enrolment_id:
        e = enrolments.get(user, body.enrolment_id, programme_id=pid)
        name, village, phone, end = e.name, e.village_code, e.phone or _SAMPLE["phone"], e.coverage_end
    else:
        name, phone, end = _SAMPLE["name"], _SAMPLE["phone"], programme["coverage_end"]
        village = next(iter(sorted(user.villages)), None) or next(iter(rs.village_contacts), None) or ""
    end_day, today = date.fromisoformat(end), today_wib(deps.clock)
    village_name = regions.village_name(village) if village else "(desa)"
    values = dr.worker_values(name, programme["name"], end_day, village_name, rs.contact_for(village), today)
    sms = dr.sms_text(templates["sms"], values)
    wa = dr.render(templates["whatsapp"], values)
    digest = {**values, "count": 1}
    segments = dr.sms_segments(sms)
    after = dr.sms_text(templates["sms_after"], values)
    return {"sms": {"text": sms, "characters": len(sms), "segments": segments,
                    "cost_idr": dr.sms_cost_idr(segments, config.sms_price_idr()),
                    "programme_names": _names_over_one_segment(user, pid, programme, rs, templates["sms"], today)
                    if body.count_names else None},
            "sms_after": {"text": after, "characters": len(after), "segments": dr.sms_segments(after),
                          "cost_idr": dr.sms_cost_idr(dr.sms_segments(after), config.sms_price_idr())},
            "whatsapp": {"text": wa, "link": dr.wa_link(phone, wa)},
            "email_subject": dr.render(templates["email_subject"], digest),
            "email_intro": dr.render(templates["email_intro"], digest)}


def _names_over_one_segment(user: User, pid: str, programme: dict, rs: dr.RuleSet, template: str,
                            today: date) -> dict:
    """The SMS rendered for every enrolment of the programme (in the user's villages): how many take
    more than one segment. The programme's enrolments read as the export reads them (one Query in
    1 MB pages, no model: enrolments.programme_all; pages of 500 through PynamoDB took 2.8x as long
    at 26,775, bench/admin_screens.py); village names read once."""
    village_names = {v["code"]: v["name"] for v in regions.villages_of(user.regency)}
    names = over = 0
    for e in enrolment_repo.programme_all(user.regency, pid):
        if e.deleted or not user.can_see_village(e.village_code):
            continue
        values = dr.worker_values(e.name, programme["name"], date.fromisoformat(e.coverage_end),
                                  village_names.get(e.village_code, e.village_code),
                                  rs.contact_for(e.village_code), today)
        names += 1
        over += dr.sms_segments(dr.sms_text(template, values)) > 1
    return {"names": names, "over_one_segment": over}


# ---------- the sweep ----------
class _Programmes(dict):
    """Programmes and their rule sets, each read once per sweep or batch."""

    def __init__(self, regency: str, stored_rules: dict | None = None):
        super().__init__()
        self.regency = regency
        self.rules = {pid: ruleset(m.doc) for pid, m in (stored_rules or {}).items()}
        self.default = ruleset(None)
        self.village_names: dict[str, str] = {}

    def programme(self, pid: str) -> dict | None:
        if pid not in self:
            self[pid] = programme_repo.get(self.regency, pid)
        return self[pid]

    def village_name(self, code: str) -> str:
        if code not in self.village_names:
            self.village_names[code] = regions.village_name(code)
        return self.village_names[code]

    def ruleset(self, pid: str) -> dr.RuleSet:
        if pid not in self.rules:
            stored = repo.get_rules(self.regency, pid)
            self.rules[pid] = ruleset(stored.doc) if stored else self.default
        return self.rules[pid]


@dataclass
class _Plan:
    regency: str
    as_of: date
    run_id: str | None
    now: datetime
    now_iso: str
    clock: Any = None  # deps.clock: when a chunk's opt-out answers were got (a long plan outlasts `now`)
    considered: int = 0
    no_phone: int = 0
    opted_out: int = 0  # SNS's opt-out list or an opt-out recorded for the worker (store/optouts.py)
    restricted: int = 0  # an open dispute (Pasal 41) stops reminders
    restricted_niks: set[str] = field(default_factory=set)
    deferred: int = 0  # SMS that leave later than now (quiet hours): see `schedule`
    deferred_segments: int = 0
    schedule: Counter = field(default_factory=Counter)  # send time (WIB, ISO) -> SMS
    settled: int = 0
    sns_checked: dict[str, int] = field(default_factory=dict)  # enrolment id -> version SNS said "not opted out" for
    sms: int = 0
    segments: int = 0
    rendered_sms: int = 0
    rendered_segments: int = 0
    emails: int = 0
    whatsapp_links: int = 0
    projection_enrolments: int = 0
    projection_sms: int = 0
    messages: list[dict] = field(default_factory=list)
    streaming: bool = False  # a run: messages go to SQS as they are planned (`_queue`)
    queued: int = 0  # of `messages`, how many SQS has
    pending: dict[tuple[str, str, str], list[Enrolment]] = field(default_factory=lambda: defaultdict(list))
    digests: dict[tuple[str, str, str, str], int] = field(default_factory=Counter)


def run(deps: Deps, regency: str, as_of: date | None = None, *, dry_run: bool = False, trigger: str = "api",
        programme_id: str | None = None) -> dict:
    """Plan the reminders due on `as_of` and, unless dry_run, queue them; returns the run's figures."""
    if programme_id is not None and programme_repo.get(regency, programme_id) is None:
        # not a silent "0 considered" for a programme of another regency or a typo
        raise NotFound("PROGRAMME_NOT_FOUND", "Program tidak ditemukan")
    now = deps.clock()
    as_of = as_of or today_wib(deps.clock)
    book = _Programmes(regency, repo.all_rules(regency))
    dates = dr.end_dates_to_query(book.default, as_of)
    for rs in book.rules.values():
        dates |= dr.end_dates_to_query(rs, as_of)
    plan = _Plan(regency, as_of, None if dry_run else deps.new_id(), now, iso(now), clock=deps.clock)
    plan.restricted_niks = restrictions.restricted(regency)
    if not dry_run:
        # the run exists before its first message can be handled (the handler adds to its counts); until
        # its summary is written at the end of the plan it reads as queued (get_run)
        repo.create_run(regency, plan.run_id, as_of.isoformat(), iso(now), trigger,
                        {**_summary(_figures(plan, dry_run)), "planning": True})
        plan.streaming = True
    for day in sorted(dates):
        for m in enrolment_repo.live_ending_on(regency, day.isoformat(), programme_id):
            _consider(plan, book, m, dry_run)
    for pid, rs in sorted(book.rules.items()):
        # rules after the end: workers whose cover ended and was not renewed (status expired; the
        # still-live ones whose expiry has not run yet came with the Query above)
        ended = sorted(d.isoformat() for d in dr.end_dates_to_query(rs, as_of) if d < as_of)
        if ended and (programme_id is None or pid == programme_id) and any(r.after_end for r in rs.rules):
            for m in enrolment_repo.expired_ending_on(regency, pid, ended):
                _consider(plan, book, m, dry_run)
    for group in list(plan.pending):
        _flush(plan, book, group, dry_run)
    _plan_digests(plan, book, dry_run)
    _plan_budgets(plan, book, programme_id)
    result = _figures(plan, dry_run)
    if dry_run:
        result["status"] = "planned"
    else:
        repo.set_run_summary(regency, plan.run_id, _summary(result))
        aws.send_messages(QUEUE, plan.messages[plan.queued:])
        plan.queued = len(plan.messages)
        not_sent = plan.no_phone + plan.settled + plan.opted_out + plan.restricted
        repo.add_to_run(regency, plan.run_id, skipped=not_sent, deferred=plan.deferred, opted_out=plan.opted_out)
        result.update(status="queued" if plan.messages else "done", skipped=not_sent)
        metrics.add_metric(name="RemindersQueued", unit="Count", value=plan.sms)
    logger.info("reminder sweep planned", extra={"regency": regency, "as_of": as_of.isoformat(), "dry_run": dry_run,
                                                 "considered": plan.considered, "sms": plan.sms,
                                                 "emails": plan.emails, "messages": len(plan.messages)})
    return result


def _summary(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in {"as_of", "run_id", "dry_run"}}


def _figures(plan: _Plan, dry_run: bool) -> dict:
    """What a plan, a run (as its summary) and a rerun answer: the one cost model (`_costs`)."""
    return {
        "run_id": plan.run_id, "as_of": plan.as_of, "dry_run": dry_run, "considered": plan.considered,
        "queued_messages": 0 if dry_run else len(plan.messages),
        "would_send": {"sms": plan.sms + (plan.deferred if dry_run else 0), "email": plan.emails,
                       "whatsapp_links": plan.whatsapp_links},
        "sms_schedule": [{"at": at, "sms": n} for at, n in sorted(plan.schedule.items())],
        "skipped": plan.no_phone + plan.settled + plan.opted_out + plan.restricted, "deferred": plan.deferred,
        "opted_out": plan.opted_out, "restricted": plan.restricted,
        "expected": (plan.sms + plan.emails + plan.no_phone + plan.opted_out + plan.restricted + plan.deferred
                     + plan.settled),
        **_costs(plan, config.sms_price_idr(), dry_run),
    }


def _queue(plan: _Plan, message: dict) -> None:
    """A message for the queue handler. A run hands them to SQS ten at a time while it still plans
    (bench/sweep.py: planning 2,000 SMS took ~10 s, during which the senders and the channel idled);
    a dry run only counts them."""
    plan.messages.append(message)
    if plan.streaming and len(plan.messages) - plan.queued >= 10:
        aws.send_messages(QUEUE, plan.messages[plan.queued:])
        plan.queued = len(plan.messages)


def _costs(plan: _Plan, price: int, dry_run: bool) -> dict:
    """The one cost model of a dry run, a run and a rerun: the SMS this run sends (already sent, in
    flight or out of attempts left out), priced per segment of their rendered text; a plan also
    prices the SMS quiet hours hold for a later sweep (`sms_schedule` says when), a run leaves them
    to that sweep, which prices them. The period projection is at the average segments of every due
    SMS rendered (sent before or not), so a rerun projects what the run did."""
    avg_segments = plan.rendered_segments / plan.rendered_sms if plan.rendered_sms else 1
    sms = plan.sms + (plan.deferred if dry_run else 0)
    segments = plan.segments + (plan.deferred_segments if dry_run else 0)
    return {"cost": {"price_per_sms_idr": price, "sms": sms, "sms_segments": segments,
                     "total_idr": dr.sms_cost_idr(segments, price)},
            "period_projection": {"enrolments": plan.projection_enrolments, "sms": plan.projection_sms,
                                  "total_idr": round(plan.projection_sms * avg_segments * price)}}


def _unsettled(plan: _Plan, batch: list, end: str, rule_id: str) -> list:
    """The batch without the reminders a run would not send again (the same check for plan and run)."""
    keys = {repo.enrolment_key(plan.regency, m.id, end, rule_id, "sms"): m for m in batch}
    done = repo.settled(keys, plan.now_iso, config.reminder_max_attempts())
    plan.settled += len(done)
    return [m for k, m in keys.items() if k not in done]


def _consider(plan: _Plan, book: _Programmes, m: Enrolment, dry_run: bool) -> None:
    rs = book.ruleset(m.programme_id)
    end = date.fromisoformat(m.coverage_end)
    rule = dr.due_rule(rs, end, plan.as_of)
    if rule is None:
        return
    plan.considered += 1
    plan.projection_enrolments += 1
    if m.phone:
        plan.projection_sms += rs.sms_rules()
    if "email" in rule.channels:
        if "village_officer" in rs.audience:
            plan.digests[(m.programme_id, rule.id, m.coverage_end, m.village_code)] += 1 if m.phone else 0
        if "admin" in rs.audience and rs.admin_emails:
            plan.digests[(m.programme_id, rule.id, m.coverage_end, ALL_VILLAGES)] += 0
    if "sms" not in rule.channels or "worker" not in rs.audience:
        return
    if not m.phone:
        plan.no_phone += 1
        return
    group = (m.programme_id, rule.id, m.coverage_end)
    plan.pending[group].append(m)
    if len(plan.pending[group]) >= config.reminder_chunk():
        _flush(plan, book, group, dry_run)


def _flush(plan: _Plan, book: _Programmes, group: tuple[str, str, str], dry_run: bool) -> None:
    batch = _without_opted_out(plan, plan.pending.pop(group, []))
    if not batch:
        return
    pid, rule_id, end = group
    rs, programme = book.ruleset(pid), book.programme(pid) or {"name": pid}
    template = rs.templates[rs.rule(rule_id).sms_template]
    segments = {m.id: dr.sms_segments(dr.sms_text(template, _values(m, programme, rs, plan.as_of, book.village_name)))
                for m in batch}
    plan.rendered_sms += len(batch)
    plan.rendered_segments += sum(segments.values())
    batch = _unsettled(plan, batch, end, rule_id)
    if not batch:
        return
    at = dr.send_time(plan.now, plan.as_of, rs.quiet_hours)
    plan.schedule[at.astimezone(WIB).isoformat()] += len(batch)
    if at > plan.now:
        # quiet hours (or a later day): a run leaves these to the sweep at `at` (rules stay due for
        # catch_up_days); a plan counts and prices them, and says when they go
        plan.deferred += len(batch)
        plan.deferred_segments += sum(segments[m.id] for m in batch)
        return
    plan.segments += sum(segments[m.id] for m in batch)
    if not dry_run:
        _queue(plan, {"type": "sms", "regency": plan.regency, "programme_id": pid, "rule_id": rule_id,
                              "coverage_end": end, "as_of": plan.as_of.isoformat(), "run_id": plan.run_id,
                              "eids": [m.id for m in batch], "sns_checked_at": iso(plan.clock()),
                              "sns_checked": {m.id: plan.sns_checked[m.id] for m in batch if m.id in plan.sns_checked}})
    plan.sms += len(batch)


def _without_opted_out(plan: _Plan, batch: list) -> list:
    """Workers who said no to SMS are skipped and counted (their village digest still lists them,
    for a personal visit). Recorded opt-outs in one BatchGetItem; SNS's list per number."""
    if not batch:
        return batch
    recorded = optouts.opted_out(plan.regency, [m.nik for m in batch])
    sms = notify.notifiers()["sms"]
    asks = [m for m in batch if m.nik not in plan.restricted_niks and m.nik not in recorded]
    # SNS is asked per number (CheckIfPhoneNumberIsOptedOut): a round trip each, the plan's largest cost
    # (bench/sweep.py: ~9 s of 2,000), so a chunk's numbers are asked a few at a time
    answers = _checks().map(lambda m: _provider_opted_out(sms, m.phone), asks)
    said_no = dict(zip((m.id for m in asks), answers, strict=True))
    keep = []
    for m in batch:
        if m.nik in plan.restricted_niks:
            plan.restricted += 1
        elif m.nik in recorded or said_no[m.id]:
            plan.opted_out += 1
        else:
            if said_no[m.id] is False:  # SNS answered: the send need not ask again (see _asked_sns)
                plan.sns_checked[m.id] = int(m.version)
            keep.append(m)
    return keep


@functools.cache
def _checks() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="sns-opt-out")


def _provider_opted_out(sms: Any, phone: str) -> bool | None:
    try:
        return bool(sms.opted_out(phone))
    except SendFailed:
        return None  # unknown now: the send checks again before it sends


def _plan_digests(plan: _Plan, book: _Programmes, dry_run: bool) -> None:
    for (pid, rule_id, end, village), with_phone in sorted(plan.digests.items()):
        rs = book.ruleset(pid)
        if not _digest_recipients(rs, village):
            continue
        if repo.settled([repo.digest_key(plan.regency, pid, village, end, rule_id)],
                                    plan.now_iso, config.reminder_max_attempts()):
            plan.settled += 1
            continue
        plan.emails += 1
        if village != ALL_VILLAGES:
            plan.whatsapp_links += with_phone
        _queue(plan, {"type": "digest", "regency": plan.regency, "programme_id": pid, "rule_id": rule_id,
                              "coverage_end": end, "as_of": plan.as_of.isoformat(), "run_id": plan.run_id,
                              "village": village})


def _plan_budgets(plan: _Plan, book: _Programmes, programme_id: str | None) -> None:
    """The renewal budget email to the programme's admins when a budget offset is due for its period's end."""
    for programme in _programmes_of(plan.regency, programme_id):
        pid = programme["id"]
        book[pid] = programme
        rs = book.ruleset(pid)
        rule = dr.due_rule(rs.budget_rules(), date.fromisoformat(programme["coverage_end"]), plan.as_of)
        if rule is None or "admin" not in rs.audience or not rs.admin_emails:
            continue
        rule_id = f"b{rule.days_before}"
        if repo.settled([repo.budget_key(plan.regency, pid, programme["coverage_end"], rule_id)], plan.now_iso,
                        config.reminder_max_attempts()):
            plan.settled += 1
            continue
        plan.emails += 1
        _queue(plan, {"type": "budget", "regency": plan.regency, "programme_id": pid, "rule_id": rule_id,
                              "coverage_end": programme["coverage_end"], "as_of": plan.as_of.isoformat(),
                              "run_id": plan.run_id})


def _programmes_of(regency: str, programme_id: str | None) -> list[dict]:
    if programme_id:
        found = programme_repo.get(regency, programme_id)
        return [found] if found else []
    return programme_repo.list_page(regency, None, 10_000)[0]


def budget_of(regency: str, programme: dict) -> budget.RenewalBudget:
    """The figure the email and the dashboard show, computed from the records."""
    renewals = lifecycle_repo.of_programme(regency, programme["id"])
    return budget.renewal_budget(programme, enrolment_repo.count_live(regency, programme["id"]),
                                 renewals[0]["programme_id"] if renewals else None)


def funders_of(regency: str, programme: dict, figure: budget.RenewalBudget) -> list[budget.FunderTotal]:
    """Per funding source, what renewing the regency's programmes that end in this programme's year
    (the APBD year) and are not renewed yet costs, each programme's figure computed from its records."""
    figures = [(programme, figure)]
    for other in _programmes_of(regency, None):
        if other["id"] != programme["id"] and other["coverage_end"][:4] == programme["coverage_end"][:4]:
            figures.append((other, budget_of(regency, other)))
    return budget.by_funder(figures, figure.period_end.year)


def renewal_budget(user: User, pid: str) -> dict:
    programme = programmes.get(user, pid)
    stored = repo.get_rules(user.regency, pid)
    rs = ruleset(stored.doc if stored else None)
    figure = budget_of(user.regency, programme)
    return {"programme_id": pid, **figure.as_dict(), "reminders_days_before": list(rs.budget_offsets),
            "fiscal_year": figure.period_end.year,
            "by_funder": [t.as_dict() for t in funders_of(user.regency, programme, figure)]}


def _digest_recipients(rs: dr.RuleSet, village: str) -> tuple[str, ...]:
    if village == ALL_VILLAGES:
        return rs.admin_emails if "admin" in rs.audience else ()
    contact = rs.village_contacts.get(village)
    return contact.emails if contact and "village_officer" in rs.audience else ()


def _values(m: Any, programme: dict, rs: dr.RuleSet, as_of: date, village_name=None) -> dict:
    """The template's values for one worker; `village_name` a memo (a sweep or a batch reads each name once)."""
    name = (village_name or regions.village_name)(m.village_code)
    return dr.worker_values(m.name, programme["name"], date.fromisoformat(m.coverage_end), name,
                            rs.contact_for(m.village_code), as_of)


def daily(deps: Deps) -> list[dict]:
    """The scheduled sweep, for every regency this deployment serves."""
    return [run(deps, regency, trigger="schedule") for regency in config.regencies()]


# ---------- the queue handler: claim, send, record ----------
def handle(deps: Deps, message: dict, ports: Notifiers | None = None) -> Counter:
    ports = ports or notify.notifiers()
    book = _Programmes(message["regency"])
    handler = {"digest": _handle_digest, "budget": _handle_budget}.get(message["type"], _handle_sms)
    counts = handler(deps, message, book, ports)
    repo.add_to_run(message["regency"], message.get("run_id"), **counts)
    for name in ("sent", "failed"):
        if counts[name]:
            metrics.add_metric(name=f"Reminders{name.capitalize()}", unit="Count", value=counts[name])
    return counts


_UNREAD = object()


def _claim(deps: Deps, key: repo.Key, message: dict, subject: str, channel: str, recipient: str,
           existing: Any = _UNREAD) -> str | None:
    """The right to send, won by the conditional write alone; `existing` (the record read beforehand,
    None if absent) spares the cheap read that lets reruns skip what was sent without a write."""
    if existing is _UNREAD:
        existing = repo.get(key)
    if existing is not None and existing.status in {"sent", "skipped"}:
        return None
    now = deps.clock()
    token = deps.new_id()
    won = repo.claim(key, token=token, now=iso(now),
                     lease_until=iso(now + timedelta(seconds=config.reminder_lease_seconds())),
                     max_attempts=config.reminder_max_attempts(),
                     attrs={"regency": message["regency"], "programme_id": message["programme_id"],
                            "subject_id": subject, "rule_id": message["rule_id"], "channel": channel,
                            "coverage_end": message["coverage_end"], "as_of": message["as_of"],
                            "run_id": message.get("run_id"), "recipient": recipient})
    return token if won else None


def _handle_sms(deps: Deps, message: dict, book: _Programmes, ports: Notifiers) -> Counter:
    """One message's enrolments (up to reminder_chunk()): what decides whether each may get its SMS is
    read with one batch read per kind (enrolments, recorded opt-outs, open restrictions, reminder
    records), so per SMS only the claim and its close are writes of their own (bench/sweep.py counts
    DynamoDB requests per reminder). Each SMS is still claimed by its conditional write before it leaves."""
    counts: Counter = Counter()
    regency, pid, end = message["regency"], message["programme_id"], message["coverage_end"]
    rs, programme = book.ruleset(pid), book.programme(pid)
    rule = rs.rule(message["rule_id"])
    if rule is None or programme is None:
        counts["skipped"] += len(message["eids"])  # the rules changed since the sweep planned this
        return counts
    if rs.quiet_hours and rs.quiet_hours.contains(deps.clock()):
        counts["deferred"] += len(message["eids"])
        return counts
    as_of = date.fromisoformat(message["as_of"])
    statuses = LIVE | {"expired"} if rule.after_end else LIVE  # after the end: ended and not renewed
    found = enrolment_repo.get_many(regency, message["eids"])
    due: list[Enrolment] = []
    for eid in message["eids"]:
        e = found.get(eid)
        if e is None or e.deleted or e.status not in statuses or e.coverage_end != end or not e.phone:
            counts["skipped"] += 1
        else:
            due.append(e)
    niks = [e.nik for e in due]
    said_no = optouts.opted_out(regency, niks) | restrictions.held(regency, niks)
    keys = {e.id: repo.enrolment_key(regency, e.id, end, rule.id, "sms") for e in due}
    records = repo.get_many(keys.values())  # cheap read first: reruns mostly find reminders already sent
    for e in due:
        eid = e.id
        try:
            no = e.nik in said_no or (not _asked_sns(deps, message, e) and ports["sms"].opted_out(e.phone))
        except SendFailed:
            counts["failed"] += 1  # the opt-out list could not be read: not sent, the next run retries
            continue
        if no:
            counts["skipped"] += 1
            counts["opted_out"] += 1
            continue
        key = keys[eid]
        token = _claim(deps, key, message, eid, "sms", masked(e.phone), existing=records.get(key))
        if token is None:
            counts["skipped"] += 1
            continue
        text = dr.sms_text(rs.templates[rule.sms_template], _values(e, programme, rs, as_of, book.village_name))
        try:
            provider_id = ports["sms"].send(Outgoing("sms", (e.phone,), text))
        except SendFailed as exc:
            repo.mark_failed(key, token, deps.now_iso(), exc.code)
            counts["failed"] += 1
            logger.warning("reminder sms failed", extra={"enrolment_id": eid, "rule_id": rule.id,
                                                         "phone": masked(e.phone), "code": exc.code})
            continue
        if provider_id:
            repo.mark_sms_sent(key, token, deps.now_iso(), provider_id, regency, message.get("run_id"))
        else:
            repo.mark_sent(key, token, deps.now_iso(), provider_id)
        counts["sent"] += 1
    return counts


def _asked_sns(deps: Deps, message: dict, e: Enrolment) -> bool:
    """Did the sweep that planned this message get SNS's "not opted out" for this enrolment's number, a
    short while ago? Then the send does not ask again: CheckIfPhoneNumberIsOptedOut has its own account
    quota, and asking twice per SMS doubled the SNS requests of a sweep (bench/sweep.py). A number
    changed since (another version), an answer SNS did not give, or a message older than
    config.sns_opt_out_fresh_seconds() (a redelivery, a late batch) is asked again."""
    checked, at = message.get("sns_checked") or {}, message.get("sns_checked_at")
    if e.id not in checked or int(checked[e.id]) != int(e.version) or not at:
        return False
    age = deps.clock() - datetime.fromisoformat(at.replace("Z", "+00:00"))
    return timedelta(0) <= age <= timedelta(seconds=config.sns_opt_out_fresh_seconds())


def _handle_digest(deps: Deps, message: dict, book: _Programmes, ports: Notifiers) -> Counter:
    counts: Counter = Counter()
    regency, pid, end, village = (message["regency"], message["programme_id"], message["coverage_end"],
                                  message["village"])
    rs, programme = book.ruleset(pid), book.programme(pid)
    recipients = _digest_recipients(rs, village)
    rule = rs.rule(message["rule_id"])
    if rule is None or programme is None or not recipients:
        counts["skipped"] += 1
        return counts
    key = repo.digest_key(regency, pid, village, end, message["rule_id"])
    token = _claim(deps, key, message, village, "email", f"{len(recipients)} penerima")
    if token is None:
        counts["skipped"] += 1
        return counts
    rows = list(enrolment_repo.live_ending_on(regency, end, pid) if village == ALL_VILLAGES
                else enrolment_repo.live_in_village_ending_on(regency, pid, village, end))
    if rule.after_end:  # after the end: also whose cover ended and was not renewed (the period end ran)
        rows += [m for m in enrolment_repo.expired_ending_on(regency, pid, [end])
                 if village == ALL_VILLAGES or m.village_code == village]
    held = restrictions.restricted(regency)  # an open dispute stops reminders, digests included
    rows = [m for m in rows if m.nik not in held]
    undelivered: set[str] = set()
    if village != ALL_VILLAGES:  # whose earlier SMS SNS said did not reach the phone: a personal follow-up
        by_key = {repo.enrolment_key(regency, m.id, end, r.id, "sms"): m.id for m in rows for r in rs.rules}
        undelivered = {by_key[k] for k in repo.delivery_failed(by_key)}
    email = digest_email(programme, rs, village, date.fromisoformat(end), date.fromisoformat(message["as_of"]),
                         sorted(rows, key=lambda m: (m.village_code, m.name.lower())), recipients, undelivered,
                         rule=rule)
    try:
        provider_id = ports["email"].send(email)
    except SendFailed as exc:
        repo.mark_failed(key, token, deps.now_iso(), exc.code)
        counts["failed"] += 1
        logger.warning("reminder digest failed", extra={"programme_id": pid, "village": village, "code": exc.code})
        return counts
    repo.mark_sent(key, token, deps.now_iso(), provider_id)
    counts["sent"] += 1
    return counts


def _handle_budget(deps: Deps, message: dict, book: _Programmes, ports: Notifiers) -> Counter:
    counts: Counter = Counter()
    regency, pid, end = message["regency"], message["programme_id"], message["coverage_end"]
    rs, programme = book.ruleset(pid), book.programme(pid)
    if programme is None or programme["coverage_end"] != end or not rs.admin_emails:
        counts["skipped"] += 1  # the period or the rules changed since the sweep planned this
        return counts
    key = repo.budget_key(regency, pid, end, message["rule_id"])
    token = _claim(deps, key, message, "BUDGET", "email", f"{len(rs.admin_emails)} penerima")
    if token is None:
        counts["skipped"] += 1
        return counts
    figure = budget_of(regency, programme)
    subject, body = budget.budget_email(programme, figure, date.fromisoformat(message["as_of"]),
                                        config.admin_renew_link(), funders_of(regency, programme, figure))
    try:
        provider_id = ports["email"].send(Outgoing("email", rs.admin_emails, body, subject=subject))
    except SendFailed as exc:
        repo.mark_failed(key, token, deps.now_iso(), exc.code)
        counts["failed"] += 1
        logger.warning("renewal budget email failed", extra={"programme_id": pid, "code": exc.code})
        return counts
    repo.mark_sent(key, token, deps.now_iso(), provider_id)
    counts["sent"] += 1
    return counts


def digest_email(programme: dict, rs: dr.RuleSet, village: str, end: date, as_of: date, rows: list,
                 recipients: tuple[str, ...], undelivered: set[str] | frozenset[str] = frozenset(),
                 rule: dr.Rule | None = None) -> Outgoing:
    """Per village: who expires when, each with a WhatsApp click-to-chat link the operator can
    forward from their own phone at no cost to the regency. For admins: the whole list, no phones.
    What people read: category labels, kecamatan and village names, dates as "31 Desember 2025".
    For a rule after the end (H+1, H+7): who ended and was not renewed, days since the end, and the
    _after texts (going on alone: JMO, PERISAI agents, post office; 3 unpaid months = lapsed)."""
    rule = rule or dr.Rule(max((end - as_of).days, 0))
    after = rule.after_end
    everyone = village == ALL_VILLAGES
    place = "semua desa" if everyone else f"Desa {regions.village_name(village)}"
    labels = {c["code"]: c.get("label") or c["code"] for c in programme.get("categories") or []}
    districts = {v["district_code"]: v["district_name"] for v in regions.villages_of(programme["regency"])} \
        if everyone and programme.get("regency") else {}
    head = {"programme": programme["name"], "end_date": dr.format_date_id(end), "village": place,
            "officer_contact": rs.default_contact if everyone else rs.contact_for(village),
            "days_left": (end - as_of).days, "days_ago": max((as_of - end).days, 0), "count": len(rows)}
    table: list[list] = []
    lines = [dr.render(rs.templates[rule.template("email_intro")], head), ""]
    days_column = "hari_sejak_berakhir" if after else "hari_lagi"
    if everyone:
        header = ["no", "id_kepesertaan", "nama", "kecamatan", "desa", "kategori", "berakhir", days_column]
    else:
        header = ["no", "nama", "kategori", "berakhir", days_column, "hp", "tautan_whatsapp", "sms_tidak_sampai"]
    follow_up: list[str] = []
    for i, m in enumerate(rows, 1):
        ends = date.fromisoformat(m.coverage_end)
        days_left, ends_text = (as_of - ends).days if after else (ends - as_of).days, dr.format_date_id(ends)
        category = labels.get(m.category, m.category)
        if everyone:
            table.append([i, m.id, m.name, districts.get(m.district_code, m.district_code),
                          regions.village_name(m.village_code), category, ends_text, days_left])
            lines.append(f"{i}. {m.name} ({category}) - {regions.village_name(m.village_code)} - berakhir {ends_text}")
            continue
        link = ""
        if m.phone:
            link = dr.wa_link(m.phone, dr.render(rs.templates[rule.template("whatsapp")],
                                                 _values(m, programme, rs, as_of)))
        table.append([i, m.name, category, ends_text, days_left, m.phone or "", link,
                      "ya" if m.id in undelivered else ""])
        lines.append(f"{i}. {m.name} ({category}) - berakhir {ends_text} - "
                     + (f"WhatsApp: {link}" if link else "tanpa nomor HP"))
        if m.id in undelivered:
            follow_up.append(f"- {m.name}: WhatsApp: {link}" if link else f"- {m.name}")
    if follow_up:
        lines += ["", f"SMS pengingat sebelumnya TIDAK SAMPAI ke {len(follow_up)} peserta ini; mohon dihubungi "
                      "langsung:", *follow_up]
    lines += ["", "Daftar lengkap terlampir (CSV).", "-- Lindung, pengingat otomatis"]
    filename = f"pengingat-{end.isoformat()}-{'semua' if everyone else village}.csv"
    subject = dr.render(rs.templates[rule.template("email_subject")], head)
    return Outgoing("email", recipients, "\n".join(lines), subject=subject,
                    attachments=(Attachment(filename, safe_files.csv_bytes(header, table)),))


# ---------- delivery status: SNS's delivery-status logs ----------
def record_delivery_logs(event: dict) -> Counter:
    """A CloudWatch Logs subscription event from SNS's SMS delivery-status log groups
    (sns/<region>/<account>/DirectPublishToPhoneNumber[/Failure]): each log line is SNS's JSON for one
    SMS. Each marks its reminder delivered or failed with the provider's reason, once (a replay
    changes nothing). The log's destination phone is never read into our logs."""
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    counts: Counter = Counter()
    for item in data.get("logEvents", []):
        try:
            line = json.loads(item["message"])
            message_id = line["notification"]["messageId"]
            status = line["status"]
        except (ValueError, KeyError, TypeError):
            counts["unreadable"] += 1
            continue
        delivery = "delivered" if status == "SUCCESS" else "failed"
        reason = str((line.get("delivery") or {}).get("providerResponse") or status)
        at = str(line["notification"].get("timestamp") or "")
        counts[repo.record_delivery(message_id, delivery, reason, at)] += 1
    logger.info("sms delivery status", extra={"counts": dict(counts), "log_group": data.get("logGroup")})
    return counts


# ---------- reads ----------
def history(user: User, eid: str, limit: int, cursor: str | None) -> dict:
    enrolments.get(user, eid, include_deleted=True)
    scope = f"reminders|{user.regency}|{eid}"
    items, last = repo.history(user.regency, eid, cursors.decode(cursor, scope), limit)
    return {"items": items, "next_cursor": cursors.encode(last, scope)}


def get_run(user: User, run_id: str) -> dict:
    found = repo.get_run(user.regency, run_id)
    if found is None:
        raise NotFound("RUN_NOT_FOUND", "Proses pengingat tidak ditemukan")
    planning = bool(found.summary.get("planning"))  # the sweep is still planning (and queueing) it
    summary = {k: v for k, v in found.summary.items() if k != "planning"}
    out = {**summary, "run_id": run_id, "as_of": found.as_of, "dry_run": False, "sent": found.sent,
           "skipped": found.skipped, "failed": found.failed, "deferred": found.deferred,
           "opted_out": found.opted_out, "delivered": found.delivered, "delivery_failed": found.delivery_failed}
    processed = out["sent"] + out["skipped"] + out["failed"] + out["deferred"]
    out["status"] = "done" if not planning and processed >= found.summary.get("expected", 0) else "queued"
    return out
