"""Reminder rules, reminder records (the exactly-once claims) and sweep runs.

A reminder is sent only by whoever wins a conditional UpdateItem on its (enrolment, rule) key:
the item is absent, or it failed earlier and has attempts left, or it was claimed by a run that
crashed and whose lease has run out. Then `mark_sent` / `mark_failed` close the claim, guarded
by the claim token so a late, superseded sender cannot overwrite the newer outcome.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.domain.errors import Conflict
from chalicelib.domain.reminders import Reminder, Run, StoredRules
from chalicelib.store import db, keys
from chalicelib.store.models import ReminderModel, ReminderRulesModel, ReminderRunModel, SmsDeliveryModel

_CONDITION_FAILED = "ConditionalCheckFailedException"


# ---------- rules ----------
def _rules(m: ReminderRulesModel) -> StoredRules:
    return StoredRules(m.doc, int(m.version), m.updated_at)


def get_rules(regency: str, pid: str) -> StoredRules | None:
    pk, sk = keys.reminder_rules(regency, pid)
    try:
        return _rules(ReminderRulesModel.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def all_rules(regency: str) -> dict[str, StoredRules]:
    pk, _ = keys.reminder_rules(regency, "")
    return {m.programme_id: _rules(m)
            for m in ReminderRulesModel.query(pk, ReminderRulesModel.sk.startswith("RULES#"))}


def put_rules(regency: str, pid: str, doc: dict, expected_version: int | None, now: str, actor: str) -> int:
    """Save the rules iff the stored version is still `expected_version` (0 = none stored yet)."""
    pk, sk = keys.reminder_rules(regency, pid)
    version = (expected_version or 0) + 1
    condition = (ReminderRulesModel.pk.does_not_exist() if not expected_version
                 else ReminderRulesModel.version == expected_version)
    item = ReminderRulesModel(pk, sk, programme_id=pid, doc=doc, version=version, updated_at=now, updated_by=actor)
    try:
        db.transact(uuid.uuid4().hex, lambda tx: tx.save(item, condition=condition),
                    "reminder_rules.put")
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("VERSION_STALE", "Aturan pengingat sudah diubah orang lain; muat ulang lalu ulangi",
                           {"version": "tidak sama dengan versi terbaru"}) from None
        raise
    return version


def add_new_rules(tx, regency: str, pid: str, doc: dict, now: str, actor: str) -> None:
    """Add a new programme's first rules (version 1) to a transaction (renewal copies them)."""
    pk, sk = keys.reminder_rules(regency, pid)
    tx.save(ReminderRulesModel(pk, sk, programme_id=pid, doc=doc, version=1, updated_at=now, updated_by=actor),
            condition=ReminderRulesModel.pk.does_not_exist())


# ---------- reminder records ----------
@dataclass(frozen=True)
class Key:
    pk: str
    sk: str


def enrolment_key(regency: str, eid: str, end: str, rule_id: str, channel: str) -> Key:
    return Key(keys.enrolment(regency, eid), keys.reminder(end, rule_id, channel))


def digest_key(regency: str, pid: str, village: str, end: str, rule_id: str) -> Key:
    return Key(keys.digest(regency, pid, village), keys.reminder(end, rule_id, "email"))


def get(key: Key) -> ReminderModel | None:
    try:
        return ReminderModel.get(key.pk, key.sk)
    except DoesNotExist:
        return None


def get_many(keys_: Iterable[Key]) -> dict[Key, ReminderModel]:
    """These reminders, those that exist (BatchGetItem, 100 a call): the cheap read before claims."""
    wanted = list(dict.fromkeys(keys_))
    if not wanted:
        return {}
    return {Key(m.pk, m.sk): m for m in ReminderModel.batch_get([(k.pk, k.sk) for k in wanted])}


