""""Ajukan ke BPJS" runs: the job item and its per-page counters (see services/submissions.py).

Each page's counters are ADDed in one UpdateItem that also adds the page number to `done_pages`,
on condition that it is not there yet, so a page delivered twice is counted once.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.store import keys
from chalicelib.store.models import SubmissionModel

JOB = "JOB"


def _out(m: SubmissionModel) -> dict:
    return {"submission_id": m.submission_id, "programme_id": m.programme_id, "status": m.status,
            "scope": m.scope or {}, "submitted": int(m.submitted), "skipped": int(m.skipped), "pages": int(m.pages),
            "created_at": m.created_at, "updated_at": m.updated_at, "finished_at": m.finished_at,
            "created_by": m.created_by, "created_by_role": m.created_by_role}


def create(regency: str, submission_id: str, pid: str, scope: dict, now: str, sub: str, role: str) -> dict:
    m = SubmissionModel(keys.submission(regency, submission_id), JOB, submission_id=submission_id, programme_id=pid,
                        status="running", scope=scope, created_at=now, updated_at=now, created_by=sub,
                        created_by_role=role)
    m.save(condition=SubmissionModel.pk.does_not_exist())
    return _out(m)


def get(regency: str, submission_id: str) -> dict | None:
    try:
        return _out(SubmissionModel.get(keys.submission(regency, submission_id), JOB, consistent_read=True))
    except DoesNotExist:
        return None


def count_page(regency: str, submission_id: str, page: int, submitted: int, skipped: int, last: bool,
               now: str) -> bool:
    """Add a page's counts once; the last page also marks the run done. False if counted before."""
    m = SubmissionModel
    actions = [m.done_pages.add({page}), m.pages.add(1), m.submitted.add(submitted), m.skipped.add(skipped),
               m.updated_at.set(now)]
    if last:
        actions += [m.status.set("done"), m.finished_at.set(now)]
    try:
        SubmissionModel(keys.submission(regency, submission_id), JOB).update(
            actions=actions, condition=m.pk.exists() & ~m.done_pages.contains(page))
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
