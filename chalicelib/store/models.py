"""PynamoDB models of the single `main` table.

Every partition key starts with the regency (`R#16.03#...`): one deployment can serve many
regencies, and a user can only ever address keys of the regency in their token.
The same layout is declared in infra/tables.yaml; infra/README.md lists the access patterns.
Meta.host is never set: PynamoDB honours AWS_ENDPOINT_URL(_DYNAMODB) for moto and LocalStack.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import config


class _Meta:
    @staticmethod
    def build() -> type:
        class Meta:
            table_name = config.main_table()
            region = config.region()
            max_retry_attempts = 8

        return Meta


class RegionModel(Model):
    """Reference regions. PK: REGION#<parent code>  SK: <code>"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    level = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)


class ProgrammeChanges(GlobalSecondaryIndex["ProgrammeModel"]):
    """The same `by_village_changes` index, partition R#<regency>#PROG: regency-wide changes."""

    class Meta:
        index_name = "by_village_changes"
        projection = AllProjection()

    g_chg = UnicodeAttribute(hash_key=True)
    g_chg_sk = UnicodeAttribute(range_key=True)


class ProgrammeModel(Model):
    """PK: R#<regency>  SK: PROG#<pid>

    g_chg = R#<regency>#PROG, g_chg_sk = <updated_at>#<pid>: field devices learn of programme
    changes from the sync feed through the same index as enrolments (one entry per programme,
    moving forward on every change).
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    pid = UnicodeAttribute()
    regency = UnicodeAttribute()
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    funder = UnicodeAttribute(null=True)
    legal_basis = UnicodeAttribute(null=True)
    coverage_start = UnicodeAttribute()
    coverage_end = UnicodeAttribute()
    benefits = ListAttribute(of=UnicodeAttribute)
    monthly_contribution_idr = NumberAttribute()
    categories = JSONAttribute()
    targets = JSONAttribute()
    eligibility = JSONAttribute(null=True)  # {"min_age", "max_age"} at coverage start, or None
    fields = JSONAttribute(null=True)  # extra field definitions, retired ones kept (domain/fields.py)
    retention_years = NumberAttribute(null=True)  # None: the regency's archive schedule (config.retention_years)
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    g_chg = UnicodeAttribute(null=True)
    g_chg_sk = UnicodeAttribute(null=True)

    changes = ProgrammeChanges()


class ProgrammeCodeModel(Model):
    """Uniqueness of a programme code within a regency. PK: R#<regency>#PCODE#<code>  SK: UNIQ"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    pid = UnicodeAttribute()


class WorkerModel(Model):
    """The person, latest known details. PK: R#<regency>#W#<nik>  SK: W"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    regency = UnicodeAttribute()
    nik = UnicodeAttribute()
    name = UnicodeAttribute()
    birth_date = UnicodeAttribute()
    sex = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    village_code = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class _EnrolmentIndex(GlobalSecondaryIndex["EnrolmentModel"]):
    eid = UnicodeAttribute(range_key=True)


class ByProgramme(_EnrolmentIndex):
    """g_prog: R#<regency>#P#<pid>; range eid (ULID, creation order)"""

    class Meta:
        index_name = "by_programme"
        projection = AllProjection()

    g_prog = UnicodeAttribute(hash_key=True)


class ByVillage(_EnrolmentIndex):
    """g_village: R#<regency>#P#<pid>#V#<village_code>"""

    class Meta:
        index_name = "by_village"
        projection = AllProjection()

    g_village = UnicodeAttribute(hash_key=True)


class ByDistrict(_EnrolmentIndex):
    """g_district: R#<regency>#P#<pid>#D#<district_code>"""

    class Meta:
        index_name = "by_district"
        projection = AllProjection()

    g_district = UnicodeAttribute(hash_key=True)


class ByCategory(_EnrolmentIndex):
    """g_category: R#<regency>#P#<pid>#C#<category>"""

    class Meta:
        index_name = "by_category"
        projection = AllProjection()

    g_category = UnicodeAttribute(hash_key=True)


class ByStatus(_EnrolmentIndex):
    """g_status: R#<regency>#P#<pid>#S#<status>"""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    g_status = UnicodeAttribute(hash_key=True)


class ByWorker(_EnrolmentIndex):
    """g_worker: R#<regency>#W#<nik> (same value as the worker's PK)"""

    class Meta:
        index_name = "by_worker"
        projection = AllProjection()

    g_worker = UnicodeAttribute(hash_key=True)


