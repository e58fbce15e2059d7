"""The summary kept from the table's stream equals the full recount, exactly, after every kind of
write the API has, and a stream batch delivered again (whole, bisected, or after a failure half-way)
changes nothing."""

from __future__ import annotations

import csv
import io
import random
import uuid

import pytest

from chalicelib import config
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, eventually, new_kpj, new_person, new_programme, wait_listed

VILLAGE_C = "16.03.03.2018"  # Air Talas, another kecamatan
VILLAGES = [VILLAGE_A, VILLAGE_B, VILLAGE_C]
CATEGORIES = ["perangkat_desa", "linmas", "guru_ngaji", "rt_rw", "petani_sawit"]
JENIS = {"key": "jenis_kebun", "label": {"id": "Jenis kebun"}, "type": "choice", "choices": ["Swadaya", "Plasma"]}
HEADER = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "no_hp", "kode_desa", "kategori", "pekerjaan"]
COUNTED = ("total", "by_category", "by_group", "by_district", "by_village", "by_status", "contribution_idr_total",
           "targets", "by_extra")


@pytest.fixture()
def recorded(chalice_app, monkeypatch):
    """The dispatcher, and every stream batch the aggregator was handed (to deliver again)."""
    import app as app_module
    from chalicelib.services import summary
    from devtools.dispatcher import Dispatcher

    batches: list[list[dict]] = []
    real = summary.apply_stream

    def recording(deps, records):
        batches.append(list(records))
        return real(deps, records)

    monkeypatch.setattr(summary, "apply_stream", recording)
    return Dispatcher(app_module), batches


def kept_and_recount(api, admin, pid: str) -> tuple[dict, dict]:
    """The kept summary (one GetItem), and the recount over the by_programme GSI once that index has
    caught up with the writes: GSIs are eventual (DynamoDB, and `make test-eventual`), so a recount
    read at once may still miss the last writes. The recount converges to the table; a kept summary
    that is wrong never equals it, and the wait ends in the assertion with both shown."""
    kept = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    assert kept["source"] == "kept", kept
    kept = {k: kept[k] for k in COUNTED}

    def recount() -> dict:
        r = api.call("GET", f"/v1/programmes/{pid}/summary?recount=true", admin).data
        assert r["source"] == "recount", r
        return {k: r[k] for k in COUNTED}

    try:
        return kept, eventually(recount, lambda counts: counts == kept)
    except AssertionError:
        return kept, recount()  # the caller's assertion shows both


def _csv(people: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows([p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], p["village_code"], p["category"],
                      ""] for p in people)
    return ("\ufeff" + out.getvalue()).encode()


def _op(pid: str, op: str, data: dict, eid: str | None = None, version: int | None = None) -> dict:
    out = {"op_id": str(uuid.uuid4()), "op": op, "type": "enrolment", "programme_id": pid, "data": data}
    if eid:
        out["id"] = eid
    if version is not None:
        out["version"] = version
    return out


