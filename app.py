"""Lindung API: routes and schedules. Thin: parse, call one function in chalicelib, respond."""

from __future__ import annotations

from chalice import Chalice

from chalicelib import auth, config
from chalicelib.api import schemas as s
from chalicelib.api.http import Call, Reply, Router, contract_errors
from chalicelib.api.openapi import document
from chalicelib.observability import logger, metrics
from chalicelib.services import deps, enrolments, programmes, reference

VERSION = "0.1.0"

app = Chalice(app_name="lindung")
api = Router(app)


@app.middleware("all")
def observe(event, get_response):
    """Correlation id on every log line; metrics flushed once per invocation; Chalice's own
    error replies (415, 405) put into the contract's error shape."""
    request_context = getattr(event, "context", None) or {}
    headers = getattr(event, "headers", None) or {}
    logger.set_correlation_id(headers.get("x-correlation-id") or request_context.get("requestId"))
    try:
        return contract_errors(get_response(event))
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
