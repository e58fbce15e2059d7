"""Erasure of a person's personal data (UU 27/2022 PDP Pasal 8 and 43) and the retention rule.

Pure rules, no storage: what an erased enrolment keeps (a pseudonymous tombstone, so budget
counts and summaries of past periods stay right), how an audit event is redacted (the event
stays, the values go), how a stored file is scrubbed of the person's rows, and when a
programme's period is past its retention.

Kept on an erased enrolment: its id, programme, village and district, category, status, period,
version and timestamps, who created and changed it, and the values of the programme's choice
and yes/no fields (the summary counts them). Gone: NIK, name, birth date, sex, phone,
occupation, KPJ number, rejection reason, warnings, documents and every free-text, number or
date field of `extra`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.enrolment import Enrolment

REASONS = {
    "subject_request": "permintaan subjek data (Pasal 8)",
    "no_longer_needed": "tidak diperlukan lagi untuk tujuan pemrosesan (Pasal 43)",
    "unlawful": "pemrosesan tidak sah (Pasal 43)",
    "retention": "masa retensi program berakhir",
}
REQUEST_REASONS = tuple(r for r in REASONS if r != "retention")  # what an admin may give
ERASED = "[dihapus]"
# Audit fields whose values are not personal: they stay readable (status history, moves, period).
KEPT_IN_AUDIT = frozenset({"status", "village_code", "district_code", "category", "coverage_start", "coverage_end",
                           "deleted", "programme_id", "erased"})
COUNTED_FIELD_TYPES = frozenset({"choice", "boolean"})


def tombstone(e: Enrolment, now: str, actor: str, fields: list[dict] | None) -> Enrolment:
    """The enrolment as it stays after erasure: no personal data, the counted facts kept."""
    counted = {d["key"] for d in fields or [] if d.get("type") in COUNTED_FIELD_TYPES}
    return replace(e, nik="", name="", birth_date="", sex="", phone=None, occupation=None, kpj_number=None,
                   rejection_reason=None, warnings=[], documents={},
                   extra={k: v for k, v in e.extra.items() if k in counted}, erased=True,
                   version=e.version + 1, updated_at=now, updated_by=actor, incomplete=[])


def redact_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """An audit event's {field: [old, new]} with every personal value replaced by ERASED."""
    def hide(value: Any) -> Any:
        if isinstance(value, list):
            return [None if v is None else ERASED for v in value]
        return None if value is None else ERASED

    return {k: (v if k in KEPT_IN_AUDIT else hide(v)) for k, v in (changes or {}).items()}


def is_redacted(changes: dict[str, Any]) -> bool:
    return redact_changes(changes) == (changes or {})


# ---------- scrubbing stored files (rosters, import chunks, error reports, exports) ----------
_DIGITS = re.compile(r"\D")
_NIK_LIKE = re.compile(r"\d{16}")


def _phone_digits(value: str) -> str:
    """A phone as digits from 8 on (0812..., 62812..., +62 812-...): the same number compares equal."""
    digits = _DIGITS.sub("", value)
    if digits.startswith("62"):
        digits = digits[2:]
    return digits.lstrip("0")


@dataclass(frozen=True)
class Person:
    """What identifies the person in a file's row: the NIK, the phones they had, their names."""

    nik: str
    names: frozenset[str]
    phones: frozenset[str]

    @classmethod
    def of(cls, nik: str, names: set[str], phones: set[str]) -> Person:
        return cls(nik, frozenset(" ".join(n.casefold().split()) for n in names if n),
                   frozenset(p for p in (_phone_digits(x) for x in phones if x) if len(p) >= 8))

    def row_matches(self, cells: list[Any]) -> bool:
        """A row is the person's when it holds their NIK or phone, or their name and no other NIK
        (a row rejected for a mistyped NIK is still theirs; a namesake with a NIK is someone else)."""
        texts = ["" if c is None else str(c) for c in cells]
        other_nik = False
        named = False
        for text in texts:
            digits = _DIGITS.sub("", text)
            if digits == self.nik or (self.nik and self.nik in digits):
                return True
            if digits and _phone_digits(text) in self.phones:
                return True
            if _NIK_LIKE.fullmatch(digits or "") and digits != self.nik:
                other_nik = True
            if " ".join(text.casefold().split()) in self.names:
                named = True
        return named and not other_nik

    def mentioned_in(self, text: str) -> bool:
        folded = text.casefold()
        return self.nik in text or any(n in folded for n in self.names) or any(p in _DIGITS.sub("", text)
                                                                              for p in self.phones)


def scrub_rows(rows: list[dict], person: Person) -> tuple[list[dict], int]:
    """Error/warning entries (the import job's) without the person's."""
    kept = [r for r in rows if not person.row_matches(list(_flatten(r)))]
    return kept, len(rows) - len(kept)


def _flatten(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def scrub_file(data: bytes, key: str, person: Person) -> tuple[bytes | None, int]:
    """The file without the person's rows, and how many went; (None, 0) when none were there.
    A file that cannot be read as CSV, JSON or XLSX but mentions the person is emptied (b"")."""
    if data[:4] == b"PK\x03\x04":
        return _scrub_xlsx(data, person)
    if key.endswith(".json"):
        return _scrub_json(data, person)
    return _scrub_text(data, person)


def _scrub_json(data: bytes, person: Person) -> tuple[bytes | None, int]:
    try:
        value = json.loads(data)
    except ValueError:
        return _scrub_text(data, person)
    if isinstance(value, list):
        kept = [v for v in value if not person.row_matches(list(_flatten(v)))]
        if len(kept) == len(value):
            return None, 0
        return json.dumps(kept, ensure_ascii=False).encode(), len(value) - len(kept)
    if person.row_matches(list(_flatten(value))):
        return b"", 1
    return None, 0


def _scrub_text(data: bytes, person: Person) -> tuple[bytes | None, int]:
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    lines = text.splitlines(keepends=True)
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    kept = [line for line in lines if not person.row_matches(next(csv.reader([line], delimiter=delimiter), []))]
    if len(kept) == len(lines):
        return None, 0
    out = "".join(kept).encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" + out if bom else out), len(lines) - len(kept)


def _scrub_xlsx(data: bytes, person: Person) -> tuple[bytes | None, int]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data))
    except Exception:  # not a workbook after all: judge its bytes
        return _scrub_text(data, person)
    removed = 0
    for sheet in book.worksheets:
        doomed = [row[0].row for row in sheet.iter_rows() if row and person.row_matches([c.value for c in row])]
        for index in reversed(doomed):
            sheet.delete_rows(index)
        removed += len(doomed)
    if not removed:
        return None, 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), removed


# ---------- retention (per programme, as data) ----------
def due_on(coverage_end: str, years: int) -> date:
    """The first day a period's personal data may be erased: the day after its `years`th anniversary."""
    end = date.fromisoformat(coverage_end)
    try:
        anniversary = end.replace(year=end.year + years)
    except ValueError:  # 29 February
        anniversary = end.replace(year=end.year + years, day=28)
    return anniversary + timedelta(days=1)


def retention_due(coverage_end: str, years: int, today: date) -> bool:
    """A period that ended more than `years` years ago."""
    return today >= due_on(coverage_end, years)
