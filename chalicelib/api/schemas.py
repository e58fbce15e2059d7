"""Request and response schemas: they validate requests and generate /v1/openapi.json.

A new optional field added here appears in the OpenAPI document, and so in the admin's
schema-driven forms and grids, without other code changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from chalicelib.domain import feed, inputs
from chalicelib.domain.inputs import MAX_DOCUMENT_BYTES
from chalicelib.domain.programme import BENEFITS, DEFAULT_CATEGORIES, period_problem, target_keys

# The inputs a use case also checks itself, item by item (a sync operation's enrolment, a roster
# row, a stored rules document), are the domain's: the same classes serve here as request schemas.
from chalicelib.domain.validation import (  # noqa: F401
    ClockTime,
    Code,
    Email,
    EnrolmentIn,
    EnrolmentPatch,
    Name,
    QuietHoursIn,
    ReminderRuleIn,
    ReminderRulesIn,
    ReminderTemplates,
    Status,
    Strict,
    TemplateText,
    Text,
    VillageCode,
    VillageContactIn,
)

DistrictCode = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{2}){1,2}$")]
Ulid = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
OpId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
VillageList = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}(,\d{2}\.\d{2}\.\d{2}\.\d{4})*$")]
DocumentKind = Literal["ktp", "consent"]
DocumentType = Literal["image/jpeg", "image/png", "application/pdf"]


# defer_build (see Strict, domain/validation.py): a model is built on its first use.
class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, defer_build=True)


# ---------- errors and pages ----------
class ErrorBody(Out):
    code: str = Field(examples=["NIK_INVALID"])
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Out):
    error: ErrorBody


class PageQuery(Strict):
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


# ---------- reference ----------
class RegionQuery(PageQuery):
    parent: RegionCode = "16.03"
    limit: int = Field(500, ge=1, le=500)


class RegionOut(Out):
    code: str
    name: str
    level: Literal["district", "village"]
    kind: Literal["desa", "kelurahan"] | None = None


class RegionList(Out):
    items: list[RegionOut]
    next_cursor: str | None = None
    attribution: str


class HealthOut(Out):
    status: Literal["ok"]
    stage: str
    version: str


class MeOut(Out):
    sub: str
    role: Literal["admin", "officer", "viewer"]
    regency: str
    villages: list[str]
    name: str | None = None


# ---------- programmes ----------
class Category(Strict):
    code: Code
    label: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    group: Code | None = None
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=50,
        description="Jabatan/pekerjaan spellings that mean this category in a roster (whole cell or its first "
                    "words: 'Kaur' matches 'Kaur Keuangan')", examples=[["Kaur", "Kasi", "Kepala Dusun"]])


# Programme numbers are strict integers: JSON true or "16800" is refused, never stored as 1 or 16800.
Rupiah = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
Count = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]


def _period_end(end: date | None, info: ValidationInfo) -> date | None:
    """coverage_end against coverage_start (validated before it): the field named in the error."""
    start = info.data.get("coverage_start")
    problem = period_problem(start, end) if start and end else None
    if problem:
        raise ValueError(problem)
    return end


class Eligibility(Strict):
    """Who the programme may cover, checked at the start of cover (null = no bounds)."""

    min_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = Field(
        None, description="youngest age in years at coverage_start")
    max_age: Annotated[int, Field(ge=0, le=120, strict=True)] | None = Field(
        None, description="oldest age in years at coverage_start")

    @model_validator(mode="after")
    def _ordered(self) -> Eligibility:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age tidak boleh lebih besar dari max_age")
        return self


def _check_programme(categories: list[Category] | None, targets: dict[str, int] | None) -> None:
    if categories is not None:
        codes = [c.code for c in categories]
        if len(codes) != len(set(codes)):
            raise ValueError("kode kategori harus unik")
    if categories is not None and targets:
        unknown = set(targets) - target_keys([c.model_dump() for c in categories])
        if unknown:
            raise ValueError(f"target untuk kategori/kelompok yang tidak ada: {', '.join(sorted(unknown))}")


RetentionYears = Annotated[int, Field(ge=1, le=30, strict=True, description=(
    "Years after the period ends before its enrolments' personal data is erased; null = the regency's archive "
    "schedule (LINDUNG_RETENTION_YEARS)"))]


class ProgrammeIn(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")]
    name: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    funder: Text | None = None
    legal_basis: Text | None = None
    coverage_start: date
    coverage_end: date
    benefits: list[Literal[BENEFITS]] = Field(default_factory=lambda: ["JKK", "JKM"], min_length=1)  # type: ignore[valid-type]
    monthly_contribution_idr: Rupiah = Field(examples=[16800])
    categories: list[Category] = Field(
        default_factory=lambda: [Category(**c) for c in DEFAULT_CATEGORIES], min_length=1, max_length=100)
    targets: dict[Code, Count] = {}  # noqa: RUF012 (a pydantic field: Strict is a BaseModel)
    eligibility: Eligibility | None = None
    retention_years: RetentionYears | None = None

    _period = field_validator("coverage_end")(_period_end)

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeIn:
        _check_programme(self.categories, self.targets)
        return self


class ProgrammePatch(Strict):
    name: Annotated[str, StringConstraints(min_length=3, max_length=200)] | None = None
    funder: Text | None = None
    legal_basis: Text | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    benefits: list[Literal[BENEFITS]] | None = Field(None, min_length=1)  # type: ignore[valid-type]
    monthly_contribution_idr: Rupiah | None = None
    categories: list[Category] | None = Field(None, min_length=1, max_length=100)
    targets: dict[Code, Count] | None = None
    eligibility: Eligibility | None = None
    retention_years: RetentionYears | None = None

    _period = field_validator("coverage_end")(_period_end)

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammePatch:
        _check_programme(self.categories, self.targets)
        return self


class LocalText(Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    en: Annotated[str, StringConstraints(max_length=120)] | None = None


class HelpText(Strict):
    id: Annotated[str, StringConstraints(max_length=500)]
    en: Annotated[str, StringConstraints(max_length=500)] | None = None


FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Bound = Annotated[float, Field(allow_inf_nan=False)] | Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class FieldDef(Strict):
    """A programme's own field; its values live in an enrolment's `extra` under `key`."""

    key: FieldKey = Field(examples=["luas_kebun_ha"], description="Stable identifier; never reuse for another meaning")
    label: LocalText
    type: Literal["text", "number", "integer", "date", "choice", "boolean"]
    required: bool = False
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] | None = Field(None, max_length=100)
    min: Bound | None = Field(None, description="number/integer: value; text: length; date: YYYY-MM-DD")
    max: Bound | None = Field(None, description="number/integer: value; text: length; date: YYYY-MM-DD")
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="text only: a regular expression the whole value must match")
    categories: list[Code] | None = Field(None, max_length=100, description="Categories it applies to; all when absent")
    help: HelpText | None = None


class FieldsIn(Strict):
    fields: list[FieldDef] = Field(max_length=50)

    def definitions(self) -> list[dict]:
        """The definitions as plain JSON values: what services/fields.put takes."""
        return [d.model_dump(mode="json", exclude_none=True) for d in self.fields]


class FieldDefOut(Out):
    key: str
    label: dict[str, str | None]
    type: str
    required: bool = False
    choices: list[str] | None = None
    min: float | str | None = None
    max: float | str | None = None
    pattern: str | None = None
    categories: list[str] | None = None
    help: dict[str, str | None] | None = None
    removed: bool | None = None


class FieldsOut(Out):
    programme_id: str
    fields: list[FieldDefOut]
    removed_fields: list[FieldDefOut] = Field(
        description="Retired fields: hidden from forms, their stored values kept (exports, the person's report)")
    version: int = Field(description="The programme's version: send it as If-Match with PUT")
    extra_schema: dict[str, Any] = Field(description="JSON Schema of an enrolment's `extra` in this programme")


def _active_fields(value: Any) -> Any:
    return [f for f in value or [] if not (f.get("removed") if isinstance(f, dict) else getattr(f, "removed", None))]


class ProgrammeOut(Out):
    id: str
    regency: str
    code: str
    name: str
    funder: str | None = None
    legal_basis: str | None = None
    coverage_start: date
    coverage_end: date
    benefits: list[str]
    monthly_contribution_idr: int
    categories: list[Category]
    targets: dict[str, int]
    eligibility: Eligibility | None = None
    retention_years: int | None = None
    fields: list[FieldDefOut] = Field(default_factory=list, description="Active extra fields (GET .../fields)")
    version: int
    created_at: str
    updated_at: str

    _only_active = field_validator("fields", mode="before")(_active_fields)


class ProgrammeList(Out):
    items: list[ProgrammeOut]
    next_cursor: str | None = None


# ---------- enrolments ----------
class EnrolmentQuery(PageQuery):
    village_code: VillageCode | None = None
    district_code: DistrictCode | None = None
    category: Code | None = None
    status: Status | None = None
    q: Annotated[str, StringConstraints(min_length=2, max_length=60)] | None = None
    incomplete: bool | None = Field(None, description="true: only records missing a required extra field "
                                                      "(belum lengkap); false: only complete ones")
    extra: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}:.{1,80}$")] | None = Field(
        None, description="<key>:<value> of an extra field, e.g. jenis_kebun:Plasma")


class DocumentMeta(Out):
    id: str
    content_type: str
    size: int
    uploaded_at: str
    uploaded_by: str


def _empty_is_none(value: Any) -> Any:
    return value or None


class EnrolmentOut(Out):
    id: str
    programme_id: str
    nik: str
    name: str
    birth_date: date
    sex: Literal["L", "P"]
    phone: str | None = None
    village_code: str
    district_code: str
    category: str
    occupation: str | None = None
    kpj_number: str | None = None
    status: Status
    rejection_reason: str | None = None
    coverage_start: date
    coverage_end: date
    warnings: list[str] = []
    documents: dict[str, DocumentMeta] | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="Values of the programme's own fields "
                                  "(retired fields' values included)")
    incomplete: list[str] = Field(default_factory=list, description="Required extra fields missing: belum lengkap")
    version: int
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str

    _no_empty_documents = field_validator("documents", mode="before")(_empty_is_none)


class EnrolmentList(Out):
    items: list[EnrolmentOut]
    next_cursor: str | None = None


class AuditOut(Out):
    at: str
    action: Literal["create", "update", "delete", "erase"]
    actor: str
    actor_role: str
    changes: dict[str, list]


class AuditList(Out):
    items: list[AuditOut]
    next_cursor: str | None = None


class OptOutIn(Strict):
    channel: Literal["sms"] = "sms"
    asked_on: date = Field(description="When the worker asked")
    asked_via: Literal["langsung", "telepon", "sms", "whatsapp", "surat", "lainnya"] = Field(
        description="How they asked: in person, phone, SMS, WhatsApp, letter, other")
    note: Text | None = None


class OptOutOut(Out):
    channel: str
    asked_on: date
    asked_via: str
    note: str | None = None
    recorded_at: str
    recorded_by: str


class RestrictionIn(Strict):
    reason: Text = Field(description="The dispute, as the person raised it")
    opened_on: date


class RestrictionOut(Out):
    reason: str
    opened_on: date
    recorded_at: str
    recorded_by: str


ErasureReason = Literal["subject_request", "no_longer_needed", "unlawful"]


class ErasureIn(Strict):
    reason: ErasureReason = Field(description="subject_request (Pasal 8), no_longer_needed or unlawful (Pasal 43)")
    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="The letter or ticket number of the request; never the person's data",
        examples=["470/123/DPMD/2026"])


class ErasureOut(Out):
    erasure_id: str
    at: str
    actor: str
    actor_role: str
    reason: str
    reference: str | None = None
    trigger: Literal["request", "retention"]
    programme_id: str | None = None
    whole_person: bool
    enrolment_ids: list[str] = Field(description="The pseudonymous records left (counted in summaries)")
    counts: dict[str, int] = Field(description="What was removed: enrolments, audit_events, reminders, documents, "
                                               "receipts, file_rows, import_rows, person_items")


class ErasureList(Out):
    items: list[ErasureOut]
    next_cursor: str | None = None


class RetentionRunIn(Strict):
    as_of: date | None = Field(None, description="The day to judge periods against (WIB); default today")
    dry_run: bool = Field(True, description="Only count what would be erased")
    programme_id: str | None = Field(None, max_length=40)


class RetentionProgramme(Out):
    programme_id: str
    code: str
    coverage_end: date
    retention_years: int
    due_on: date = Field(description="The first day its personal data may be erased")
    enrolments: int = Field(description="Records still holding personal data (dry run), or erased (run)")
    people: int = Field(description="People erased whole (no other record of theirs still needed)")


class RetentionRunOut(Out):
    as_of: date
    dry_run: bool
    programmes_due: int
    enrolments: int
    people: int
    remaining: int = Field(description="Records left for the next run (a run stops after its batch)")
    programmes: list[RetentionProgramme]


class WorkerOut(Out):
    nik: str
    name: str
    birth_date: date
    sex: Literal["L", "P"]
    phone: str | None = None
    village_code: str
    enrolments: list[EnrolmentOut]
    sms_opt_out: OptOutOut | None = Field(None, description="Set when the worker asked for no SMS reminders")
    restriction: RestrictionOut | None = Field(
        None, description="Open dispute (Pasal 41): no reminders, left out of exports until lifted")


# ---------- local stage only ----------
class LocalLoginIn(Strict):
    """The admin's login form on the local stack: what `make token` takes, as JSON."""

    role: Literal["admin", "officer", "viewer"] = "admin"
    villages: list[VillageCode] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _officer_has_villages(self) -> LocalLoginIn:
        if self.role == "officer" and not self.villages:
            raise ValueError("petugas (officer) wajib punya minimal satu desa")
        return self


