"""Reference data: regions of the regencies this deployment serves."""

from __future__ import annotations

import csv

from chalicelib import config
from chalicelib.services import cursors
from chalicelib.store import regions

ATTRIBUTION = ("Wilayah: idn-area-data 4.0.1 (github.com/fityannugroho/idn-area-data), "
               "Open Database License (ODbL) v1.0")


def read_regions(path) -> list[dict]:
    """One regions CSV (code, name, level, parent), villages marked desa or kelurahan by code."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "village":
                row["kind"] = "kelurahan" if row["code"].rsplit(".", 1)[1].startswith("1") else "desa"
            rows.append(row)
    return rows


def region_rows() -> list[dict]:
    return [row for path in sorted((config.PROJECT_DIR / "chalicelib" / "data").glob("regions_*.csv"))
            for row in read_regions(path)]


def seed_regions() -> int:
    return regions.put_all(region_rows())


def list_regions(parent: str, limit: int, cursor: str | None) -> dict:
    scope = f"regions|{parent}"
    items, last = regions.children(parent, cursors.decode(cursor, scope), limit)
    return {
        "items": items,
        "next_cursor": cursors.encode(last, scope),
        "attribution": ATTRIBUTION,
    }
