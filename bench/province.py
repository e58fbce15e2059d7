"""`make bench BENCH_ARGS=--province`: South Sumatra's 17 regencies and cities in one deployment.

Each regency gets a programme and a roster of `--province-rows` people (default 26,775, Muara
Enim's size: 17 x 26,775 = 455,175 enrolments) in its own villages (reference data: the app's
16.03 file and bench/data/regions_16_south_sumatra.csv, extracted from idn-area-data 4.0.1, ODbL,
see chalicelib/data/ATTRIBUTION.md), NIKs valid for each village's kecamatan. Plus `--due` live
enrolments per regency whose cover ends on the sweep's day.

Measured, Muara Enim (16.03) alone first, then with the other 16 regencies loaded:
- rows/s of the 16 regencies' imports, all posted at once through the running stack;
- one regency's summary read (GET /summary, median of 50, and the DynamoDB requests each read
  made) and its wait for the kept summary;
- DynamoDB requests of one regency's daily sweep (reminders.run for 16.03, dry run: the plan the
  08:00 WIB schedule makes, without sending);
- resident memory of the emulator, the API process and the dispatcher (the workers).
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import date

from chalicelib import config

ROOT = config.PROJECT_DIR
PROVINCE_FILE = ROOT / "bench" / "data" / "regions_16_south_sumatra.csv"
REGENCIES = ["16.01", "16.02", "16.03", "16.04", "16.05", "16.06", "16.07", "16.08", "16.09", "16.10", "16.11",
             "16.12", "16.13", "16.71", "16.72", "16.73", "16.74"]
HOME = "16.03"
SWEEP_DAY = "2025-11-16"  # 45 days before the programmes' end: the first reminder rule is due


def region_rows() -> list[dict]:
    from chalicelib.services.reference import read_regions
    from chalicelib.services.reference import region_rows as app_rows

    return app_rows() + read_regions(PROVINCE_FILE)


def seed() -> int:
    from chalicelib.store import regions

    return regions.put_all([r for r in region_rows() if not r["code"].startswith(HOME + ".")])


def _sweep_requests(regency: str) -> tuple[int, dict, int]:
    from bench.run import RequestCounter
    from chalicelib.services import deps, reminders

    counter = RequestCounter().attach()
    run = reminders.run(deps.default(), regency, date.fromisoformat(SWEEP_DAY), dry_run=True, trigger="bench")
    return counter.total(), dict(counter.calls), int(run.get("considered", 0))


def _fill_due(programme: dict, regency: str, count: int, start: int) -> None:
    """Live (active) enrolments of the programme whose cover ends on the programme's last day."""
    from bench.roster import villages_of
    from chalicelib.domain.enrolment import Enrolment, district_of
    from chalicelib.store import bulk, enrolments
    from devtools.people import person

    villages = villages_of(regency)

    def items():
        for i in range(start, start + count):
            p = person(i, villages[i % len(villages)], "linmas")
            yield enrolments.to_model(Enrolment(
                id=f"DUE{regency.replace('.', '')}{i:09d}", regency=regency, programme_id=programme["id"],
                nik=p["nik"], name=p["name"], birth_date=p["birth_date"], sex=p["sex"], phone=p["phone"],
                village_code=p["village_code"], district_code=district_of(p["village_code"]), category="linmas",
                status="active", coverage_start=programme["coverage_start"], coverage_end=programme["coverage_end"],
                version=1, created_at="2025-10-01T00:00:00.000Z", updated_at="2025-10-01T00:00:00.000Z",
                created_by="bench", updated_by="bench", kpj_number="12345678901"))

    bulk.put_all(items())


def _programme_body(regency: str) -> dict:
    return {"code": f"PROV-{regency.replace('.', '')}", "name": f"Pekerja Rentan {regency} Okt-Des 2025",
            "coverage_start": "2025-10-01", "coverage_end": "2025-12-31", "monthly_contribution_idr": 16800,
            "funder": "APBD", "legal_basis": "Peraturan Bupati", "benefits": ["JKK", "JKM"],
            "targets": {"pekerja_desa": 24651, "petani_sawit": 2124}}


