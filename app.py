"""Lindung API, top-down: the routes by resource, then the schedules and queue handlers.

Thin: each route calls one function in chalicelib and returns what it gives. The Router (chalicelib/
api/http.py) authenticates, parses the body and query, hands the route `call.deps` and
`call.if_match()`, and checks every reply against the route's `returns` schema. The local
stage's extras (the web apps' files, a login form) are registered by `local_stage.register`.
"""

from __future__ import annotations

import json

from chalice import Chalice, CORSConfig, Cron

from chalicelib import auth, batch, config, observability
from chalicelib.api import local_stage
from chalicelib.api.http import Call, Reply, Router, contract_errors
from chalicelib.api.openapi import document
from chalicelib.domain import inputs
from chalicelib.services import (
    access,
    deps,
    documents,
    enrolments,
    erasure,
    exports,
    fields,
    import_template,
    imports,
    lifecycle,
    officers,
    optouts,
    programmes,
    reference,
    reminders,
    report,
    submissions,
    summary,
    sync,
)

VERSION = "0.1.0"

app = Chalice(app_name="lindung")
if config.admin_origin():  # the admin on S3/CloudFront calls the API cross-origin in AWS
    app.api.cors = CORSConfig(allow_origin=config.admin_origin(), max_age=600,
                              allow_headers=["Authorization", "Content-Type", "If-Match"],
                              expose_headers=["ETag"])
app.api.binary_types.append(imports.XLSX)  # XLSX uploads and exports pass API Gateway as binary
app.api.binary_types.append("application/pdf")  # the access report's printable form
api = Router(app, scope=officers.scoped, reads=access, deps=deps.default)


observability.register(app)


@app.middleware("http")
def contract_error_shape(event, get_response):
    """Chalice's own 415/405 replies in the contract's error shape (found by fuzzing)."""
    return contract_errors(get_response(event))


# ---------- meta ----------
@api.route("/v1/health", "GET", summary="Liveness", returns="HealthOut", roles=None, tags=("meta",))
def health(call: Call):
    return {"status": "ok", "stage": config.stage(), "version": VERSION}


@api.route("/v1/openapi.json", "GET", summary="This document", roles=None, tags=("meta",))
def openapi(call: Call):
    return document(api.operations, VERSION)


# ---------- reference and identity ----------
@api.route("/v1/regions", "GET", summary="Kecamatan of a regency, or villages of a kecamatan",
           query="RegionQuery", returns="RegionList", tags=("reference",))
def list_regions(call: Call):
    return reference.list_regions(call.query.parent, call.query.limit, call.query.cursor)


@api.route("/v1/me", "GET", summary="The caller's role and villages", returns="MeOut", tags=("auth",))
def me(call: Call):
    u = call.user
    return {"sub": u.sub, "role": u.role, "regency": u.regency, "villages": sorted(u.villages), "name": u.name}


@api.route("/v1/officers/{sub}/villages", "GET", summary="An officer's assigned villages",
           returns="OfficerVillagesOut", roles=auth.ADMINS, tags=("officers",))
def get_officer_villages(call: Call, sub: str):
    return officers.get(call.user, sub)


@api.route("/v1/officers/{sub}/villages", "PUT", summary="Assign villages to an officer (applies immediately)",
           body="OfficerVillagesIn", returns="OfficerVillagesOut", roles=auth.ADMINS, tags=("officers",))
def put_officer_villages(call: Call, sub: str):
    return officers.assign(call.deps, call.user, sub, call.input(inputs.OfficerVillages))


# ---------- programmes ----------
@api.route("/v1/programmes", "POST", summary="Create a programme", body="ProgrammeIn",
           returns="ProgrammeOut", status=201, roles=auth.ADMINS, errors=(409,), tags=("programmes",))
def create_programme(call: Call):
    return programmes.create(call.deps, call.user, call.values())


@api.route("/v1/programmes", "GET", summary="Programmes of the caller's regency", query="PageQuery",
           returns="ProgrammeList", tags=("programmes",))
def list_programmes(call: Call):
    return programmes.list_page(call.user, call.query.limit, call.query.cursor)


