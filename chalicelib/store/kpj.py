"""KPJ numbers: who holds one, and activating an enrolment with the number BPJS issued.

A KPJ belongs to one person. The owner marker (`R#<r>#KPJ#<kpj>`) is claimed in the same
transaction that activates the enrolment, on condition that it is free or already this NIK's; a
versioned condition on the enrolment keeps a concurrent edit from being overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.enrolment import Enrolment
from chalicelib.store import bulk, db, keys
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.models import EnrolmentModel, EnrolmentUniqueModel, KpjMarkerModel

MARKER_SK = "KPJ"


def owners(regency: str, numbers: Sequence[str]) -> dict[str, str]:
    """KPJ -> NIK of the person who holds it (BatchGetItem, consistent)."""
    found = bulk.get_all([(keys.kpj(regency, n), MARKER_SK) for n in numbers])
    prefix = keys.kpj(regency, "")
    return {pk[len(prefix):]: item["nik"]["S"] for (pk, _), item in found.items()}


def enrolment_ids(regency: str, pid: str, niks: Sequence[str]) -> dict[str, str]:
    """NIK -> id of its enrolment in the programme, from the per-programme NIK markers."""
    found = bulk.get_all([(keys.unique_enrolment(regency, pid, n), "UNIQ") for n in niks])
    prefix = keys.unique_enrolment(regency, pid, "")
    return {pk[len(prefix):]: EnrolmentUniqueModel.from_raw_data(item).eid for (pk, _), item in found.items()}


def enrolments(regency: str, eids: Sequence[str]) -> dict[str, Enrolment]:
    found = bulk.get_all([(keys.enrolment(regency, eid), "E") for eid in eids])
    out = {}
    for item in found.values():
        e = enrolment_repo.from_model(EnrolmentModel.from_raw_data(item))
        out[e.id] = e
    return out


ITEMS_PER_ACTIVATION = 4  # enrolment, KPJ owner marker, worker, audit entry
ROWS_PER_TRANSACTION = 100 // ITEMS_PER_ACTIVATION  # TransactWriteItems' limit is 100 items


@dataclass(frozen=True)
class Activation:
    updated: Enrolment  # the enrolment as it is to be stored (active, with its KPJ)
    expected_version: int  # the version it was read at
    audit: AuditEntry
    token: str  # this activation's own idempotency token


def _add(tx: TransactWrite, a: Activation) -> None:
    """The activation's items, in a fixed order (the cancellation reasons are read by position)."""
    updated = a.updated
    marker = KpjMarkerModel(keys.kpj(updated.regency, updated.kpj_number), MARKER_SK, nik=updated.nik,
                            eid=updated.id, at=updated.updated_at)
    condition = (EnrolmentModel.version == a.expected_version) & (EnrolmentModel.deleted == False)  # noqa: E712
    tx.save(enrolment_repo.to_model(updated), condition=condition)
    tx.save(marker, condition=KpjMarkerModel.pk.does_not_exist() | (KpjMarkerModel.nik == updated.nik))
    tx.save(enrolment_repo._worker_model(updated))
    tx.save(audit_model(a.audit))


def _failed(codes: list[str | None]) -> str | None:
    """One activation's reasons: 'kpj_taken' (another NIK holds the KPJ), 'stale' (the enrolment
    changed since it was read, or was deleted) or None (its items were fine)."""
    if codes[1:2] == ["ConditionalCheckFailed"]:
        return "kpj_taken"
    if codes[:1] == ["ConditionalCheckFailed"]:
        return "stale"
    return None


def activate_all(activations: Sequence[Activation]) -> list[str]:
    """Each activation's outcome: 'ok', 'stale' (the enrolment changed since it was read, or was
    deleted) or 'kpj_taken' (another NIK holds the KPJ). An activation is its four items with their
    conditions, and up to ROWS_PER_TRANSACTION of them go in one transaction (one request instead
    of 25). A transaction is all or nothing, so when conditions fail DynamoDB cancels it with a reason
    per item: the activations whose condition failed get that outcome and the others are sent
    again (as bulk.put_new does with taken keys). The outcomes come back in the input's order."""
    outcomes = ["ok"] * len(activations)
    for start in range(0, len(activations), ROWS_PER_TRANSACTION):
        pending = list(range(start, min(start + ROWS_PER_TRANSACTION, len(activations))))
        while pending:
            group = [activations[i] for i in pending]
            token = group[0].token if len(group) == 1 else \
                hashlib.sha256("|".join(a.token for a in group).encode()).hexdigest()[:32]
            try:
                db.transact(token, lambda tx, group=group: [_add(tx, a) for a in group], "enrolment.activate")
                break
            except TransactWriteError as exc:
                codes = db.cancellation_codes(exc)
                failed = {i: reason for n, i in enumerate(pending)
                          if (reason := _failed(codes[n * ITEMS_PER_ACTIVATION:(n + 1) * ITEMS_PER_ACTIVATION]))}
                if not failed:
                    raise
                for i, reason in failed.items():
                    outcomes[i] = reason
                pending = [i for i in pending if i not in failed]
    return outcomes
