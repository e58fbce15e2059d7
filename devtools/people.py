"""Realistic, valid worker records for tests and benchmarks (no real person's data).

NIKs are well-formed for the village's kecamatan: 16.03.xx + DDMMYY (+40 for women) + serial.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

GIVEN_L = ["Ahmad", "Budi", "Joko", "Rudi", "Hendra", "Syahrul", "Dedi", "Agus", "Rahmat", "Iwan", "Yusuf", "Fauzi"]
GIVEN_P = ["Siti", "Sri", "Dewi", "Nur", "Rina", "Yanti", "Fitri", "Lestari", "Aisyah", "Wati", "Maya", "Ratna"]
FAMILY = ["Saputra", "Wijaya", "Pratama", "Hidayat", "Kurniawan", "Lestari", "Susanti", "Rahman", "Harahap",
          "Siregar", "Nasution", "Putri", "Anggraini", "Setiawan", "Gunawan", "Syahputra"]


def nik_for(village_code: str, birth: date, sex: str, serial: int) -> str:
    district = village_code.rsplit(".", 1)[0].replace(".", "")
    day = birth.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial % 10000 or 1:04d}"


def person(index: int, village_code: str, category: str, rng: random.Random | None = None) -> dict:
    rng = rng or random.Random(index)
    sex = "P" if rng.random() < 0.3 else "L"
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
    given = rng.choice(GIVEN_P if sex == "P" else GIVEN_L)
    name = f"{given} {rng.choice(FAMILY)}"  # the same draws in the same order as always
    phone = f"08{rng.choice([11, 12, 13, 21, 22, 52, 53, 57, 77, 78, 95])}{rng.randrange(10**7, 10**8)}"
    if phone.endswith("99"):  # the emulator's SNS treats ...99 as opted out of SMS: not a default person
        phone = phone[:-2] + "98"
    return {
        "nik": nik_for(village_code, birth, sex, index % 9999 + 1),
        "name": name,
        "birth_date": birth.isoformat(),
        "sex": sex,
        "phone": phone,
        "village_code": village_code,
        "category": category,
    }