class ByCoverageEnd(_EnrolmentIndex):
    """g_end: R#<regency>#END#<YYYY-MM-DD>; only on live (submitted/active) enrolments."""

    class Meta:
        index_name = "by_coverage_end"
        projection = AllProjection()

    g_end = UnicodeAttribute(hash_key=True)


class ByVillageChanges(GlobalSecondaryIndex["EnrolmentModel"]):
    """g_chg: R#<regency>#V#<village_code>; range g_chg_sk: <updated_at>#<eid>. Keeps tombstones."""

    class Meta:
        index_name = "by_village_changes"
        projection = AllProjection()

    g_chg = UnicodeAttribute(hash_key=True)
    g_chg_sk = UnicodeAttribute(range_key=True)


class EnrolmentModel(Model):
    """PK: R#<regency>#E#<eid>  SK: E

    Index keys (g_*) are removed on soft delete, except g_chg which carries the tombstone to
    field devices, and g_worker, so an erasure finds the person's withdrawn records too (reads of
    live records filter on `deleted`). An erased record (`erased`, personal data gone) keeps only
    g_prog, so the programme's summary still counts it, and g_chg (its tombstone for devices).
    `version` guards every update with a condition expression.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    eid = UnicodeAttribute()
    regency = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    nik = UnicodeAttribute()
    name = UnicodeAttribute()
    name_lc = UnicodeAttribute()
    birth_date = UnicodeAttribute()
    sex = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    village_code = UnicodeAttribute()
    district_code = UnicodeAttribute()
    category = UnicodeAttribute()
    occupation = UnicodeAttribute(null=True)
    kpj_number = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    rejection_reason = UnicodeAttribute(null=True)
    coverage_start = UnicodeAttribute()
    coverage_end = UnicodeAttribute()
    warnings = ListAttribute(of=UnicodeAttribute, null=True)
    documents = JSONAttribute(null=True)
    extra = MapAttribute(null=True)  # the programme's own fields, a native map so lists can filter on them
    deleted = BooleanAttribute(default=False)
    erased = BooleanAttribute(null=True)  # present (true) only on an erased record's tombstone
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_by = UnicodeAttribute()

    g_prog = UnicodeAttribute(null=True)
    g_village = UnicodeAttribute(null=True)
    g_district = UnicodeAttribute(null=True)
    g_category = UnicodeAttribute(null=True)
    g_status = UnicodeAttribute(null=True)
    g_worker = UnicodeAttribute(null=True)
    g_end = UnicodeAttribute(null=True)
    g_chg = UnicodeAttribute()
    g_chg_sk = UnicodeAttribute()

    by_programme = ByProgramme()
    by_village = ByVillage()
    by_district = ByDistrict()
    by_category = ByCategory()
    by_status = ByStatus()
    by_worker = ByWorker()
    by_coverage_end = ByCoverageEnd()
    by_village_changes = ByVillageChanges()


class MovedOutModel(Model):
    """What a village's devices see when an enrolment leaves that village.

    PK: R#<regency>#E#<eid> (the enrolment's)  SK: MOVED#<old village>
    g_chg = R#<regency>#V#<old village>, g_chg_sk = <moved at>#<eid>. Written in the transaction
    that changes village_code; overwritten if the record leaves the same village again.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    eid = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    g_chg = UnicodeAttribute()
    g_chg_sk = UnicodeAttribute()


class EnrolmentUniqueModel(Model):
    """One enrolment per NIK per programme. PK: R#<regency>#P#<pid>#N#<nik>  SK: UNIQ"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    eid = UnicodeAttribute()
    import_id = UnicodeAttribute(null=True)  # set when a roster import claimed the NIK


class AuditModel(Model):
    """PK: R#<regency>#AUDIT#<entity type>#<id>  SK: <iso time>#<ulid> (newest first by Query)"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    at = UnicodeAttribute()
    changes = JSONAttribute()


class OpReceiptModel(Model):
    """The outcome of one sync operation, so a replay returns it instead of applying again.

    PK: R#<regency>#OPS#<user sub>  SK: <op_id> (client-generated). Written with
    attribute_not_exists, inside the very transaction that applies the change when there is one.
    `fingerprint` is a hash of the operation, to refuse an op_id reused for different content.
    `expires_at` (epoch seconds) is the table's TTL attribute.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    fingerprint = UnicodeAttribute()
    status = UnicodeAttribute()
    eid = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    error = JSONAttribute(null=True)
    at = UnicodeAttribute()
    expires_at = NumberAttribute()


class OfficerVillagesModel(Model):
    """An officer's assigned villages (admin data). PK: R#<regency>#OFFICER#<sub>  SK: VILLAGES

    Once stored, this list is the officer's scope on every request (it overrides the token's
    custom:villages claim), so a change takes effect on the next request.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    sub = UnicodeAttribute()
    villages = ListAttribute(of=UnicodeAttribute)
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


