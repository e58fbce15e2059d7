"""A programme's own fields, as data: definitions, the `extra` values they allow, and their JSON Schema.

An administrator adds a field (luas kebun, kelompok tani, SK number) without a code change. The
rules that keep stored records safe while definitions change:
- a removed field is *retired*, not forgotten: its definition stays (`removed: true`) so its values
  keep a label in exports and the person's report, but forms, schema and validation skip it and a
  write naming it is refused as unknown;
- `required` is enforced on new records only; an existing record missing a required value is
  "belum lengkap" (`incomplete`), listed and filterable, never invalid;
- a write validates only the values it carries, so a choice removed later leaves old values
  readable and a record with one can still be corrected elsewhere.
Pure Python: no storage, no HTTP. Errors name `extra.<key>` like every other field error.
"""

from __future__ import annotations

import json
import re
import re._parser as sre  # the stdlib's own parse of a pattern (3.11+), to vet a definition's regex
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import regex

from chalicelib.domain import roster
from chalicelib.domain.errors import Invalid

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
TYPES = ("text", "number", "integer", "date", "choice", "boolean")
MAX_FIELDS = 50
MAX_STORED = 200  # active + retired definitions kept on the programme
TEXT_MAX = 1000
PATTERN_MAX = 200
# A value is matched against an admin's pattern with this much time at most: Python's re has no
# time limit, and one backtracking pattern would hold a request (and a worker) for ever.
PATTERN_SECONDS = 0.05
# DynamoDB refuses items over 400 KB; an enrolment without extra is about 2 KB and its index keys,
# documents and warnings well under 20 KB, so extra values may take the rest, with a margin.
EXTRA_MAX_BYTES = 350_000
# Enrolment fields and roster headers a key may not shadow: an import header must mean one thing.
RESERVED = frozenset({
    "id", "nik", "name", "nama", "birth_date", "sex", "phone", "village_code", "district_code", "category",
    "occupation", "kpj_number", "status", "rejection_reason", "coverage_start", "coverage_end", "warnings",
    "documents", "version", "extra", "incomplete", "created_at", "updated_at", "created_by", "updated_by",
    "deleted", "programme_id", "regency", "kategori", "pekerjaan", "jabatan", "tanggal_lahir", "jenis_kelamin",
    "no_hp", "kode_desa", "no_kpj", "nama_desa", "kecamatan", "alamat", "mulai_kepesertaan", "akhir_kepesertaan",
    "desa", "nama_lengkap",
})
_TRUE = {"true", "ya", "y", "1", "yes", "benar", "ada"}
_FALSE = {"false", "tidak", "t", "0", "no", "n", "tdk", "salah", "tidak_ada"}


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def active(definitions: list[dict] | None) -> list[dict]:
    return [d for d in definitions or [] if not d.get("removed")]


def applies(definition: dict, category: str | None) -> bool:
    cats = definition.get("categories")
    return not cats or category is None or category in cats


def label(definition: dict, lang: str = "id") -> str:
    lab = definition.get("label") or {}
    return lab.get(lang) or lab.get("id") or definition["key"]


def labelled(definitions: list[dict] | None, values: dict[str, Any] | None) -> list[dict]:
    """A record's `extra` values with their labels, for people reading it (the person's report):
    the live fields in their order, then retired ones (their values are still data), then any key
    no definition names any more, under its key."""
    values = values or {}
    defs = [*active(definitions), *(d for d in definitions or [] if d.get("removed"))]
    out = [{"key": d["key"], "label": label(d), "type": d.get("type", "text"), "removed": bool(d.get("removed")),
            "value": values[d["key"]]} for d in defs if values.get(d["key"]) is not None]
    named = {d["key"] for d in defs}
    out += [{"key": k, "label": k, "type": "text", "removed": True, "value": v}
            for k, v in sorted(values.items()) if k not in named and v is not None]
    return out