@api.route("/v1/programmes/{pid}", "GET", summary="One programme", returns="ProgrammeOut", errors=(404,),
           tags=("programmes",))
def get_programme(call: Call, pid: str):
    return programmes.get(call.user, pid)


@api.route("/v1/programmes/{pid}", "PATCH", summary="Change a programme (If-Match optional)",
           body="ProgrammePatch", returns="ProgrammeOut", roles=auth.ADMINS, errors=(404, 409),
           tags=("programmes",))
def patch_programme(call: Call, pid: str):
    return programmes.patch(call.deps, call.user, pid, call.values(changed_only=True), call.if_match(required=False))


@api.route("/v1/programmes/{pid}/fields", "GET",
           summary="The programme's own fields and the JSON Schema of an enrolment's `extra`",
           returns="FieldsOut", errors=(404,), tags=("programmes",))
def get_fields(call: Call, pid: str):
    return fields.get(call.user, pid)


@api.route("/v1/programmes/{pid}/fields", "PUT",
           summary="Replace the programme's own fields (If-Match: <version> required); left-out fields are retired",
           body="FieldsIn", returns="FieldsOut", roles=auth.ADMINS, errors=(404, 409), tags=("programmes",))
def put_fields(call: Call, pid: str):
    out = fields.put(call.deps, call.user, pid, call.body.definitions(), call.if_match(required=True))
    return Reply(out, headers={"ETag": str(out["version"])})


@api.route("/v1/programmes/{pid}/summary", "GET", summary="Totals, breakdowns, contributions, targets vs actual",
           query="SummaryQuery", returns="SummaryOut", roles=auth.ADMINS | {"viewer"}, errors=(403, 404, 503),
           tags=("programmes",))
def programme_summary(call: Call, pid: str):
    recount = call.query.recount or call.query.refresh
    return summary.get(call.deps, call.user, pid, recount)


@api.route("/v1/programmes/{pid}/renew", "POST",
           summary="Create the next period's programme once and carry live enrolments over in the background",
           body="RenewIn", returns="RenewalOut", status=202, roles=auth.ADMINS, errors=(404, 409),
           tags=("programmes",))
def renew_programme(call: Call, pid: str):
    renewal, created = lifecycle.renew(call.deps, call.user, pid, call.input(inputs.Renewal))
    return Reply(renewal, status=202 if created else 200)


@api.route("/v1/programmes/{pid}/renewal-budget", "GET",
           summary="What renewing the live members for the next period costs (members x months x rate), renewed or not",
           returns="RenewalBudgetOut", roles=auth.ADMINS | {"viewer"}, errors=(404,), tags=("programmes",))
def renewal_budget(call: Call, pid: str):
    return reminders.renewal_budget(call.user, pid)


@api.route("/v1/programmes/{pid}/renewals", "GET", summary="Renewals of a programme and their progress",
           returns="RenewalList", errors=(404,), tags=("programmes",))
def list_renewals(call: Call, pid: str):
    return lifecycle.renewals(call.user, pid)


# ---------- enrolments ----------
@api.route("/v1/programmes/{pid}/enrolments", "POST", summary="Enrol a worker", body="EnrolmentIn",
           returns="EnrolmentOut", status=201, roles=auth.WRITERS, errors=(404, 409), tags=("enrolments",))
def create_enrolment(call: Call, pid: str):
    enrolment = enrolments.enrol(call.deps, call.user, pid, call.body)
    return Reply(enrolment, headers={"ETag": str(enrolment.version)})


@api.route("/v1/programmes/{pid}/enrolments", "GET", summary="Enrolments of a programme, filtered",
           query="EnrolmentQuery", returns="EnrolmentList", errors=(404,), tags=("enrolments",))
def list_enrolments(call: Call, pid: str):
    return enrolments.list_page(call.user, pid, call.input(inputs.EnrolmentFilter, query=True))


@api.route("/v1/enrolments/{eid}", "GET", summary="One enrolment", returns="EnrolmentOut", errors=(404,),
           tags=("enrolments",))
