"""A realistic Muara Enim roster: 24,651 village workers over the 246 desa, 2,124 smallholders.

Per desa: 1 kepala desa, 1 operator, 11 perangkat, 7 BPD, 6 aparatur non-perangkat, 12 linmas,
24 guru ngaji, 38 RT/RW (= 100; the remaining 51 are extra RT/RW in the first desa). Palm-oil
smallholders live in desa of the plantation kecamatan. NIKs are valid for each village's kecamatan
(devtools/people.py) and unique.
"""

from __future__ import annotations

import csv
import io
import random

from chalicelib.services.reference import region_rows
from devtools.people import person

VILLAGE_WORKERS = 24_651
SMALLHOLDERS = 2_124
PER_DESA = {"kepala_desa": 1, "operator_desa": 1, "perangkat_desa": 11, "bpd": 7, "aparatur_non_perangkat": 6,
            "linmas": 12, "guru_ngaji": 24, "rt_rw": 38}
HEADER = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "no_hp", "kode_desa", "kategori"]


def desa() -> list[str]:
    """Village codes of regency 16.03 whose last part starts with 2 (desa, not kelurahan)."""
    return sorted(r["code"] for r in region_rows()
                  if r["level"] == "village" and r["code"].startswith("16.03.") and r["kind"] == "desa")


def generate(seed: int = 1603) -> list[dict]:
    rng = random.Random(seed)
    villages = desa()
    slots = [(v, c) for v in villages for c, n in PER_DESA.items() for _ in range(n)]
    extra = VILLAGE_WORKERS - len(slots)
    slots += [(villages[i % len(villages)], "rt_rw") for i in range(extra)]
    plantation = rng.sample(villages, 120)
    slots += [(rng.choice(plantation), "petani_sawit") for _ in range(SMALLHOLDERS)]
    people, seen = [], set()
    index = 0
    for village, category in slots:
        while True:
            index += 1
            p = person(index, village, category, random.Random(seed * 1_000_003 + index))
            if p["nik"] not in seen:
                break
        seen.add(p["nik"])
        people.append(p)
    return people


def to_csv(people: list[dict], sep: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(HEADER)
    for p in people:
        writer.writerow([p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], p["village_code"], p["category"]])
    return ("\ufeff" + out.getvalue()).encode()


def villages_of(regency: str) -> list[str]:
    """Village codes of a regency in the reference data the stack has loaded (the bench seeds
    South Sumatra's other regencies from bench/data for the province run)."""
    from bench.province import region_rows

    return sorted(r["code"] for r in region_rows() if r["level"] == "village" and r["code"].startswith(regency + "."))


def generate_for(regency: str, rows: int, seed: int = 16) -> list[dict]:
    """`rows` people in the regency's villages, with the Muara Enim roster's mix of categories
    (PER_DESA, then smallholders), NIKs valid for each village's kecamatan and unique."""
    if regency == "16.03":
        people = generate()
        return people[:rows] if rows <= len(people) else people
    villages = villages_of(regency)
    mix = [c for c, n in PER_DESA.items() for _ in range(n)] + ["petani_sawit"] * 9
    rng, people, seen, index = random.Random(f"{seed}-{regency}"), [], set(), 0
    for i in range(rows):
        village, category = villages[i % len(villages)], mix[i % len(mix)]
        while True:
            index += 1
            p = person(index, village, category, random.Random(rng.random()))
            if p["nik"] not in seen:
                break
        seen.add(p["nik"])
        people.append(p)
    return people
