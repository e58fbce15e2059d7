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