def get_enrolment(call: Call, eid: str):
    enrolment = enrolments.read(call.user, eid)
    return Reply(enrolment, headers={"ETag": str(enrolment.version)})


@api.route("/v1/enrolments/{eid}", "PATCH", summary="Correct an enrolment (If-Match: <version> required)",
           body="EnrolmentPatch", returns="EnrolmentOut", roles=auth.WRITERS, errors=(404, 409),
           tags=("enrolments",))
def patch_enrolment(call: Call, eid: str):
    enrolment = enrolments.patch(call.deps, call.user, eid, call.body, call.if_match(required=True))
    return Reply(enrolment, headers={"ETag": str(enrolment.version)})


@api.route("/v1/enrolments/{eid}", "DELETE", summary="Withdraw an enrolment (soft delete)",
           roles=auth.WRITERS, status=204, errors=(404, 409), tags=("enrolments",))
def delete_enrolment(call: Call, eid: str):
    enrolments.delete(call.deps, call.user, eid, call.if_match(required=False))
    return Reply(None, status=204)


@api.route("/v1/enrolments/{eid}/audit", "GET", summary="Who changed what, newest first",
           query="PageQuery", returns="AuditList", errors=(404,), tags=("enrolments",))
def enrolment_audit(call: Call, eid: str):
    return enrolments.audit_page(call.user, eid, call.query.limit, call.query.cursor)


# ---------- documents of an enrolment ----------
@api.route("/v1/enrolments/{eid}/documents", "POST", summary="Presigned upload for a KTP photo or consent form",
           body="DocumentUploadIn", returns="DocumentUploadOut", status=201, roles=auth.WRITERS,
           errors=(404,), tags=("documents",))
def request_document_upload(call: Call, eid: str):
    return documents.request_upload(call.deps, call.user, eid, call.input(inputs.DocumentUpload))


@api.route("/v1/enrolments/{eid}/documents/{kind}", "PUT", summary="Attach an uploaded document (kind: ktp|consent)",
           body="DocumentConfirmIn", returns="DocumentOut", roles=auth.WRITERS, errors=(404, 409),
           tags=("documents",))
def confirm_document(call: Call, eid: str, kind: str):
    doc = documents.confirm(call.deps, call.user, eid, kind, call.input(inputs.DocumentConfirm))
    return Reply(doc, headers={"ETag": str(doc["enrolment_version"])})


@api.route("/v1/enrolments/{eid}/documents/{kind}", "GET", summary="Presigned download of a document",
           returns="DocumentOut", roles=auth.WRITERS, errors=(404,), tags=("documents",))
def get_document(call: Call, eid: str, kind: str):
    return documents.download(call.user, eid, kind)


# ---------- workers and their personal data (UU 27/2022 PDP; docs/privacy.md) ----------
@api.route("/v1/workers/{nik}", "GET", summary="A worker with all enrolments", returns="WorkerOut",
           errors=(404,), tags=("enrolments",))
def get_worker(call: Call, nik: str):
    return {**enrolments.worker(call.user, nik), "sms_opt_out": optouts.of_worker(call.user.regency, nik),
            "restriction": optouts.restriction_of(call.user.regency, nik)}


@api.route("/v1/workers/{nik}/restriction", "PUT",
           summary="Restrict processing while a dispute is open (Pasal 41): no reminders, not exported",
           body="RestrictionIn", returns="RestrictionOut", roles=auth.ADMINS, errors=(404,), tags=("privacy",))
def put_restriction(call: Call, nik: str):
    return optouts.restrict(call.deps, call.user, nik, call.input(inputs.Restriction))


@api.route("/v1/workers/{nik}/restriction", "DELETE", summary="The dispute is closed: lift the restriction",
           roles=auth.ADMINS, status=204, errors=(404,), tags=("privacy",))
def delete_restriction(call: Call, nik: str):
    optouts.lift(call.user, nik)
    return Reply(None, status=204)


@api.route("/v1/workers/{nik}/opt-out", "PUT", summary="Record that a worker asked for no SMS (date, how asked)",
           body="OptOutIn", returns="OptOutOut", roles=auth.WRITERS, errors=(404,), tags=("privacy",))
