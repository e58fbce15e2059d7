"""An import job as the use cases see it (services/imports.py, services/kpj_import.py): what was
uploaded, how far the worker got and what it found. store/imports.py owns the item, its keys and
its conditional updates; it takes and returns this object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportJob:
    import_id: str
    regency: str
    programme_id: str
    status: str  # queued | running | done | failed
    s3_key: str
    created_at: str
    updated_at: str
    created_by: str
    created_by_role: str
    filename: str | None = None
    file_format: str | None = None  # csv | xlsx, once planned
    kind: str | None = None  # None: a roster; "kpj": the BPJS branch's KPJ list
    options: dict[str, str] | None = None  # village_code / district_code / category named by the upload
    total: int = 0
    rejected: int = 0
    accepted: int = 0
    already_enrolled: int = 0
    chunk_rows: int = 0
    chunks: int = 0
    done_chunks: set[int] = field(default_factory=set)
    error_count: int = 0
    errors: list[dict[str, Any]] | None = None
    errors_key: str | None = None
    ignored_columns: list[str] | None = None
    notes: dict[str, Any] | None = None  # what the reader found: ignored rows, warnings, sheet, header row, encoding
    failure: dict[str, Any] | None = None
    finished_at: str | None = None
    # kind=kpj: what happened to each row
    activated: int = 0
    already_active: int = 0
    not_found: int = 0
    conflicts: int = 0
    chunk_rejected: int = 0  # rows a chunk refused (the plan's are in `rejected`)

    def all_rows_in(self) -> bool:
        """Every row of the file accounted for: rejected by the plan or through a chunk."""
        return self.rejected + self.chunk_rows >= self.total
