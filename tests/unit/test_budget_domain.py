"""The renewal budget's figure per funding source across a regency's programmes (domain/budget.py)."""

from __future__ import annotations

from datetime import date

from chalicelib.domain import budget


def _programme(code: str, funder: str | None, start: str, end: str, rate: int) -> dict:
    return {"id": f"id-{code}", "code": code, "name": f"Program {code}", "funder": funder, "coverage_start": start,
            "coverage_end": end, "monthly_contribution_idr": rate}


def _figures(*rows):
    return [(p, budget.renewal_budget(p, n, renewed)) for p, n, renewed in rows]


def test_each_source_sums_its_programmes_n_x_m_x_rate_for_the_year_not_yet_renewed():
    q4 = _programme("MUE-Q4", "APBD Kabupaten", "2025-10-01", "2025-12-31", 16800)  # 3 months
    h2 = _programme("MUE-H2", "  apbd   KABUPATEN ", "2025-07-01", "2025-12-31", 20000)  # 6 months, spelled apart
    cht = _programme("MUE-CHT", "DBH CHT", "2025-01-01", "2025-12-31", 16800)  # 12 months
    blank = _programme("MUE-X", None, "2025-10-01", "2025-12-31", 16800)
    renewed = _programme("MUE-OLD", "APBD Kabupaten", "2025-04-01", "2025-06-30", 16800)
    next_year = _programme("MUE-26", "APBD Kabupaten", "2026-01-01", "2026-03-31", 16800)
    totals = budget.by_funder(_figures((q4, 40, None), (h2, 10, None), (cht, 5, None), (blank, 2, None),
                                       (renewed, 99, "id-NEW"), (next_year, 99, None)), 2025)
    assert [t.as_dict() for t in totals] == [
        {"funder": "APBD Kabupaten", "programmes": 2, "programme_codes": ["MUE-H2", "MUE-Q4"], "live_members": 50,
         "total_idr": 40 * 3 * 16800 + 10 * 6 * 20000},
        {"funder": "DBH CHT", "programmes": 1, "programme_codes": ["MUE-CHT"], "live_members": 5,
         "total_idr": 5 * 12 * 16800},
        {"funder": None, "programmes": 1, "programme_codes": ["MUE-X"], "live_members": 2,
         "total_idr": 2 * 3 * 16800},
    ]


def test_the_email_lists_every_source_with_its_programmes():
    q4 = _programme("MUE-Q4", "APBD Kabupaten", "2025-10-01", "2025-12-31", 16800)
    cht = _programme("MUE-CHT", "DBH CHT", "2025-01-01", "2025-12-31", 16800)
    figures = _figures((q4, 1234, None), (cht, 5, None))
    _, body = budget.budget_email(q4, figures[0][1], date(2025, 10, 2), "https://x/#/renew",
                                  budget.by_funder(figures, 2025))
    assert "1.234 peserta x 3 bulan x Rp 16.800 = Rp 62.193.600" in body
    assert ("Per sumber dana, semua program Kabupaten yang berakhir tahun 2025 dan belum diperpanjang:\n"
            "- APBD Kabupaten: Rp 62.193.600 (1 program: MUE-Q4; 1.234 peserta)\n"
            "- DBH CHT: Rp 1.008.000 (1 program: MUE-CHT; 5 peserta)") in body
    assert "Per sumber dana" not in budget.budget_email(q4, figures[0][1], date(2025, 10, 2), "l")[1]
