"""Renewals: the marker that makes renewing a programme into a period happen once, and its progress.

PK: R#<regency>#RENEW#<old pid>  SK: <new coverage_start>. The marker, the new programme (written
by store/programmes, the one writer of programme items, so the change feed carries it), the
copied reminder rules and the audit event commit in one transaction: a renewal either exists
whole or not at all.
"""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store import db, keys
from chalicelib.store import programmes as programme_repo
from chalicelib.store import reminders as reminder_repo
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.models import RenewalModel

_COUNTERS = ("carried", "already", "excluded")


class AlreadyRenewed(Exception):
    """A renewal of this programme into this period exists (an identical request won)."""


def _out(r: RenewalModel) -> dict:
    return {"from_programme_id": r.from_programme_id, "programme_id": r.programme_id, "status": r.status,
            "carried": int(r.carried), "already": int(r.already), "excluded": int(r.excluded),
            "pages": int(r.pages), "created_at": r.created_at, "updated_at": r.updated_at}


def get(regency: str, pid: str, start: str) -> dict | None:
    try:
        return _out(RenewalModel.get(keys.renewal(regency, pid), start, consistent_read=True))
    except RenewalModel.DoesNotExist:
        return None


def of_programme(regency: str, pid: str) -> list[dict]:
    return [_out(r) for r in RenewalModel.query(keys.renewal(regency, pid))]


def start(regency: str, pid: str, start_day: str, programme: dict, rules: dict | None, audit: AuditEntry,
          now: str, by: str) -> dict:
    """Create the renewal and the next period's programme (and its copied rules) together.

    Raises AlreadyRenewed when the marker exists, PROGRAMME_CODE_TAKEN when the new code is taken.
    """
    marker = RenewalModel(keys.renewal(regency, pid), start_day, from_programme_id=pid,
                          programme_id=programme["id"], status="carrying", created_at=now, updated_at=now,
                          created_by=by)

    def add(tx: TransactWrite) -> None:
        tx.save(marker, condition=RenewalModel.pk.does_not_exist())
        programme_repo.add_new(tx, programme)
        tx.save(audit_model(audit))
        if rules is not None:
            reminder_repo.add_new_rules(tx, regency, programme["id"], rules, now, by)

    try:
        db.transact(programme["id"], add, "renewal.start")
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes[:1] == ["ConditionalCheckFailed"]:
            raise AlreadyRenewed() from None
        if codes[1:2] == ["ConditionalCheckFailed"]:
            raise programme_repo.code_taken(programme) from None
        raise
    return _out(marker)


def add_progress(regency: str, pid: str, start_day: str, counts: dict[str, int], now: str, done: bool) -> None:
    """ADD a page's counts (a redelivered page is counted again; its enrolments are not)."""
    actions = [getattr(RenewalModel, k).add(v) for k, v in counts.items() if k in _COUNTERS and v]
    actions += [RenewalModel.pages.add(1), RenewalModel.updated_at.set(now)]
    if done:
        actions.append(RenewalModel.status.set("done"))
    RenewalModel(keys.renewal(regency, pid), start_day).update(actions=actions)
