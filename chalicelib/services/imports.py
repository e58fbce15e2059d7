"""Roster imports: upload -> plan (parse, validate, split) -> chunks (write in batches) -> done.

Flow. `POST /imports` stores the file in the imports bucket (small files sent in the request) or
points at a file the browser already put there with a presigned POST (large files), creates the
job and queues a `plan` message. The SQS worker (`app.process_import`; the local dispatcher feeds
the same handler) reads the file once, validates every row with the single-enrolment rules,
records rejected rows and the total, writes the valid rows to S3 as chunks of CHUNK_ROWS and
queues one message per chunk. Chunks can run in parallel Lambdas.

Uniqueness of a NIK per programme under batch writes. BatchWriteItem cannot be conditional, so:
1. enrolment ids of imported rows are deterministic per (regency, programme, NIK) (`import_eid`),
   and so is everything written with them (marker, enrolment, worker, audit key): a retried,
   redelivered or concurrently duplicated batch (the same file uploaded twice at once) overwrites
   the same items instead of creating a second enrolment;
2. a chunk reads the NIK markers with BatchGetItem (consistent, 100 per call): a marker of another
   enrolment means "already enrolled" (what `POST /enrolments` answers with 409); a marker this
   very import wrote means a redelivery, and only the enrolments still missing are written (an
   enrolment edited since is never overwritten);
3. the free rows' markers are *claimed*: conditional Puts (`attribute_not_exists`) in
   TransactWriteItems of 100 (`bulk.put_new`), the same condition the single create's
   transaction carries, so whichever commits first owns the NIK. A single create or sync
   operation that slipped in after the read (2) makes its row "already enrolled" here; it can
   never leave two enrolments for one NIK;
4. only rows whose marker this import holds are written, with BatchWriteItem (25 per call,
   unprocessed items retried with backoff): enrolment, worker details, audit event. A crash
   between 3 and 4 leaves markers of this import, which the redelivered chunk treats as in 2.
Progress counters are added once per chunk (see store.imports). When the last one is in, the
job is `done` and a `summary` message refreshes the programme's summary snapshot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from dataclasses import replace as evolve
from datetime import datetime

from chalicelib import aws
from chalicelib.auth import User
from chalicelib.domain import fields as extra_fields
from chalicelib.domain import roster
from chalicelib.domain.clock import today_wib
from chalicelib.domain.enrolment import Enrolment, created_changes
from chalicelib.domain.errors import Invalid, Malformed, NotFound, Unsupported
from chalicelib.domain.ids import ulid
from chalicelib.domain.import_job import ImportJob
from chalicelib.domain.inputs import UploadRequest
from chalicelib.domain.roster import RowError
from chalicelib.domain.villages import Village, VillageIndex
from chalicelib.observability import logger, metrics
from chalicelib.services import import_report, programmes
from chalicelib.services.deps import Deps
from chalicelib.services.roster_check import Checked, Rules, ValidRow, check, require_columns
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import imports as repo
from chalicelib.store import kpj as kpj_store
from chalicelib.store import programmes as programme_repo
from chalicelib.store import regions
from chalicelib.store.audit import AuditEntry
from chalicelib.store.blobs import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = ["text/csv", XLSX, "application/vnd.ms-excel", "application/octet-stream", "text/plain"]
DIRECT_MAX_BYTES = 5 * 1024 * 1024  # below API Gateway's 10 MB and Lambda's 6 MB request limits
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_EXPIRES = 900
CHUNK_ROWS = 1000
ERRORS_KEPT = 1000
NOTES_KEPT = 200  # ignored rows and warnings kept on the job (all of them are in the report)
ERRORS_KEPT_BYTES = 200_000  # the job item must stay under DynamoDB's 400 KB with its notes
QUEUE = "imports"
# A message leaves the imports queue for its DLQ after maxReceiveCount (3) receives, each with a
# VisibilityTimeout (900 s) that covers the worker's 900 s Lambda timeout (infra/queues.yaml): a
# job with no progress for longer than that, plus a margin, has a message in the DLQ (or lost).
STALLED_AFTER_SECONDS = 3 * 900 + 15 * 60


# ---------- starting an import (HTTP) ----------
def start_direct(deps: Deps, user: User, pid: str, body: bytes | None, content_type: str | None,
                 filename: str | None, options: dict | None = None, kind: str = "roster") -> dict:
    programme = programmes.get(user, pid)
    if not body:
        raise Malformed("BODY_MISSING", "Berkas roster (CSV atau XLSX) wajib dikirim")
    _refuse_xls(body[:8], filename)
    options = _check_options(user, programme, options)
    if len(body) > DIRECT_MAX_BYTES:
        raise Invalid("FILE_TOO_LARGE", "Berkas lebih dari 5 MB; unggah lewat /imports/upload-url",
                      {"body": f"maksimal {DIRECT_MAX_BYTES} byte"})
    fmt = "xlsx" if body[:4] == roster.XLSX_MAGIC else "csv"  # the worker checks the content properly
    import_id = deps.new_id()
    key = f"imports/{user.regency}/{pid}/{import_id}/source.{fmt}"
    files.put(key, body, XLSX if fmt == "xlsx" else "text/csv")
    return _start(deps, user, pid, import_id, key, filename, options, kind)


def _refuse_xls(head: bytes, filename: str | None) -> None:
    """An old .xls (OLE2) is refused at upload, not accepted and then failed with HEADER_MISSING."""
    if head[:8] == roster.OLE_MAGIC or (filename or "").lower().endswith(".xls"):
        raise Unsupported("FORMAT_UNSUPPORTED", roster.XLS_MESSAGE, {"body": "simpan sebagai .xlsx"})


def _check_options(user: User, programme: dict, options: dict | None) -> dict:
    """The village, kecamatan or category named for the whole file must exist, or the upload is a 422."""
    options = {k: v for k, v in (options or {}).items() if v}
    problems = {}
    if "category" in options and options["category"] not in {c["code"] for c in programme["categories"]}:
        problems["category"] = "bukan kategori program ini: " + ", ".join(c["code"] for c in programme["categories"])
    villages = regions.villages_of(user.regency)
    if "village_code" in options and options["village_code"] not in {v["code"] for v in villages}:
        problems["village_code"] = "kode desa tidak dikenal di kabupaten ini"
    if "district_code" in options and options["district_code"] not in {v["district_code"] for v in villages}:
        problems["district_code"] = "kode kecamatan tidak dikenal di kabupaten ini"
    if problems:
        raise Invalid("IMPORT_OPTION_INVALID", "Pilihan untuk seluruh berkas tidak valid", problems)
    return options


def upload_url(deps: Deps, user: User, pid: str, data: UploadRequest) -> dict:
    programmes.get(user, pid)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in data.filename)[-100:]
    key = f"uploads/{user.regency}/{pid}/{deps.new_id()}/{safe}"
    form = files.upload_form(key, UPLOAD_MAX_BYTES, UPLOAD_EXPIRES)
    return {"url": form["url"], "fields": form["fields"], "s3_key": key, "max_bytes": UPLOAD_MAX_BYTES,
            "expires_in": UPLOAD_EXPIRES}


def start_from_upload(deps: Deps, user: User, pid: str, s3_key: str, filename: str | None,
                      options: dict | None = None, kind: str = "roster") -> dict:
    programme = programmes.get(user, pid)
    if not s3_key.startswith(f"uploads/{user.regency}/{pid}/") or ".." in s3_key:
        raise Invalid("UPLOAD_KEY_INVALID", "s3_key bukan unggahan untuk program ini",
                      {"s3_key": "harus dari /imports/upload-url program ini"})
    size = files.size(s3_key)
    if not size:
        raise Invalid("UPLOAD_NOT_FOUND", "Berkas belum diunggah ke S3 atau kosong", {"s3_key": "tidak ditemukan"})
    filename = filename or s3_key.rsplit("/", 1)[1]
    _refuse_xls(files.first_bytes(s3_key, 8), filename)
    options = _check_options(user, programme, options)
    return _start(deps, user, pid, deps.new_id(), s3_key, filename, options, kind)


def _start(deps: Deps, user: User, pid: str, import_id: str, key: str, filename: str | None,
           options: dict | None = None, kind: str = "roster") -> dict:
    """kind: `roster` (people to enrol) or `kpj` (the BPJS branch's KPJ list, services/kpj_import.py)."""
    now = deps.now_iso()
    repo.create(ImportJob(import_id, user.regency, pid, "queued", key, created_at=now, updated_at=now,
                          created_by=user.sub, created_by_role=user.role, filename=filename,
                          kind=None if kind == "roster" else kind, options=options or None))
    aws.send_messages(QUEUE, [{"kind": "plan", "regency": user.regency, "import_id": import_id}])
    logger.info("import queued", extra={"import_id": import_id, "programme_id": pid})
    return {"import_id": import_id, "status": "queued"}


# ---------- progress (HTTP) ----------
def progress(deps: Deps, user: User, import_id: str) -> dict:
    job = repo.get(user.regency, import_id)
    if job is None:
        raise NotFound("IMPORT_NOT_FOUND", "Impor tidak ditemukan")
    job = _fail_if_stalled(deps, job)
    report_url = None
    if job.errors_key:
        extension = "xlsx" if job.errors_key.endswith(".xlsx") else "csv"
        report_url = files.download_url(job.errors_key, 900, f"kesalahan-impor-{import_id}.{extension}")
    notes = job.notes or {}
    return {
        "import_id": job.import_id, "programme_id": job.programme_id, "status": job.status,
        "filename": job.filename, "format": job.file_format, "total": int(job.total),
        "processed": int(job.rejected + job.chunk_rows), "accepted": int(job.accepted),
        "rejected": int(job.rejected), "already_enrolled": int(job.already_enrolled),
        "errors": job.errors or [], "error_count": int(job.error_count), "error_report_url": report_url,
        "ignored_columns": list(job.ignored_columns or []), "failure": job.failure,
        "ignored_rows": notes.get("ignored_rows", []), "ignored_row_count": notes.get("ignored_row_count", 0),
        "warnings": notes.get("warnings", []), "sheet": notes.get("sheet"), "header_row": notes.get("header_row"),
        "encoding": notes.get("encoding"), "options": job.options or {},
        "created_at": job.created_at, "updated_at": job.updated_at, "finished_at": job.finished_at,
        **_kind_fields(job),
    }


def _kind_fields(job: ImportJob) -> dict:
    if job.kind == "kpj":
        from chalicelib.services import kpj_import

        return kpj_import.progress_fields(job)
    return {"kind": "roster"}


def _fail_if_stalled(deps: Deps, job: ImportJob) -> ImportJob:
    """An import whose plan or chunk message ended in the DLQ would say queued/running forever:
    once it has made no progress for STALLED_AFTER_SECONDS it is failed with IMPORT_STALLED
    (conditionally: a chunk finishing at that moment wins). Rows already accepted stay; importing
    the same file again writes the rest (the ones already in count as already_enrolled). A message
    that arrives afterwards finds the job failed and does nothing (handle)."""
    if job.status not in {"queued", "running"}:
        return job
    idle = (deps.clock() - datetime.fromisoformat(job.updated_at.replace("Z", "+00:00"))).total_seconds()
    if idle <= STALLED_AFTER_SECONDS:
        return job
    failure = {"code": "IMPORT_STALLED", "fields": {},
               "message": f"Impor berhenti: tidak ada kemajuan selama {int(idle // 60)} menit (pesan antrean "
                          "gagal diproses). Baris yang sudah diterima tetap tersimpan; impor ulang berkas yang "
                          "sama untuk menyelesaikan sisanya."}
    if repo.fail_stalled(job, failure, deps.now_iso()):
        logger.warning("import stalled", extra={"import_id": job.import_id, "idle_seconds": int(idle)})
    return repo.get(job.regency, job.import_id) or job


# ---------- the worker (SQS) ----------
def handle(deps: Deps, message: dict) -> None:
    """One SQS message; raises to leave it on the queue for a retry (then the DLQ)."""
    job = repo.get(message["regency"], message["import_id"])
    if message["kind"] == "summary":
        return  # an older deployment's refresh request: the summary now follows the table's stream
    if job is None or job.status in {"done", "failed"}:
        return
    if job.kind == "kpj":
        from chalicelib.services import kpj_import  # it builds on this module

        if message["kind"] == "plan":
            programme = programme_repo.get(job.regency, job.programme_id)
            if programme is None:
                repo.fail(job, {"code": "PROGRAMME_NOT_FOUND", "message": "Program tidak ditemukan", "fields": {}},
                          deps.now_iso())
                return
            kpj_import.plan(deps, job, programme)
        else:
            kpj_import.run_chunk(deps, job, int(message["chunk"]))
        return
    if message["kind"] == "plan":
        plan(deps, job)
    else:
        run_chunk(deps, job, int(message["chunk"]))


def _chunk_key(job: ImportJob, n: int) -> str:
    return f"imports/{job.regency}/{job.programme_id}/{job.import_id}/chunks/{n:05d}.json"


def plan(deps: Deps, job: ImportJob) -> None:
    programme = programme_repo.get(job.regency, job.programme_id)
    if programme is None:
        repo.fail(job, {"code": "PROGRAMME_NOT_FOUND", "message": "Program tidak ditemukan", "fields": {}},
                  deps.now_iso())
        return
    data = files.get(job.s3_key)
    try:
        fmt = roster.detect_format(data, None, job.filename)
        sheet = roster.read(data, fmt, extra_headers=extra_fields.header_lookup(programme.get("fields")))
    except roster.FileError as exc:
        repo.fail(job, {"code": exc.code, "message": exc.message, "fields": {exc.field: exc.message} if exc.field
                        else {}}, deps.now_iso())
        logger.info("import failed", extra={"import_id": job.import_id, "code": exc.code})
        return
    options = job.options or {}
    known = regions.villages_of(job.regency)
    rules = Rules(job.regency, programme["categories"], regions.village_exists, today_wib(deps.clock),
                  VillageIndex(Village(**v) for v in known) if known else None, options.get("village_code"),
                  options.get("district_code"), options.get("category"), programme.get("eligibility"),
                  programme["coverage_start"], programme.get("fields") or [])
    try:
        require_columns(sheet, rules)
    except roster.FileError as exc:
        repo.fail(job, {"code": exc.code, "message": exc.message, "fields": {exc.field: exc.message} if exc.field
                        else {}}, deps.now_iso())
        logger.info("import failed", extra={"import_id": job.import_id, "code": exc.code})
        return
    checked = kpj_checked(job.regency, check(sheet, rules), sheet.columns.get("kpj_number", "kpj_number"))
    chunks = [checked.valid[i:i + CHUNK_ROWS] for i in range(0, len(checked.valid), CHUNK_ROWS)]
    for n, rows in enumerate(chunks):
        files.put(_chunk_key(job, n), json.dumps([asdict(r) for r in rows]).encode(), "application/json")
    errors = [asdict(e) for e in checked.errors]
    notices = [asdict(e) for e in checked.notices]
    errors_key = None
    if errors or notices or sheet.ignored_rows:
        errors_key = f"imports/{job.regency}/{job.programme_id}/{job.import_id}/errors.xlsx"
        files.put(errors_key, import_report.build(errors, notices, sheet.ignored_rows), import_report.XLSX)
    notes = {"ignored_rows": [{"row": r, "reason": why} for r, why in sheet.ignored_rows[:NOTES_KEPT]],
             "ignored_row_count": len(sheet.ignored_rows), "warnings": notices[:NOTES_KEPT],
             "sheet": sheet.sheet_name, "header_row": sheet.header_line, "encoding": sheet.encoding}
    if not repo.plan(job, total=checked.total, rejected=checked.rejected, chunks=len(chunks),
                     errors=kept_errors(errors), error_count=len(errors), errors_key=errors_key,
                     ignored=sheet.ignored_columns, file_format=fmt, now=deps.now_iso(), notes=notes):
        return
    logger.info("import planned", extra={"import_id": job.import_id, "total": checked.total,
                                         "rejected": checked.rejected, "chunks": len(chunks)})
    aws.send_messages(QUEUE, [{"kind": "chunk", "regency": job.regency, "import_id": job.import_id, "chunk": n}
                              for n in range(len(chunks))])
    _finish(deps, job)


def kept_errors(errors: list[dict]) -> list[dict]:
    """The first errors for the job item: at most ERRORS_KEPT and ERRORS_KEPT_BYTES of JSON (an
    error names the row's NIK and name and may list every category); all are in the report."""
    kept, size = [], 0
    for error in errors[:ERRORS_KEPT]:
        size += len(json.dumps(error, ensure_ascii=False).encode()) + 2  # with the list separator
        if size > ERRORS_KEPT_BYTES:
            break
        kept.append(error)
    return kept


def import_eid(regency: str, pid: str, nik: str, programme_created_at: str) -> str:
    """Deterministic per (regency, programme, NIK), still a ULID: the time part is the programme's
    creation, so imported rows sort before anything enrolled later, and the random part is a hash."""
    ms = int(datetime.fromisoformat(programme_created_at.replace("Z", "+00:00")).timestamp() * 1000)
    return ulid(ms, hashlib.sha256(f"{regency}|{pid}|{nik}".encode()).digest()[:10])


def run_chunk(deps: Deps, job: ImportJob, n: int) -> None:
    programme = programme_repo.get(job.regency, job.programme_id)
    if programme is None:
        raise RuntimeError(f"programme {job.programme_id} of import {job.import_id} is gone")
    rows = [ValidRow(**{**r, "warnings": tuple(r["warnings"])}) for r in json.loads(files.get(_chunk_key(job, n)))]
    accepted, already = write_rows(deps, job, programme, rows)
    if repo.complete_chunk(job, n, len(rows), accepted, already, deps.now_iso()):
        metrics.add_metric(name="ImportRowsAccepted", unit="Count", value=accepted)
        logger.info("import chunk done", extra={"import_id": job.import_id, "chunk": n, "accepted": accepted,
                                                "already_enrolled": already})
    _finish(deps, job)


def write_rows(deps: Deps, job: ImportJob, programme: dict, rows: list[ValidRow]) -> tuple[int, int]:
    """Read the NIK markers, claim the free ones, batch-write the rows this import holds.
    Returns (accepted, already)."""
    r, pid = job.regency, job.programme_id
    eids = {row.nik: import_eid(r, pid, row.nik, programme["created_at"]) for row in rows}

    def ours(found: dict[str, tuple[str, str | None]], row: ValidRow) -> bool:
        return found.get(row.nik) == (eids[row.nik], job.import_id)

    existing = enrolment_repo.markers(r, pid, [row.nik for row in rows])
    free = [row for row in rows if row.nik not in existing]
    mine = [row for row in rows if ours(existing, row)]
    taken = enrolment_repo.claim_markers(r, pid, job.import_id, {row.nik: eids[row.nik] for row in free})
    if taken:  # claimed since the read: by a create (already enrolled) or a twin delivery of this chunk
        now_there = enrolment_repo.markers(r, pid, sorted(taken))
        mine += [row for row in free if row.nik in taken and ours(now_there, row)]
    claimed = [row for row in free if row.nik not in taken]
    to_write = list(claimed)
    if mine:  # finish what the earlier delivery did not, never rewrite what it did (it may be edited since)
        stored = enrolment_repo.stored_ids(r, [eids[row.nik] for row in mine])
        to_write += [row for row in mine if eids[row.nik] not in stored]
    now = deps.now_iso()
    # a row's KPJ is claimed as a create claims it (the plan refused those another NIK held then)
    lost = enrolment_repo.claim_kpjs(r, {row.nik: (row.kpj_number, eids[row.nik]) for row in to_write
                                         if row.kpj_number}, now)
    if lost:  # claimed by another NIK since the plan: enrolled without it, as a draft, flagged
        to_write = [_without_kpj(row) if row.nik in lost else row for row in to_write]
    enrolment_repo.put_imported(_items(job, [_enrolment(job, programme, row, eids[row.nik], now) for row in to_write]))
    accepted = len(claimed) + len(mine)
    return accepted, len(rows) - accepted


def _without_kpj(row: ValidRow) -> ValidRow:
    return evolve(row, kpj_number=None, status="draft" if row.status == "active" else row.status,
                  warnings=(*row.warnings, "KPJ_TAKEN"))


KPJ_TAKEN_MESSAGE = ("Nomor KPJ ini sudah tercatat untuk peserta lain (NIK berbeda); periksa nomornya atau tanyakan "
                     "ke kantor cabang BPJS")


def kpj_checked(regency: str, checked: Checked, column: str) -> Checked:
    """A row's KPJ number must be free or already its NIK's (store/kpj.owners, one BatchGetItem per
    100), and two rows of the file with different NIKs cannot share one: such rows are row errors
    (KPJ_TAKEN) and are not written, as a create with that KPJ would be refused."""
    with_kpj = [row for row in checked.valid if row.kpj_number]
    if not with_kpj:
        return checked
    owners = kpj_store.owners(regency, sorted({row.kpj_number for row in with_kpj}))
    first: dict[str, ValidRow] = {}
    bad: dict[int, RowError] = {}
    for row in with_kpj:
        earlier = first.setdefault(row.kpj_number, row)
        if owners.get(row.kpj_number, row.nik) != row.nik:
            bad[row.line] = RowError(row.line, "kpj_number", column, "KPJ_TAKEN", KPJ_TAKEN_MESSAGE, row.nik, row.name)
        elif earlier.nik != row.nik:
            bad[row.line] = RowError(row.line, "kpj_number", column, "KPJ_TAKEN",
                                     f"Nomor KPJ sama dengan baris {earlier.line} (NIK lain) di berkas ini",
                                     row.nik, row.name)
    if not bad:
        return checked
    return Checked([row for row in checked.valid if row.line not in bad],
                   sorted([*checked.errors, *bad.values()], key=lambda e: e.row), checked.rejected + len(bad),
                   checked.total, [n for n in checked.notices if n.row not in bad])


def _enrolment(job: ImportJob, programme: dict, row: ValidRow, eid: str, now: str) -> Enrolment:
    return Enrolment(
        id=eid, regency=job.regency, programme_id=job.programme_id, nik=row.nik, name=row.name,
        birth_date=row.birth_date, sex=row.sex, phone=row.phone, village_code=row.village_code,
        district_code=row.district_code, category=row.category, occupation=row.occupation,
        kpj_number=row.kpj_number, status=row.status, coverage_start=programme["coverage_start"],
        coverage_end=programme["coverage_end"], warnings=list(row.warnings), version=1, created_at=now,
        updated_at=now, created_by=job.created_by, updated_by=job.created_by, extra=dict(row.extra))


def _items(job: ImportJob, enrolments: list[Enrolment]):
    """Each row's enrolment and its audit event (the NIK marker is claimed before). The audit key is
    fixed per import (time of the upload + import id), so a redelivered chunk rewrites the same event."""
    for e in enrolments:
        changes = {**created_changes(e), "import_id": [None, job.import_id]}
        yield e, AuditEntry(job.regency, "enrolment", e.id, "create", job.created_by, job.created_by_role,
                            job.created_at, f"import-{job.import_id}", changes)


def _finish(deps: Deps, job: ImportJob) -> None:
    """The chunk that completes the import marks it done (the summary follows the rows' own
    changes on the table's stream: nothing to recount here)."""
    if repo.finish_if_complete(job.regency, job.import_id, deps.now_iso()):
        logger.info("import done", extra={"import_id": job.import_id})
