"""Opt-out of messages (UU 27/2022 PDP; docs/privacy.md): a worker tells an officer or admin they
want no more SMS. Recorded with the date and how they asked; the reminder sweep skips them and
counts them (services/reminders.py), and SNS's own opt-out list is honoured there as well. The
village digest still lists them, so the officer can visit in person."""

from __future__ import annotations

from chalicelib.auth import User
from chalicelib.domain.errors import NotFound
from chalicelib.domain.inputs import OptOut, Restriction
from chalicelib.observability import logger
from chalicelib.services import enrolments
from chalicelib.services.deps import Deps
from chalicelib.store import optouts as repo
from chalicelib.store import restrictions


def record(deps: Deps, user: User, nik: str, body: OptOut) -> dict:
    enrolments.worker(user, nik)  # exists, and in the caller's villages (officers)
    saved = repo.put(user.regency, nik, body.channel, body.asked_on.isoformat(), body.asked_via, body.note,
                     deps.now_iso(), user.sub)
    logger.info("opt-out recorded", extra={"channel": body.channel, "asked_via": body.asked_via})
    return saved


def withdraw(user: User, nik: str, channel: str = "sms") -> None:
    enrolments.worker(user, nik)
    if not repo.delete(user.regency, nik, channel):
        raise NotFound("OPT_OUT_NOT_FOUND", "Pekerja ini tidak tercatat menolak SMS")


def of_worker(regency: str, nik: str) -> dict | None:
    return repo.get(regency, nik, "sms")


# ---------- restriction while a dispute is open (Pasal 41) ----------
def restrict(deps: Deps, user: User, nik: str, body: Restriction) -> dict:
    """No reminders and no exports of this person until the dispute closes (admins)."""
    enrolments.worker(user, nik)
    saved = restrictions.put(user.regency, nik, body.reason, body.opened_on.isoformat(), deps.now_iso(), user.sub)
    logger.info("processing restricted")
    return saved


def lift(user: User, nik: str) -> None:
    enrolments.worker(user, nik)
    if not restrictions.delete(user.regency, nik):
        raise NotFound("RESTRICTION_NOT_FOUND", "Tidak ada pembatasan terbuka untuk pekerja ini")


def restriction_of(regency: str, nik: str) -> dict | None:
    return restrictions.get(regency, nik)


def restricted(regency: str) -> set[str]:
    return restrictions.restricted(regency)