def claim(key: Key, *, token: str, now: str, lease_until: str, max_attempts: int, attrs: dict) -> bool:
    """Take the right to send this reminder. False when someone sent it, is sending it, or gave up."""
    m = ReminderModel(key.pk, key.sk)
    condition = (ReminderModel.pk.does_not_exist()
                 | ((ReminderModel.status == "failed") & (ReminderModel.attempts < max_attempts))
                 | ((ReminderModel.status == "claimed") & (ReminderModel.lease_until < now)))
    actions = [ReminderModel.status.set("claimed"), ReminderModel.attempts.add(1),
               ReminderModel.claim_token.set(token), ReminderModel.lease_until.set(lease_until),
               ReminderModel.claimed_at.set(now), ReminderModel.updated_at.set(now)]
    actions += [getattr(ReminderModel, name).set(value) for name, value in attrs.items() if value is not None]
    try:
        m.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            return False
        raise
    return True


def _close(key: Key, token: str, actions: list) -> bool:
    try:
        ReminderModel(key.pk, key.sk).update(actions=actions, condition=ReminderModel.claim_token == token)
    except UpdateError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            return False  # our lease ran out and another run took the claim over
        raise
    return True


def _sent_actions(now: str, provider_id: str | None) -> list:
    return [ReminderModel.status.set("sent"), ReminderModel.sent_at.set(now),
            ReminderModel.provider_id.set(provider_id or ""), ReminderModel.lease_until.remove(),
            ReminderModel.last_error.remove(), ReminderModel.updated_at.set(now)]


def mark_sent(key: Key, token: str, now: str, provider_id: str | None) -> bool:
    return _close(key, token, _sent_actions(now, provider_id))


def mark_sms_sent(key: Key, token: str, now: str, provider_id: str, regency: str, run_id: str | None) -> bool:
    """`sent`, and the pointer from SNS's message id to this reminder, in one transaction: a delivery
    status can never arrive for a message whose reminder it cannot find."""
    pointer = SmsDeliveryModel(f"SMSID#{provider_id}", "SMS", regency=regency, reminder_pk=key.pk,
                               reminder_sk=key.sk, run_id=run_id)

    def add(tx) -> None:
        tx.update(ReminderModel(key.pk, key.sk), actions=_sent_actions(now, provider_id),
                  condition=ReminderModel.claim_token == token)
        tx.save(pointer)

    try:
        db.transact(uuid.uuid5(uuid.NAMESPACE_URL, f"{key.pk}|{key.sk}|{token}").hex, add, "reminders.mark_sms_sent")
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return False  # our lease ran out and another run took the claim over
        raise
    return True


def record_delivery(provider_id: str, delivery: str, reason: str, at: str) -> str:
    """Record SNS's delivery status on the reminder the message id belongs to, once: the reminder's
    `delivery` is set only if it has none yet, and the run's delivered / delivery_failed counter is
    added in the same transaction, so a redelivered log event changes nothing.
    Returns "recorded", "duplicate" or "unknown" (no reminder has this message id)."""
    try:
        pointer = SmsDeliveryModel.get(f"SMSID#{provider_id}", "SMS")
    except DoesNotExist:
        return "unknown"
    counter = "delivered" if delivery == "delivered" else "delivery_failed"

    def add(tx) -> None:
        tx.update(ReminderModel(pointer.reminder_pk, pointer.reminder_sk),
                  actions=[ReminderModel.delivery.set(delivery), ReminderModel.delivery_reason.set(reason[:200]),
                           ReminderModel.delivered_at.set(at)],
                  condition=ReminderModel.pk.exists() & ReminderModel.delivery.does_not_exist())
        if pointer.run_id:
            tx.update(ReminderRunModel(keys.reminder_run(pointer.regency, pointer.run_id), "RUN"),
                      actions=[getattr(ReminderRunModel, counter).add(1)])

    try:
        token = uuid.uuid5(uuid.NAMESPACE_URL, f"delivery|{provider_id}|{delivery}|{reason}").hex
        db.transact(token, add, "reminders.delivery")
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            return "duplicate"
        raise
    return "recorded"


