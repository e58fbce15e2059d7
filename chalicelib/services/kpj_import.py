"""The BPJS branch's answer: its KPJ list (`POST /imports?kind=kpj`) activates the enrolments.

The branch registers the submitted roster and sends back who got which KPJ number, as a CSV or
XLSX with a NIK and a KPJ column (`No KPJ`, `Nomor KPJ`, `KPJ`; optionally an effective date and
a status). The file goes through the roster reader (same formats, header spellings, line numbers)
and the import job machinery (upload, plan, chunks on the imports queue, progress):
- plan: every row is checked (NIK well formed, KPJ 11 digits, status "aktif" if given, no NIK or
  KPJ twice in the file), then looked up in bulk: the programme's NIK markers (NIK not in the
  programme -> `not_found`) and the KPJ owner markers (KPJ held by another NIK -> `conflicts`);
- chunk: each matching draft or submitted enrolment becomes `active` with that KPJ, written with
  its audit entry and the KPJ owner marker (conditional: free or this NIK's) in one transaction, so
  two people can never be activated with one KPJ even by two lists at once. 25 rows share one
  transaction (store/kpj.activate_all: a row whose condition fails is dropped from it and the rest
  sent again; a row whose enrolment changed meanwhile is read again and retried on its own), so a
  chunk of 1,000 rows is 40 requests after its reads, not 1,000. Draft goes straight
  to active: the branch's answer is the fact, whether or not someone pressed *Ajukan ke BPJS*;
- an enrolment already active with that KPJ is `already_active` and is not written, so a
  re-upload changes nothing; one active with another KPJ is a conflict for a person to settle.
The audit entry of an activation has a fixed key per import, so a redelivered chunk recognises
the rows it activated before and counts them as activated, not as already active.
"""

from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from dataclasses import replace as evolve
from typing import Any

from chalicelib import aws
from chalicelib.domain import nik as nik_rules
from chalicelib.domain import roster
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.import_job import ImportJob
from chalicelib.domain.roster import RowError
from chalicelib.observability import logger, metrics
from chalicelib.services import import_report, imports
from chalicelib.services.deps import Deps
from chalicelib.store import bulk, keys
from chalicelib.store import imports as repo
from chalicelib.store import kpj as kpj_store
from chalicelib.store.audit import AuditEntry
from chalicelib.store.blobs import files

REQUIRED = ("nik", "kpj_number")
ACTIVE_WORDS = frozenset({"aktif", "active", "terdaftar", "sukses", "berhasil", "ok", "diterima"})
ACTIVATABLE = frozenset({"draft", "submitted"})
WRITERS = 8
_KPJ = re.compile(r"\d{11}")
_KPJ_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class KpjRow:
    line: int
    nik: str
    kpj: str
    eid: str
    effective_date: str | None = None


def normalise_kpj(value: Any) -> str | None:
    text = roster.as_text(value)
    return _KPJ_SEPARATORS.sub("", text.lstrip("'")) if text else None


def _row_problems(values: dict, today) -> tuple[dict, dict[str, tuple[str, str]]]:
    """The row's NIK, KPJ and effective date, and every problem of the row at once."""
    out: dict = {}
    problems: dict[str, tuple[str, str]] = {}
    if values.get("nik") is None:
        problems["nik"] = ("REQUIRED", "NIK wajib diisi")
    else:
        try:
            out["nik"] = nik_rules.parse(roster.parse_nik(values["nik"]), today).value
        except ValueError as exc:
            problems["nik"] = ("NIK_INVALID", str(exc))
        except nik_rules.NikError as exc:
            problems["nik"] = ("NIK_INVALID", exc.message)
    kpj = normalise_kpj(values.get("kpj_number"))
    if not kpj:
        problems["kpj_number"] = ("REQUIRED", "Nomor KPJ wajib diisi")
    elif not _KPJ.fullmatch(kpj):
        problems["kpj_number"] = ("KPJ_INVALID", "Nomor KPJ harus 11 digit angka (tanpa huruf); periksa salinan "
                                                 "dari daftar BPJS")
    else:
        out["kpj"] = kpj
    if values.get("effective_date") is not None:
        try:
            out["effective_date"] = roster.parse_date(values["effective_date"]).isoformat()
        except ValueError:
            problems["effective_date"] = ("DATE_INVALID", "Tanggal efektif harus DD/MM/YYYY atau YYYY-MM-DD")
    status = values.get("status")
    if status is not None and roster.normalise_code(str(status)) not in ACTIVE_WORDS:
        problems["status"] = ("KPJ_NOT_ACTIVE", f"Status '{status}' bukan aktif di daftar BPJS; baris ini tidak "
                                                "diproses")
    return out, problems


