"""Erasure repository: every item and object that can hold a person's personal data, found by
its key and cleared (services/erasure.py decides what; domain/erasure.py how a value is redacted).

Where personal data sits, and what this module does with it:
- `R#<r>#W#<nik>` (worker `W`, opt-outs `OPTOUT#<channel>`): the whole partition is deleted;
- `R#<r>#RESTRICTED` SK `<nik>`: deleted;
- `R#<r>#E#<eid>` `E`: replaced by its tombstone (`finish`); `DOCSLOT#...` deleted; `REM#...`
  (reminders) keep their event, lose the recipient;
- `R#<r>#P#<pid>#N#<nik>` (one enrolment per NIK) and `R#<r>#KPJ#<kpj>` (KPJ owner): deleted;
- `R#<r>#AUDIT#enrolment#<eid>`: values redacted, events kept;
- `R#<r>#OPS#<sub>` (sync receipts) naming the enrolments: deleted;
- `R#<r>#IMPORT#<id>` (row errors and warnings quote NIK and name): the person's entries dropped;
- S3 documents `<r>/enrolments/<eid>/...` (every version), and the imports bucket's rosters,
  chunks, error reports and exports (`uploads/`, `imports/`, `exports/` of the regency): scrubbed.
The access log holds ids only and stays (it is the accountability record, Pasal 31).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Conflict
from chalicelib.store import blobs, db, keys
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import imports as import_repo
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.blobs import files
from chalicelib.store.models import (
    AuditModel,
    DocumentSlotModel,
    EnrolmentModel,
    EnrolmentUniqueModel,
    ErasureModel,
    KpjMarkerModel,
    OpReceiptModel,
    ReminderModel,
    RestrictionModel,
    WorkerModel,
)

TX_ENROLMENTS = 20  # enrolments per transaction (each: tombstone, marker, audit, KPJ owner): under 100 items


# ---------- what the person has ----------
def person_enrolments(regency: str, nik: str) -> list[Enrolment]:
    """Every enrolment of the NIK, withdrawn ones too, not yet erased: found through by_worker, then
    each read again by its key (strongly consistent), so the tombstone's version condition is
    against the record as it is, not as the index last saw it."""
    found = [enrolment_repo.get(regency, e.id) for e in enrolment_repo.query_worker(regency, nik, include_deleted=True)]
    return [e for e in found if e is not None and not e.erased and e.nik == nik]


def person_items(regency: str, nik: str) -> list[tuple[str, str]]:
    """Keys of the person's own items: their partition (worker, opt-outs) and an open restriction."""
    found = [(m.pk, m.sk) for m in WorkerModel.query(keys.worker(regency, nik))]
    restricted = list(RestrictionModel.query(keys.restrictions(regency), RestrictionModel.sk == nik))
    return found + [(m.pk, m.sk) for m in restricted]


def worker_updated_at(regency: str, nik: str) -> str | None:
    """When the worker item was last written: every enrolment create or change writes it with the
    enrolment's own `updated_at`, so a later time than any record by_worker shows means the index
    has not caught up yet."""
    found = list(WorkerModel.query(keys.worker(regency, nik), WorkerModel.sk == "W", consistent_read=True))
    return found[0].updated_at if found else None


def person_details(regency: str, nik: str) -> tuple[set[str], set[str]]:
    """Names and phones the person's own partition holds (the worker's latest details)."""
    names, phones = set(), set()
    for m in WorkerModel.query(keys.worker(regency, nik), WorkerModel.sk == "W"):
        names.add(m.name)
        if m.phone:
            phones.add(m.phone)
    return names, phones


# ---------- cleared item by item (repeatable: the final transaction comes last) ----------
def redact_audit(regency: str, eid: str, redact: Callable[[dict], dict]) -> tuple[int, set[str]]:
    """Redact every event of the enrolment's audit trail; returns (events changed, actors seen)."""
    changed, actors = 0, set()
    for m in AuditModel.query(keys.audit(regency, "enrolment", eid)):
        actors.add(m.actor)
        clean = redact(m.changes or {})
        if clean != (m.changes or {}):
            m.update(actions=[AuditModel.changes.set(clean)])
            changed += 1
    return changed, actors