def _memory(stack, port: int) -> dict[str, float]:
    from bench import user_path

    out = {}
    pid = user_path.emulator_pid(port)
    if pid:
        out["emulator (moto)"] = user_path.rss_mb(pid)
    for name, p in stack.processes().items():
        if name != "run":
            out[name] = user_path.rss_mb(p)
    return out


def bench(endpoint: str, rows: int, due: int) -> dict:
    """The province run; prints as it goes (a long run shows where it is)."""
    from bench import user_path
    from bench.roster import generate_for, to_csv
    from devtools import tokens

    port = int(endpoint.rsplit(":", 1)[1])
    print(f"province: {len(REGENCIES)} regencies x {rows:,} rows (+{due:,} due each), regions seeded: {seed():,}",
          flush=True)
    out: dict = {"rows": rows, "regencies": len(REGENCIES)}
    tokens_by = {r: tokens.mint("admin", [], regency=r, ttl=6 * 3600) for r in REGENCIES}
    with user_path.running_stack(endpoint) as stack:
        programmes = {r: user_path.create_programme(stack, tokens_by[r], _programme_body(r)) for r in REGENCIES}
        home = programmes[HOME]
        # one regency alone
        body = to_csv(generate_for(HOME, rows))
        alone = user_path.import_through_stack(stack, tokens_by[HOME], home["id"], body, HOME)
        _fill_due(home, HOME, due, 1)
        out["home_import"] = {"seconds": alone["seconds"], "accepted": alone["job"]["accepted"]}
        out["home_summary_wait_s"] = user_path.wait_summary(stack, tokens_by[HOME], home["id"], rows + due)
        out["single"] = {"summary": user_path.summary_reads(stack, tokens_by[HOME], home["id"], endpoint=endpoint),
                         "sweep": _sweep_requests(HOME), "memory": _memory(stack, port)}
        print(f"  one regency: {rows:,} rows in {alone['seconds']:.0f} s; summary "
              f"{out['single']['summary']['median_ms']:.1f} ms; sweep {out['single']['sweep'][0]} requests; "
              f"memory {out['single']['memory']}", flush=True)

        # the other 16, posted at once
        others = [r for r in REGENCIES if r != HOME]
        bodies = {r: to_csv(generate_for(r, rows)) for r in others}
        started = time.perf_counter()
        jobs = {r: user_path.start_import(stack, tokens_by[r], programmes[r]["id"], bodies[r]) for r in others}
        done = user_path.wait_done(stack, tokens_by, jobs)
        elapsed = time.perf_counter() - started
        accepted = sum(j.get("accepted", 0) for j in done.values())
        out["province_import"] = {"seconds": elapsed, "accepted": accepted, "rate": accepted / elapsed,
                                  "failed": sorted(r for r, j in done.items() if j.get("status") != "done")}
        print(f"  16 more regencies: {accepted:,} rows accepted in {elapsed:.0f} s = {accepted / elapsed:,.0f} rows/s",
              flush=True)
        for n, r in enumerate(others):
            _fill_due(programmes[r], r, due, 1 + (n + 1) * 1_000_000)
        out["last_summary_wait_s"] = user_path.wait_summary(stack, tokens_by[others[-1]], programmes[others[-1]]["id"],
                                                            rows + due)
        print(f"  kept summary of {others[-1]} at {rows + due:,}: {out['last_summary_wait_s']:.0f} s after the 16 "
              "were done", flush=True)
        out["province"] = {"summary": user_path.summary_reads(stack, tokens_by[HOME], home["id"], endpoint=endpoint),
                           "sweep": _sweep_requests(HOME), "memory": _memory(stack, port)}
        counted = {r: _count_enrolments(r, programmes[r]["id"]) for r in REGENCIES}
        kept = {r: _kept_total(stack, tokens_by[r], programmes[r]["id"], counted[r]) for r in REGENCIES}
        out["province"]["enrolments"] = sum(counted.values())
        out["province"]["kept_differs"] = {r: (kept[r], counted[r]) for r in REGENCIES if kept[r] != counted[r]}
    return out


