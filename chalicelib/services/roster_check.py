"""Validate roster rows with exactly the rules of a single enrolment. No AWS here.

Each row goes through the request schema of `POST /enrolments` (EnrolmentIn), then the same
domain checks `services.enrolments.enrol` runs (NIK parse and consistency, phone, status/KPJ,
village in the regency, category in the programme). Only the spelling of values is more forgiving
(dates, L/P synonyms, category labels), because spreadsheets are typed by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from chalicelib.api import schemas
from chalicelib.domain import roster
from chalicelib.domain.enrolment import check_name, check_person, check_status, district_of, normalise_phone
from chalicelib.domain.errors import Invalid
from chalicelib.domain.roster import Row, RowError, Sheet

# field -> code used for schema-level problems of that column
_FIELD_CODES = {"nik": "NIK_INVALID", "name": "NAME_INVALID", "birth_date": "DATE_INVALID", "sex": "SEX_INVALID",
                "phone": "PHONE_INVALID", "village_code": "VILLAGE_UNKNOWN", "category": "CATEGORY_UNKNOWN",
                "occupation": "OCCUPATION_INVALID", "kpj_number": "KPJ_INVALID", "status": "STATUS_INVALID"}
_SCHEMA_MESSAGES = {"missing": "wajib diisi", "string_too_short": "terlalu pendek",
                    "string_too_long": "terlalu panjang", "string_pattern_mismatch": "format tidak sesuai",
                    "literal_error": "nilai tidak diizinkan"}


@dataclass(frozen=True)
class Rules:
    regency: str
    categories: list[dict]  # the programme's categories
    village_ok: Callable[[str], bool]
    today: date

    def category_lookup(self) -> dict[str, str]:
        """Accept the code or the label in any spelling: 'Perangkat Desa' -> perangkat_desa."""
        lookup: dict[str, str] = {}
        for c in self.categories:
            lookup[roster.normalise_code(c["code"])] = c["code"]
            lookup.setdefault(roster.normalise_code(c.get("label", "")), c["code"])
        return lookup


@dataclass(frozen=True)
class ValidRow:
    line: int
    nik: str
    name: str
    birth_date: str
    sex: str
    phone: str | None
    village_code: str
    district_code: str
    category: str
    occupation: str | None
    kpj_number: str | None
    status: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class Checked:
    valid: list[ValidRow]
    errors: list[RowError]
    rejected: int
    total: int


def check(sheet: Sheet, rules: Rules) -> Checked:
    """Valid rows (first occurrence of a NIK wins) and every problem, by file line number."""
    lookup = rules.category_lookup()
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    rejected = 0
    for row in sheet.rows:
        result = _check_row(row, rules, lookup)
        if isinstance(result, ValidRow) and result.nik in first_line:
            result = [_error(row, "nik", "DUPLICATE_IN_FILE",
                             f"NIK sama dengan baris {first_line[result.nik]} di berkas ini")]
        if isinstance(result, ValidRow):
            first_line[result.nik] = row.line
            valid.append(result)
        else:
            rejected += 1
            errors.extend(RowError(e.row, e.field, sheet.columns.get(e.field, e.field), e.code, e.message)
                          for e in result)
    return Checked(valid, errors, rejected, len(sheet.rows))


def _error(row: Row, field_name: str, code: str, message: str) -> RowError:
    return RowError(row.line, field_name, field_name, code, message)


def _check_row(row: Row, rules: Rules, lookup: dict[str, str]) -> ValidRow | list[RowError]:
    from pydantic import ValidationError  # not at import: see chalicelib/api/__init__.py

    values, problems = _coerce(row, lookup)
    try:
        data = schemas.EnrolmentIn.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "nik"
            if name in problems:
                continue
            code = "REQUIRED" if err["type"] == "missing" else _FIELD_CODES.get(name, "VALIDATION_FAILED")
            problems[name] = (code, _SCHEMA_MESSAGES.get(err["type"], err["msg"]))
        return [_error(row, f, code, message) for f, (code, message) in problems.items()]
    if problems:
        return [_error(row, f, code, message) for f, (code, message) in problems.items()]
    try:
        check_name(data.name)
        parsed, warnings = check_person(data.nik, data.birth_date, data.sex, rules.regency, rules.today)
        phone = normalise_phone(data.phone)
        check_status(None, data.status, data.kpj_number, None)
        if not data.village_code.startswith(rules.regency + ".") or not rules.village_ok(data.village_code):
            raise Invalid("VILLAGE_UNKNOWN", "Kode desa tidak dikenal di kabupaten ini",
                          {"village_code": "Kode desa tidak dikenal di kabupaten ini"})
    except Invalid as exc:
        fields = exc.fields or {"nik": exc.message}
        return [_error(row, f, exc.code, message) for f, message in fields.items()]
    return ValidRow(row.line, parsed.value, data.name, data.birth_date.isoformat(), data.sex, phone,
                    data.village_code, district_of(data.village_code), data.category, data.occupation,
                    data.kpj_number, data.status, tuple(warnings))


def _coerce(row: Row, lookup: dict[str, str]) -> tuple[dict, dict[str, tuple[str, str]]]:
    """Spreadsheet spellings -> schema values; problems found here are reported per field."""
    v = row.values
    name = roster.as_text(v.get("name"))
    out: dict = {"name": " ".join(name.split()) if name else None, "phone": roster.as_text(v.get("phone")),
                 "village_code": roster.as_text(v.get("village_code")),
                 "occupation": roster.as_text(v.get("occupation")),
                 "kpj_number": roster.as_text(v.get("kpj_number"))}
    problems: dict[str, tuple[str, str]] = {}
    parsers = (("nik", roster.parse_nik, "NIK_INVALID"), ("birth_date", roster.parse_date, "DATE_INVALID"),
               ("sex", roster.parse_sex, "SEX_INVALID"))
    for name, parse, code in parsers:
        if v.get(name) is None:
            continue
        try:
            out[name] = parse(v[name])
        except ValueError as exc:
            problems[name] = (code, str(exc))
    if v.get("category") is not None:
        category = lookup.get(roster.normalise_code(str(v["category"])))
        if category is None:
            problems["category"] = ("CATEGORY_UNKNOWN", f"Kategori '{v['category']}' tidak ada di program ini")
        out["category"] = category
    if v.get("status") is not None:
        out["status"] = roster.normalise_code(str(v["status"]))
    return out, problems
