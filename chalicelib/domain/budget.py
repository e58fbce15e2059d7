"""The renewal budget reminder: cover lapses when the regency has not budgeted the next period in
time, so before a period ends (offsets as data, default H-90, H-60, H-30) the programme's admins are
told what renewing costs: N live members x M months of the next period x the current monthly rate.
Pure: the caller counts the live members from the records and says whether a renewal exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain.programme import months_in_period
from chalicelib.domain.reminders import format_date_id


def rupiah(amount: int) -> str:
    """Rp 1.234.567 (Indonesian thousands separator)."""
    return "Rp " + f"{amount:,}".replace(",", ".")


@dataclass(frozen=True)
class RenewalBudget:
    period_end: date
    live_members: int
    months: int
    rate_idr: int
    funder: str | None
    renewed_as: str | None  # the next period's programme id once a renewal was made

    @property
    def total_idr(self) -> int:
        return self.live_members * self.months * self.rate_idr

    def as_dict(self) -> dict:
        return {"period_end": self.period_end.isoformat(), "live_members": self.live_members, "months": self.months,
                "rate_idr": self.rate_idr, "total_idr": self.total_idr, "funder": self.funder,
                "renewed": self.renewed_as is not None, "renewed_programme_id": self.renewed_as}


def renewal_budget(programme: dict, live_members: int, renewed_as: str | None) -> RenewalBudget:
    """The next period is as long as this one (the renewal screen's default) at the current rate."""
    start, end = date.fromisoformat(programme["coverage_start"]), date.fromisoformat(programme["coverage_end"])
    return RenewalBudget(end, live_members, months_in_period(start, end), int(programme["monthly_contribution_idr"]),
                         programme.get("funder"), renewed_as)


@dataclass(frozen=True)
class FunderTotal:
    """What one funding source must budget to renew the regency's programmes of a fiscal year (APBD
    years are calendar years) that are not renewed yet: the sum of each programme's N x M x rate."""

    funder: str | None
    programme_codes: tuple[str, ...]
    live_members: int
    total_idr: int

    def as_dict(self) -> dict:
        return {"funder": self.funder, "programmes": len(self.programme_codes),
                "programme_codes": list(self.programme_codes), "live_members": self.live_members,
                "total_idr": self.total_idr}


def funder_key(funder: str | None) -> str:
    """One source however it was typed ("APBD", " apbd "): trimmed, spaces collapsed, case folded."""
    return " ".join((funder or "").split()).casefold()


def by_funder(programmes: list[tuple[dict, RenewalBudget]], year: int) -> list[FunderTotal]:
    """Per funding source, the programmes whose period ends in `year` and are not renewed yet, largest
    total first; named as most of its programmes spell it (ties: the larger total); programmes without a
    funder together."""
    groups: dict[str, list[tuple[dict, RenewalBudget]]] = {}
    for programme, figure in sorted(programmes, key=lambda pb: pb[0].get("code") or pb[0]["id"]):
        if figure.period_end.year == year and figure.renewed_as is None:
            groups.setdefault(funder_key(figure.funder), []).append((programme, figure))
    totals = [FunderTotal(_spelling(group) if key else None, tuple(p.get("code") or p["id"] for p, _ in group),
                          sum(f.live_members for _, f in group), sum(f.total_idr for _, f in group))
              for key, group in groups.items()]
    return sorted(totals, key=lambda t: (-t.total_idr, t.funder is None, t.funder or ""))


def _spelling(group: list[tuple[dict, RenewalBudget]]) -> str:
    weight: dict[str, tuple[int, int]] = {}
    for _, figure in group:
        name = " ".join((figure.funder or "").split())
        count, total = weight.get(name, (0, 0))
        weight[name] = (count + 1, total + figure.total_idr)
    return max(weight, key=lambda name: weight[name])


def _funder_lines(year: int, totals: list[FunderTotal]) -> list[str]:
    if not totals:
        return []
    lines = [f"Per sumber dana, semua program Kabupaten yang berakhir tahun {year} dan belum diperpanjang:"]
    for t in totals:
        members = f"{t.live_members:,}".replace(",", ".")
        lines.append(f"- {t.funder or '(sumber dana belum diisi pada program)'}: {rupiah(t.total_idr)} "
                     f"({len(t.programme_codes)} program: {', '.join(t.programme_codes)}; {members} peserta)")
    return lines


def budget_email(programme: dict, budget: RenewalBudget, as_of: date, renew_link: str,
                 funders: list[FunderTotal] | None = None) -> tuple[str, str]:
    """(subject, body) in Bahasa Indonesia for the programme's admins."""
    days = (budget.period_end - as_of).days
    end = format_date_id(budget.period_end)
    state = ("SUDAH diperpanjang (program periode berikutnya sudah dibuat)" if budget.renewed_as
             else "BELUM diperpanjang")
    subject = f"Anggaran perpanjangan: {programme['name']} berakhir {end} ({days} hari lagi)"
    lines = [
        f"Program {programme['name']} ({programme.get('code', '')}) berakhir {end}, {days} hari lagi.",
        "",
        f"Peserta aktif/diajukan saat ini: {budget.live_members:,}".replace(",", "."),
        f"Biaya perpanjangan {budget.months} bulan dengan iuran saat ini: {budget.live_members:,} peserta x "
        f"{budget.months} bulan x {rupiah(budget.rate_idr)} = {rupiah(budget.total_idr)}".replace(",", "."),
        f"Sumber dana: {budget.funder or '(belum diisi pada program)'}: {rupiah(budget.total_idr)}",
        f"Status: {state}.",
        "",
        *_funder_lines(budget.period_end.year, funders or []),
        *([""] if funders else []),
        "Agar perlindungan tidak terputus, anggarkan periode berikutnya sebelum periode ini berakhir, lalu buat "
        f"perpanjangan di Lindung (menu Perpanjang): {renew_link}",
        "",
        "-- Lindung, pengingat otomatis",
    ]
    return subject, "\n".join(lines)