# ---------- definitions ----------
def check_definitions(new: list[dict], category_codes: set[str]) -> None:
    """Refuse a definition list that cannot be stored: names `fields.<i>.<attr>` like a schema error."""
    problems: dict[str, str] = {}
    if len(new) > MAX_FIELDS:
        problems["fields"] = f"maksimal {MAX_FIELDS} kolom per program"
    seen: dict[str, int] = {}
    headers: dict[str, int] = {}
    for i, d in enumerate(new):
        where = f"fields.{i}"
        key = d.get("key", "")
        heading = roster.normalise_header(label(d)) if d.get("key") else ""
        if heading in RESERVED or heading in roster.HEADERS or \
                any(heading in aliases for aliases in roster.HEADERS.values()):
            problems[f"{where}.label"] = "label sama dengan kolom bawaan roster; pilih label lain"
        elif heading in headers:
            problems[f"{where}.label"] = f"label sama dengan kolom {headers[heading] + 1}; kolom impor harus jelas"
        headers.setdefault(heading, i)
        if not KEY.fullmatch(key):
            problems[f"{where}.key"] = "kunci harus huruf kecil/angka/garis bawah, diawali huruf, 2-40 karakter"
        elif key in RESERVED:
            problems[f"{where}.key"] = f"kunci '{key}' sudah dipakai kolom bawaan; pilih nama lain"
        elif key in seen:
            problems[f"{where}.key"] = f"kunci '{key}' sudah dipakai di kolom {seen[key] + 1}"
        seen.setdefault(key, i)
        kind = d.get("type")
        if kind not in TYPES:
            problems[f"{where}.type"] = f"tipe harus salah satu dari: {', '.join(TYPES)}"
            continue
        choices = d.get("choices") or []
        if kind == "choice":
            if not choices:
                problems[f"{where}.choices"] = "kolom pilihan wajib punya minimal satu pilihan"
            elif len({_norm(c) for c in choices}) != len(choices):
                problems[f"{where}.choices"] = "pilihan tidak boleh kembar"
        elif choices:
            problems[f"{where}.choices"] = "pilihan hanya untuk tipe choice"
        low, high = d.get("min"), d.get("max")
        if (low is not None or high is not None) and kind not in ("number", "integer", "text", "date"):
            problems[f"{where}.min"] = "min/max hanya untuk angka, teks (panjang) atau tanggal"
        elif kind == "date":
            for name, bound in (("min", low), ("max", high)):
                if bound is not None and not _is_iso_date(bound):
                    problems[f"{where}.{name}"] = "batas tanggal harus YYYY-MM-DD"
        elif kind in ("number", "integer", "text"):
            for name, bound in (("min", low), ("max", high)):
                if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                    problems[f"{where}.{name}"] = "batas harus angka"
        if low is not None and high is not None and f"{where}.min" not in problems and \
                f"{where}.max" not in problems and low > high:
            problems[f"{where}.max"] = "max harus lebih besar atau sama dengan min"
        if d.get("pattern") is not None:
            if kind != "text":
                problems[f"{where}.pattern"] = "pola hanya untuk tipe text"
            else:
                reason = pattern_problem(d["pattern"])
                if reason:
                    problems[f"{where}.pattern"] = reason
        unknown = sorted(set(d.get("categories") or []) - category_codes)
        if unknown:
            problems[f"{where}.categories"] = f"kategori tidak ada di program ini: {', '.join(unknown)}"
    if problems:
        raise Invalid("FIELDS_INVALID", "Definisi kolom tidak valid, periksa yang ditandai", problems)


def pattern_problem(pattern: str) -> str | None:
    """Why a field's regex cannot be stored, or None. Beside being valid, it may not repeat a
    repetition (`(a+)+`, `(\\d*)*`, `(x{2,})+`): the classic pattern that makes a backtracking
    engine take exponential time. The server bounds each match in time anyway (PATTERN_SECONDS);
    a phone or browser checks the same pattern on its input with no such bound."""
    if len(pattern) > PATTERN_MAX:
        return f"pola maksimal {PATTERN_MAX} karakter"
    try:
        parsed = sre.parse(pattern)
        regex.compile(pattern)
    except (re.error, regex.error, RecursionError):
        return "pola (regex) tidak valid"
    if _nested_repeat(parsed):
        return "pola mengulang pengulangan (mis. (a+)+): pemeriksaan bisa macet; tulis tanpa pengulangan bertingkat"
    return None


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


def _varying(op, arg) -> bool:
    return op in _REPEATS and arg[0] != arg[1] and (arg[1] is sre.MAXREPEAT or arg[1] > 1)


def _nested_repeat(items) -> bool:
    """A repetition of a varying count (`+`, `*`, `{2,5}`) whose whole body is another one: the
    shape with exponentially many ways to split a string. (`( [A-Z][a-z]+)*`, a repeat with more in
    its body, is left to the time limit: that is a name, and it does not backtrack so.)"""
    for op, arg in items:
        if op in _REPEATS:
            body = list(arg[2])
            while len(body) == 1 and body[0][0] is sre.SUBPATTERN:
                body = list(body[0][1][-1])
            if _varying(op, arg) and len(body) == 1 and _varying(*body[0]):
                return True
            if _nested_repeat(arg[2]):
                return True
        elif op is sre.SUBPATTERN:
            if _nested_repeat(arg[-1]):
                return True
        elif op is sre.BRANCH:
            if any(_nested_repeat(alt) for alt in arg[1]):
                return True
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if _nested_repeat(arg[1]):
                return True
    return False


