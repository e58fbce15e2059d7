"""Lindung API: routes and schedules. Thin: parse, call one function in chalicelib, respond."""

from __future__ import annotations

import json

from chalice import Chalice, Rate

from chalicelib import auth, config
from chalicelib.api import schemas as s
from chalicelib.api.http import Call, Reply, Router
from chalicelib.api.openapi import document
from chalicelib.observability import logger, metrics
from chalicelib.services import deps, enrolments, exports, imports, programmes, reference, summary

VERSION = "0.1.0"

app = Chalice(app_name="lindung")
app.api.binary_types.append(imports.XLSX)  # XLSX uploads and exports pass API Gateway as binary
api = Router(app)


@app.middleware("all")
def observe(event, get_response):
    """Correlation id on every log line; metrics flushed once per invocation."""
    request_context = getattr(event, "context", None)
    request_context = request_context if isinstance(request_context, dict) else {}  # SQS/schedule: LambdaContext
    headers = getattr(event, "headers", None) or {}
    logger.set_correlation_id(headers.get("x-correlation-id") or request_context.get("requestId"))
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
        logger.remove_keys(["user", "role", "regency"])


# ---------- public ----------
@api.route("/v1/health", "GET", summary="Liveness", returns=s.HealthOut, roles=None, tags=("meta",))
def health(call: Call):
    return {"status": "ok", "stage": config.stage(), "version": VERSION}


@api.route("/v1/openapi.json", "GET", summary="This document", roles=None, tags=("meta",))
def openapi(call: Call):
    return document(api.operations, VERSION)


# ---------- reference and identity ----------
@api.route("/v1/regions", "GET", summary="Kecamatan of a regency, or villages of a kecamatan",
           query=s.RegionQuery, returns=s.RegionList, tags=("reference",))
def list_regions(call: Call):
    return reference.list_regions(call.query.parent, call.query.limit, call.query.cursor)


@api.route("/v1/me", "GET", summary="The caller's role and villages", returns=s.MeOut, tags=("auth",))
def me(call: Call):
    u = call.user
    return s.MeOut(sub=u.sub, role=u.role, regency=u.regency, villages=sorted(u.villages), name=u.name)


# ---------- programmes ----------
@api.route("/v1/programmes", "POST", summary="Create a programme", body=s.ProgrammeIn,
           returns=s.ProgrammeOut, status=201, roles=auth.ADMINS, errors=(409,), tags=("programmes",))
def create_programme(call: Call):
    return s.ProgrammeOut.model_validate(programmes.create(deps.default(), call.user, call.body))


@api.route("/v1/programmes", "GET", summary="Programmes of the caller's regency", query=s.PageQuery,
           returns=s.ProgrammeList, tags=("programmes",))
def list_programmes(call: Call):
    return s.ProgrammeList.model_validate(programmes.list_page(call.user, call.query.limit, call.query.cursor))


@api.route("/v1/programmes/{pid}", "GET", summary="One programme", returns=s.ProgrammeOut, errors=(404,),
           tags=("programmes",))
def get_programme(call: Call, pid: str):
    return s.ProgrammeOut.model_validate(programmes.get(call.user, pid))


@api.route("/v1/programmes/{pid}", "PATCH", summary="Change a programme (If-Match optional)",
           body=s.ProgrammePatch, returns=s.ProgrammeOut, roles=auth.ADMINS, errors=(404, 409),
           tags=("programmes",))
def patch_programme(call: Call, pid: str):
    if_match = enrolments.parse_if_match(call.header("If-Match"), required=False)
    return s.ProgrammeOut.model_validate(programmes.patch(deps.default(), call.user, pid, call.body, if_match))


# ---------- enrolments ----------
@api.route("/v1/programmes/{pid}/enrolments", "POST", summary="Enrol a worker", body=s.EnrolmentIn,
           returns=s.EnrolmentOut, status=201, roles=auth.WRITERS, errors=(404, 409), tags=("enrolments",))
def create_enrolment(call: Call, pid: str):
    enrolment = enrolments.enrol(deps.default(), call.user, pid, call.body)
    return Reply(s.EnrolmentOut.model_validate(enrolment), headers={"ETag": str(enrolment.version)})


@api.route("/v1/programmes/{pid}/enrolments", "GET", summary="Enrolments of a programme, filtered",
           query=s.EnrolmentQuery, returns=s.EnrolmentList, errors=(404,), tags=("enrolments",))
def list_enrolments(call: Call, pid: str):
    return s.EnrolmentList.model_validate(enrolments.list_page(call.user, pid, call.query))


@api.route("/v1/enrolments/{eid}", "GET", summary="One enrolment", returns=s.EnrolmentOut, errors=(404,),
           tags=("enrolments",))