# ---------- reminders, runs and renewals (issue 4) ----------
class ReminderRulesModel(Model):
    """A programme's reminder rules, as data. PK: R#<regency>  SK: RULES#<pid> (one Query lists a regency's)"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    programme_id = UnicodeAttribute()
    doc = JSONAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class ReminderModel(Model):
    """One reminder, claimed before it is sent, so it is sent once.

    Worker SMS:    PK R#<regency>#E#<eid> (beside the enrolment)   SK REM#<end>#<rule>#<channel>
    Email digest:  PK R#<regency>#DIGEST#<pid>#<village|ALL>         SK REM#<end>#<rule>#email
    status: claimed (lease_until guards a crash between claim and send) | sent | failed | skipped
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute(null=True)
    attempts = NumberAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    regency = UnicodeAttribute(null=True)
    programme_id = UnicodeAttribute(null=True)
    subject_id = UnicodeAttribute(null=True)
    rule_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    coverage_end = UnicodeAttribute(null=True)
    as_of = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    delivery = UnicodeAttribute(null=True)  # delivered | failed: SNS's delivery-status log, after "sent"
    delivery_reason = UnicodeAttribute(null=True)  # the provider's words (providerResponse)
    delivered_at = UnicodeAttribute(null=True)


class SmsDeliveryModel(Model):
    """Which reminder an SNS message id belongs to, written with the reminder's `sent`, so the
    delivery-status log (which knows only the message id) finds it. PK: SMSID#<message id>  SK: SMS"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    regency = UnicodeAttribute()
    reminder_pk = UnicodeAttribute()
    reminder_sk = UnicodeAttribute()
    run_id = UnicodeAttribute(null=True)


class ReminderRunModel(Model):
    """A sweep and its counters (handlers ADD to them). PK: R#<regency>#RUN#<run_id>  SK: RUN"""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    run_id = UnicodeAttribute()
    as_of = UnicodeAttribute()
    started_at = UnicodeAttribute()
    trigger = UnicodeAttribute()
    summary = JSONAttribute()
    sent = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    deferred = NumberAttribute(default=0)
    opted_out = NumberAttribute(default=0)  # included in skipped
    delivered = NumberAttribute(null=True)  # of the sent SMS, what SNS's delivery-status log said
    delivery_failed = NumberAttribute(null=True)


class RenewalModel(Model):
    """One renewal of a programme into the next period. PK: R#<regency>#RENEW#<old pid>  SK: <new start>

    Written in the same transaction as the new programme, so renewing twice creates one programme.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    from_programme_id = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    status = UnicodeAttribute()
    carried = NumberAttribute(default=0)
    already = NumberAttribute(default=0)
    excluded = NumberAttribute(default=0)
    pages = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


# ---------- roster imports and summaries (issue 5) ----------
class ImportJobModel(Model):
    """A roster import. PK: R#<regency>#IMPORT#<import_id>  SK: JOB

    Counters (accepted, already_enrolled, chunk_rows) only grow by ADD, in the same conditional
    UpdateItem that adds the chunk's number to `done_chunks`, so a chunk delivered twice is counted once.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    import_id = UnicodeAttribute()
    regency = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    status = UnicodeAttribute()  # queued | running | done | failed
    s3_key = UnicodeAttribute()
    filename = UnicodeAttribute(null=True)
    file_format = UnicodeAttribute(null=True)
    total = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    accepted = NumberAttribute(default=0)
    already_enrolled = NumberAttribute(default=0)
    chunk_rows = NumberAttribute(default=0)
    chunks = NumberAttribute(default=0)
    done_chunks = NumberSetAttribute(null=True)
    error_count = NumberAttribute(default=0)
    errors = JSONAttribute(null=True)
    errors_key = UnicodeAttribute(null=True)
    ignored_columns = ListAttribute(of=UnicodeAttribute, null=True)
    options = JSONAttribute(null=True)  # village_code / district_code / category named by the upload
    notes = JSONAttribute(null=True)  # what the reader found: ignored rows, warnings, sheet, header row, encoding
    failure = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_by_role = UnicodeAttribute()
    # kind=kpj (the BPJS branch's KPJ list, services/kpj_import.py): what happened to each row
    kind = UnicodeAttribute(null=True)  # None = roster
    activated = NumberAttribute(default=0)
    already_active = NumberAttribute(default=0)
    not_found = NumberAttribute(default=0)
    conflicts = NumberAttribute(default=0)
    chunk_rejected = NumberAttribute(default=0)  # rows a chunk refused (the plan's are in `rejected`)


