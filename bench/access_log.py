"""What the access log adds to a read: `python -m bench.access_log` (run once; part of nothing else).

Through the real route code (chalice.test.Client, the router, masking, services/access.py ->
one BatchWriteItem) on the emulator: a detail read (GET /v1/enrolments/{eid}: 1 enrolment, 2
access items) and a list page (GET /enrolments?limit=50: 50 enrolments, 2 items: the user's and
the programme's), each timed with the log on and off (LINDUNG_ACCESS_LOG=off), in alternating
blocks so drift on a shared machine hits both sides alike. Prints medians and the ratio with/without.
moto is started here unless AWS_ENDPOINT_URL is set. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

os.environ["LINDUNG_STAGE"] = "local"
os.environ.setdefault("LINDUNG_TABLE_PREFIX", f"lindung-bench-{uuid.uuid4().hex[:6]}")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("AUTH_JWKS_FILE", str(Path(tempfile.mkdtemp()) / "jwks.json"))
os.environ.setdefault("AUTH_PRIVATE_KEY_FILE", str(Path(os.environ["AUTH_JWKS_FILE"]).parent / "jwt-key.pem"))


def _timed(client, url: str, token: str, count: int) -> list[float]:
    out = []
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(count):
        start = time.perf_counter()
        r = client.http.get(url, headers=headers)
        out.append(time.perf_counter() - start)
        assert r.status_code == 200, r.body
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=200, help="reads per side and kind")
    parser.add_argument("--block", type=int, default=20)
    args = parser.parse_args()

    from devtools import emulator, stack, tokens
    from devtools.people import person

    emulator.local_aws_defaults()
    proc = None
    if not os.environ.get("AWS_ENDPOINT_URL"):
        port = emulator.free_port()
        proc = emulator.start_moto(port)
        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    try:
        from chalice.test import Client

        from app import app
        from chalicelib.services import reference

        stack.deploy()
        reference.seed_regions()
        admin = tokens.mint("admin", [], sub="bench-access")
        with Client(app, stage_name="local") as client:
            import json

            hdrs = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
            body = {"code": "BENCH-ACCESS", "name": "Bench access log", "coverage_start": "2025-10-01",
                    "coverage_end": "2025-12-31", "monthly_contribution_idr": 16800}
            pid = json.loads(client.http.post("/v1/programmes", headers=hdrs, body=json.dumps(body)).body)["id"]
            eids = []
            for i in range(50):
                r = client.http.post(f"/v1/programmes/{pid}/enrolments", headers=hdrs,
                                     body=json.dumps(person(1000 + i * 7, "16.03.01.2011", "perangkat_desa")))
                eids.append(json.loads(r.body)["id"])
            kinds = {"detail": f"/v1/enrolments/{eids[0]}", "list of 50": f"/v1/programmes/{pid}/enrolments?limit=50"}
            times: dict[tuple[str, str], list[float]] = {(k, s): [] for k in kinds for s in ("on", "off")}
            for url in kinds.values():  # warm: schemas, connections
                _timed(client, url, admin, 3)
            for _ in range(max(args.reads // args.block, 1)):
                for side in ("on", "off"):
                    os.environ["LINDUNG_ACCESS_LOG"] = side
                    for kind, url in kinds.items():
                        times[(kind, side)] += _timed(client, url, admin, args.block)
            os.environ.pop("LINDUNG_ACCESS_LOG", None)
        print(f"access log: {args.reads} reads per kind and side, alternating blocks of {args.block}, emulator "
              f"{os.environ['AWS_ENDPOINT_URL']}")
        for kind in kinds:
            on = statistics.median(times[(kind, "on")]) * 1000
            off = statistics.median(times[(kind, "off")]) * 1000
            print(f"  {kind:>11}: median {on:.1f} ms with the log, {off:.1f} ms without: "
                  f"{on / off:.2f}x (+{on - off:.1f} ms, one BatchWriteItem)")
    finally:
        if proc is not None:
            emulator.stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