def plan(deps: Deps, job: ImportJob, programme: dict) -> None:
    data = files.get(job.s3_key)
    try:
        fmt = roster.detect_format(data, None, job.filename)
        sheet = roster.read(data, fmt, required=REQUIRED)
    except roster.FileError as exc:
        repo.fail(job, {"code": exc.code, "message": exc.message, "fields": {exc.field: exc.message} if exc.field
                        else {}}, deps.now_iso())
        return
    today = today_wib(deps.clock)
    column = lambda f: sheet.columns.get(f, f)  # noqa: E731
    errors: list[RowError] = []
    counts = {"not_found": 0, "conflicts": 0}
    candidates: list[tuple[int, dict]] = []
    seen_nik: dict[str, int] = {}
    seen_kpj: dict[str, tuple[str, int]] = {}
    for row in sheet.rows:
        out, problems = _row_problems(row.values, today)
        if not problems and out["nik"] in seen_nik:
            problems["nik"] = ("DUPLICATE_IN_FILE", f"NIK sama dengan baris {seen_nik[out['nik']]} di berkas ini")
        elif not problems and out["kpj"] in seen_kpj and seen_kpj[out["kpj"]][0] != out["nik"]:
            problems["kpj_number"] = ("KPJ_TAKEN", f"Nomor KPJ sama dengan baris {seen_kpj[out['kpj']][1]} "
                                                   "(NIK lain) di berkas ini")
            counts["conflicts"] += 1
        if problems:
            errors += [RowError(row.line, f, column(f), code, message) for f, (code, message) in problems.items()]
            continue
        seen_nik[out["nik"]] = row.line
        seen_kpj[out["kpj"]] = (out["nik"], row.line)
        candidates.append((row.line, out))
    eids = kpj_store.enrolment_ids(job.regency, job.programme_id, [c["nik"] for _, c in candidates])
    owners = kpj_store.owners(job.regency, [c["kpj"] for _, c in candidates])
    valid: list[KpjRow] = []
    for line, c in candidates:
        if c["nik"] not in eids:
            counts["not_found"] += 1
            errors.append(RowError(line, "nik", column("nik"), "NIK_NOT_IN_PROGRAMME",
                                   "NIK ini tidak terdaftar di program ini; periksa NIK atau daftarkan dulu"))
        elif owners.get(c["kpj"], c["nik"]) != c["nik"]:
            counts["conflicts"] += 1
            errors.append(RowError(line, "kpj_number", column("kpj_number"), "KPJ_TAKEN",
                                   "Nomor KPJ ini sudah tercatat untuk peserta lain (NIK berbeda); tanyakan ke "
                                   "kantor cabang BPJS"))
        else:
            valid.append(KpjRow(line, c["nik"], c["kpj"], eids[c["nik"]], c.get("effective_date")))
    rejected_lines = {e.row for e in errors}
    chunks = [valid[i:i + imports.CHUNK_ROWS] for i in range(0, len(valid), imports.CHUNK_ROWS)]
    for n, rows in enumerate(chunks):
        files.put(imports._chunk_key(job, n), json.dumps([asdict(r) for r in rows]).encode(), "application/json")
    files.put(_columns_key(job), json.dumps(sheet.columns).encode(), "application/json")
    error_dicts = [asdict(e) for e in errors]
    errors_key = _write_report(job, error_dicts) if error_dicts else None
    if error_dicts:
        files.put(_plan_errors_key(job), json.dumps(error_dicts).encode(), "application/json")
    repo.set_plan_counts(job, counts, deps.now_iso())
    if not repo.plan(job, total=len(sheet.rows), rejected=len(rejected_lines), chunks=len(chunks),
                     errors=error_dicts[:imports.ERRORS_KEPT], error_count=len(error_dicts), errors_key=errors_key,
                     ignored=sheet.ignored_columns, file_format=fmt, now=deps.now_iso()):
        return
    logger.info("kpj import planned", extra={"import_id": job.import_id, "total": len(sheet.rows),
                                             "rejected": len(rejected_lines), "chunks": len(chunks)})
    aws.send_messages(imports.QUEUE, [{"kind": "chunk", "regency": job.regency, "import_id": job.import_id,
                                       "chunk": n} for n in range(len(chunks))])
    imports._finish(deps, job)