class LocalLoginOut(Out):
    token: str
    role: str
    expires_in: int


# ---------- officers' villages (admin data) ----------
class OfficerVillagesIn(Strict):
    villages: list[VillageCode] = Field(max_length=300)


class OfficerVillagesOut(Out):
    sub: str
    villages: list[str]
    source: Literal["assignment", "token"]
    version: int | None = None
    updated_at: str | None = None
    updated_by: str | None = None


# ---------- offline-first sync ----------
class SyncOperation(Strict):
    """The envelope is checked for the whole batch (a bad envelope is an app bug: 422); `data`
    is checked per operation, and a bad one only makes that operation `rejected`."""

    op_id: OpId = Field(description="Client-generated, unique per user (e.g. a UUID or ULID)")
    op: Literal["create", "update", "delete"]
    type: Literal["enrolment"]
    programme_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    id: Ulid | None = Field(None, description="create: optional client-made ULID; update/delete: required")
    version: int | None = Field(None, ge=1, description="update: required (like If-Match); delete: optional")
    data: dict[str, Any] = Field(default_factory=dict, description="create: EnrolmentIn; update: EnrolmentPatch")


class SyncIn(Strict):
    operations: list[SyncOperation] = Field(min_length=1, max_length=200)

    @field_validator("operations")
    @classmethod
    def _unique_op_ids(cls, operations: list[SyncOperation]) -> list[SyncOperation]:
        seen: set[str] = set()
        for op in operations:
            if op.op_id in seen:
                raise ValueError(f"op_id {op.op_id} muncul lebih dari sekali dalam satu batch")
            seen.add(op.op_id)
        return operations

    def batch(self) -> inputs.SyncBatch:
        """The batch as services/sync.py takes it."""
        return inputs.SyncBatch([inputs.SyncOperation(**op.model_dump()) for op in self.operations])