def put_opt_out(call: Call, nik: str):
    return optouts.record(call.deps, call.user, nik, call.input(inputs.OptOut))


@api.route("/v1/workers/{nik}/opt-out", "DELETE", summary="The worker wants SMS reminders again",
           roles=auth.WRITERS, status=204, errors=(404,), tags=("privacy",))
def delete_opt_out(call: Call, nik: str):
    optouts.withdraw(call.user, nik)
    return Reply(None, status=204)


@api.route("/v1/workers/{nik}/access-log", "GET", summary="Who read this person's data, when, through which route",
           query="AccessRangeQuery", returns="AccessLogOut", roles=auth.ADMINS, errors=(404,), tags=("privacy",))
def worker_access_log(call: Call, nik: str):
    q = call.query
    return access.worker_log(call.deps, call.user, nik, q.from_, q.to, q.limit)


@api.route("/v1/workers/{nik}/report", "GET",
           summary="Everything held on a person (Pasal 32): details, enrolments and status history, reminders, "
                   "documents (names), who read it; ?format=pdf printable", query="ReportQuery",
           returns="WorkerReportOut", roles=auth.ADMINS, errors=(404,), tags=("privacy",),
           produces=("application/pdf",))
def worker_report(call: Call, nik: str):
    if call.query.format == "pdf":
        return report.pdf(call.deps, call.user, nik)
    return report.build(call.deps, call.user, nik)


@api.route("/v1/workers/{nik}/erasure", "POST",
           summary="Erase a person's personal data everywhere (Pasal 8, 43); pseudonymous records and an erasure "
                   "record without personal data remain", body="ErasureIn", returns="ErasureOut", status=201,
           roles=auth.ADMINS, errors=(404, 409), tags=("privacy",))
def erase_worker(call: Call, nik: str):
    b = call.body
    return erasure.erase(call.deps, call.user, nik, b.reason, b.reference)


@api.route("/v1/retention/run", "POST",
           summary="Apply the programmes' retention now (dry_run, the default: how many records would go)",
           body="RetentionRunIn", returns="RetentionRunOut", roles=auth.ADMINS, tags=("privacy",))
def retention_run(call: Call):
    b = call.body
    return erasure.run_retention(call.deps, call.user.regency, b.as_of, dry_run=b.dry_run, programme_id=b.programme_id)


@api.route("/v1/access-log", "GET", summary="Reads of personal data by one account over a time range",
           query="UserAccessQuery", returns="AccessLogOut", roles=auth.ADMINS, tags=("privacy",))
def user_access_log(call: Call):
    q = call.query
    return access.user_log(call.deps, call.user, q.user, q.from_, q.to, q.limit, q.cursor)


# ---------- reminders ----------
@api.route("/v1/programmes/{pid}/reminder-rules", "GET", summary="Reminder rules of a programme (defaults if unset)",
           returns="ReminderRulesOut", errors=(404,), tags=("reminders",))
def get_reminder_rules(call: Call, pid: str):
    return reminders.get_rules(call.user, pid)


@api.route("/v1/programmes/{pid}/reminder-rules", "PUT",
           summary="Replace reminder rules: offsets, channels, audience, quiet hours, templates (If-Match optional)",
           body="ReminderRulesIn", returns="ReminderRulesOut", roles=auth.ADMINS, errors=(404, 409),
           tags=("reminders",))
def put_reminder_rules(call: Call, pid: str):
    return reminders.put_rules(call.deps, call.user, pid, call.body, call.if_match(required=False))


@api.route("/v1/programmes/{pid}/reminder-rules/preview", "POST",
           summary="Render the SMS, WhatsApp and digest texts for one enrolment or a sample worker",
           body="ReminderPreviewIn", returns="ReminderPreviewOut", errors=(404,), tags=("reminders",))
def preview_reminder(call: Call, pid: str):
    return reminders.preview(call.deps, call.user, pid, call.body.preview())