def _kept_total(stack, token: str, pid: str, counted: int) -> int:
    """The kept summary's total once it has reached `counted` (or after 5 minutes: what it has)."""
    import requests

    from bench import user_path

    with contextlib.suppress(TimeoutError):
        user_path.wait_summary(stack, token, pid, counted, timeout=300)
    return requests.get(f"{stack.base}/v1/programmes/{pid}/summary", headers=user_path._headers(token),
                        timeout=120).json()["total"]


def _count_enrolments(regency: str, pid: str) -> int:
    """The programme's enrolment records, counted on the by_programme index (Select COUNT): the
    records themselves, not the kept summary, and without a Scan of the whole table."""
    from chalicelib import aws, config
    from chalicelib.store import keys

    client, total, kwargs = aws.client("dynamodb"), 0, {}
    while True:
        page = client.query(TableName=config.main_table(), IndexName="by_programme", Select="COUNT",
                            KeyConditionExpression="g_prog = :p", FilterExpression="sk = :e",
                            ExpressionAttributeValues={":p": {"S": keys.prog(regency, pid)}, ":e": {"S": "E"}},
                            **kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def report(r: dict) -> None:
    s, p = r["single"], r["province"]
    print(f"province table: {p['enrolments']:,} enrolments in {r['regencies']} regencies "
          f"({r['rows']:,} imported + due ones per regency)")
    print(f"import, 16 regencies at once through the stack: {r['province_import']['accepted']:,} rows in "
          f"{r['province_import']['seconds']:.0f} s = {r['province_import']['rate']:,.0f} rows/s "
          f"(16.03 alone before: {r['home_import']['accepted'] / r['home_import']['seconds']:,.0f} rows/s)"
          + (f"; FAILED: {r['province_import']['failed']}" if r["province_import"]["failed"] else ""))
    ratio = p["summary"]["median_ms"] / s["summary"]["median_ms"]
    print(f"summary read, 16.03: {p['summary']['median_ms']:.1f} ms in the province vs "
          f"{s['summary']['median_ms']:.1f} ms "
          f"alone (median of 50 GETs, source {p['summary']['source']})")
    print(f"PROVINCE SUMMARY RATIO {ratio:.2f}x  (goal <= 1.2x; DynamoDB requests per read: "
          f"{p['summary']['requests_per_read']:.2f} in the province vs {s['summary']['requests_per_read']:.2f} alone)")
    sweep_ratio = p["sweep"][0] / max(1, s["sweep"][0])
    print(f"daily sweep of 16.03 (dry run, {SWEEP_DAY}): {p['sweep'][0]} DynamoDB requests in the province "
          f"({p['sweep'][2]:,} considered) vs {s['sweep'][0]} alone ({s['sweep'][2]:,} considered); {p['sweep'][1]}")
    print(f"PROVINCE SWEEP RATIO {sweep_ratio:.2f}x  (goal <= 1.2x)")
    print(f"kept summary caught up: 16.03 {r['home_summary_wait_s']:.0f} s after its import was done; the last "
          f"regency {r['last_summary_wait_s']:.0f} s after the 16 were done; kept totals = records counted on "
          f"by_programme in {r['regencies'] - len(p['kept_differs'])} of {r['regencies']} regencies"
          + (f" (kept, counted differ: {p['kept_differs']})" if p["kept_differs"] else ""))
    print("memory (resident): " + ", ".join(f"{k} {v:,.0f} MB" for k, v in p["memory"].items())
          + "  (alone: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in s["memory"].items()) + ")")


def configure() -> None:
    """Before chalicelib reads its config: serve all 17 regencies."""
    os.environ["LINDUNG_REGENCIES"] = ",".join(REGENCIES)