def pattern_matches(pattern: str, text: str) -> bool:
    """fullmatch with a time limit (the `regex` module's; same syntax as re for these patterns).
    Past the limit the value is refused with a reason, the request answers at once."""
    try:
        return regex.fullmatch(pattern, text, timeout=PATTERN_SECONDS) is not None
    except TimeoutError:
        raise ValueError("format tidak dapat diperiksa: pola kolom ini terlalu rumit, minta admin "
                         "menyederhanakannya") from None


def merge_definitions(stored: list[dict] | None, new: list[dict]) -> tuple[list[dict], dict[str, list]]:
    """The list to store: the new active fields in their order, then the retired ones (a key left
    out of `new` is retired, never dropped; listing it again brings it back). Also the audit diff."""
    before = {d["key"]: d for d in stored or []}
    new_keys = {d["key"] for d in new}
    out = [_compact(d) for d in new]
    retired = [{**d, "removed": True} for d in stored or [] if d["key"] not in new_keys]
    if len(out) + len(retired) > MAX_STORED:
        retired = retired[-(MAX_STORED - len(out)):]
    diff: dict[str, list] = {}
    for d in out:
        old = before.get(d["key"])
        if old is None or old.get("removed") or _compact(old) != d:
            diff[f"fields.{d['key']}"] = [None if old is None or old.get("removed") else _compact(old), d]
    for d in retired:
        if not before[d["key"]].get("removed"):
            diff[f"fields.{d['key']}"] = [_compact(before[d["key"]]), None]
    return out + retired, diff


def _compact(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, [], {}) and k != "removed"}


def _is_iso_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def header_lookup(definitions: list[dict] | None) -> dict[str, str]:
    """Roster headers (normalised) -> key: a file may head a column with the key or the Indonesian
    or English label. Only active fields: a retired field's column is ignored like any other."""
    lookup: dict[str, str] = {}
    for d in active(definitions):
        for text in (d["key"], label(d, "id"), (d.get("label") or {}).get("en")):
            if text:
                lookup.setdefault(roster.normalise_header(text), d["key"])
    return lookup


# ---------- values ----------
def coerce(definition: dict, raw: Any) -> Any:
    """One value in the type the definition says, or ValueError with a reason in Bahasa Indonesia.

    Lenient about spelling (a phone form or a spreadsheet sends "12,5", "Ya", "31/12/2025"),
    strict about meaning (bounds, pattern, choices)."""
    kind = definition["type"]
    low, high = definition.get("min"), definition.get("max")
    if kind in ("number", "integer"):
        value = _number(raw, kind == "integer")
        if low is not None and value < low:
            raise ValueError(f"minimal {show_number(low)}")
        if high is not None and value > high:
            raise ValueError(f"maksimal {show_number(high)}")
        return value
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = re.sub(r"[^a-z0-9]+", "_", str(raw).strip().lower()).strip("_")
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("harus Ya atau Tidak")
    if kind == "date":
        value = _date(raw).isoformat()
        if low is not None and value < low:
            raise ValueError(f"paling awal {low}")
        if high is not None and value > high:
            raise ValueError(f"paling lambat {high}")
        return value
    if isinstance(raw, dict | list) or isinstance(raw, bool):
        raise ValueError("harus teks")
    text = _text(raw)
    if kind == "choice":
        for choice in definition.get("choices") or []:
            if _norm(choice) == _norm(text):
                return choice
        raise ValueError(f"pilih salah satu: {', '.join(definition.get('choices') or [])}")
    if len(text) > (high if high is not None else TEXT_MAX):
        raise ValueError(f"maksimal {int(high if high is not None else TEXT_MAX)} karakter")
    if low is not None and len(text) < low:
        raise ValueError(f"minimal {int(low)} karakter")
    if definition.get("pattern") and not pattern_matches(definition["pattern"], text):
        raise ValueError("format tidak sesuai")
    return text


def show_number(n: float) -> str:
    """50, not 50.0; 2,5, not 2.5: as operators write numbers."""
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return str(n).replace(".", ",")  # Indonesian decimal comma, as operators write it


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return " ".join(str(raw).split())


