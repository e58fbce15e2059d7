"""Enrolment rules without storage: what a new enrolment looks like and what a patch changes."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from chalicelib.domain import fields as extra_fields
from chalicelib.domain import lifecycle
from chalicelib.domain import nik as nik_rules
from chalicelib.domain import phone as phone_rules
from chalicelib.domain.errors import Invalid

# Fields a PATCH may set to null; the rest are required once set.
NULLABLE = frozenset({"phone", "occupation", "kpj_number", "rejection_reason"})


@dataclass
class Enrolment:
    id: str
    regency: str
    programme_id: str
    nik: str
    name: str
    birth_date: str
    sex: str
    village_code: str
    district_code: str
    category: str
    status: str
    coverage_start: str
    coverage_end: str
    version: int
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str
    phone: str | None = None
    occupation: str | None = None
    kpj_number: str | None = None
    rejection_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    documents: dict[str, dict] = field(default_factory=dict)  # kind -> metadata (services/documents)
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # the programme's own fields (domain/fields.py)
    erased: bool = False  # personal data erased: a pseudonymous tombstone (domain/erasure.py)
    # Computed on read against the programme's current definitions, never stored (they change).
    incomplete: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Actor:
    sub: str
    role: str


AUDITED = ("nik", "name", "birth_date", "sex", "phone", "village_code", "category", "occupation", "kpj_number",
           "status", "coverage_start", "coverage_end", "warnings")


def created_changes(e: Enrolment) -> dict[str, list]:
    """A new enrolment's audit entry (a create, an import row): [None, value] for each audited
    field that has a value and for each of the programme's own fields (`extra.<key>`)."""
    changes: dict[str, list] = {k: [None, getattr(e, k)] for k in AUDITED if getattr(e, k) not in (None, [])}
    changes.update({f"extra.{k}": [None, v] for k, v in e.extra.items()})
    return changes


def district_of(village_code: str) -> str:
    return village_code.rsplit(".", 1)[0]


def check_person(raw_nik: str, birth_date: date | None, sex: str | None, regency: str,
                 today: date) -> tuple[nik_rules.Nik, list[str]]:
    """Validate a NIK against the stated birth date and sex; returns the NIK and warnings."""
    try:
        parsed = nik_rules.parse(raw_nik, today)
    except nik_rules.NikError as exc:
        raise Invalid("NIK_INVALID", exc.message, {"nik": exc.message}, reason=exc.code) from None
    problems = nik_rules.check_consistency(parsed, birth_date, sex)
    if problems:
        raise Invalid("NIK_MISMATCH", "NIK tidak cocok dengan data diri", problems)
    warnings = [] if parsed.regency_code == regency else ["NIK_OTHER_REGENCY"]
    return parsed, warnings


NAME_PUNCTUATION = frozenset(" .,'-()\u2019\u02bc")  # ’ and ʼ: the apostrophe phones type
NAME_MESSAGE = ("Nama hanya boleh berisi huruf, spasi, dan tanda . , ' - ( ); tanpa angka, tautan (http, www.) "
                "atau karakter kontrol. Tulis nama seperti di KTP.")


def check_name(name: str, field_name: str = "name") -> str:
    """Letters of any script (with their combining marks), spaces and . , ' - ( ) only.

    The name goes into SMS sent in the regency's name and into every file we export, so a URL,
    a formula or a control character typed (or pasted) as a name is refused at input."""
    lowered = name.lower()
    bad = ("://" in lowered or "www." in lowered
           or any(not (unicodedata.category(ch)[0] in "LM" or ch in NAME_PUNCTUATION) for ch in name))
    if bad:
        raise Invalid("NAME_INVALID", NAME_MESSAGE, {field_name: NAME_MESSAGE})
    return name


def normalise_phone(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    try:
        return phone_rules.normalise(raw)
    except phone_rules.PhoneError as exc:
        raise Invalid("PHONE_INVALID", str(exc), {"phone": str(exc)}) from None


def check_status(current: str | None, new: str, kpj: str | None, reason: str | None) -> None:
    problems = lifecycle.transition_problems(current, new, kpj, reason)
    kpj_problem = lifecycle.kpj_problem(kpj)
    if kpj_problem:
        problems["kpj_number"] = kpj_problem
    if problems:
        code = "STATUS_TRANSITION_INVALID" if "status" in problems else "VALIDATION_FAILED"
        raise Invalid(code, "Perubahan status tidak valid", problems)


def apply_patch(current: Enrolment, changes: dict[str, Any], regency: str, today: date,
                actor: Actor, now: str) -> tuple[Enrolment, dict[str, list]]:
    """Return the updated enrolment and {field: [old, new]} for the audit trail."""
    nulls = {k for k, v in changes.items() if v is None and k not in NULLABLE}
    if nulls:
        raise Invalid("VALIDATION_FAILED", "Kolom wajib tidak boleh dikosongkan",
                      {k: "wajib diisi" for k in sorted(nulls)})
    values = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}
    if values.get("name") is not None:
        check_name(values["name"])
    if "extra" in values:  # already checked against the definitions (services): merge, None clears
        values["extra"] = extra_fields.apply_values(current.extra, values["extra"] or {})
        extra_fields.check_size(values["extra"])
    if "phone" in values:
        values["phone"] = normalise_phone(values["phone"])
    updated = replace(current, **values)
    if {"birth_date", "sex"} & values.keys():
        _, updated.warnings = check_person(updated.nik, date.fromisoformat(updated.birth_date),
                                           updated.sex, regency, today)
    if "village_code" in values:
        updated.district_code = district_of(updated.village_code)
    if updated.status != "rejected" and "rejection_reason" not in values:
        updated.rejection_reason = None
    check_status(current.status if "status" in values else None, updated.status,
                 updated.kpj_number, updated.rejection_reason)
    diff = {k: [getattr(current, k), getattr(updated, k)]
            for k in ("name", "birth_date", "sex", "phone", "village_code", "district_code", "category",
                      "occupation", "kpj_number", "status", "rejection_reason", "warnings")
            if getattr(current, k) != getattr(updated, k)}
    diff.update({f"extra.{k}": [current.extra.get(k), updated.extra.get(k)]
                 for k in sorted(set(current.extra) | set(updated.extra))
                 if current.extra.get(k) != updated.extra.get(k)})
    if diff:
        updated.version = current.version + 1
        updated.updated_at = now
        updated.updated_by = actor.sub
    return updated, diff