class SyncError(Out):
    code: str
    message: str
    fields: dict[str, str] = {}


class SyncResult(Out):
    op_id: str
    status: Literal["applied", "duplicate", "conflict", "rejected", "failed"]
    id: str | None = None
    version: int | None = None
    error: SyncError | None = None


class SyncOut(Out):
    results: list[SyncResult]


class SyncQuery(Strict):
    since: str | None = Field(None, description="next_cursor of the previous pull; omit for a full roster")
    limit: int = Field(200, ge=1, le=1000, description="Changes per response; a fresh phone asks 1,000 at a time")
    villages: VillageList | None = Field(
        None, description="Comma-separated; officers: a subset of their villages; admins/viewers: required (max 20)")


class EnrolmentChange(Out):
    """An enrolment as a device stores it. Tombstones carry only id, version, updated_at and
    `deleted` (withdrawn) or `moved_out` (now in a village outside this feed)."""

    type: Literal["enrolment"] = "enrolment"
    id: str
    version: int
    updated_at: str
    deleted: bool | None = None
    moved_out: bool | None = None
    programme_id: str | None = None
    nik: str | None = None
    name: str | None = None
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = None
    phone: str | None = None
    village_code: str | None = None
    category: str | None = None
    occupation: str | None = None
    kpj_number: str | None = None
    status: Status | None = None
    rejection_reason: str | None = None
    warnings: list[str] | None = None
    documents: dict[str, DocumentMeta] | None = None
    extra: dict[str, Any] | None = None

    _no_empty = field_validator("warnings", "documents", "extra", mode="before")(_empty_is_none)


