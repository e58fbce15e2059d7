"""Reference regions (kecamatan, desa/kelurahan), loaded from chalicelib/data by the seeder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.errors import Invalid
from chalicelib.store.db import resume_key
from chalicelib.store.models import RegionModel


def put_all(rows: list[dict]) -> int:
    """Idempotent: the same rows written again leave the table as it was."""
    with RegionModel.batch_write() as batch:
        for row in rows:
            batch.save(RegionModel(f"REGION#{row['parent_code']}", row["code"], name=row["name"],
                                   level=row["level"], kind=row.get("kind")))
    return len(rows)


def children(parent: str, start_key: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Up to `limit` regions under `parent` (code, name, level, kind) and the key to resume after them."""
    pk = f"REGION#{parent}"
    results = RegionModel.query(pk, last_evaluated_key=resume_key(RegionModel, pk, start_key), limit=limit)
    return ([{"code": r.sk, "name": r.name, "level": r.level, "kind": r.kind} for r in results],
            results.last_evaluated_key)


_KNOWN_VILLAGES: set[str] = set()


def village_exists(village_code: str) -> bool:
    """Known villages are cached per process (they change by regulation, not by the hour);
    unknown ones are asked again, so a village seeded later is accepted without a restart."""
    if village_code in _KNOWN_VILLAGES:
        return True
    district = village_code.rsplit(".", 1)[0]
    try:
        item = RegionModel.get(f"REGION#{district}", village_code)
    except DoesNotExist:
        return False
    if item.level == "village":
        _KNOWN_VILLAGES.add(village_code)
        return True
    return False


    return item.level == "village"


def require_village(regency: str, codes: Iterable[str], field: str | Callable[[str], str] = "village_code",
                    joined: bool = False) -> None:
    """The one check that codes name villages of `regency`, else 422 VILLAGE_UNKNOWN: the field
    each unknown code was given in (`field` names it, or makes its name from the code) says
    "tidak dikenal"; `joined`: one field lists them all."""
    unknown = [c for c in codes if not c.startswith(regency + ".") or not village_exists(c)]
    if not unknown:
        return
    if joined:
        problems = {str(field): f"tidak dikenal: {', '.join(unknown)}"}
    else:
        problems = {(field(c) if callable(field) else field): "tidak dikenal" for c in unknown}
    raise Invalid("VILLAGE_UNKNOWN", "Kode desa tidak dikenal di kabupaten ini", problems)


@lru_cache(maxsize=4096)
def village_name(village_code: str) -> str:
    """Display name for texts and digests; the code itself when unknown."""
    district = village_code.rsplit(".", 1)[0]
    try:
        return RegionModel.get(f"REGION#{district}", village_code).name
    except DoesNotExist:
        return village_code


_VILLAGES: dict[str, tuple[dict, ...]] = {}


def villages_of(regency: str) -> tuple[dict, ...]:
    """Every village of the regency with its kecamatan ({code, name, district_code, district_name}),
    read once per process (23 Queries for Muara Enim) so an import can resolve village names."""
    if regency not in _VILLAGES:
        out = []
        for district in RegionModel.query(f"REGION#{regency}"):
            if district.level != "district":
                continue
            out += [{"code": v.sk, "name": v.name, "district_code": district.sk, "district_name": district.name}
                    for v in RegionModel.query(f"REGION#{district.sk}") if v.level == "village"]
        if not out:
            return ()  # not seeded yet: ask again next time
        _VILLAGES[regency] = tuple(out)
    return _VILLAGES[regency]
