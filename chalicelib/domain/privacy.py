"""Data minimisation by role (UU 27/2022 PDP): the one masking rule of every response.

The router (chalicelib/api/http.py) hands every JSON response body to `minimise` before it
leaves, so a new route or a new field is masked without code of its own: the rule is driven by
field *names*, wherever they sit (an enrolment in a list, a worker's enrolments, a sync change,
the before/after pair of an audit event, `{"nik": [old, new]}`). Files (the roster export) use
`mask_record`, the same rule applied to a row's fields.

`minimise` also says which records the response disclosed in full, so the access log
(services/access.py) can account for the read without copying a single value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MASK = "*"


def mask_nik(value: str) -> str:
    """`1603015708900001` -> `160301**********`: the region stays, the person goes."""
    return value[:6] + MASK * max(len(value) - 6, 0)


def mask_phone(value: str) -> str:
    """`+6281234567890` -> `+62812****90`, `081234567890` -> `0812****90` (the export's form):
    the operator's prefix and the last two digits."""
    if len(value) <= 8:
        return MASK * len(value)
    keep = 4 if value.startswith("0") else 6
    return value[:keep] + MASK * 4 + value[-2:]


# Field name -> how a role that may not see it gets it. The only list to extend.
MASKED_FIELDS: dict[str, Callable[[str], str]] = {
    "nik": mask_nik,
    "phone": mask_phone,
    "no_hp": mask_phone,  # the export's column name for phone
}
# Fields whose full value makes a read one to account for (Pasal 31: records of processing).
PERSONAL_FIELDS = frozenset({"nik", "phone", "birth_date", "no_hp", "tanggal_lahir"})
# Roles that see full values; everyone else (viewers) gets MASKED_FIELDS masked.
FULL_VIEW_ROLES = frozenset({"admin", "officer"})


def sees_full(role: str | None) -> bool:
    return role in FULL_VIEW_ROLES


def is_masked(value: Any) -> bool:
    return isinstance(value, str) and MASK in value


def _mask_value(mask: Callable[[str], str], value: Any) -> Any:
    if isinstance(value, str) and value and not is_masked(value):
        return mask(value)
    if isinstance(value, list):  # audit changes: {"phone": [old, new]}
        return [_mask_value(mask, v) for v in value]
    return value


@dataclass
class Disclosure:
    """What one response showed in full: enrolment ids and programme ids (never the values)."""

    enrolments: set[str] = field(default_factory=set)
    programmes: set[str] = field(default_factory=set)
    personal: bool = False  # some full NIK / phone / birth date left in the response
    by_programme: dict[str, set[str]] = field(default_factory=dict)

    def merge(self, other: Disclosure) -> None:
        self.enrolments |= other.enrolments
        self.programmes |= other.programmes
        for pid, ids in other.by_programme.items():
            self.by_programme.setdefault(pid, set()).update(ids)
        self.personal = self.personal or other.personal


def minimise(body: Any, role: str | None) -> tuple[Any, Disclosure]:
    """The body as `role` may see it, and what it disclosed in full. Does not change `body`."""
    seen = Disclosure()
    full = sees_full(role)

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        personal_here = False
        for key, value in node.items():
            if key in MASKED_FIELDS and not full:
                value = _mask_value(MASKED_FIELDS[key], value)
            elif isinstance(value, (dict, list)):
                value = walk(value)
            if key in PERSONAL_FIELDS and _has_full_value(value):
                personal_here = True
            out[key] = value
        if personal_here:
            seen.personal = True
            if isinstance(node.get("id"), str) and ("programme_id" in node or "nik" in node):
                seen.enrolments.add(node["id"])
            if isinstance(node.get("programme_id"), str):
                seen.programmes.add(node["programme_id"])
                if isinstance(node.get("id"), str):
                    seen.by_programme.setdefault(node["programme_id"], set()).add(node["id"])
        return out

    return walk(body), seen


def _has_full_value(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_full_value(v) for v in value)
    return isinstance(value, str) and bool(value) and not is_masked(value)


def mask_record(record: dict[str, Any], role: str | None) -> dict[str, Any]:
    """One flat record (an export row by column name) under the same rule as `minimise`."""
    if sees_full(role):
        return record
    return {k: (_mask_value(MASKED_FIELDS[k], v) if k in MASKED_FIELDS else v) for k, v in record.items()}
