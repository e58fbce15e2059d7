"""Programme facts that are data, not code: categories, groups and targets.

Categories carry a group so that targets can be set where the regency knows them (e.g. 24,651
"pekerja desa" overall) without inventing per-category numbers nobody published.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# `aliases` are the jabatan/pekerjaan spellings a roster uses for the category (data: editable on the
# programme); an alias matches a whole cell or its first words ("Kaur Keuangan" -> Kaur).
DEFAULT_CATEGORIES: list[dict[str, Any]] = [
    {"code": "kepala_desa", "label": "Kepala Desa", "group": "pekerja_desa", "aliases": ["Kepala Desa", "Kades"]},
    {"code": "perangkat_desa", "label": "Perangkat Desa", "group": "pekerja_desa",
     "aliases": ["Sekretaris Desa", "Sekdes", "Kaur", "Kepala Urusan", "Kasi", "Kepala Seksi", "Kepala Dusun",
                 "Kadus", "Perangkat Desa"]},
    {"code": "bpd", "label": "Anggota BPD", "group": "pekerja_desa",
     "aliases": ["Ketua BPD", "Wakil Ketua BPD", "Wakil BPD", "Sekretaris BPD", "Anggota BPD", "BPD"]},
    {"code": "aparatur_non_perangkat", "label": "Aparatur Non-Perangkat Desa", "group": "pekerja_desa",
     "aliases": ["Staf", "Staff", "Staf Desa", "Honorer", "Tenaga Honorer", "Aparatur Non Perangkat"]},
    {"code": "linmas", "label": "Linmas", "group": "pekerja_desa",
     "aliases": ["Linmas", "Anggota Linmas", "Hansip", "Satlinmas", "Kasatlinmas"]},
    {"code": "guru_ngaji", "label": "Guru Ngaji", "group": "pekerja_desa", "aliases": ["Guru Ngaji", "Guru TPA"]},
    {"code": "operator_desa", "label": "Operator Desa", "group": "pekerja_desa",
     "aliases": ["Operator Desa", "Operator"]},
    {"code": "rt_rw", "label": "Ketua RT/RW", "group": "pekerja_desa",
     "aliases": ["Ketua RT", "Ketua RW", "RT", "RW", "Ketua RT/RW"]},
    {"code": "petani_sawit", "label": "Petani Sawit", "group": "petani_sawit",
     "aliases": ["Petani Sawit", "Pekebun Sawit", "Petani Kelapa Sawit", "Pekebun Kelapa Sawit"]},
]

_DEFAULT_ALIASES = {c["code"]: c["aliases"] for c in DEFAULT_CATEGORIES}
BENEFITS = ("JKK", "JKM", "JHT", "JP")
MAX_PERIOD_MONTHS = 24  # a budget year and the next at most; a longer cover is a renewal


def months_in_period(start: date, end: date) -> int:
    """Whole calendar months the cover spans (Oct 1 - Dec 31 is 3): contributions are monthly."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def target_keys(categories: list[dict[str, str]]) -> set[str]:
    return {c["code"] for c in categories} | {c.get("group") for c in categories if c.get("group")}


def period_problem(start: date, end: date) -> str | None:
    """What is wrong with a cover period (said of coverage_end), or None."""
    if end < start:
        return "coverage_end harus setelah coverage_start"
    if months_in_period(start, end) > MAX_PERIOD_MONTHS:
        return f"periode paling lama {MAX_PERIOD_MONTHS} bulan; periode berikutnya lewat perpanjangan"
    return None


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


class CategoryMatcher:
    """A roster cell -> the programme's category code, by code, label or alias; an alias matches the
    whole value or its first words (`Ketua RT 003` -> Ketua RT), the longest alias winning."""

    def __init__(self, categories: list[dict[str, Any]]):
        self.categories = categories
        self._exact: dict[tuple[str, ...], str] = {}
        self._prefix: list[tuple[tuple[str, ...], str]] = []
        for c in categories:
            for text in (c["code"], c.get("label") or ""):
                self._exact.setdefault(_words(text), c["code"])
            # a programme stored before aliases existed has none: it gets the defaults of its codes
            aliases = c["aliases"] if "aliases" in c else _DEFAULT_ALIASES.get(c["code"], [])
            for alias in aliases or []:
                words = _words(alias)
                if words:
                    self._exact.setdefault(words, c["code"])
                    self._prefix.append((words, c["code"]))
        self._exact.pop((), None)
        self._prefix.sort(key=lambda item: -len(item[0]))

    def match(self, value: Any) -> str | None:
        words = _words(value)
        if not words:
            return None
        if words in self._exact:
            return self._exact[words]
        for alias, code in self._prefix:
            if words[:len(alias)] == alias:
                return code
        return None

    def names(self) -> str:
        return ", ".join(c.get("label") or c["code"] for c in self.categories)