class ProgrammeChange(ProgrammeOut):
    type: Literal["programme"] = "programme"


class ChangesOut(Out):
    changes: list[Annotated[ProgrammeChange | EnrolmentChange, Field(discriminator="type")]]
    next_cursor: str = Field(description="Keep it: the next pull starts here, even when nothing changed")
    has_more: bool = Field(description="true: pull again now; false: caught up (to a few seconds ago)")
    villages: list[str] = Field(description="The villages this feed covers; drop local records outside them")

    @field_validator("changes", mode="before")
    @classmethod
    def _as_sent(cls, changes: Any) -> Any:
        """services/sync.py's changes (domain/feed.py) as the values a device is sent."""
        return [c.as_dict() if isinstance(c, feed.Change) else c for c in changes]


# ---------- documents ----------
class DocumentUploadIn(Strict):
    kind: DocumentKind
    content_type: DocumentType
    size: int = Field(ge=1, le=MAX_DOCUMENT_BYTES, description="bytes")


class DocumentUploadOut(Out):
    document_id: str
    kind: str
    url: str
    fields: dict[str, str] = Field(description="Form fields to POST with the file (multipart, file last)")
    expires_in: int
    max_bytes: int


class DocumentConfirmIn(Strict):
    document_id: Ulid


class DocumentOut(DocumentMeta):
    kind: str
    enrolment_version: int | None = None
    url: str | None = None
    expires_in: int | None = None