def test_kept_summary_equals_the_recount_after_a_random_mix_and_a_replayed_batch(api, admin, recorded):
    dispatcher, batches = recorded
    rng = random.Random(17)
    programme = new_programme(api, admin)
    pid = programme["id"]
    fields = api.call("PUT", f"/v1/programmes/{pid}/fields", admin, {"fields": [JENIS]},
                      headers={"If-Match": str(programme["version"])})
    assert fields.status_code == 200, fields.data
    live: dict[str, dict] = {}

    def enrol() -> None:
        person = new_person(rng.choice(VILLAGES), rng.choice(CATEGORIES))
        if rng.random() < 0.5:
            person["extra"] = {"jenis_kebun": rng.choice(JENIS["choices"])}
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, person)
        assert r.status_code == 201, r.data
        live[r.data["id"]] = r.data

    def patch() -> None:
        e = live[rng.choice(sorted(live))]
        body = rng.choice([{"village_code": rng.choice(VILLAGES)}, {"category": rng.choice(CATEGORIES)},
                           {"status": "submitted"}, {"status": "rejected", "rejection_reason": "NIK ganda"},
                           {"extra": {"jenis_kebun": rng.choice(JENIS["choices"])}}, {"name": "Siti Aminah"}])
        r = api.call("PATCH", f"/v1/enrolments/{e['id']}", admin, body, headers={"If-Match": str(e["version"])})
        assert r.status_code in (200, 409, 422), r.data  # a move the lifecycle refuses is still a real input
        if r.status_code == 200:
            live[e["id"]] = r.data

    def delete() -> None:
        eid = rng.choice(sorted(live))
        assert api.call("DELETE", f"/v1/enrolments/{eid}", admin).status_code == 204
        live.pop(eid)

    for _ in range(25):
        enrol()
    for _ in range(60):
        rng.choice([enrol, patch, patch, patch, delete])()
    dispatcher.drain_stream()

    # an import (BatchWriteItem), then a sync batch: creates, an update, a delete
    r = api.call("POST", f"/v1/programmes/{pid}/imports?filename=roster.csv", admin,
                 raw=_csv([new_person(rng.choice(VILLAGES), rng.choice(CATEGORIES)) for _ in range(30)]),
                 headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.data
    dispatcher.drain(config.queue_name("imports"))
    assert api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data["accepted"] == 30
    some = sorted(live)[:2]
    ops = [_op(pid, "create", new_person(rng.choice(VILLAGES), "linmas")) for _ in range(5)]
    ops += [_op(pid, "update", {"village_code": VILLAGE_C}, some[0], live[some[0]]["version"]),
            {**_op(pid, "delete", {}, some[1]), "version": None}]
    synced = api.call("POST", "/v1/sync", admin, {"operations": ops})
    assert synced.status_code == 200 and {x["status"] for x in synced.data["results"]} == {"applied"}, synced.data

    # a renewal: the live members carried into the next period's programme (lifecycle queue)
    for eid in sorted(live)[2:8]:
        for body in ({"status": "submitted"}, {"status": "active", "kpj_number": new_kpj()}):
            r = api.call("PATCH", f"/v1/enrolments/{eid}", admin, body, headers={"If-Match": str(live[eid]["version"])})
            if r.status_code == 200:
                live[eid] = r.data
    renewed = api.call("POST", f"/v1/programmes/{pid}/renew", admin,
                       {"coverage_start": "2026-01-01", "coverage_end": "2026-03-31", "rate": 16800})
    assert renewed.status_code == 202, renewed.data
    new_pid = renewed.data["programme"]["id"]
    dispatcher.drain()  # the queues (the renewal's carry-over)
    dispatcher.drain_stream()

    kept, recount = kept_and_recount(api, admin, pid)
    assert kept == recount and kept["total"] > 40 and kept["by_extra"]["jenis_kebun"]
    kept_new, recount_new = kept_and_recount(api, admin, new_pid)
    assert kept_new == recount_new and kept_new["total"] > 0

    # this programme's batches delivered again, whole and bisected: nothing changes
    from chalicelib.services import deps, summary
    from chalicelib.store import summary as repo

    ours = [b for b in batches if any(c.pid == pid for c in repo.changes(b))]
    assert len(ours) >= 2  # the mix's, then the import's, sync's and renewal's
    before = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    for batch in ours:
        half = len(batch) // 2
        for part in (batch, batch[:half], batch[half:]):
            assert summary.apply_stream(deps.default(), part) == 0
    after = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    assert after == before


def test_a_batch_that_failed_half_way_is_applied_once_when_delivered_again(api, admin, recorded, monkeypatch):
    """Two programmes in one stream batch; the second one's write fails the first time, so the
    aggregator raises after the first programme was applied. The redelivery applies the second
    and leaves the first as it was."""
    dispatcher, _ = recorded
    from chalicelib.store import summary as repo

    first, second = new_programme(api, admin)["id"], new_programme(api, admin)["id"]
    dispatcher.drain_stream()
    for pid in (first, second, first, second):
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(VILLAGE_A, "linmas"))
        assert r.status_code == 201
    real, failed = repo.apply, []

    def fails_once_on_second(regency, pid, *args, **kwargs):
        if pid == second and not failed:
            failed.append(pid)
            raise RuntimeError("throttled for good")
        return real(regency, pid, *args, **kwargs)

    monkeypatch.setattr(repo, "apply", fails_once_on_second)
    dispatcher.workers = 1  # one batch holds both programmes
    dispatcher.drain_stream()  # the dispatcher redelivers the failed batch, as the event source mapping
    assert failed == [second]
    assert [api.call("GET", f"/v1/programmes/{p}/summary", admin).data["total"] for p in (first, second)] == [2, 2]
    for pid in (first, second):
        wait_listed(api, admin, pid, 2)  # the recount reads the by_programme index: let it have the records
        kept, recount = kept_and_recount(api, admin, pid)
        assert kept == recount


