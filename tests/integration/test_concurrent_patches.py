"""Concurrent PATCHes of one enrolment over real HTTP (chalice local serves each request on its
own thread): per version exactly one writer wins and every other gets 409 VERSION_STALE; writers
that re-read and retry all land, and none of their changes is lost."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from devtools import tokens
from tests.figures import record
from tests.integration.helpers import PROGRAMME, new_person

WRITERS = 8
ROUNDS = 5


def _setup(base: str, code: str) -> tuple[dict, dict]:
    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    p = requests.post(f"{base}/v1/programmes", headers=admin, json={**PROGRAMME, "code": code}, timeout=10).json()
    e = requests.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, json=new_person(), timeout=10)
    assert e.status_code == 201, e.text
    return admin, e.json()


def test_same_version_exactly_one_winner_per_round(http_stack):
    base, _ = http_stack
    admin, enrolment = _setup(base, "RACE-1")
    url = f"{base}/v1/enrolments/{enrolment['id']}"
    version = enrolment["version"]
    outcomes: Counter = Counter()
    winners = []
    for round_no in range(ROUNDS):
        gate = threading.Barrier(WRITERS)

        def write(i: int, version=version, round_no=round_no, gate=gate) -> tuple[int, str, dict]:
            value = f"petani karet r{round_no} w{i}"
            gate.wait()
            r = requests.patch(url, headers={**admin, "If-Match": str(version)}, json={"occupation": value},
                               timeout=30)
            return r.status_code, value, r.json()

        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(write, range(WRITERS)))
        statuses = Counter(status for status, _, _ in results)
        outcomes.update(statuses)
        assert statuses == {200: 1, 409: WRITERS - 1}, statuses
        assert all(body["error"]["code"] == "VERSION_STALE" for status, _, body in results if status == 409)
        winner = next((value, body) for status, value, body in results if status == 200)
        assert winner[1]["version"] == version + 1
        winners.append(winner[0])
        version += 1
        now = requests.get(url, headers=admin, timeout=10).json()
        assert (now["version"], now["occupation"]) == (version, winner[0]), "the winner's write is the one kept"
    audit = requests.get(f"{url}/audit", headers=admin, params={"limit": 100}, timeout=10).json()["items"]
    assert len(audit) == 1 + ROUNDS, "one audit event per accepted write (and the creation)"
    audited = [e["changes"]["occupation"][1] for e in reversed(audit) if e["action"] == "update"]
    assert audited == winners, "the audit trail holds the winners' changes, in order, and no loser's"
    record("concurrent_patch_same_version", {"writers": WRITERS, "rounds": ROUNDS, "200": outcomes[200],
                                             "409": outcomes[409], "other": sum(outcomes.values()) -
                                             outcomes[200] - outcomes[409]})


def test_writers_that_retry_on_409_all_land_and_nothing_is_lost(http_stack):
    base, _ = http_stack
    admin, enrolment = _setup(base, "RACE-2")
    url = f"{base}/v1/enrolments/{enrolment['id']}"
    changes = {"occupation": "penyadap karet", "kpj_number": "25012345678", "name": "Rahmat Hidayat",
               "phone": "081377770001", "category": "petani_sawit", "status": "submitted"}
    changes = {k: v for k, v in changes.items() if not (k == "status" and enrolment.get("status") == v)}
    conflicts = Counter()
    gate = threading.Barrier(len(changes))

    def write(field: str) -> int:
        gate.wait()
        for attempt in range(1, 50):
            current = requests.get(url, headers=admin, timeout=10).json()
            r = requests.patch(url, headers={**admin, "If-Match": str(current["version"])},
                               json={field: changes[field]}, timeout=30)
            if r.status_code == 200:
                return attempt
            assert r.status_code == 409, r.text
            conflicts[field] += 1
        raise AssertionError(f"{field} never landed")

    with ThreadPoolExecutor(len(changes)) as pool:
        attempts = dict(zip(changes, pool.map(write, changes), strict=True))
    final = requests.get(url, headers=admin, timeout=10).json()
    assert final["version"] == enrolment["version"] + len(changes)
    for field, value in changes.items():
        expected = "+62" + value[1:] if field == "phone" else value
        assert final[field] == expected, f"lost update of {field}"
    record("concurrent_patch_retrying_writers", {"writers": len(changes), "lost_updates": 0,
                                                 "conflicts_retried": sum(conflicts.values()),
                                                 "max_attempts": max(attempts.values())})