def forget_beside(regency: str, eid: str) -> tuple[int, int]:
    """Beside the enrolment: reminders lose their recipient, document upload slots go."""
    reminders = slots = 0
    pk = keys.enrolment(regency, eid)
    for m in ReminderModel.query(pk, ReminderModel.sk.startswith("REM#")):
        if m.recipient:
            m.update(actions=[ReminderModel.recipient.remove()])
            reminders += 1
    for m in DocumentSlotModel.query(pk, DocumentSlotModel.sk.startswith("DOCSLOT#")):
        m.delete()
        slots += 1
    return reminders, slots


def delete_receipts(regency: str, subs: Iterable[str], eids: set[str]) -> int:
    """Sync receipts of these users that name one of the enrolments (receipts expire anyway)."""
    removed = 0
    if not eids:
        return 0
    for sub in sorted(set(subs)):
        condition = OpReceiptModel.eid.is_in(*sorted(eids))
        for m in OpReceiptModel.query(keys.op_receipts(regency, sub), filter_condition=condition):
            m.delete()
            removed += 1
    return removed


def delete_documents(regency: str, eid: str) -> int:
    return blobs.documents.delete_everything_under(f"{regency}/enrolments/{eid}/")


def stored_files(regency: str) -> list[str]:
    """Every file of the regency in the imports bucket: uploads, import sources, chunks, reports, exports."""
    return [k for prefix in (f"uploads/{regency}/", f"imports/{regency}/", f"exports/{regency}/")
            for k in files.keys_under(prefix)]


def delete_programme_files(regency: str, pid: str) -> int:
    """Every stored file of one programme (its rosters, chunks, reports, exports): all its rows are past retention."""
    doomed = [k for prefix in (f"uploads/{regency}/{pid}/", f"imports/{regency}/{pid}/", f"exports/{regency}/{pid}/")
              for k in files.keys_under(prefix)]
    for key in doomed:
        files.delete(key)
    return len(doomed)


def rewrite_file(key: str, scrub: Callable[[bytes, str], tuple[bytes | None, int]]) -> int:
    """Put the scrubbed file back (or delete it when nothing is left); returns rows removed."""
    data = files.get(key)
    cleaned, removed = scrub(data, key)
    if cleaned is None:
        return 0
    if cleaned:
        files.put(key, cleaned)
    else:
        files.delete(key)
    return removed


def scrub_import_jobs(regency: str, scrub: Callable[[list[dict]], tuple[list[dict], int]],
                      programme_id: str | None = None, extra_ids: Iterable[str] = ()) -> int:
    """Drop the person's entries from the row errors and warnings kept on import jobs."""
    removed = 0
    for import_id in sorted(set(import_repo.listed(regency, programme_id)) | set(extra_ids)):
        job = import_repo.get(regency, import_id)
        if job is None:
            continue
        errors, gone_errors = scrub(list(job.errors or []))
        notes = dict(job.notes or {})
        warnings, gone_warnings = scrub(list(notes.get("warnings") or []))
        if gone_errors or gone_warnings:
            notes["warnings"] = warnings
            import_repo.set_kept_notes(job, errors, notes)
            removed += gone_errors + gone_warnings
    return removed


def kpj_owned(regency: str, nik: str, numbers: Iterable[str]) -> list[str]:
    """Which of these KPJ numbers the NIK holds (their owner markers name it)."""
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return []
    found = KpjMarkerModel.batch_get([(keys.kpj(regency, n), "KPJ") for n in wanted])
    prefix = keys.kpj(regency, "")
    return sorted(m.pk[len(prefix):] for m in found if m.nik == nik)


