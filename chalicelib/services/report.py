"""Everything held on one person, for an access request (UU 27/2022 PDP Pasal 32: within 3×24 hours).

`GET /v1/workers/{nik}/report` (admins): the person's details, every enrolment with its status
history (from the audit trail), the reminders sent (channel, date, masked recipient), the
documents held (names and sizes, never their content), the SMS opt-out and restriction, and who
read the record (the access log). JSON, or `?format=pdf` printable in Bahasa Indonesia
(services/report_pdf.py).
"""

from __future__ import annotations

from chalice import Response

from chalicelib.auth import User
from chalicelib.domain import fields as extra_fields
from chalicelib.domain.errors import NotFound
from chalicelib.services import access, enrolments, optouts, programmes
from chalicelib.services.deps import Deps
from chalicelib.store import audit as audit_repo
from chalicelib.store import reminders as reminder_repo

_PAGE = 500


def _status_history(regency: str, eid: str) -> list[dict]:
    out = []
    for a in reversed(list(audit_repo.query(regency, "enrolment", eid, None, _PAGE))):  # oldest first
        if a.action == "create":
            out.append({"at": a.at, "status": (a.changes.get("status") or [None, None])[1], "by": a.actor,
                        "action": "create"})
        elif "status" in a.changes:
            out.append({"at": a.at, "status": a.changes["status"][1], "by": a.actor, "action": "update"})
        elif a.action == "delete":
            out.append({"at": a.at, "status": "withdrawn", "by": a.actor, "action": "delete"})
    return out


def _reminders(regency: str, eid: str) -> list[dict]:
    return [{"channel": m.channel, "rule_id": m.rule_id, "status": m.status, "sent_at": m.sent_at,
             "claimed_at": m.claimed_at, "recipient": m.recipient}
            for m in reminder_repo.history(regency, eid, None, _PAGE)[0]]


def _documents(e) -> list[dict]:
    return [{"kind": kind, "name": f"{kind}-{e.id}", "content_type": meta.get("content_type"),
             "size": meta.get("size"), "uploaded_at": meta.get("uploaded_at"), "uploaded_by": meta.get("uploaded_by")}
            for kind, meta in sorted((e.documents or {}).items())]


def _definitions(user: User, pid: str, known: dict[str, list[dict]]) -> list[dict]:
    """The programme's field definitions (retired ones too), read once per programme."""
    if pid not in known:
        try:
            known[pid] = programmes.get(user, pid).get("fields") or []
        except NotFound:
            known[pid] = []  # values are still printed, under their keys
    return known[pid]


def build(deps: Deps, user: User, nik: str) -> dict:
    person = enrolments.worker(user, nik)
    regency = user.regency
    held, definitions = [], {}
    for e in sorted(person["enrolments"], key=lambda e: e.created_at):
        held.append({"enrolment": e, "status_history": _status_history(regency, e.id),
                     "reminders": _reminders(regency, e.id), "documents": _documents(e),
                     "extra_fields": extra_fields.labelled(_definitions(user, e.programme_id, definitions), e.extra)})
    log = access.worker_log(deps, user, nik, None, None, _PAGE)
    return {"generated_at": deps.now_iso(), "generated_by": user.sub,
            "person": {k: person[k] for k in ("nik", "name", "birth_date", "sex", "phone", "village_code")},
            "sms_opt_out": optouts.of_worker(regency, nik), "restriction": optouts.restriction_of(regency, nik),
            "enrolments": held, "accesses": log["items"]}


def pdf(deps: Deps, user: User, nik: str) -> Response:
    """The same report as a file: its disclosure is noted here, the router does not read PDFs."""
    from chalicelib.services import report_pdf

    data = build(deps, user, nik)
    access.note(enrolments=tuple(h["enrolment"].id for h in data["enrolments"]))
    plain = {**data, "enrolments": [{**h, "enrolment": h["enrolment"].as_dict()} for h in data["enrolments"]]}
    body = report_pdf.render(plain)
    return Response(body=body, status_code=200, headers={
        "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="laporan-data-pribadi.pdf"'})