# ---------- reminders (issue 4) ----------
class ReminderRulesOut(Out):
    programme_id: str
    rules: list[ReminderRuleIn]
    audience: list[str]
    quiet_hours: QuietHoursIn | None = None
    templates: dict[str, str]
    admin_emails: list[str]
    default_contact: str
    village_contacts: dict[str, VillageContactIn]
    catch_up_days: int
    budget_days_before: list[int]
    version: int
    is_default: bool
    updated_at: str | None = None
    sms_per_worker_per_period: int


class ReminderPreviewIn(Strict):
    templates: ReminderTemplates | None = None
    enrolment_id: str | None = None
    count_names: bool = Field(True, description="Also render the SMS for every enrolment of the programme and count "
                                                "those over one segment (one Query of the whole programme); false "
                                                "answers at once with programme_names null")

    def preview(self) -> inputs.ReminderPreview:
        """What services/reminders.preview takes: the proposed texts only."""
        return inputs.ReminderPreview(self.templates.given() if self.templates else {}, self.enrolment_id,
                                      self.count_names)


class SmsNamesCheck(Out):
    names: int = Field(description="The programme's enrolments this SMS text was rendered for (your villages)")
    over_one_segment: int = Field(description="How many of them would take two or more SMS segments")


class SmsPreview(Out):
    text: str
    characters: int
    segments: int
    cost_idr: int
    programme_names: SmsNamesCheck | None = Field(None, description="null when asked with count_names false")