def get_enrolment(call: Call, eid: str):
    enrolment = enrolments.get(call.user, eid)
    return Reply(s.EnrolmentOut.model_validate(enrolment), headers={"ETag": str(enrolment.version)})


@api.route("/v1/enrolments/{eid}", "PATCH", summary="Correct an enrolment (If-Match: <version> required)",
           body=s.EnrolmentPatch, returns=s.EnrolmentOut, roles=auth.WRITERS, errors=(404, 409),
           tags=("enrolments",))
def patch_enrolment(call: Call, eid: str):
    if_match = enrolments.parse_if_match(call.header("If-Match"), required=True)
    enrolment = enrolments.patch(deps.default(), call.user, eid, call.body, if_match)
    return Reply(s.EnrolmentOut.model_validate(enrolment), headers={"ETag": str(enrolment.version)})


@api.route("/v1/enrolments/{eid}", "DELETE", summary="Withdraw an enrolment (soft delete)",
           roles=auth.WRITERS, status=204, errors=(404, 409), tags=("enrolments",))
def delete_enrolment(call: Call, eid: str):
    if_match = enrolments.parse_if_match(call.header("If-Match"), required=False)
    enrolments.delete(deps.default(), call.user, eid, if_match)
    return Reply(None, status=204)


@api.route("/v1/enrolments/{eid}/audit", "GET", summary="Who changed what, newest first",
           query=s.PageQuery, returns=s.AuditList, errors=(404,), tags=("enrolments",))
def enrolment_audit(call: Call, eid: str):
    return s.AuditList.model_validate(enrolments.audit_page(call.user, eid, call.query.limit, call.query.cursor))


@api.route("/v1/workers/{nik}", "GET", summary="A worker with all enrolments", returns=s.WorkerOut,
           errors=(404,), tags=("enrolments",))
def get_worker(call: Call, nik: str):
    return s.WorkerOut.model_validate(enrolments.worker(call.user, nik))


# ---------- imports, exports, summary (admins import; viewers may read summary and export) ----------
@api.route("/v1/programmes/{pid}/imports", "POST",
           summary="Import a roster: CSV/XLSX in the body (up to 5 MB), or JSON {s3_key} of an upload",
           body=s.ImportFromUpload, query=s.ImportQuery,
           content_types=["application/json", *imports.CONTENT_TYPES],
           returns=s.ImportAccepted, status=202, roles=auth.ADMINS, errors=(404,), tags=("imports",))
def start_import(call: Call, pid: str):
    if call.body is not None:
        return imports.start_from_upload(deps.default(), call.user, pid, call.body.s3_key, call.body.filename)
    return imports.start_direct(deps.default(), call.user, pid, call.request.raw_body, call.header("Content-Type"),
                                call.query.filename)


@api.route("/v1/programmes/{pid}/imports/upload-url", "POST",
           summary="Presigned S3 POST for a large roster; then POST /imports {s3_key}", body=s.UploadUrlIn,
           returns=s.UploadUrlOut, roles=auth.ADMINS, errors=(404,), tags=("imports",))
def import_upload_url(call: Call, pid: str):
    return imports.upload_url(deps.default(), call.user, pid, call.body)


@api.route("/v1/imports/{import_id}", "GET", summary="Progress and row errors of an import",
           returns=s.ImportOut, roles=auth.ADMINS, errors=(404,), tags=("imports",))
def get_import(call: Call, import_id: str):
    return s.ImportOut.model_validate(imports.progress(call.user, import_id))


@api.route("/v1/programmes/{pid}/export", "GET",
           summary="Roster for BPJS bulk BPU registration (CSV/XLSX file, or a presigned link when large)",
           query=s.ExportQuery, returns=s.ExportLink, roles=auth.ADMINS | {"viewer"}, errors=(404,),
           tags=("imports",))
def export_roster(call: Call, pid: str):
    return exports.export(deps.default(), call.user, pid, call.query.format, call.query.delivery)


@api.route("/v1/programmes/{pid}/summary", "GET", summary="Totals, breakdowns, contributions, targets vs actual",
           query=s.SummaryQuery, returns=s.SummaryOut, roles=auth.ADMINS | {"viewer"}, errors=(404,),
           tags=("programmes",))
def programme_summary(call: Call, pid: str):
    return s.SummaryOut.model_validate(summary.get(deps.default(), call.user, pid, call.query.refresh))


@app.on_sqs_message(queue=config.queue_name("imports"), batch_size=1)
def process_import(event):
    """Plan or chunk messages of roster imports; an exception leaves the message for a retry."""
    for record in event:
        imports.handle(deps.default(), json.loads(record.body))


@app.schedule(Rate(30, unit=Rate.MINUTES))
def refresh_summaries(event):
    summary.refresh_running(deps.default())
