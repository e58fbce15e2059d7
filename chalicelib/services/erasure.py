"""Erasure (UU 27/2022 PDP Pasal 8 and 43) and the retention job that uses the very same code.

`POST /v1/workers/{nik}/erasure {reason, reference?}` (admins) removes the person's personal
data from every item and file that holds it (store/erasure.py lists where): the worker and their
opt-outs, a restriction, every enrolment (left as a pseudonymous tombstone the summary still
counts, which reaches field phones as a deletion through the change feed), the audit trail's
values (events kept), reminders' recipients, sync receipts, documents in S3 (every version),
the regency's stored rosters, import chunks, error reports and exports, and the row errors kept
on import jobs. What remains is an erasure record without personal data: who, when, why (a
reason code and a letter number), the tombstones' ids and what was removed.

Order: everything that can be repeated comes first, the transaction that writes the tombstones,
deletes the person's items and writes the record comes last, on condition that no record
changed since it was read. A crash part-way leaves the person findable, and the same request
finishes the job; a concurrent change makes it VERSION_STALE (409), and it is simply sent again.

Retention (`app.retention`, daily, and `POST /v1/retention/run`): enrolments of a programme whose
period ended more than `retention_years` ago (the programme's, else the regency's archive
schedule, config.retention_years) are erased by `_erase`, a person whole when none of their
records is still needed, else only those records; then the programme's import row errors and
stored files (rosters, chunks, reports, exports) go whole. Bounded per run (config.retention_batch);
the next run continues, and erased records are never found again, so reruns are harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from chalicelib import config
from chalicelib.auth import User
from chalicelib.domain import erasure as rules
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Conflict, Invalid, NotFound
from chalicelib.observability import logger, metrics
from chalicelib.services.deps import Deps
from chalicelib.store import erasure as repo
from chalicelib.store import programmes as programme_repo
from chalicelib.store import regions
from chalicelib.store.audit import AuditEntry


@dataclass(frozen=True)
class Actor:
    sub: str
    role: str


SYSTEM = Actor("system:retention", "system")


@dataclass
class _Counts:
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("enrolments", "audit_events", "reminders", "documents", "upload_slots", "receipts", "file_rows",
         "import_rows", "person_items"), 0))

    def add(self, name: str, n: int) -> None:
        self.values[name] += n


# ---------- the route ----------
def erase(deps: Deps, user: User, nik: str, reason: str, reference: str | None) -> dict:
    regency = user.regency
    if not (len(nik) == 16 and nik.isascii() and nik.isdigit()):  # no storage call for what is no NIK
        raise NotFound("WORKER_NOT_FOUND", "Pekerja dengan NIK ini tidak ditemukan (atau datanya sudah dihapus)")
    enrolments = repo.person_enrolments(regency, nik)
    names, phones = repo.person_details(regency, nik)
    if not enrolments and not names:
        raise NotFound("WORKER_NOT_FOUND", "Pekerja dengan NIK ini tidak ditemukan (atau datanya sudah dihapus)")
    if (repo.worker_updated_at(regency, nik) or "") > max((e.updated_at for e in enrolments), default=""):
        raise Conflict("VERSION_STALE", "Data peserta baru saja berubah dan belum terbaca semua; ulangi sebentar lagi",
                       {"nik": "data baru berubah"})  # by_worker has not caught up with a write yet
    names |= {e.name for e in enrolments}
    phones |= {e.phone for e in enrolments if e.phone}
    if reference and rules.Person.of(nik, names, phones).mentioned_in(reference):
        raise Invalid("REFERENCE_HAS_PERSONAL_DATA", "Referensi tidak boleh memuat NIK, nama atau nomor HP peserta; "
                      "tulis nomor surat atau tiket saja", {"reference": "memuat data pribadi"})
    record = _erase(deps, regency, Actor(user.sub, user.role), nik, enrolments, names, phones, reason=reason,
                    reference=reference, trigger="request", whole_person=True, scrub_files=True)
    logger.info("personal data erased", extra={"erasure_id": record["erasure_id"], "counts": record["counts"]})
    return record


# ---------- the one erasure ----------
def _erase(deps: Deps, regency: str, actor: Actor, nik: str, targets: list[Enrolment], names: set[str],
           phones: set[str], *, reason: str, reference: str | None, trigger: str, whole_person: bool,
           scrub_files: bool, programme_id: str | None = None) -> dict:
    counts = _Counts()
    person = rules.Person.of(nik, names, phones)
    now = deps.now_iso()
    actors: set[str] = set()
    for e in targets:
        changed, seen = repo.redact_audit(regency, e.id, rules.redact_changes)
        actors |= seen | {e.created_by, e.updated_by}
        counts.add("audit_events", changed)
        reminders, slots = repo.forget_beside(regency, e.id)
        counts.add("reminders", reminders)
        counts.add("upload_slots", slots)
        counts.add("documents", repo.delete_documents(regency, e.id))
    counts.add("receipts", repo.delete_receipts(regency, actors, {e.id for e in targets}))
    if scrub_files:
        import_ids = set()
        for key in repo.stored_files(regency):
            counts.add("file_rows", repo.rewrite_file(key, lambda data, k: rules.scrub_file(data, k, person)))
            parts = key.split("/")
            if parts[0] == "imports" and len(parts) > 3:
                import_ids.add(parts[3])
        counts.add("import_rows", repo.scrub_import_jobs(regency, lambda rows: rules.scrub_rows(rows, person),
                                                         extra_ids=import_ids))
    fields_of: dict[str, list[dict] | None] = {}
    done, audits = [], []
    for e in targets:
        if e.programme_id not in fields_of:
            fields_of[e.programme_id] = (programme_repo.get(regency, e.programme_id) or {}).get("fields")
        after = rules.tombstone(e, now, actor.sub, fields_of[e.programme_id])
        done.append((e, after))
        audits.append(AuditEntry(regency, "enrolment", e.id, "erase", actor.sub, actor.role, now, deps.new_id(),
                                 {"erased": [False, True]}))
    counts.add("enrolments", len(done))
    kpj = repo.kpj_owned(regency, nik, [e.kpj_number for e in targets if e.kpj_number]) if whole_person else []
    if whole_person:
        counts.add("person_items", len(repo.person_items(regency, nik)) + len(kpj))
    record = {"erasure_id": deps.new_id(), "at": now, "actor": actor.sub, "actor_role": actor.role, "reason": reason,
              "reference": reference, "trigger": trigger, "programme_id": programme_id, "whole_person": whole_person,
              "enrolment_ids": sorted(e.id for e in targets), "counts": counts.values}
    repo.finish(record["erasure_id"], regency, nik, done, audits, record, whole_person, kpj)
    metrics.add_metric(name="ErasedEnrolments", unit="Count", value=len(done))
    return record


# ---------- retention ----------
def _programmes_due(regency: str, today: date, only: str | None) -> list[dict]:
    due = []
    start = None
    while True:
        page, start = programme_repo.list_page(regency, start, 100)
        for p in page:
            years = p.get("retention_years") or config.retention_years()
            if (only is None or p["id"] == only) and rules.retention_due(p["coverage_end"], years, today):
                due.append({**p, "years": years})
        if not start:
            return due


def run_retention(deps: Deps, regency: str, as_of: date | None = None, dry_run: bool = True,
                  programme_id: str | None = None, batch: int | None = None) -> dict:
    """Erase (or, dry run, count) what the programmes' retention says must go; at most `batch`
    records a run. Counts only: no NIK, name or phone in the answer or the logs."""
    today = as_of or today_wib(deps.clock)
    batch = batch or config.retention_batch()
    due = _programmes_due(regency, today, programme_id)
    due_ids = {p["id"] for p in due}
    villages = [v["code"] for v in regions.villages_of(regency)] if due else []
    out, erased_total, people_total, remaining = [], 0, 0, 0
    for p in due:
        found = list(repo.programme_records_with_data(regency, p["id"], villages))
        erased = people = 0
        if dry_run:
            erased, people = len(found), len({e.nik for e in found})
        for nik in sorted({e.nik for e in found}) if not dry_run else ():
            if erased_total + erased >= batch:
                remaining += sum(1 for e in found if e.nik == nik)
                continue
            mine = [e for e in found if e.nik == nik]
            everything = repo.person_enrolments(regency, nik)
            written = repo.worker_updated_at(regency, nik) or ""
            if not {e.id for e in mine} <= {e.id for e in everything} or written > max(
                    (e.updated_at for e in everything), default=""):  # by_worker has not caught up: next run
                remaining += len(mine)
                continue
            still_needed = [e for e in everything if e.programme_id not in due_ids]
            whole = not still_needed
            targets = [e for e in everything if e.programme_id in due_ids] if whole else mine
            names, phones = repo.person_details(regency, nik) if whole else (set(), set())
            _erase(deps, regency, SYSTEM, nik, targets, names | {e.name for e in targets},
                   phones | {e.phone for e in targets if e.phone}, reason="retention", reference=None,
                   trigger="retention", whole_person=whole, scrub_files=False, programme_id=p["id"])
            erased += len(targets)
            people += 1 if whole else 0
        if not dry_run and not remaining:  # the programme's imports: row errors and stored files go whole
            repo.scrub_import_jobs(regency, lambda rows: ([], len(rows)), programme_id=p["id"])
            repo.delete_programme_files(regency, p["id"])
        erased_total += erased
        people_total += people
        out.append({"programme_id": p["id"], "code": p["code"], "coverage_end": p["coverage_end"],
                    "retention_years": p["years"],
                    "due_on": rules.due_on(p["coverage_end"], p["years"]).isoformat(),
                    "enrolments": erased, "people": people})
    result = {"as_of": today.isoformat(), "dry_run": dry_run, "programmes_due": len(due), "enrolments": erased_total,
              "people": people_total, "remaining": remaining, "programmes": out}
    logger.info("retention run", extra={"regency": regency, "dry_run": dry_run, "programmes_due": len(due),
                                        "enrolments": erased_total, "people": people_total, "remaining": remaining})
    if not dry_run:
        metrics.add_metric(name="RetentionErased", unit="Count", value=erased_total)
    return result


def daily(deps: Deps) -> list[dict]:
    """The schedule: every regency this deployment serves, for real."""
    return [run_retention(deps, regency, dry_run=False) for regency in config.regencies()]