def _plan_errors_key(job: ImportJob) -> str:
    return f"imports/{job.regency}/{job.programme_id}/{job.import_id}/errors.json"


def _columns_key(job: ImportJob) -> str:
    return f"imports/{job.regency}/{job.programme_id}/{job.import_id}/columns.json"


def _chunk_errors_key(job: ImportJob, n: int) -> str:
    return imports._chunk_key(job, n).replace(".json", ".errors.json")


def _write_report(job: ImportJob, errors: list[dict]) -> str:
    key = f"imports/{job.regency}/{job.programme_id}/{job.import_id}/errors.xlsx"
    files.put(key, import_report.build(errors, [], []), import_report.XLSX)  # the roster import's report
    return key


def _event_id(job: ImportJob) -> str:
    return f"kpj-{job.import_id}"


def _token(job: ImportJob, eid: str) -> str:
    return hashlib.sha256(f"{job.import_id}|{eid}".encode()).hexdigest()[:32]


def run_chunk(deps: Deps, job: ImportJob, n: int) -> None:
    rows = [KpjRow(**r) for r in json.loads(files.get(imports._chunk_key(job, n)))]
    current = kpj_store.enrolments(job.regency, [r.eid for r in rows])
    active_same = [r for r in rows if (e := current.get(r.eid)) and e.status == "active" and e.kpj_number == r.kpj]
    ours = bulk.get_all([(keys.audit(job.regency, "enrolment", r.eid), f"{job.created_at}#{_event_id(job)}")
                         for r in active_same]) if active_same else {}
    mine = {r.eid for r in active_same if (keys.audit(job.regency, "enrolment", r.eid),
                                           f"{job.created_at}#{_event_id(job)}") in ours}
    decided = [_decide(deps, job, r, current.get(r.eid), r.eid in mine) for r in rows]
    writes = [i for i, d in enumerate(decided) if isinstance(d, kpj_store.Activation)]
    size = kpj_store.ROWS_PER_TRANSACTION
    groups = [writes[i:i + size] for i in range(0, len(writes), size)]
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="kpj") as pool:
        written = list(pool.map(lambda group: kpj_store.activate_all([decided[i] for i in group]), groups))
    outcomes: list[tuple[str, RowError | None]] = []
    results = {i: outcome for group, out in zip(groups, written, strict=True)
               for i, outcome in zip(group, out, strict=True)}
    for i, (row, d) in enumerate(zip(rows, decided, strict=True)):
        if not isinstance(d, kpj_store.Activation):
            outcomes.append(d)
        elif results[i] == "ok":
            outcomes.append(("activated", None))
        elif results[i] == "kpj_taken":
            outcomes.append(_kpj_taken(row))
        else:  # the enrolment changed since the chunk read it: this row on its own, read again
            outcomes.append(_apply(deps, job, row, kpj_store.enrolments(job.regency, [row.eid]).get(row.eid), False))
    counts = {"activated": 0, "already_active": 0, "not_found": 0, "conflicts": 0, "chunk_rejected": 0}
    errors = []
    for outcome, error in outcomes:
        counts[outcome] += 1
        if error is not None:
            counts["chunk_rejected"] += 1
            errors.append(asdict(error))
    files.put(_chunk_errors_key(job, n), json.dumps(errors).encode(), "application/json")
    if repo.complete_kpj_chunk(job, n, len(rows), counts, deps.now_iso()):
        metrics.add_metric(name="KpjActivated", unit="Count", value=counts["activated"])
        logger.info("kpj chunk done", extra={"import_id": job.import_id, "chunk": n, **counts})
    _finish(deps, job)


def _kpj_taken(row: KpjRow) -> tuple[str, RowError]:
    return "conflicts", RowError(row.line, "kpj_number", "kpj_number", "KPJ_TAKEN",
                                 "Nomor KPJ ini sudah tercatat untuk peserta lain (NIK berbeda)")


