"""Enrolment status lifecycle.

draft -> submitted (sent to the BPJS branch) -> active (KPJ issued) -> expired | renewed.
A draft or submitted enrolment can be rejected (with a reason); people leave a programme as
withdrawn or deceased. The reminder sweep looks only at LIVE statuses.
"""

from __future__ import annotations

import re

STATUSES = ("draft", "submitted", "active", "expired", "renewed", "rejected", "withdrawn", "deceased")
LIVE = frozenset({"submitted", "active"})
INITIAL = frozenset({"draft", "submitted", "active"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "rejected", "withdrawn"}),
    "submitted": frozenset({"active", "rejected", "withdrawn", "draft"}),
    "active": frozenset({"expired", "renewed", "withdrawn", "deceased"}),
    "expired": frozenset({"renewed"}),
    "rejected": frozenset({"draft"}),
    "renewed": frozenset(),
    "withdrawn": frozenset({"draft"}),
    "deceased": frozenset(),
}

_KPJ = re.compile(r"\d{11}")


def transition_problems(current: str | None, new: str, kpj_number: str | None,
                        rejection_reason: str | None) -> dict[str, str]:
    """Field -> reason for a status change that must not happen; empty when it is fine."""
    problems: dict[str, str] = {}
    if current is not None and new != current and new not in TRANSITIONS[current]:
        problems["status"] = f"Status tidak bisa diubah dari {current} ke {new}"
    if new == "active" and not kpj_number:
        problems["kpj_number"] = "Nomor KPJ wajib diisi untuk status active"
    if new == "rejected" and not rejection_reason:
        problems["rejection_reason"] = "Alasan penolakan wajib diisi untuk status rejected"
    return problems


def kpj_problem(kpj_number: str | None) -> str | None:
    if kpj_number and not _KPJ.fullmatch(kpj_number):
        return "Nomor KPJ harus 11 digit angka"
    return None
