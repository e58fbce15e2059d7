"""NIK (Nomor Induk Kependudukan) parsing.

Layout: province(2) regency(2) district(2) DDMMYY serial(4); women have 40 added to the day.
The NIK is the one identifier every roster shares, so a typo here becomes a duplicate person or a
claim BPJS refuses. We reject what cannot be a NIK and flag what is merely unusual (a worker
registered in another regency) so that officers are not blocked by real-life migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Province codes in use (Kemendagri, idn-area-data 4.0.1), including the Papua provinces of 2022.
PROVINCES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 "
    "71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)
_DIGITS16 = re.compile(r"[0-9]{16}")  # ASCII only: \d would take Arabic-Indic or fullwidth digits
_OLDEST_AGE = 120


@dataclass(frozen=True)
class Nik:
    value: str
    province: str
    regency_code: str  # "16.03"
    district_code: str  # "16.03.01"
    birth_date: date
    sex: str  # "L" or "P"
    serial: str

    def masked(self) -> str:
        """Safe for logs: keeps the region and hides the person."""
        return self.value[:6] + "*" * 10


class NikError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def normalise(raw: str) -> str:
    """Strip the separators people type ("1603 0112 ..." or "1603.01.120...")."""
    return re.sub(r"[\s.\-]", "", raw or "")


def parse(raw: str, today: date) -> Nik:
    """Parse a NIK or raise NikError with a code and an Indonesian reason."""
    value = normalise(raw)
    if not _DIGITS16.fullmatch(value):
        raise NikError("NIK_FORMAT", "NIK harus terdiri dari 16 digit angka")
    province, regency, district = value[0:2], value[2:4], value[4:6]
    if province not in PROVINCES:
        raise NikError("NIK_PROVINCE", f"Kode provinsi {province} pada NIK tidak dikenal")
    if regency == "00" or district == "00":
        raise NikError("NIK_REGION", "Kode kabupaten/kecamatan pada NIK tidak boleh 00")
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = "P" if day > 40 else "L"
    if day > 40:
        day -= 40
    birth = _birth_date(day, month, yy, today)
    if value[12:16] == "0000":
        raise NikError("NIK_SERIAL", "Nomor urut NIK tidak boleh 0000")
    return Nik(
        value=value,
        province=province,
        regency_code=f"{province}.{regency}",
        district_code=f"{province}.{regency}.{district}",
        birth_date=birth,
        sex=sex,
        serial=value[12:16],
    )


def _birth_date(day: int, month: int, yy: int, today: date) -> date:
    century = 2000 if 2000 + yy <= today.year else 1900
    try:
        birth = date(century + yy, month, day)
    except ValueError:
        raise NikError("NIK_DATE", "Tanggal lahir pada NIK tidak valid") from None
    if birth > today or today.year - birth.year > _OLDEST_AGE:
        raise NikError("NIK_DATE", "Tanggal lahir pada NIK tidak masuk akal")
    return birth


def check_consistency(nik: Nik, birth_date: date | None, sex: str | None) -> dict[str, str]:
    """Compare the NIK with the stated birth date and sex; returns field -> reason."""
    problems: dict[str, str] = {}
    if sex and sex != nik.sex:
        problems["sex"] = (
            "Jenis kelamin tidak cocok dengan NIK (tanggal lahir perempuan pada NIK ditambah 40)"
        )
    if birth_date and birth_date != nik.birth_date:
        problems["birth_date"] = (
            f"Tanggal lahir tidak cocok dengan NIK ({nik.birth_date.isoformat()})"
        )
    return problems