def _decide(deps: Deps, job: ImportJob, row: KpjRow, e: Enrolment | None,
            activated_before: bool) -> tuple[str, RowError | None] | kpj_store.Activation:
    """What the row does to enrolment `e` as read: an outcome with no write (counter, row error or
    None), or the activation to write."""
    if e is None or e.deleted or e.programme_id != job.programme_id:
        return "not_found", RowError(row.line, "nik", "nik", "NIK_NOT_IN_PROGRAMME",
                                     "NIK ini tidak terdaftar di program ini")
    if e.status == "active" and e.kpj_number == row.kpj:
        return ("activated" if activated_before else "already_active"), None
    if e.status == "active":
        return "conflicts", RowError(row.line, "kpj_number", "kpj_number", "KPJ_MISMATCH",
                                     "Peserta sudah aktif dengan nomor KPJ lain; periksa ke kantor cabang BPJS")
    if e.status not in ACTIVATABLE:
        return "conflicts", RowError(row.line, "status", "status", "STATUS_TRANSITION_INVALID",
                                     f"Status peserta '{e.status}' tidak bisa diaktifkan dari daftar KPJ")
    changes: dict[str, list] = {"status": [e.status, "active"], "import_id": [None, job.import_id]}
    if e.kpj_number != row.kpj:
        changes["kpj_number"] = [e.kpj_number, row.kpj]
    if row.effective_date:
        changes["kpj_effective_date"] = [None, row.effective_date]
    now = deps.now_iso()
    updated = evolve(e, status="active", kpj_number=row.kpj, rejection_reason=None, version=e.version + 1,
                     updated_at=now, updated_by=job.created_by)
    audit = AuditEntry(job.regency, "enrolment", e.id, "update", job.created_by, job.created_by_role,
                       job.created_at, _event_id(job), changes)
    return kpj_store.Activation(updated, e.version, audit, _token(job, f"{e.id}|{e.version}"))


def _apply(deps: Deps, job: ImportJob, row: KpjRow, e: Enrolment | None, activated_before: bool,
           attempts: int = 3) -> tuple[str, RowError | None]:
    """(counter, row error or None) for one row on its own; re-reads and retries when the enrolment
    moved meanwhile."""
    for _ in range(attempts):
        decided = _decide(deps, job, row, e, activated_before)
        if not isinstance(decided, kpj_store.Activation):
            return decided
        outcome = kpj_store.activate_all([decided])[0]
        if outcome == "ok":
            return "activated", None
        if outcome == "kpj_taken":
            return _kpj_taken(row)
        e = kpj_store.enrolments(job.regency, [row.eid]).get(row.eid)  # stale: read again
    return "conflicts", RowError(row.line, "nik", "nik", "ENROLMENT_BUSY",
                                 "Data peserta sedang diubah orang lain; unggah ulang daftar ini nanti")


def _finish(deps: Deps, job: ImportJob) -> None:
    """When every row is in: the chunks' row errors join the plan's (report rewritten), then done."""
    now_job = repo.get(job.regency, job.import_id)
    if now_job is None or now_job.status != "running" or not now_job.all_rows_in():
        return
    if now_job.chunk_rejected:
        plan_errors = json.loads(files.get(_plan_errors_key(job))) if now_job.error_count else []
        chunk_errors = [e for n in range(int(now_job.chunks)) for e in json.loads(files.get(_chunk_errors_key(job, n)))]
        columns = json.loads(files.get(_columns_key(job)))
        chunk_errors = [{**e, "column": columns.get(e["field"], e["column"])} for e in chunk_errors]
        everything = sorted(plan_errors + chunk_errors, key=lambda e: e["row"])
        repo.set_errors(now_job, everything[:imports.ERRORS_KEPT], len(everything), _write_report(job, everything),
                        deps.now_iso())
    imports._finish(deps, job)


def progress_fields(job: ImportJob) -> dict:
    """The KPJ counters beside the usual ones (accepted = activated, already_enrolled = already_active)."""
    return {"kind": "kpj", "activated": int(job.activated), "already_active": int(job.already_active),
            "not_found": int(job.not_found), "conflicts": int(job.conflicts),
            "accepted": int(job.activated), "already_enrolled": int(job.already_active),
            "rejected": int(job.rejected + job.chunk_rejected)}
