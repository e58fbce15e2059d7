"""Import jobs: the job item, its progress counters and per-chunk done-markers.

SQS delivers at least once, so every step is safe to repeat:
- planning SETs values computed from the file (the same file gives the same values);
- a chunk's counters are ADDed by one UpdateItem that also adds the chunk's number to
  `done_chunks`, on condition that the number is not there yet: a chunk delivered twice is
  counted once, without a transaction;
- the job becomes `done` by a conditional update (only from `running`).

Jobs come and go as domain objects (domain/import_job.py); the item is this module's.
"""

from __future__ import annotations

from dataclasses import fields

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.import_job import ImportJob
from chalicelib.store import keys
from chalicelib.store.models import ImportJobModel, ImportListedModel

JOB = "JOB"
_FIELDS = tuple(f.name for f in fields(ImportJob))
_COUNTERS = frozenset({"total", "rejected", "accepted", "already_enrolled", "chunk_rows", "chunks", "error_count",
                       "activated", "already_active", "not_found", "conflicts", "chunk_rejected"})


def _from_model(m: ImportJobModel) -> ImportJob:
    values = {name: getattr(m, name) for name in _FIELDS}
    values.update({name: int(values[name] or 0) for name in _COUNTERS})
    values["done_chunks"] = {int(n) for n in m.done_chunks or ()}
    return ImportJob(**values)


def _key(job: ImportJob) -> ImportJobModel:
    """The item's key only: what an UpdateItem needs."""
    return ImportJobModel(keys.import_job(job.regency, job.import_id), JOB)


def create(job: ImportJob) -> None:
    """The job, listed first in the regency's imports (an erasure reads that list: a listed id
    without a job is harmless, a job missing from the list would keep its row errors)."""
    ImportListedModel(keys.imports_listed(job.regency), job.import_id, programme_id=job.programme_id).save()
    values = {name: getattr(job, name) for name in _FIELDS}
    values["done_chunks"] = job.done_chunks or None
    ImportJobModel(keys.import_job(job.regency, job.import_id), JOB, **values).save(
        condition=ImportJobModel.pk.does_not_exist())


def listed(regency: str, programme_id: str | None = None) -> list[str]:
    """Ids of the regency's import jobs (of one programme), from the list `create` keeps."""
    condition = ImportListedModel.programme_id == programme_id if programme_id else None
    return [m.sk for m in ImportListedModel.query(keys.imports_listed(regency), filter_condition=condition)]


def get(regency: str, import_id: str) -> ImportJob | None:
    try:
        return _from_model(ImportJobModel.get(keys.import_job(regency, import_id), JOB, consistent_read=True))
    except DoesNotExist:
        return None


def _conditional_update(job: ImportJob, actions: list, condition) -> bool:
    try:
        _key(job).update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def plan(job: ImportJob, *, total: int, rejected: int, chunks: int, errors: list[dict], error_count: int,
         errors_key: str | None, ignored: list[str], file_format: str, now: str, notes: dict | None = None) -> bool:
    """Record what the file holds and start running; False if the job already finished."""
    m = ImportJobModel
    return _conditional_update(job, [
        m.status.set("running"), m.total.set(total), m.rejected.set(rejected), m.chunks.set(chunks),
        m.errors.set(errors), m.error_count.set(error_count), m.errors_key.set(errors_key),
        m.ignored_columns.set(ignored or None), m.file_format.set(file_format), m.updated_at.set(now),
        m.notes.set(notes or None),
    ], m.status.is_in("queued", "running"))


def fail(job: ImportJob, failure: dict, now: str) -> bool:
    m = ImportJobModel
    return _conditional_update(job, [m.status.set("failed"), m.failure.set(failure), m.updated_at.set(now),
                                     m.finished_at.set(now)], m.status.is_in("queued", "running"))


def fail_stalled(job: ImportJob, failure: dict, now: str) -> bool:
    """Fail a job that made no progress, only if it still has not (no chunk completed since it was read)."""
    m = ImportJobModel
    return _conditional_update(job, [m.status.set("failed"), m.failure.set(failure), m.updated_at.set(now),
                                     m.finished_at.set(now)],
                               m.status.is_in("queued", "running") & (m.updated_at == job.updated_at))


def complete_chunk(job: ImportJob, chunk: int, rows: int, accepted: int, already: int, now: str) -> bool:
    """Count a chunk once; False when an earlier delivery of the same chunk was already counted."""
    m = ImportJobModel
    return _conditional_update(job, [
        m.done_chunks.add({chunk}), m.chunk_rows.add(rows), m.accepted.add(accepted),
        m.already_enrolled.add(already), m.updated_at.set(now),
    ], ~m.done_chunks.contains(chunk))


def finish_if_complete(regency: str, import_id: str, now: str) -> bool:
    """Mark the job done when every row is accounted for; True only for the call that did it."""
    job = get(regency, import_id)
    if job is None or job.status != "running" or not job.all_rows_in():
        return False
    m = ImportJobModel
    return _conditional_update(job, [m.status.set("done"), m.finished_at.set(now), m.updated_at.set(now)],
                               m.status == "running")


# ---------- KPJ imports (services/kpj_import.py) ----------
def set_plan_counts(job: ImportJob, counts: dict[str, int], now: str) -> bool:
    """What the plan of a KPJ list found (not_found, conflicts): SET, so a repeated plan sets the same."""
    m = ImportJobModel
    return _conditional_update(job, [*(getattr(m, k).set(v) for k, v in counts.items()), m.updated_at.set(now)],
                               m.status.is_in("queued", "running"))


def complete_kpj_chunk(job: ImportJob, chunk: int, rows: int, counts: dict[str, int], now: str) -> bool:
    """Count a KPJ chunk once (activated, already_active, conflicts, not_found, chunk_rejected)."""
    m = ImportJobModel
    adds = [getattr(m, k).add(v) for k, v in counts.items() if v]
    return _conditional_update(job, [m.done_chunks.add({chunk}), m.chunk_rows.add(rows), *adds,
                                     m.updated_at.set(now)], ~m.done_chunks.contains(chunk))


def set_errors(job: ImportJob, errors: list[dict], error_count: int, errors_key: str | None, now: str) -> None:
    """The finished KPJ import's row errors (the plan's and the chunks'), written once by the finisher."""
    m = ImportJobModel
    _key(job).update(actions=[m.errors.set(errors), m.error_count.set(error_count), m.errors_key.set(errors_key),
                              m.updated_at.set(now)])


def set_kept_notes(job: ImportJob, errors: list[dict], notes: dict) -> None:
    """The row errors and notes kept on the job, rewritten (an erasure drops a person's entries)."""
    _key(job).update(actions=[ImportJobModel.errors.set(errors), ImportJobModel.notes.set(notes)])
