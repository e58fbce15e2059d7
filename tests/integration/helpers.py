from __future__ import annotations

import itertools
import secrets

from devtools.people import person

VILLAGE_A = "16.03.01.2011"  # Embawang, Tanjung Agung
VILLAGE_B = "16.03.01.2012"  # Pagar Dewa, Tanjung Agung
_counter = itertools.count(1)

PROGRAMME = {
    "name": "Perlindungan Pekerja Rentan Muara Enim Oktober-Desember 2025",
    "funder": "APBD Kabupaten Muara Enim melalui DPMD",
    "legal_basis": "Surat Edaran Bupati Muara Enim",
    "coverage_start": "2025-10-01",
    "coverage_end": "2025-12-31",
    "benefits": ["JKK", "JKM"],
    "monthly_contribution_idr": 16800,
    "targets": {"pekerja_desa": 24651, "petani_sawit": 2124},
}


def new_programme(api, admin, **overrides) -> dict:
    code = overrides.pop("code", f"MUE-{next(_counter):04d}-{id(api) % 10000}")
    r = api.call("POST", "/v1/programmes", admin, {**PROGRAMME, "code": code, **overrides})
    assert r.status_code == 201, r.data
    return r.data


def new_person(village=VILLAGE_A, category="perangkat_desa", **overrides) -> dict:
    i = next(_counter) * 7919
    return {**person(i, village, category), **overrides}


def new_kpj() -> str:
    """A KPJ number of this test's own: one KPJ belongs to one person regency-wide (the owner
    marker every write claims), so two tests must never share a literal one."""
    return f"25{secrets.randbelow(10**9):09d}"


def wait_indexed(api, token, pid: str, ids, timeout: float = 10.0, **filters: str) -> None:
    """Wait until the programme's enrolment list (a GSI query) shows these ids: GSIs are
    eventually consistent in DynamoDB (and on the emulator with LINDUNG_GSI_DELAY_SECONDS)."""
    import time
    from urllib.parse import urlencode

    wanted, deadline = set(ids), time.monotonic() + timeout
    query = urlencode({"limit": 500, **filters})
    while True:
        listed = api.call("GET", f"/v1/programmes/{pid}/enrolments?{query}", token).data["items"]
        if wanted <= {e["id"] for e in listed}:
            return
        assert time.monotonic() < deadline, f"not indexed after {timeout} s: {wanted - {e['id'] for e in listed}}"
        time.sleep(0.1)  # polling a condition with a deadline, not waiting a fixed time


def eventually(read, done, timeout: float = 15.0, every: float = 0.1):
    """`read()` until `done(result)`: for a read through a GSI right after a write, which DynamoDB
    (and `make test-eventual`) makes eventually consistent. Waits on the condition, never a fixed
    time; fails with the last result when the index never catches up."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = read()
        if done(result) or time.monotonic() > deadline:
            assert done(result), f"not caught up after {timeout:.0f}s: {result!r}"[:2000]
            return result
        time.sleep(every)


def listed(api, token, pid: str) -> list[dict]:
    """Every enrolment the programme's list shows (all pages; the list is a GSI)."""
    items, cursor = [], None
    while True:
        url = f"/v1/programmes/{pid}/enrolments?limit=500" + (f"&cursor={cursor}" if cursor else "")
        page = api.call("GET", url, token).data
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def wait_listed(api, token, pid: str, count: int, timeout: float = 15.0) -> list[dict]:
    """Wait until the programme's list shows `count` enrolments: after an import the records are in
    the table, and the by_programme index shows them a moment later (DynamoDB's GSIs, and the
    emulator's with LINDUNG_GSI_DELAY_SECONDS)."""
    return eventually(lambda: listed(api, token, pid), lambda items: len(items) >= count, timeout)


def kept_summary(api, token, pid: str) -> dict:
    """GET the programme's summary once the aggregator has applied the table's stream so far (in
    AWS the event source mapping follows within about a second; here the test says when)."""
    import app as app_module
    from devtools.dispatcher import Dispatcher

    Dispatcher(app_module).drain_stream()
    return api.call("GET", f"/v1/programmes/{pid}/summary", token).data