@api.route("/v1/reminders/run", "POST",
           summary="Run the reminder sweep now (dry_run: what would be sent, per channel, and its cost)",
           body="ReminderRunIn", returns="ReminderRunOut", roles=auth.ADMINS, tags=("reminders",))
def run_reminders(call: Call):
    b = call.body
    return reminders.run(call.deps, call.user.regency, b.as_of, dry_run=b.dry_run, programme_id=b.programme_id)


@api.route("/v1/reminders/runs/{run_id}", "GET", summary="Progress of a reminder run: sent, skipped, failed",
           returns="ReminderRunOut", roles=auth.ADMINS, errors=(404,), tags=("reminders",))
def get_reminder_run(call: Call, run_id: str):
    return reminders.get_run(call.user, run_id)


@api.route("/v1/enrolments/{eid}/reminders", "GET", summary="Reminders sent (or tried) for an enrolment",
           query="PageQuery", returns="ReminderList", errors=(404,), tags=("reminders",))
def enrolment_reminders(call: Call, eid: str):
    return reminders.history(call.user, eid, call.query.limit, call.query.cursor)


# ---------- rosters: imports, exports, Ajukan ke BPJS (admins import; viewers may export) ----------
@api.route("/v1/programmes/{pid}/imports", "POST",
           summary="Import a roster (or, kind=kpj, the BPJS branch's KPJ list): CSV/XLSX in the body (up to 5 MB), "
                   "or JSON {s3_key} of an upload",
           body="ImportFromUpload", query="ImportQuery",
           content_types=["application/json", *imports.CONTENT_TYPES],
           returns="ImportAccepted", status=202, roles=auth.ADMINS, errors=(404, 415), tags=("imports",))
def start_import(call: Call, pid: str):
    options = call.query.model_dump(include={"village_code", "district_code", "category"}, exclude_none=True)
    if call.body is not None:
        return imports.start_from_upload(call.deps, call.user, pid, call.body.s3_key, call.body.filename,
                                         options, call.query.kind)
    return imports.start_direct(call.deps, call.user, pid, call.request.raw_body, call.header("Content-Type"),
                                call.query.filename, options, call.query.kind)


@api.route("/v1/programmes/{pid}/imports/upload-url", "POST",
           summary="Presigned S3 POST for a large roster; then POST /imports {s3_key}", body="UploadUrlIn",
           returns="UploadUrlOut", roles=auth.ADMINS, errors=(404,), tags=("imports",))
def import_upload_url(call: Call, pid: str):
    return imports.upload_url(call.deps, call.user, pid, call.input(inputs.UploadRequest))


@api.route("/v1/imports/{import_id}", "GET", summary="Progress and row errors of an import",
           returns="ImportOut", roles=auth.ADMINS, errors=(404,), tags=("imports",))
def get_import(call: Call, import_id: str):
    return imports.progress(call.deps, call.user, import_id)


@api.route("/v1/programmes/{pid}/import-template", "GET",
           summary="XLSX template to fill in: Indonesian headers, Text columns, drop-downs, Petunjuk sheet",
           roles=auth.WRITERS, errors=(404,), tags=("imports",), produces=(imports.XLSX,))
def get_import_template(call: Call, pid: str):
    return import_template.template(call.user, pid)


@api.route("/v1/programmes/{pid}/export", "GET",
           summary="Roster for BPJS bulk BPU registration (CSV/XLSX file, or a presigned link when large)",
           query="ExportQuery", returns="ExportLink", roles=auth.ADMINS | {"viewer"}, errors=(404,),
           tags=("imports",), produces=("text/csv", imports.XLSX))
def export_roster(call: Call, pid: str):
    return exports.export(call.deps, call.user, pid, call.query.format, call.query.delivery)


@api.route("/v1/programmes/{pid}/submissions", "POST",
           summary="Ajukan ke BPJS: move draft enrolments (all, a village's, or the selected ids) to submitted",
           body="SubmissionIn", returns="SubmissionOut", status=202, roles=auth.ADMINS, errors=(404,),
           tags=("imports",))
def submit_to_bpjs(call: Call, pid: str):
    return submissions.start(call.deps, call.user, pid, call.input(inputs.Submission))


