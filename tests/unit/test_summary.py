"""Summary arithmetic: breakdowns, members, money, targets by category or group."""

from __future__ import annotations

from chalicelib.domain import summary
from chalicelib.domain.programme import DEFAULT_CATEGORIES

PROGRAMME = {"id": "P1", "coverage_start": "2025-10-01", "coverage_end": "2025-12-31",
             "monthly_contribution_idr": 16800, "categories": DEFAULT_CATEGORIES,
             "targets": {"pekerja_desa": 4, "petani_sawit": 2, "linmas": 0}}


def _r(category, status="draft", village="16.03.01.2011"):
    return {"category": category, "status": status, "village_code": village, "district_code": village[:8]}


def test_counts_members_money_and_targets():
    records = [_r("linmas"), _r("linmas", "rejected"), _r("bpd", "active", "16.03.02.2001"),
               _r("petani_sawit", "withdrawn"), _r("petani_sawit", "submitted")]
    report = summary.report(PROGRAMME, summary.count(records))
    assert report["total"] == 5
    assert report["by_status"] == {"active": 1, "draft": 1, "rejected": 1, "submitted": 1, "withdrawn": 1}
    assert report["by_district"] == {"16.03.01": 4, "16.03.02": 1}
    assert report["by_group"] == {"pekerja_desa": 3, "petani_sawit": 2}
    assert report["contribution_idr_total"] == 3 * 3 * 16800  # 3 members, Oct-Dec, Rp16,800
    assert report["targets"]["pekerja_desa"] == {"target": 4, "actual": 2, "percent": 50.0}
    assert report["targets"]["petani_sawit"]["actual"] == 1
    assert report["targets"]["linmas"] == {"target": 0, "actual": 1, "percent": None}


def test_empty_programme():
    report = summary.report(PROGRAMME, summary.count([]))
    assert report["total"] == 0 and report["contribution_idr_total"] == 0 and report["by_category"] == {}


def test_changes_applied_as_deltas_equal_the_count_of_the_records_after_them():
    """apply(count(a), changes a -> b) == count(b): creates, moves of village/category/status,
    extra values set and cleared, deletes, erasures (a record gone: after None)."""
    import random

    rng = random.Random(5)
    villages = ["16.03.01.2011", "16.03.01.2012", "16.03.03.2018"]

    def record() -> dict:
        village = rng.choice(villages)
        extra = {"jenis": rng.choice(["Swadaya", "Plasma"])} if rng.random() < 0.5 else {}
        if rng.random() < 0.3:
            extra["punya_bpjs"] = rng.random() < 0.5
        return {"category": rng.choice(["linmas", "rt_rw", "guru_ngaji"]), "village_code": village,
                "district_code": village[:8], "status": rng.choice(["draft", "submitted", "active", "rejected"]),
                "extra": extra}

    keys = ["jenis", "punya_bpjs"]
    records = {i: record() for i in range(40)}
    counts = summary.count(records.values(), keys)
    for _ in range(300):
        i = rng.randrange(60)
        before = records.get(i)
        after = None if before is not None and rng.random() < 0.2 else {**(before or record()), **{
            k: v for k, v in record().items() if rng.random() < 0.4}}
        if after is None:
            records.pop(i)
        else:
            records[i] = after
        counts = summary.apply(counts, [(before, after)], keys)
    expected = summary.count(records.values(), keys)
    assert counts == {**expected, "by_extra": {k: v for k, v in expected["by_extra"].items() if v}}
    assert summary.apply(None, [(None, r) for r in records.values()], keys) == counts