def test_a_recount_that_the_aggregator_overtakes_counts_again_instead_of_writing_stale_counts(
        api, admin, recorded, monkeypatch):
    """The aggregator applies a category move while the recount is reading the records (which it
    read before the move): storing that recount would put the old category back into the kept
    summary for good. The recount sees the kept summary moved, counts again, and stores that."""
    dispatcher, _ = recorded
    from chalicelib.store import summary as repo

    pid = new_programme(api, admin)["id"]
    made = [api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(VILLAGE_A, "linmas")).data
            for _ in range(3)]
    wait_listed(api, admin, pid, 3)
    dispatcher.drain_stream()
    real, moved = repo.records, []

    def records_then_a_move(regency, p):
        yield from real(regency, p)  # all three, as linmas
        if not moved:
            r = api.call("PATCH", f"/v1/enrolments/{made[0]['id']}", admin, {"category": "guru_ngaji"},
                         headers={"If-Match": str(made[0]["version"])})
            assert r.status_code == 200, r.data
            moved.append(r.data)
            eventually(lambda: {e["id"]: e["category"] for e in api.call(
                "GET", f"/v1/programmes/{pid}/enrolments?limit=10", admin).data["items"]},
                lambda seen: seen.get(made[0]["id"]) == "guru_ngaji")  # the next count reads it
            dispatcher.drain_stream()  # the aggregator applies it while this count is still open

    monkeypatch.setattr(repo, "records", records_then_a_move)
    fresh = api.call("GET", f"/v1/programmes/{pid}/summary?recount=true", admin)
    assert fresh.status_code == 200 and moved, fresh.data
    assert fresh.data["by_category"] == {"linmas": 2, "guru_ngaji": 1}
    kept = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data  # the second count, stored
    assert (kept["source"], kept["by_category"]) == ("kept", {"linmas": 2, "guru_ngaji": 1}), kept


def test_a_recount_overtaken_every_time_answers_busy_and_leaves_the_kept_summary(api, admin, recorded,
                                                                                 monkeypatch):
    dispatcher, _ = recorded
    from chalicelib.store import summary as repo

    pid = new_programme(api, admin)["id"]
    made = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(VILLAGE_A, "linmas")).data
    wait_listed(api, admin, pid, 1)
    dispatcher.drain_stream()
    before = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    real, version = repo.records, [made["version"]]

    def records_then_a_move(regency, p):
        yield from real(regency, p)
        r = api.call("PATCH", f"/v1/enrolments/{made['id']}", admin,
                     {"category": "guru_ngaji" if version[0] % 2 else "linmas"}, headers={"If-Match": str(version[0])})
        assert r.status_code == 200, r.data
        version[0] = r.data["version"]
        dispatcher.drain_stream()

    monkeypatch.setattr(repo, "records", records_then_a_move)
    busy = api.call("GET", f"/v1/programmes/{pid}/summary?recount=true", admin)
    assert busy.status_code == 503 and busy.data["error"]["code"] == "SERVICE_BUSY", busy.data
    assert busy.headers.get("Retry-After")
    kept = api.call("GET", f"/v1/programmes/{pid}/summary", admin).data
    assert kept["source"] == "kept" and kept["total"] == before["total"] == 1
    assert kept["by_category"] == {"guru_ngaji": 1}  # three moves, one per count: guru_ngaji, linmas, guru_ngaji
