"""Files out and the BPJS answer in, on the emulator, for the 26,775-row Muara Enim roster:

1. export of the whole roster as CSV and as XLSX (the presigned-link path a roster this size
   takes), rows/s, each in a fresh process whose peak memory (ru_maxrss) is printed;
2. KPJ import of 26,775 rows (NIK + No KPJ, `POST /imports?kind=kpj` -> SQS worker via the
   dispatcher -> done), rows/s: every row activates its draft enrolment (its items and conditions
   in a transaction shared by 25 rows, services/kpj_import.py), with the DynamoDB requests it took.

    .venv/bin/python -m bench.files [--rows N] [--skip export|kpj]

bench/run.py (`make bench`) runs the same functions on its own emulator and prints these figures
beside the others.

The roster is written first through the import's own write path (markers, enrolments, workers,
audit). moto is started by the bench unless AWS_ENDPOINT_URL is set. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from types import SimpleNamespace

import bench.run  # noqa: F401  (sets the bench's environment: local stage, own table prefix, quiet logs)
from bench.run import REGENCY, RequestCounter, _programme, _user, machine


def fill(people: list[dict]) -> dict:
    """The roster in the table as an import writes it (draft enrolments)."""
    from bench.roster import to_csv
    from chalicelib.domain.clock import today_wib
    from chalicelib.domain.roster import read
    from chalicelib.services import deps, imports
    from chalicelib.services.roster_check import Rules, check
    from chalicelib.store import regions

    programme = _programme(f"FILES-{os.getpid()}")
    rules = Rules(REGENCY, programme["categories"], regions.village_exists, today_wib(deps.default().clock))
    checked = check(read(to_csv(people), "csv"), rules)
    job = SimpleNamespace(regency=REGENCY, programme_id=programme["id"], import_id="bench-fill",
                          created_by="bench", created_by_role="admin", created_at=deps.default().now_iso())
    for start in range(0, len(checked.valid), imports.CHUNK_ROWS):
        imports.write_rows(deps.default(), job, programme, checked.valid[start:start + imports.CHUNK_ROWS])
    return programme


def export_once(pid: str, fmt: str) -> dict:
    """One export as the API runs it for a large roster (written to S3, presigned link)."""
    from chalicelib.services import deps, exports

    started = time.perf_counter()
    out = exports.export(deps.default(), _user(), pid, fmt, "url")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"rows": out["rows"], "seconds": seconds, "maxrss_mb": peak_mb}


def export_in_subprocess(pid: str, fmt: str) -> dict:
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-m", "bench.files", "--export-only", pid, fmt], env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the export process failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def kpj_import(people: list[dict], pid: str) -> dict:
    import csv
    import io

    import app as app_module
    from chalicelib import config
    from chalicelib.services import deps, imports
    from devtools.dispatcher import Dispatcher

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["No", "NIK", "Nama", "No KPJ", "Tgl Efektif"])
    for i, p in enumerate(people, start=1):
        writer.writerow([i, p["nik"], p["name"], f"25{i:09d}", "01/10/2025"])
    body = ("\ufeff" + out.getvalue()).encode()
    dispatcher = Dispatcher(app_module)
    queue = config.queue_name("imports")
    counter = RequestCounter().attach()
    started = time.perf_counter()
    job = imports.start_direct(deps.default(), _user(), pid, body, "text/csv", "kpj.csv", kind="kpj")
    while imports.progress(deps.default(), _user(), job["import_id"])["status"] not in {"done", "failed"}:
        if not dispatcher.poll(queue, release_failed=True):
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    calls = dict(counter.calls)
    progress = imports.progress(deps.default(), _user(), job["import_id"])
    dispatcher.drain(queue)
    return {"rows": len(people), "seconds": seconds, "activated": progress["activated"],
            "rejected": progress["rejected"], "bytes": len(body), "calls": calls,
            "requests": sum(calls.values())}


def report(people: list[dict], skip: list[str]) -> None:
    """Fill a programme with `people`, then the exports and the KPJ import; prints each figure."""
    started = time.perf_counter()
    programme = fill(people)
    print(f"roster written through the import's write path: {len(people):,} rows in "
          f"{time.perf_counter() - started:.1f} s")
    if "export" not in skip:
        for fmt in ("csv", "xlsx"):
            r = export_in_subprocess(programme["id"], fmt)
            print(f"EXPORT {fmt.upper()}: {r['rows']:,} rows in {r['seconds']:.1f} s = "
                  f"{r['rows'] / r['seconds']:,.0f} rows/s (goal < 30 s); exporting process peak RSS "
                  f"{r['maxrss_mb']:.0f} MB")
    if "kpj" not in skip:
        k = kpj_import(people, programme["id"])
        print(f"KPJ IMPORT: {k['rows']:,} rows ({k['bytes'] / 1e6:.1f} MB CSV) in {k['seconds']:.1f} s = "
              f"{k['rows'] / k['seconds']:,.0f} rows/s; activated {k['activated']:,}, rejected {k['rejected']:,}; "
              f"{k['requests'] / k['rows']:.3f} DynamoDB requests/row ({k['requests']:,}: {k['calls']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="only the first N generated rows")
    parser.add_argument("--skip", action="append", default=[], choices=["export", "kpj"])
    parser.add_argument("--export-only", nargs=2, metavar=("PID", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_only:  # the child process: one export, its figures as JSON
        print(json.dumps(export_once(*args.export_only)))
        return 0

    from bench.roster import generate
    from chalicelib.services import reference
    from devtools import emulator, stack, tokens

    print(f"machine: {machine()}")
    with emulator.emulator(emulator.free_port()) as endpoint:
        stack.deploy()
        reference.seed_regions()
        tokens.ensure_keys()
        print(f"emulator: {endpoint}")
        report(generate()[: args.rows], args.skip)
    return 0


if __name__ == "__main__":
    sys.exit(main())