class WhatsappPreview(Out):
    text: str
    link: str


class SmsText(Out):
    text: str
    characters: int
    segments: int
    cost_idr: int


class ReminderPreviewOut(Out):
    sms: SmsPreview
    sms_after: SmsText
    whatsapp: WhatsappPreview
    email_subject: str
    email_intro: str


class FunderTotalOut(Out):
    funder: str | None = Field(None, description="As the programme spells it; null: not filled in on the programme")
    programmes: int
    programme_codes: list[str]
    live_members: int
    total_idr: int


class RenewalBudgetOut(Out):
    programme_id: str
    period_end: date
    live_members: int = Field(description="Submitted/active enrolments now, counted from the records")
    months: int = Field(description="Months of the next period (as long as this one)")
    rate_idr: int
    total_idr: int = Field(description="live_members x months x rate_idr")
    funder: str | None = None
    renewed: bool
    renewed_programme_id: str | None = None
    reminders_days_before: list[int]
    fiscal_year: int = Field(description="The year this period ends in: the APBD year the renewal is budgeted in")
    by_funder: list[FunderTotalOut] = Field(
        description="Per funding source: the regency's programmes ending in fiscal_year not renewed yet, "
                    "each programme's live_members x months x rate_idr summed (this one included unless renewed)")


class ReminderRunIn(Strict):
    as_of: date | None = Field(None, description="Day to plan for (WIB); default today")
    dry_run: bool = False
    programme_id: str | None = None


class ChannelCount(Out):
    sms: int = 0
    email: int = 0
    whatsapp_links: int = 0


class CostEstimate(Out):
    price_per_sms_idr: int
    sms: int
    sms_segments: int
    total_idr: int


class PeriodProjection(Out):
    enrolments: int
    sms: int
    total_idr: int


class SmsWhen(Out):
    at: str = Field(description="When these SMS leave (WIB, ISO 8601): now, or the daily sweep after quiet hours")
    sms: int


class ReminderRunOut(Out):
    run_id: str | None = None
    as_of: date
    dry_run: bool
    status: Literal["planned", "queued", "done"]
    considered: int
    queued_messages: int = 0
    would_send: ChannelCount
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = Field(0, description="SMS held by quiet hours for a later sweep (a dry run counts and prices "
                                         "them in sms and cost; sms_schedule says when they go)")
    sms_schedule: list[SmsWhen] = Field(default_factory=list)
    delivered: int = Field(0, description="Of the sent SMS, how many SNS reported delivered to the phone")
    delivery_failed: int = Field(0, description="Of the sent SMS, how many SNS reported not delivered")
    opted_out: int = Field(0, description="Workers skipped because they opted out of SMS (counted in skipped)")
    restricted: int = Field(0, description="Workers skipped for an open dispute, Pasal 41 (counted in skipped)")
    cost: CostEstimate
    period_projection: PeriodProjection


class ReminderOut(Out):
    rule_id: str
    channel: str
    coverage_end: date
    status: Literal["claimed", "sent", "failed", "skipped"]
    attempts: int
    recipient: str | None = None
    claimed_at: str | None = None
    sent_at: str | None = None
    last_error: str | None = None
    run_id: str | None = None
    delivery: Literal["delivered", "failed"] | None = Field(
        None, description="What SNS's delivery-status log said of a sent SMS (none yet: not reported)")
    delivery_reason: str | None = Field(None, description="The provider's words, e.g. 'Phone is currently unreachable'")
    delivered_at: str | None = None


class ReminderList(Out):
    items: list[ReminderOut]
    next_cursor: str | None = None


class RenewIn(Strict):
    coverage_start: date
    coverage_end: date
    rate: Rupiah | None = Field(None, description="monthly_contribution_idr; default the old rate")
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")] | None = None
    name: Annotated[str, StringConstraints(min_length=3, max_length=200)] | None = None

    _period = field_validator("coverage_end")(_period_end)


