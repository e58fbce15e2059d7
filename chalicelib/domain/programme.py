"""Programme facts that are data, not code: categories, groups and targets.

Categories carry a group so that targets can be set where the regency knows them (e.g. 24,651
"pekerja desa" overall) without inventing per-category numbers nobody published.
"""

from __future__ import annotations

from datetime import date

DEFAULT_CATEGORIES: list[dict[str, str]] = [
    {"code": "kepala_desa", "label": "Kepala Desa", "group": "pekerja_desa"},
    {"code": "perangkat_desa", "label": "Perangkat Desa", "group": "pekerja_desa"},
    {"code": "bpd", "label": "Anggota BPD", "group": "pekerja_desa"},
    {"code": "aparatur_non_perangkat", "label": "Aparatur Non-Perangkat Desa", "group": "pekerja_desa"},
    {"code": "linmas", "label": "Linmas", "group": "pekerja_desa"},
    {"code": "guru_ngaji", "label": "Guru Ngaji", "group": "pekerja_desa"},
    {"code": "operator_desa", "label": "Operator Desa", "group": "pekerja_desa"},
    {"code": "rt_rw", "label": "Ketua RT/RW", "group": "pekerja_desa"},
    {"code": "petani_sawit", "label": "Petani Sawit", "group": "petani_sawit"},
]

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
