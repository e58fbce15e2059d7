"""Request and response schemas: they validate requests and generate /v1/openapi.json.

A new optional field added here appears in the OpenAPI document, and so in the admin's
schema-driven forms and grids, without other code changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from chalicelib.domain.lifecycle import STATUSES
from chalicelib.domain.programme import BENEFITS, DEFAULT_CATEGORIES, target_keys

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,40}$")]
VillageCode = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")]
DistrictCode = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{2}){1,2}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Ulid = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
OpId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
VillageList = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}(,\d{2}\.\d{2}\.\d{2}\.\d{4})*$")]
DocumentKind = Literal["ktp", "consent"]
DocumentType = Literal["image/jpeg", "image/png", "application/pdf"]
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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


def _check_programme(start: date | None, end: date | None, categories: list[Category] | None,
                     targets: dict[str, int] | None) -> None:
    if start and end and end < start:
        raise ValueError("coverage_end harus setelah coverage_start")
    if categories is not None:
        codes = [c.code for c in categories]
        if len(codes) != len(set(codes)):
            raise ValueError("kode kategori harus unik")
    if categories is not None and targets:
        unknown = set(targets) - target_keys([c.model_dump() for c in categories])
        if unknown:
            raise ValueError(f"target untuk kategori/kelompok yang tidak ada: {', '.join(sorted(unknown))}")


class ProgrammeIn(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")]
    name: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    funder: Text | None = None
    legal_basis: Text | None = None
    coverage_start: date
    coverage_end: date
    benefits: list[Literal[BENEFITS]] = Field(default_factory=lambda: ["JKK", "JKM"], min_length=1)  # type: ignore[valid-type]
    monthly_contribution_idr: int = Field(ge=0, le=10_000_000, examples=[16800])
    categories: list[Category] = Field(
        default_factory=lambda: [Category(**c) for c in DEFAULT_CATEGORIES], min_length=1, max_length=100)
    targets: dict[Code, Annotated[int, Field(ge=0, le=10_000_000)]] = {}

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeIn:
        _check_programme(self.coverage_start, self.coverage_end, self.categories, self.targets)
        return self


class ProgrammePatch(Strict):
    name: Annotated[str, StringConstraints(min_length=3, max_length=200)] | None = None
    funder: Text | None = None
    legal_basis: Text | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    benefits: list[Literal[BENEFITS]] | None = Field(None, min_length=1)  # type: ignore[valid-type]
    monthly_contribution_idr: int | None = Field(None, ge=0, le=10_000_000)
    categories: list[Category] | None = Field(None, min_length=1, max_length=100)
    targets: dict[Code, Annotated[int, Field(ge=0, le=10_000_000)]] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammePatch:
        _check_programme(self.coverage_start, self.coverage_end, self.categories, self.targets)
        return self


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
    version: int
    created_at: str
    updated_at: str


class ProgrammeList(Out):
    items: list[ProgrammeOut]
    next_cursor: str | None = None


# ---------- enrolments ----------
class EnrolmentIn(Strict):
    nik: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(examples=["1603015708900001"])
    name: Name
    birth_date: date
    sex: Literal["L", "P"]
    phone: Annotated[str, StringConstraints(max_length=24)] | None = Field(None, examples=["081234567890"])
    village_code: VillageCode
    category: Code
    occupation: Text | None = None
    kpj_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    status: Literal["draft", "submitted", "active"] = "draft"


class EnrolmentPatch(Strict):
    name: Name | None = None
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = None
    phone: Annotated[str, StringConstraints(max_length=24)] | None = None
    village_code: VillageCode | None = None
    category: Code | None = None
    occupation: Text | None = None
    kpj_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    status: Status | None = None
    rejection_reason: Text | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class EnrolmentQuery(PageQuery):
    village_code: VillageCode | None = None
    district_code: DistrictCode | None = None
    category: Code | None = None
    status: Status | None = None
    q: Annotated[str, StringConstraints(min_length=2, max_length=60)] | None = None


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
    action: Literal["create", "update", "delete"]
    actor: str
    actor_role: str
    changes: dict[str, list]


class AuditList(Out):
    items: list[AuditOut]
    next_cursor: str | None = None


class WorkerOut(Out):
    nik: str
    name: str
    birth_date: date
    sex: Literal["L", "P"]
    phone: str | None = None
    village_code: str
    enrolments: list[EnrolmentOut]


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
    limit: int = Field(200, ge=1, le=500)
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

    _no_empty = field_validator("warnings", "documents", mode="before")(_empty_is_none)


class ProgrammeChange(ProgrammeOut):
    type: Literal["programme"] = "programme"


class ChangesOut(Out):
    changes: list[Annotated[ProgrammeChange | EnrolmentChange, Field(discriminator="type")]]
    next_cursor: str = Field(description="Keep it: the next pull starts here, even when nothing changed")
    has_more: bool = Field(description="true: pull again now; false: caught up (to a few seconds ago)")
    villages: list[str] = Field(description="The villages this feed covers; drop local records outside them")


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
