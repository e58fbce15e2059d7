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


def budget_email(programme: dict, budget: RenewalBudget, as_of: date, renew_link: str) -> tuple[str, str]:
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
        "Agar perlindungan tidak terputus, anggarkan periode berikutnya sebelum periode ini berakhir, lalu buat "
        f"perpanjangan di Lindung (menu Perpanjang): {renew_link}",
        "",
        "-- Lindung, pengingat otomatis",
    ]
    return subject, "\n".join(lines)
