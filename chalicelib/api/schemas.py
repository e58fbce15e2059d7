"""Request and response schemas: they validate requests and generate /v1/openapi.json.

A new optional field added here appears in the OpenAPI document, and so in the admin's
schema-driven forms and grids, without other code changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

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
    version: int
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str


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


class ImportAccepted(Out):
    import_id: str
    status: Literal["queued", "running", "done", "failed"]


class ImportRowError(Out):
    row: int = Field(description="Line number in the file (the header is line 1)")
    field: str = Field(description="Our field name, e.g. birth_date")
    column: str = Field(description="The column as named in the file, e.g. tanggal_lahir")
    code: str
    message: str


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
    failure: ErrorBody | None = None
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
    refresh: bool = Field(False, description="Recompute from the records now instead of using a recent snapshot")


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
    computed_at: str
    source: Literal["snapshot", "fresh"]