def _number(raw: Any, integer: bool) -> int | float:
    if isinstance(raw, bool):
        raise ValueError("harus angka")
    if isinstance(raw, int | float):
        value: float = raw
    else:
        text = str(raw).strip().replace(" ", "")
        if "," in text and "." in text:  # 1.234,5 (Indonesian) or 1,234.5 (English)
            indonesian = text.rfind(",") > text.rfind(".")
            text = text.replace(".", "").replace(",", ".") if indonesian else text.replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise ValueError("harus angka") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("harus angka")
    if integer:
        if not float(value).is_integer():
            raise ValueError("harus bilangan bulat")
        return int(value)
    return int(value) if float(value).is_integer() and isinstance(raw, int) else float(value)


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise ValueError("tanggal tidak ada di kalender") from None
    raise ValueError("tanggal harus YYYY-MM-DD atau DD/MM/YYYY")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_values(definitions: list[dict] | None, values: dict[str, Any], category: str | None,
                 *, new: bool) -> tuple[dict[str, Any], list[Problem]]:
    """Validate the `extra` values a write carries. Returns (values to store, problems).

    new=True (create, import, a phone's create): required fields of the category must be there.
    new=False (patch): only the keys given are checked; null clears a value (not a required one).
    A cleared value comes back as None so the caller can drop it from the stored map."""
    defs = {d["key"]: d for d in active(definitions)}
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, raw in values.items():
        d = defs.get(key)
        if d is None:
            problems.append(Problem(key, "kolom tidak dikenal di program ini"))
            continue
        if not applies(d, category):
            if _blank(raw):
                continue
            problems.append(Problem(key, "kolom ini tidak berlaku untuk kategori peserta ini"))
            continue
        if _blank(raw):
            if d.get("required") and not new:
                problems.append(Problem(key, "wajib diisi"))
            elif not new:
                out[key] = None
            continue
        try:
            out[key] = coerce(d, raw)
        except ValueError as exc:
            problems.append(Problem(key, str(exc)))
    if new:
        for d in defs.values():
            if d.get("required") and applies(d, category) and d["key"] not in out and \
                    not any(p.key == d["key"] for p in problems):
                problems.append(Problem(d["key"], "wajib diisi"))
    return out, problems


def validated(definitions: list[dict] | None, values: dict[str, Any] | None, category: str | None,
              *, new: bool) -> dict[str, Any]:
    """check_values, raising the contract's 422 naming each `extra.<key>`."""
    out, problems = check_values(definitions, values or {}, category, new=new)
    if problems:
        raise Invalid("VALIDATION_FAILED", "Data tidak valid, periksa kolom yang ditandai",
                      {f"extra.{p.key}": p.message for p in problems})
    return out


def apply_values(stored: dict[str, Any] | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Stored values with a patch's changes merged in (None clears); retired values are kept."""
    merged = dict(stored or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def incomplete(definitions: list[dict] | None, values: dict[str, Any] | None, category: str) -> list[str]:
    """Required fields of the category the record lacks: "belum lengkap", not invalid."""
    have = values or {}
    return [d["key"] for d in active(definitions)
            if d.get("required") and applies(d, category) and _blank(have.get(d["key"]))]


def check_size(values: dict[str, Any]) -> None:
    """Extra values share the enrolment's 400 KB DynamoDB item: refuse before the write fails."""
    size = len(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
    if size > EXTRA_MAX_BYTES:
        raise Invalid("ITEM_TOO_LARGE", "Isian tambahan terlalu besar untuk satu data peserta",
                      {"extra": f"maksimal {EXTRA_MAX_BYTES // 1000} KB, sekarang {size // 1000} KB"})


# ---------- JSON Schema ----------
def json_schema(definitions: list[dict] | None, lang: str = "id") -> dict[str, Any]:
    """The JSON Schema of `extra` for this programme (forms and the phone app are built from it).

    Fields required for some categories only carry `x-required-categories`; `required` lists
    the ones required for everyone. `x-categories` says where a field applies."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for d in active(definitions):
        props[d["key"]] = _property(d, lang)
        if d.get("required") and not d.get("categories"):
            required.append(d["key"])
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                              "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _property(d: dict, lang: str) -> dict[str, Any]:
    kind = d["type"]
    p: dict[str, Any] = {"title": label(d, lang)}
    help_text = d.get("help") or {}
    if help_text.get(lang) or help_text.get("id"):
        p["description"] = help_text.get(lang) or help_text["id"]
    low, high = d.get("min"), d.get("max")
    if kind in ("number", "integer"):
        p["type"] = kind
        if low is not None:
            p["minimum"] = low
        if high is not None:
            p["maximum"] = high
    elif kind == "boolean":
        p["type"] = "boolean"
    elif kind == "date":
        p.update(type="string", format="date")
        if low is not None:
            p["formatMinimum"] = low
        if high is not None:
            p["formatMaximum"] = high
    elif kind == "choice":
        p.update(type="string", enum=list(d.get("choices") or []))
    else:
        p.update(type="string", maxLength=int(high) if high is not None else TEXT_MAX)
        if low is not None:
            p["minLength"] = int(low)
        if d.get("pattern"):
            p["pattern"] = d["pattern"]
    p["x-type"] = kind
    if d.get("categories"):
        p["x-categories"] = list(d["categories"])
        if d.get("required"):
            p["x-required-categories"] = list(d["categories"])
    return p
