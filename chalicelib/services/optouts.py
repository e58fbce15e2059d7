"""Opt-out of messages (UU 27/2022 PDP; docs/privacy.md): a worker tells an officer or admin they
want no more SMS. Recorded with the date and how they asked; the reminder sweep skips them and
counts them (services/reminders.py), and SNS's own opt-out list is honoured there as well. The
village digest still lists them, so the officer can visit in person."""

from __future__ import annotations

from chalicelib.api import schemas
from chalicelib.auth import User
from chalicelib.domain.errors import NotFound
from chalicelib.observability import logger
from chalicelib.services import enrolments
from chalicelib.services.deps import Deps
from chalicelib.store import optouts as repo


def record(deps: Deps, user: User, nik: str, body: schemas.OptOutIn) -> dict:
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
