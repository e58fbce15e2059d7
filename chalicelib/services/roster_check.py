"""Validate roster rows with exactly the rules of a single enrolment. No AWS here.

Each row goes through the rules `POST /enrolments` checks its body with (EnrolmentIn,
domain/validation.py) and the same domain checks `services.enrolments.enrol` runs (NIK parse and
consistency, phone, status/KPJ, village in the regency, category in the programme). Only the
spelling of values is more forgiving, because spreadsheets are typed by hand: dates with
Indonesian month names or two-digit years, Lk/Pr, `-` for no phone, village *names*, jabatan for
the category. Every problem of a row is reported in one pass, so one round trip fixes the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain import eligibility, roster
from chalicelib.domain import fields as extra_fields
from chalicelib.domain import nik as nik_rules
from chalicelib.domain.enrolment import check_name, check_person, check_status, district_of, normalise_phone
from chalicelib.domain.errors import Invalid
from chalicelib.domain.messages import field_message
from chalicelib.domain.programme import CategoryMatcher
from chalicelib.domain.roster import FileError, Row, RowError, Sheet
from chalicelib.domain.villages import Unresolved, VillageIndex

# field -> code used for schema-level problems of that column
_FIELD_CODES = {"nik": "NIK_INVALID", "name": "NAME_INVALID", "birth_date": "DATE_INVALID", "sex": "SEX_INVALID",
                "phone": "PHONE_INVALID", "village_code": "VILLAGE_UNKNOWN", "category": "CATEGORY_UNKNOWN",
                "occupation": "OCCUPATION_INVALID", "kpj_number": "KPJ_INVALID", "status": "STATUS_INVALID"}
_TEXT_FIELDS = ("name", "occupation", "village_name", "district", "category")


@dataclass(frozen=True)
class Rules:
    regency: str
    categories: list[dict]  # the programme's categories (with their aliases)
    village_ok: Callable[[str], bool]
    today: date
    villages: VillageIndex | None = None  # the regency's villages, to read names; None: codes only
    default_village: str | None = None  # named by the upload for rows without a village
    default_district: str | None = None  # named by the upload: village names are looked up there
    default_category: str | None = None  # named by the upload for rows whose jabatan names no category
    eligibility: dict | None = None  # the programme's age bounds (domain/eligibility.py); None: everyone
    coverage_start: str | None = None  # the day the bounds are checked on
    fields: list[dict] = field(default_factory=list)  # the programme's own field definitions

    def category_lookup(self) -> dict[str, str]:
        """Code or label in any spelling: 'Perangkat Desa' -> perangkat_desa (kept for callers of the
        old interface; rows are matched with CategoryMatcher, which adds the aliases)."""
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
    extra: dict = field(default_factory=dict)  # the programme's own fields, checked


@dataclass
class Checked:
    valid: list[ValidRow]
    errors: list[RowError]
    rejected: int
    total: int
    notices: list[RowError] = field(default_factory=list)  # accepted rows with a warning (second phone dropped)


def require_columns(sheet: Sheet, rules: Rules) -> None:
    """The file as a whole must say where each row lives and what it is, or the upload must."""
    missing = []
    if not ({"village_code", "village_name"} & sheet.columns.keys()) and not rules.default_village:
        missing.append("kode_desa atau desa (atau pilih desa untuk seluruh berkas)")
    if not ({"category", "occupation"} & sheet.columns.keys()) and not rules.default_category:
        missing.append("kategori atau jabatan (atau pilih kategori untuk seluruh berkas)")
    if missing:
        seen = ", ".join(sheet.columns.values())
        raise FileError("HEADER_MISSING", f"Kolom wajib tidak ada di baris judul: {'; '.join(missing)}. "
                        f"Kolom yang terbaca: {seen}", "village_code" if "kode_desa" in missing[0] else "category")


def check(sheet: Sheet, rules: Rules) -> Checked:
    """Valid rows (first occurrence of a NIK wins) and every problem, by file line number."""
    matcher = CategoryMatcher(rules.categories)
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    notices: list[RowError] = []
    first_line: dict[str, int] = {}
    rejected = 0
    for row in sheet.rows:
        result = _check_row(row, rules, matcher)
        if isinstance(result, ValidRow) and result.nik in first_line:
            result = {"nik": ("DUPLICATE_IN_FILE", f"NIK sama dengan baris {first_line[result.nik]} di berkas ini",
                              "nik")}
        if isinstance(result, ValidRow):
            first_line[result.nik] = row.line
            valid.append(result)
            if "PHONE_MULTIPLE" in result.warnings:
                notices.append(_row_error(sheet, row, "phone", "PHONE_MULTIPLE", "phone",
                                          "Ada dua nomor HP dalam satu sel; nomor pertama disimpan"))
        else:
            rejected += 1
            errors.extend(_row_error(sheet, row, f, code, source, message)
                          for f, (code, message, source) in result.items())
    return Checked(valid, errors, rejected, len(sheet.rows), notices)


def _row_error(sheet: Sheet, row: Row, field_name: str, code: str, source: str, message: str) -> RowError:
    return RowError(row.line, field_name, sheet.columns.get(source, sheet.columns.get(field_name, field_name)), code,
                    message, roster.as_text(row.values.get("nik")), roster.as_text(row.values.get("name")))


Problems = dict[str, tuple[str, str, str]]  # field -> (code, message, the column it came from)


def _check_row(row: Row, rules: Rules, matcher: CategoryMatcher) -> ValidRow | Problems:
    from pydantic import ValidationError  # not at import: pydantic is left out of a cold start

    from chalicelib.domain.validation import EnrolmentIn

    values, problems, warnings = _coerce(row, rules, matcher)
    extra, extra_problems = _extra(row, rules, values.get("category"))
    problems.update(extra_problems)
    data = None
    try:
        data = EnrolmentIn.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "nik"
            if name in problems:
                continue
            code = "REQUIRED" if err["type"] == "missing" else _FIELD_CODES.get(name, "VALIDATION_FAILED")
            problems[name] = (code, field_message(err), name)
    # the domain checks run on what could be read, each on its own, so every problem is reported at once
    if "name" not in problems and values.get("name"):
        try:
            check_name(values["name"])
        except Invalid as exc:
            problems["name"] = (exc.code, exc.message, "name")
    parsed = None
    if "nik" not in problems and values.get("nik"):
        try:
            parsed, nik_warnings = check_person(values["nik"], None if "birth_date" in problems else
                                                values.get("birth_date"),
                                                None if "sex" in problems else values.get("sex"), rules.regency,
                                                rules.today)
            warnings += nik_warnings
        except Invalid as exc:
            for f, message in (exc.fields or {"nik": exc.message}).items():
                problems.setdefault(f, (exc.code, message, f))
    if "birth_date" not in problems and isinstance(values.get("birth_date"), date) and rules.coverage_start:
        outside = eligibility.problem(values["birth_date"], rules.coverage_start, rules.eligibility)
        if outside:
            problems["birth_date"] = (eligibility.WARNING, outside, "birth_date")
    phone = None
    if "phone" not in problems and values.get("phone"):
        try:
            phone = normalise_phone(values["phone"])
        except Invalid as exc:
            problems["phone"] = (exc.code, exc.message, "phone")
    if "status" not in problems and "kpj_number" not in problems:
        try:
            check_status(None, values.get("status") or "draft", values.get("kpj_number"), None)
        except Invalid as exc:
            for f, message in exc.fields.items():
                problems.setdefault(f, (exc.code, message, f))
    code = values.get("village_code")
    if "village_code" not in problems and code and rules.villages is None and (
            not code.startswith(rules.regency + ".") or not rules.village_ok(code)):
        problems["village_code"] = ("VILLAGE_UNKNOWN", "Kode desa tidak dikenal di kabupaten ini", "village_code")
    if problems or data is None or parsed is None:
        return problems or {"nik": ("REQUIRED", "wajib diisi", "nik")}
    return ValidRow(row.line, parsed.value, data.name, data.birth_date.isoformat(), data.sex, phone,
                    data.village_code, district_of(data.village_code), data.category, data.occupation,
                    data.kpj_number, data.status, tuple(warnings), extra)


def _extra(row: Row, rules: Rules, category: str | None) -> tuple[dict, Problems]:
    """The programme's own columns, with the rules of a single create (required per category).
    Without a known category the row is refused for that already; its extra values are not judged."""
    values = {name[6:]: value for name, value in row.values.items() if name.startswith("extra.")}
    if not rules.fields or category is None:
        return {}, {}
    extra, problems = extra_fields.check_values(rules.fields, values, category, new=True)
    labels = {d["key"]: extra_fields.label(d) for d in rules.fields}
    return extra, {f"extra.{p.key}": ("REQUIRED" if p.message == "wajib diisi" else "VALUE_INVALID",
                                      f"{labels.get(p.key, p.key)}: {p.message}", f"extra.{p.key}")
                   for p in problems}


def _coerce(row: Row, rules: Rules, matcher: CategoryMatcher) -> tuple[dict, Problems, list[str]]:
    """Spreadsheet spellings -> schema values; problems found here are reported per field."""
    v = row.values
    problems: Problems = {}
    warnings: list[str] = []
    if row.problem:
        problems[row.problem[0]] = (row.problem[1], row.problem[2], row.problem[0])
    for name in _TEXT_FIELDS:
        if name not in problems and roster.looks_garbled(roster.as_text(v.get(name))):
            target = {"village_name": "village_code"}.get(name, name)
            problems[target] = ("ENCODING_INVALID", "Huruf rusak karena salah encoding (mis. 'Ã«' untuk 'ë'); "
                                "ketik ulang atau simpan berkas sebagai CSV UTF-8 / XLSX", name)
    name = roster.as_text(v.get("name"))
    out: dict[str, Any] = {"name": name, "occupation": roster.as_text(v.get("occupation")),
                           "kpj_number": roster.as_text(v.get("kpj_number"))}
    if v.get("nik") is not None:
        try:
            out["nik"] = roster.parse_nik(v["nik"])
        except ValueError as exc:
            problems["nik"] = ("NIK_INVALID", str(exc), "nik")
    hint = _nik_date(out.get("nik"), rules.today)
    if v.get("birth_date") is not None:
        try:
            out["birth_date"] = roster.parse_date(v["birth_date"], hint=hint, today=rules.today)
        except ValueError as exc:
            problems["birth_date"] = ("DATE_INVALID", str(exc), "birth_date")
    if v.get("sex") is not None:
        try:
            out["sex"] = roster.parse_sex(v["sex"])
        except ValueError as exc:
            problems["sex"] = ("SEX_INVALID", str(exc), "sex")
    phone, dropped = roster.parse_phone(v.get("phone"))
    out["phone"] = phone
    if dropped:
        warnings.append("PHONE_MULTIPLE")
    if "village_code" not in problems:
        _village(v, rules, out, problems)
    if "category" not in problems:
        _category(v, rules, matcher, out, problems)
    if v.get("status") is not None:
        out["status"] = roster.normalise_code(str(v["status"]))
    return out, problems, warnings


def _nik_date(text: str | None, today: date) -> date | None:
    if not text:
        return None
    try:
        return nik_rules.parse(text, today).birth_date
    except nik_rules.NikError:
        return None


def _village(v: dict, rules: Rules, out: dict, problems: Problems) -> None:
    code_text = roster.as_text(v.get("village_code"))
    name_text = roster.as_text(v.get("village_name"))
    if rules.villages is None:
        out["village_code"] = code_text or rules.default_village
        return
    try:
        district = rules.villages.district(roster.as_text(v["district"])) if v.get("district") is not None \
            else rules.default_district
    except Unresolved as exc:
        problems["village_code"] = (exc.code, exc.message, "district")
        return
    if not code_text and not name_text and rules.default_village:
        code_text = rules.default_village
    try:
        out["village_code"] = rules.villages.village(code_text, name_text, district).code
    except Unresolved as exc:
        problems["village_code"] = (exc.code, exc.message, "village_code" if code_text else "village_name")


def _category(v: dict, rules: Rules, matcher: CategoryMatcher, out: dict, problems: Problems) -> None:
    """The category column is a statement and must match; a jabatan is a description, so when the
    upload names a default category a jabatan that matches no alias takes the default."""
    listing = f"Kategori program ini: {matcher.names()}; atau tambahkan ejaan ini sebagai alias kategori di Program"
    if v.get("category") is not None:
        out["category"] = matcher.match(v["category"])
        if out["category"] is None:
            problems["category"] = ("CATEGORY_UNKNOWN", f"Kategori '{roster.as_text(v['category'])}' tidak dikenal. "
                                    + listing, "category")
        return
    if v.get("occupation") is not None:
        out["category"] = matcher.match(v["occupation"]) or rules.default_category
        if out["category"] is None:
            problems["category"] = ("CATEGORY_UNKNOWN", f"Jabatan '{roster.as_text(v['occupation'])}' tidak cocok "
                                    "dengan kategori mana pun. " + listing, "occupation")
        return
    out["category"] = rules.default_category