# ---------- the final transaction(s) ----------
def finish(token: str, regency: str, nik: str, done: list[tuple[Enrolment, Enrolment]],
           audits: list[AuditEntry], record: dict, whole_person: bool, kpj_numbers: list[str]) -> None:
    """Tombstones (each on condition its version is still the one read), markers and KPJ owners
    deleted, person items deleted, and the erasure record, in transactions of TX_ENROLMENTS;
    the record and the person's items go in the last one. VERSION_STALE if a record changed."""
    batches = [list(range(i, min(i + TX_ENROLMENTS, len(done)))) for i in range(0, len(done), TX_ENROLMENTS)] or [[]]
    for n, batch in enumerate(batches):
        last = n == len(batches) - 1

        def add(tx: TransactWrite, batch: list[int] = batch, last: bool = last) -> None:
            for i in batch:
                before, after = done[i]
                tx.save(enrolment_repo.to_model(after),
                        condition=(EnrolmentModel.version == before.version) & EnrolmentModel.erased.does_not_exist())
                if not before.deleted:
                    tx.delete(EnrolmentUniqueModel(keys.unique_enrolment(regency, before.programme_id, nik), "UNIQ"),
                              condition=EnrolmentUniqueModel.eid == before.id)
                tx.save(audit_model(audits[i]))
            if not last:
                return
            if whole_person:
                for m in WorkerModel.query(keys.worker(regency, nik)):
                    tx.delete(WorkerModel(m.pk, m.sk))
                tx.delete(RestrictionModel(keys.restrictions(regency), nik))
            for number in kpj_numbers:
                tx.delete(KpjMarkerModel(keys.kpj(regency, number), "KPJ"), condition=KpjMarkerModel.nik == nik)
            tx.save(_record_model(regency, record), condition=ErasureModel.pk.does_not_exist())

        try:
            db.transact(f"{token[:30]}-{n}", add, "erasure")
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in db.cancellation_codes(exc):
                raise Conflict("VERSION_STALE", "Data peserta berubah selama penghapusan; ulangi penghapusan",
                               {"nik": "data berubah"}) from None
            raise


def _record_model(regency: str, r: dict) -> ErasureModel:
    return ErasureModel(keys.erasures(regency), f"{r['at']}#{r['erasure_id']}", erasure_id=r["erasure_id"], at=r["at"],
                        actor=r["actor"], actor_role=r["actor_role"], reason=r["reason"], reference=r.get("reference"),
                        trigger=r["trigger"], programme_id=r.get("programme_id"), whole_person=r["whole_person"],
                        enrolment_ids=r["enrolment_ids"] or None, counts=r["counts"])


def record_as_dict(m: ErasureModel) -> dict:
    return {"erasure_id": m.erasure_id, "at": m.at, "actor": m.actor, "actor_role": m.actor_role, "reason": m.reason,
            "reference": m.reference, "trigger": m.trigger, "programme_id": m.programme_id,
            "whole_person": bool(m.whole_person), "enrolment_ids": list(m.enrolment_ids or []), "counts": m.counts}


def records(regency: str, start_key: dict | None, limit: int):
    pk = keys.erasures(regency)
    return ErasureModel.query(pk, scan_index_forward=False, limit=limit,
                              last_evaluated_key=db.resume_key(ErasureModel, pk, start_key))


# ---------- retention: the records of a programme that still hold personal data ----------
def programme_records_with_data(regency: str, pid: str, villages: Iterable[str]):
    """Every enrolment of the programme not yet erased, withdrawn ones too: the villages' change
    feeds (by_village_changes) hold every record, live or not (by_programme only the live)."""
    condition = ((EnrolmentModel.programme_id == pid) & EnrolmentModel.nik.exists()
                 & EnrolmentModel.erased.does_not_exist())
    for village in villages:
        for m in EnrolmentModel.by_village_changes.query(keys.village_changes(regency, village),
                                                         filter_condition=condition, page_size=500):
            if m.sk == "E":
                yield enrolment_repo.from_model(m)