class RenewalOut(Out):
    from_programme_id: str
    programme: ProgrammeOut
    status: Literal["carrying", "done"]
    carried: int
    already: int
    excluded: int
    pages: int
    created_at: str
    updated_at: str


class RenewalList(Out):
    items: list[RenewalOut]
    next_cursor: str | None = None


# ---------- imports, exports, summary ----------
class UploadUrlIn(Strict):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(examples=["roster-desa.xlsx"])


class UploadUrlOut(Out):
    url: str
    fields: dict[str, str]
    s3_key: str
    max_bytes: int
    expires_in: int


class ImportFromUpload(Strict):
    s3_key: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    filename: Annotated[str, StringConstraints(max_length=200)] | None = None


class ImportQuery(Strict):
    filename: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Name of the uploaded file, shown in the import's progress")
    kind: Literal["roster", "kpj"] = Field(
        "roster", description="roster: people to enrol; kpj: the BPJS branch's list of NIK + KPJ number, which "
                              "activates the matching draft/submitted enrolments")
    village_code: VillageCode | None = Field(
        None, description="The village of every row that names none (a village sending its own list)")
    district_code: DistrictCode | None = Field(
        None, description="The kecamatan of the file: village names are looked up there")
    category: Code | None = Field(
        None, description="The category of rows with no category column and a jabatan that matches no alias")


class ImportAccepted(Out):
    import_id: str
    status: Literal["queued", "running", "done", "failed"]


class ImportRowError(Out):
    row: int = Field(description="Line number in the file (the header is line 1)")
    field: str = Field(description="Our field name, e.g. birth_date")
    column: str = Field(description="The column as named in the file, e.g. tanggal_lahir")
    code: str
    message: str
    nik: str | None = Field(None, description="The row's NIK as written in the file")
    name: str | None = Field(None, description="The row's name as written in the file")


class ImportIgnoredRow(Out):
    row: int = Field(description="Line number in the file")
    reason: str


class ImportOut(Out):
    import_id: str
    programme_id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str | None = None
    format: Literal["csv", "xlsx"] | None = None
    total: int
    processed: int
    accepted: int
    rejected: int
    already_enrolled: int
    errors: list[ImportRowError]
    error_count: int
    error_report_url: str | None = None
    ignored_columns: list[str] = []
    ignored_rows: list[ImportIgnoredRow] = Field(
        [], description="Footer rows (JUMLAH, signatures) that were not read as data; neither accepted nor rejected")
    ignored_row_count: int = 0
    warnings: list[ImportRowError] = Field([], description="Accepted rows with a warning, e.g. a second phone dropped")
    sheet: str | None = Field(None, description="The XLSX sheet that was read (the first with a header row)")
    header_row: int | None = Field(None, description="Line of the header row that was found")
    encoding: str | None = Field(None, description="The CSV's encoding as decided from its bytes")
    options: dict[str, str] = Field({}, description="village_code / district_code / category named by the upload")
    failure: ErrorBody | None = None
    created_at: str
    updated_at: str
    finished_at: str | None = None
    kind: Literal["roster", "kpj"] = "roster"
    activated: int | None = Field(None, description="kind=kpj: enrolments this list made active")
    already_active: int | None = Field(None, description="kind=kpj: rows whose enrolment had this KPJ already")
    not_found: int | None = Field(None, description="kind=kpj: NIKs not enrolled in the programme")
    conflicts: int | None = Field(None, description="kind=kpj: KPJ held by another NIK, or another KPJ already")


class SubmissionIn(Strict):
    """Which drafts go to the BPJS branch: `ids` (selected in the grid), or a `village_code`, or
    (neither) every draft of the programme."""

    village_code: VillageCode | None = None
    ids: list[Ulid] | None = Field(None, min_length=1, max_length=5000)


class SubmissionOut(Out):
    submission_id: str
    programme_id: str
    status: Literal["running", "done"]
    scope: dict[str, Any] = {}
    submitted: int = Field(description="Drafts moved to submitted by this run")
    skipped: int = Field(description="Selected enrolments that were not drafts (left as they are)")
    pages: int
    created_at: str
    updated_at: str
    finished_at: str | None = None


