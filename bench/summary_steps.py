"""One regency's summary read while the province fills around it, in steps, through the running stack.

`python -m bench.summary_steps [--rows 2000]`: 16.03 gets `--rows` live enrolments, then the other 16
regencies `--rows` each, four at a time; after each step (once the kept summary caught up) 60 GETs
of 16.03's summary, each paired with a GET /v1/health (no DynamoDB: the stack's own HTTP round
trip, measured at the same moments, so a load change shows in both). bench/province.py compares
two moments minutes apart; on a shared machine the load moves between them, and this shows
whether the read grows with the table or wanders with the load. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("LINDUNG_STAGE", "local")


def _reads(base: str, token: str, pid: str, n: int = 60) -> tuple[float, float]:
    import requests

    summary, health = [], []
    for _ in range(n):
        started = time.perf_counter()
        requests.get(f"{base}/v1/programmes/{pid}/summary", headers={"Authorization": f"Bearer {token}"},
                     timeout=120).raise_for_status()
        summary.append(time.perf_counter() - started)
        started = time.perf_counter()
        requests.get(f"{base}/v1/health", timeout=120).raise_for_status()
        health.append(time.perf_counter() - started)
    return statistics.median(summary) * 1000, statistics.median(health) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000, help="live enrolments per regency")
    args = parser.parse_args()
    from bench import province

    province.configure()
    from bench import user_path
    from chalicelib.services import reference
    from devtools import emulator, stack, tokens

    with emulator.emulator(emulator.free_port()) as endpoint:
        stack.deploy()
        reference.seed_regions()
        province.seed()
        tokens.ensure_keys()
        by = {r: tokens.mint("admin", [], regency=r, ttl=6 * 3600) for r in province.REGENCIES}
        with user_path.running_stack(endpoint) as st:
            progs = {r: user_path.create_programme(st, by[r], province._programme_body(r)) for r in province.REGENCIES}
            home = progs[province.HOME]
            province._fill_due(home, province.HOME, args.rows, 1)
            user_path.wait_summary(st, by[province.HOME], home["id"], args.rows)
            others = [r for r in province.REGENCIES if r != province.HOME]
            print(f"summary of {province.HOME} ({args.rows:,} enrolments), median of 60 GETs, beside GET /health:")
            for n in range(0, len(others) + 1, 4):
                for i, r in enumerate(others[max(0, n - 4):n], start=max(0, n - 4)):
                    province._fill_due(progs[r], r, args.rows, 1 + (i + 1) * 1_000_000)
                if n:
                    user_path.wait_summary(st, by[others[n - 1]], progs[others[n - 1]]["id"], args.rows)
                summary_ms, health_ms = _reads(st.base, by[province.HOME], home["id"])
                print(f"  other regencies {n:2d} (+{n * args.rows:,} enrolments): summary {summary_ms:.1f} ms, "
                      f"health {health_ms:.1f} ms, load {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
