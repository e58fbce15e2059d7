""""Ajukan ke BPJS": move a programme's draft enrolments to `submitted` in one action.

The DPMD sends the roster to the BPJS branch (the export) and marks what it sent: every draft
of the programme, of one village, or the ones selected in the grid. `POST /submissions` records
the run and answers 202; the pages go over the `lifecycle` queue (like renewals), 100 enrolments
each, one after the other (a page queues the next when it is done, so `done` means done). Every
change is the enrolment store's versioned, audited write (actor: the admin who pressed the
button); an enrolment that is no longer a draft is left alone, so a rerun changes nothing. The
BPJS branch's answer comes back as its KPJ list (services/kpj_import.py).
"""

from __future__ import annotations

from chalicelib import aws
from chalicelib.auth import User
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import Actor, Enrolment, apply_patch
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.inputs import Submission
from chalicelib.observability import logger, metrics
from chalicelib.services import programmes
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import kpj as kpj_store
from chalicelib.store import regions
from chalicelib.store import submissions as repo
from chalicelib.store.audit import AuditEntry

QUEUE = "lifecycle"
PAGE = 100


def start(deps: Deps, user: User, pid: str, body: Submission) -> dict:
    programmes.get(user, pid)
    scope: dict = {}
    if body.ids:
        scope["ids"] = list(dict.fromkeys(body.ids))
    elif body.village_code:
        regions.require_village(user.regency, [body.village_code])
        scope["village_code"] = body.village_code
    sid = deps.new_id()
    job = repo.create(user.regency, sid, pid, scope, deps.now_iso(), user.sub, user.role)
    aws.send_messages(QUEUE, [{"type": "submit", "regency": user.regency, "submission_id": sid, "page": 0,
                               "cursor": None}])
    logger.info("submission started", extra={"submission_id": sid, "programme_id": pid})
    return job


def get(user: User, sid: str) -> dict:
    job = repo.get(user.regency, sid)
    if job is None:
        raise NotFound("SUBMISSION_NOT_FOUND", "Pengajuan tidak ditemukan")
    return job


def _page(job: dict, regency: str, page: int, cursor: dict | None) -> tuple[list[Enrolment], dict | None, int]:
    """(drafts of this page, cursor of the next page or None, rows of the page that were not drafts)."""
    pid, scope = job["programme_id"], job["scope"]
    if "ids" in scope:
        ids = scope["ids"][page * PAGE:(page + 1) * PAGE]
        found = kpj_store.enrolments(regency, ids)
        drafts = [e for e in found.values() if e.programme_id == pid and not e.deleted and e.status == "draft"]
        more = (page + 1) * PAGE < len(scope["ids"])
        return drafts, ({"page": page + 1} if more else None), len(ids) - len(drafts)
    filters = {"status": "draft", "village_code": scope.get("village_code")}
    drafts, last = enrolment_repo.filtered_page(regency, pid, filters, None, cursor, PAGE, page_size=PAGE)
    return drafts, last, 0


def handle_page(deps: Deps, message: dict) -> dict:
    regency, sid, page = message["regency"], message["submission_id"], int(message["page"])
    job = repo.get(regency, sid)
    if job is None or job.get("status") == "done":
        return {}
    drafts, next_cursor, skipped = _page(job, regency, page, message.get("cursor"))
    actor = Actor(job["created_by"], job["created_by_role"])
    submitted = 0
    for e in drafts:
        if _submit(deps, e, actor, sid):
            submitted += 1
        else:
            skipped += 1
    last = next_cursor is None
    if repo.count_page(regency, sid, page, submitted, skipped, last, deps.now_iso()):
        metrics.add_metric(name="EnrolmentsSubmitted", unit="Count", value=submitted)
    if last:
        logger.info("submission done", extra={"submission_id": sid})
    else:
        aws.send_messages(QUEUE, [{**message, "page": page + 1, "cursor": next_cursor}])
    return {"submitted": submitted, "skipped": skipped}


def _submit(deps: Deps, e: Enrolment, actor: Actor, sid: str, attempts: int = 3) -> bool:
    """draft -> submitted, versioned and audited; False when it is not a draft (any more)."""
    for _ in range(attempts):
        if e is None or e.deleted or e.status != "draft":
            return False
        updated, diff = apply_patch(e, {"status": "submitted"}, e.regency, today_wib(deps.clock), actor,
                                    deps.now_iso())
        diff["submission_id"] = [None, sid]
        audit = AuditEntry(e.regency, "enrolment", e.id, "update", actor.sub, actor.role, updated.updated_at,
                           deps.new_id(), diff)
        try:
            enrolment_repo.replace(updated, e.version, audit, deps.new_id())
            return True
        except Conflict:
            e = enrolment_repo.get(e.regency, e.id)
    return False
