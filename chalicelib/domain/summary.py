"""Programme totals from enrolment records. Pure: records in, counts out.

`total` and every `by_*` breakdown count all enrolments that are not deleted (so by_status sums to
total). Money and targets count *members*: enrolments the regency pays for, i.e. every status
except rejected and withdrawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from chalicelib.domain.programme import months_in_period

NOT_PAID = frozenset({"rejected", "withdrawn"})


def count(records: Iterable[dict], extra_keys: Iterable[str] = ()) -> dict:
    """Counters from records with category, district_code, village_code and status; `extra_keys`:
    the programme's choice (and yes/no) fields, counted by value in `by_extra`."""
    by = {name: Counter() for name in ("category", "district", "village", "status", "member_category")}
    keys = list(extra_keys)
    by_extra: dict[str, Counter] = {k: Counter() for k in keys}
    total = 0
    for r in records:
        total += 1
        extra = r.get("extra") or {}
        for k in keys:
            if extra.get(k) is not None:
                value = extra[k]
                by_extra[k]["Ya" if value is True else "Tidak" if value is False else str(value)] += 1
        by["category"][r["category"]] += 1
        by["district"][r["district_code"]] += 1
        by["village"][r["village_code"]] += 1
        by["status"][r["status"]] += 1
        if r["status"] not in NOT_PAID:
            by["member_category"][r["category"]] += 1
    return {"total": total, **{f"by_{k}": dict(sorted(v.items())) for k, v in by.items()},
            "by_extra": {k: dict(sorted(v.items())) for k, v in by_extra.items()}}


def report(programme: dict, counts: dict) -> dict:
    """The summary a regency reads: breakdowns, money, targets vs actual."""
    groups = {c["code"]: c.get("group") for c in programme["categories"]}
    members_by_category = counts["by_member_category"]
    members_by_group: Counter = Counter()
    by_group: Counter = Counter()
    for category, n in counts["by_category"].items():
        if groups.get(category):
            by_group[groups[category]] += n
    for category, n in members_by_category.items():
        if groups.get(category):
            members_by_group[groups[category]] += n
    members = sum(members_by_category.values())
    months = months_in_period(date.fromisoformat(programme["coverage_start"]),
                              date.fromisoformat(programme["coverage_end"]))
    rate = int(programme["monthly_contribution_idr"])
    targets = {}
    for key, target in sorted(programme.get("targets", {}).items()):
        actual = members_by_category.get(key, 0) if key in groups else members_by_group.get(key, 0)
        targets[key] = {"target": target, "actual": actual,
                        "percent": round(100 * actual / target, 1) if target else None}
    return {
        "programme_id": programme["id"], "total": counts["total"], "by_category": counts["by_category"],
        "by_group": dict(sorted(by_group.items())), "by_district": counts["by_district"],
        "by_village": counts["by_village"], "by_status": counts["by_status"], "months": months,
        "monthly_contribution_idr": rate, "contribution_idr_total": members * months * rate, "targets": targets,
        "by_extra": counts.get("by_extra", {}),
    }