class ExportQuery(Strict):
    format: Literal["csv", "xlsx"] = "csv"
    delivery: Literal["auto", "inline", "url"] = Field(
        "auto", description="inline: the file in the response; url: a presigned S3 link (auto: url above 5,000 rows)")


class ExportLink(Out):
    download_url: str
    format: Literal["csv", "xlsx"]
    rows: int
    expires_in: int


class SummaryQuery(Strict):
    recount: bool = Field(False, description="Admins: recount from every record (the repair job) and keep that")
    refresh: bool = Field(False, description="The older name of `recount`")


class TargetOut(Out):
    target: int
    actual: int
    percent: float | None = None


class SummaryOut(Out):
    programme_id: str
    total: int
    by_category: dict[str, int]
    by_group: dict[str, int]
    by_district: dict[str, int]
    by_village: dict[str, int]
    by_status: dict[str, int]
    months: int
    monthly_contribution_idr: int
    contribution_idr_total: int
    targets: dict[str, TargetOut]
    by_extra: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Per choice or yes/no field of the programme: {value: count}")
    computed_at: str
    source: Literal["kept", "recount"] = Field(
        description="kept: the summary the table's stream keeps (one read); recount: counted from every record now")
    differed: bool | None = Field(None, description="recount only: whether the kept summary had differed from it")


# ---------- personal data (issue 15) ----------
TimeBound = Annotated[str, StringConstraints(
    pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")]


class AccessRangeQuery(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)

    from_: TimeBound | None = Field(None, alias="from",
                                    description="YYYY-MM-DD or ISO time (UTC); default: the kept period")
    to: TimeBound | None = Field(None, description="YYYY-MM-DD (whole day) or ISO time; default now")
    limit: int = Field(100, ge=1, le=500)


class UserAccessQuery(AccessRangeQuery):
    user: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(description="The account's sub")
    cursor: str | None = None


class AccessEntryOut(Out):
    at: str
    request_id: str
    actor: str
    actor_role: str
    method: str
    route: str
    enrolment_ids: list[str]
    programme_ids: list[str] = []
    whole_roster: bool = False
    rows: int | None = None


class AccessLogOut(Out):
    items: list[AccessEntryOut]
    next_cursor: str | None = None
    from_time: str = Field(description="The range searched (UTC)")
    to_time: str
    user: str | None = None


class StatusStep(Out):
    at: str
    status: str | None = None
    by: str
    action: str


class ReminderSent(Out):
    channel: str | None = None
    rule_id: str | None = None
    status: str | None = None
    sent_at: str | None = None
    claimed_at: str | None = None
    recipient: str | None = Field(None, description="Masked (+62812****90)")


class DocumentHeld(Out):
    kind: str
    name: str
    content_type: str | None = None
    size: int | None = None
    uploaded_at: str | None = None
    uploaded_by: str | None = None


class ExtraHeld(Out):
    key: str
    label: str = Field(description="The field's Indonesian label (the key when no definition names it)")
    type: str
    removed: bool = Field(description="A retired field: hidden from forms, its value still held")
    value: Any


class EnrolmentHeld(Out):
    enrolment: EnrolmentOut
    status_history: list[StatusStep]
    reminders: list[ReminderSent]
    documents: list[DocumentHeld]
    extra_fields: list[ExtraHeld] = Field(default_factory=list, description="The programme's own fields, labelled")


class PersonHeld(Out):
    nik: str
    name: str
    birth_date: date
    sex: str
    phone: str | None = None
    village_code: str


class WorkerReportOut(Out):
    """Everything held on one person (Pasal 32)."""

    generated_at: str
    generated_by: str
    person: PersonHeld
    sms_opt_out: OptOutOut | None = None
    restriction: RestrictionOut | None = None
    enrolments: list[EnrolmentHeld]
    accesses: list[AccessEntryOut]


class ReportQuery(Strict):
    format: Literal["json", "pdf"] = Field("json", description="pdf: printable, in Bahasa Indonesia")
