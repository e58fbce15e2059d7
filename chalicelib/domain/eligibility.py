"""Eligibility of a programme, as data: age bounds at the start of cover (none by default).

A regency may fund cover only for, say, people of 18 to 65 on the day cover starts. Imports reject
a row outside the bounds with the reason; a single enrolment outside them is kept but flagged
(warning AGE_OUTSIDE_ELIGIBILITY on the record, shown in the grid), because an officer in front of
the person may know better than the spreadsheet.
"""

from __future__ import annotations

from datetime import date

WARNING = "AGE_OUTSIDE_ELIGIBILITY"
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def problem(birth_date: date | str, coverage_start: date | str, bounds: dict | None) -> str | None:
    """Why this person is outside the programme's age bounds, or None (no bounds: always None)."""
    if not bounds:
        return None
    low, high = bounds.get("min_age"), bounds.get("max_age")
    if low is None and high is None:
        return None
    start = _as_date(coverage_start)
    age = age_on(_as_date(birth_date), start)
    if (low is None or age >= low) and (high is None or age <= high):
        return None
    limits = f"{low}-{high} tahun" if low is not None and high is not None else (
        f"minimal {low} tahun" if low is not None else f"maksimal {high} tahun")
    return (f"Usia {age} tahun pada awal kepesertaan ({start.day} {_MONTHS[start.month - 1]} {start.year}) di luar "
            f"batas program ({limits})")
