"""Programme totals from enrolment records. Pure: records in, counts out.

`total` and every `by_*` breakdown count all enrolments that are not deleted (so by_status sums to
total). Money and targets count *members*: enrolments the regency pays for, i.e. every status
except rejected and withdrawn.

Two ways to the same counts: `count` from all the records (the recount, the repair job and the
tests' oracle) and `apply` from changes (a record's state before and after, None where it did not
count: not created yet, deleted, erased), which keeps the summary without reading the programme.
`apply(count(a), changes a -> b) == count(b)` is the rule the unit tests check.
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


_BREAKDOWNS = {"by_category": "category", "by_district": "district_code", "by_village": "village_code",
               "by_status": "status"}


def empty(extra_keys: Iterable[str] = ()) -> dict:
    return count([], extra_keys)


def _extra_value(value: object) -> str:
    return "Ya" if value is True else "Tidak" if value is False else str(value)


def _add(counts: dict, row: dict, sign: int, extra_keys: list[str]) -> None:
    counts["total"] += sign
    buckets = [(counts[name], row[field]) for name, field in _BREAKDOWNS.items()]
    if row["status"] not in NOT_PAID:
        buckets.append((counts["by_member_category"], row["category"]))
    extra = row.get("extra") or {}
    for k in extra_keys:
        if extra.get(k) is not None:
            buckets.append((counts["by_extra"].setdefault(k, {}), _extra_value(extra[k])))
    for bucket, key in buckets:
        n = bucket.get(key, 0) + sign
        if n:
            bucket[key] = n
        else:
            bucket.pop(key, None)


def apply(counts: dict, changes: Iterable[tuple[dict | None, dict | None]], extra_keys: Iterable[str] = ()) -> dict:
    """New counts: `counts` with each change's record taken out as it was (`before`) and put in as
    it is (`after`). Either may be None (created, deleted or erased). A bucket that reaches 0 is
    dropped, as `count` never makes one; a negative one is kept, so a summary that went wrong
    shows it (and `?recount=true` repairs it)."""
    keys = list(extra_keys)
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (counts or empty(keys)).items()}
    out["by_extra"] = {k: dict(v) for k, v in (out.get("by_extra") or {}).items()}
    for name in ("total", *(_BREAKDOWNS), "by_member_category"):
        out.setdefault(name, 0 if name == "total" else {})
    for before, after in changes:
        if before is not None:
            _add(out, before, -1, keys)
        if after is not None:
            _add(out, after, +1, keys)
    for name in (*_BREAKDOWNS, "by_member_category"):
        out[name] = dict(sorted(out[name].items()))
    out["by_extra"] = {k: dict(sorted(v.items())) for k, v in sorted(out["by_extra"].items())}
    return out


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
