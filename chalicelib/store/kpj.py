"""KPJ numbers: who holds one, and activating an enrolment with the number BPJS issued.

A KPJ belongs to one person. The owner marker (`R#<r>#KPJ#<kpj>`) is claimed in the same
transaction that activates the enrolment, on condition that it is free or already this NIK's; a
versioned condition on the enrolment keeps a concurrent edit from being overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def activate(updated: Enrolment, expected_version: int, audit: AuditEntry, token: str) -> str:
    """'ok', 'stale' (the enrolment changed since it was read) or 'kpj_taken' (another NIK holds it)."""
    marker = KpjMarkerModel(keys.kpj(updated.regency, updated.kpj_number), MARKER_SK, nik=updated.nik,
                            eid=updated.id, at=updated.updated_at)
    condition = (EnrolmentModel.version == expected_version) & (EnrolmentModel.deleted == False)  # noqa: E712
    def add(tx: TransactWrite) -> None:
        tx.save(enrolment_repo.to_model(updated), condition=condition)
        tx.save(marker, condition=KpjMarkerModel.pk.does_not_exist() | (KpjMarkerModel.nik == updated.nik))
        tx.save(enrolment_repo._worker_model(updated))
        tx.save(audit_model(audit))

    try:
        db.transact(token, add, "enrolment.activate")
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if codes[1:2] == ["ConditionalCheckFailed"]:
            return "kpj_taken"
        if codes[:1] == ["ConditionalCheckFailed"]:
            return "stale"
        raise
    return "ok"