def delivery_failed(keys_: Iterable[Key]) -> set[Key]:
    """Which of these reminders SNS said did not reach the phone (BatchGetItem)."""
    wanted = list(dict.fromkeys(keys_))
    return {Key(m.pk, m.sk) for m in ReminderModel.batch_get([(k.pk, k.sk) for k in wanted])
            if m.delivery == "failed"} if wanted else set()


def mark_failed(key: Key, token: str, now: str, error: str) -> bool:
    return _close(key, token, [ReminderModel.status.set("failed"), ReminderModel.last_error.set(error[:200]),
                               ReminderModel.lease_until.remove(), ReminderModel.updated_at.set(now)])


def settled(keys_: Iterable[Key], now: str, max_attempts: int) -> set[Key]:
    """Which of these reminders a run would not send again (sent, skipped, in flight, out of attempts)."""
    out: set[Key] = set()
    for m in ReminderModel.batch_get([(k.pk, k.sk) for k in keys_]):
        busy = m.status == "claimed" and (m.lease_until or "") >= now
        exhausted = m.status == "failed" and int(m.attempts or 0) >= max_attempts
        if m.status in {"sent", "skipped"} or busy or exhausted:
            out.add(Key(m.pk, m.sk))
    return out


def history(regency: str, eid: str, start_key: dict | None, limit: int) -> tuple[list[Reminder], dict | None]:
    """Up to `limit` of an enrolment's reminders, newest first, and the key to resume after them."""
    pk = keys.enrolment(regency, eid)
    results = ReminderModel.query(pk, ReminderModel.sk.startswith("REM#"), scan_index_forward=False,
                                  last_evaluated_key=db.resume_key(ReminderModel, pk, start_key), limit=limit)
    taken = [Reminder(m.rule_id, m.channel, m.coverage_end, m.status, int(m.attempts or 0), m.recipient,
                      m.claimed_at, m.sent_at, m.last_error, m.run_id, m.delivery, m.delivery_reason,
                      m.delivered_at) for m in itertools.islice(results, limit)]
    return taken, results.last_evaluated_key


def budget_key(regency: str, pid: str, end: str, rule_id: str) -> Key:
    return Key(keys.digest(regency, pid, "BUDGET"), keys.reminder(end, rule_id, "email"))


# ---------- runs ----------
def create_run(regency: str, run_id: str, as_of: str, started_at: str, trigger: str, summary: dict) -> None:
    ReminderRunModel(keys.reminder_run(regency, run_id), "RUN", run_id=run_id, as_of=as_of, started_at=started_at,
                     trigger=trigger, summary=summary).save(condition=ReminderRunModel.pk.does_not_exist())


def set_run_summary(regency: str, run_id: str, summary: dict) -> None:
    """The plan's figures, once the sweep has planned the whole run (created with {"planning": True})."""
    ReminderRunModel(keys.reminder_run(regency, run_id), "RUN").update(
        actions=[ReminderRunModel.summary.set(summary)], condition=ReminderRunModel.pk.exists())


def add_to_run(regency: str, run_id: str, **counts: int) -> None:
    actions = [getattr(ReminderRunModel, name).add(n) for name, n in counts.items() if n]
    if not actions or not run_id:
        return
    try:
        ReminderRunModel(keys.reminder_run(regency, run_id), "RUN").update(
            actions=actions, condition=ReminderRunModel.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise


def get_run(regency: str, run_id: str) -> Run | None:
    try:
        m = ReminderRunModel.get(keys.reminder_run(regency, run_id), "RUN", consistent_read=True)
    except DoesNotExist:
        return None
    return Run(m.as_of, m.summary, int(m.sent), int(m.skipped), int(m.failed), int(m.deferred), int(m.opted_out or 0),
               int(m.delivered or 0), int(m.delivery_failed or 0))