class KpjMarkerModel(Model):
    """One KPJ number belongs to one person. PK: R#<regency>#KPJ#<kpj>  SK: KPJ

    Claimed in the same transaction that activates an enrolment with that KPJ, on condition that
    it is free or already this NIK's, so two people can never be activated with one KPJ."""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    nik = UnicodeAttribute()
    eid = UnicodeAttribute()
    at = UnicodeAttribute()


class SubmissionModel(Model):
    """An "Ajukan ke BPJS" run: draft enrolments moved to submitted, page by page on the lifecycle
    queue. PK: R#<regency>#SUBMIT#<id>  SK: JOB. Counters are ADDed once per page (done_pages)."""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    submission_id = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    status = UnicodeAttribute()  # running | done
    scope = JSONAttribute()  # {"village_code": ...} | {"ids": [...]} | {}
    submitted = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    pages = NumberAttribute(default=0)
    done_pages = NumberSetAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_by_role = UnicodeAttribute()


class SummarySnapshotModel(Model):
    """Programme summary kept from the stream's changes (chalicelib/store/summary.py), or written
    by a recount. PK: R#<regency>#P#<pid>#SUMMARY  SK: SUMMARY. `version` guards every write."""

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    computed_at = UnicodeAttribute()
    counts = JSONAttribute()
    version = NumberAttribute(null=True)
    source = UnicodeAttribute(null=True)


class DocumentSlotModel(Model):
    """An issued document upload: what the client declared, checked when it confirms the upload.

    PK: R#<regency>#E#<eid> (beside the enrolment)  SK: DOCSLOT#<kind>#<document_id>
    `expires_at` (epoch seconds, the table's TTL attribute) lets DynamoDB drop it a day later.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    issued_at = UnicodeAttribute()
    issued_by = UnicodeAttribute()
    expires_at = NumberAttribute()


# ---------- personal data: reads accounted for (issue 15) ----------
class AccessModel(Model):
    """One read of full personal data (services/access.py). Values are never copied: ids only.

    PK: R#<regency>#ACCESS#U#<user sub>  SK: <at>#<request id>   every read, per user (breach notices)
    PK: R#<regency>#ACCESS#E#<eid>       SK: <at>#<request id>   a read of up to 20 enrolments, per enrolment
    PK: R#<regency>#ACCESS#P#<pid>       SK: <at>#<request id>   a bigger page (ids listed), or a whole
                                                                 roster (`whole`, the export)
    All items of one request go out in one BatchWriteItem. `expires_at` is the table's TTL.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    request_id = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    at = UnicodeAttribute()
    method = UnicodeAttribute()
    route = UnicodeAttribute()
    ids = ListAttribute(of=UnicodeAttribute, null=True)
    programme_ids = ListAttribute(of=UnicodeAttribute, null=True)
    whole = BooleanAttribute(default=False)
    rows = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class OptOutModel(Model):
    """A worker asked not to get SMS (recorded by an admin or officer). PK: R#<regency>#W#<nik>  SK: OPTOUT#<channel>

    Beside the worker item, so erasing a person removes it with the rest of their partition.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()
    asked_on = UnicodeAttribute()
    asked_via = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()


class RestrictionModel(Model):
    """Processing restricted while a dispute is open (Pasal 41). PK: R#<regency>#RESTRICTED  SK: <nik>

    One partition for the regency, so the reminder sweep and the export read every open
    restriction with one Query (there are few). Deleted when the dispute closes.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    reason = UnicodeAttribute()
    opened_on = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()


class ErasureModel(Model):
    """An erasure of a person's personal data (services/erasure.py), itself without any.

    PK: R#<regency>#ERASURE  SK: <at>#<erasure_id>  (one Query lists a regency's, newest first)
    `enrolment_ids` are the pseudonymous tombstones left behind; `counts` say what was removed.
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    erasure_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    reason = UnicodeAttribute()
    reference = UnicodeAttribute(null=True)
    trigger = UnicodeAttribute()  # request | retention
    programme_id = UnicodeAttribute(null=True)  # retention: the programme whose period expired
    whole_person = BooleanAttribute(default=True)
    enrolment_ids = ListAttribute(of=UnicodeAttribute, null=True)
    counts = JSONAttribute()


class ImportListedModel(Model):
    """The regency's list of import jobs, so an erasure finds every job's row errors without a Scan.

    PK: R#<regency>#IMPORTS  SK: <import_id>. Written before the job itself (store/imports.create).
    """

    Meta = _Meta.build()
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    programme_id = UnicodeAttribute()