@api.route("/v1/submissions/{submission_id}", "GET", summary="Progress of an Ajukan ke BPJS run",
           returns="SubmissionOut", roles=auth.ADMINS, errors=(404,), tags=("imports",))
def get_submission(call: Call, submission_id: str):
    return submissions.get(call.user, submission_id)


# ---------- field officers' offline sync ----------
@api.route("/v1/sync", "POST", summary="Apply a batch of queued operations (idempotent per op_id)",
           body="SyncIn", returns="SyncOut", roles=auth.WRITERS, tags=("sync",), items_alone=True)
def sync_push(call: Call):
    context = app.lambda_context
    time_left = getattr(context, "get_remaining_time_in_millis", None)
    return sync.push(call.deps, call.user, call.body.batch(), time_left)


@api.route("/v1/sync", "GET", summary="Changes in the caller's villages since a cursor",
           query="SyncQuery", returns="ChangesOut", errors=(403,), tags=("sync",))
def sync_pull(call: Call):
    return sync.pull(call.deps, call.user, call.input(inputs.FeedQuery, query=True))


# ---------- the local stage only: the web apps' files, a login form for `make token` ----------
local_stage.register(api)


# ---------- schedules and queue handlers (the same functions the local dispatcher feeds) ----------
@app.schedule(Cron(0, 1, "*", "*", "?", "*"), name="daily_reminders")
def daily_reminders(event):
    """08:00 WIB. The event's time is the run's 'now'."""
    with observability.failing_without_text("daily reminders"):
        reminders.daily(deps.at(event.time))


@app.schedule(Cron(5, 17, "*", "*", "?", "*"), name="period_end")
def period_end(event):
    """00:05 WIB: cover that ended yesterday becomes expired."""
    with observability.failing_without_text("period end"):
        lifecycle.daily_expiry(deps.at(event.time))


@app.schedule(Cron(30, 18, "*", "*", "?", "*"), name="retention")
def retention(event):
    """01:30 WIB: personal data of periods past their retention is erased (services/erasure.py)."""
    with observability.failing_without_text("retention"):
        erasure.daily(deps.at(event.time))


@app.on_dynamodb_record(stream_arn=config.main_stream_arn(), batch_size=1000, starting_position="TRIM_HORIZON",
                        name="summary_aggregator")
def summary_aggregator(event):
    """The main table's stream: each enrolment change applied to its programme's kept summary
    (infra/overlays/functions.yaml: bisect on error, then the dead-letter queue)."""
    with observability.failing_without_text("summary aggregator"):
        summary.apply_stream(deps.default(), event.to_dict()["Records"])


@app.lambda_function(name="sms_delivery_status")
def sms_delivery_status(event, context):
    """SNS's SMS delivery-status log groups feed this through a CloudWatch Logs subscription (infra/senders.yaml)."""
    return dict(reminders.record_delivery_logs(event))


@app.on_sqs_message(queue=config.queue_name("reminders"), batch_size=1, name="send_reminders")
def send_reminders(event):
    """One message (up to reminder_chunk() SMS) per invocation: a batch of 10 messages would put 250 SMS
    behind one sender while other instances idle at the end of a sweep (bench/sweep.py: the channel's
    rate is the limit, so every instance that can take the next SMS should have one)."""
    return batch.process(event, lambda message: reminders.handle(deps.default(), message))


@app.on_sqs_message(queue=config.queue_name("lifecycle"), batch_size=5, name="lifecycle_worker")
def lifecycle_worker(event):
    return batch.process(event, lambda message: lifecycle.handle(deps.default(), message))


@app.on_sqs_message(queue=config.queue_name("imports"), batch_size=1)
def process_import(event):
    """Plan or chunk messages of roster imports; an exception leaves the message for a retry.
    It is logged here without its text and re-raised as its type alone: the Lambda runtime would
    print the original's message, which may quote a row's values."""
    for record in event:
        with observability.failing_without_text("import message (it stays queued for a retry)"):
            imports.handle(deps.default(), json.loads(record.body))
