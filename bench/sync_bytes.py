"""Bytes per synced enrolment on the wire: `python -m bench.sync_bytes [N]`.

Starts moto (unless AWS_ENDPOINT_URL is set), deploys infra/, has an officer push N realistic
enrolments through POST /v1/sync, then pulls them as a fresh device with GET /v1/sync, plain
and with Accept-Encoding: gzip, and prints the measured response sizes (HTTP body bytes).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path


def main(n: int = 200) -> None:
    keys = Path(tempfile.mkdtemp(prefix="lindung-bench-"))
    os.environ.update(LINDUNG_STAGE="local", LINDUNG_TABLE_PREFIX=f"lindung-bench-{uuid.uuid4().hex[:6]}",
                      LINDUNG_SYNC_SETTLE_SECONDS="0",
                      AUTH_JWKS_FILE=str(keys / "jwks.json"), AUTH_PRIVATE_KEY_FILE=str(keys / "key.pem"),
                      POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
    from devtools import emulator, stack, tokens
    from devtools.people import person

    with emulator.emulator(emulator.free_port()):
        from chalice.test import Client

        from app import app
        from chalicelib.services import reference

        stack.deploy()
        reference.seed_regions()
        village = "16.03.01.2011"
        admin = {"Authorization": f"Bearer {tokens.mint('admin')}", "Content-Type": "application/json"}
        officer = {"Authorization": f"Bearer {tokens.mint('officer', [village])}", "Content-Type": "application/json"}
        with Client(app, stage_name="local") as c:
            programme = json.loads(c.http.post("/v1/programmes", headers=admin, body=json.dumps({
                "code": "BENCH", "name": "Bench programme", "coverage_start": "2025-10-01",
                "coverage_end": "2025-12-31", "monthly_contribution_idr": 16800})).body)
            ops = [{"op_id": uuid.uuid4().hex, "op": "create", "type": "enrolment", "programme_id": programme["id"],
                    "data": {**person(i, village, "perangkat_desa"), "occupation": "Petani karet"}}
                   for i in range(1, n + 1)]
            pushed = json.loads(c.http.post("/v1/sync", headers=officer, body=json.dumps({"operations": ops})).body)
            assert {r["status"] for r in pushed["results"]} == {"applied"}, pushed["results"][:3]
            fresh = {"Authorization": officer["Authorization"]}
            plain = c.http.get("/v1/sync?limit=500", headers=fresh)
            zipped = c.http.get("/v1/sync?limit=500", headers={**fresh, "Accept-Encoding": "gzip"})
            body = json.loads(plain.body)
            assert json.loads(gzip.decompress(zipped.body)) == body
            records = [x for x in body["changes"] if x["type"] == "enrolment"]
            one = json.dumps(records[0], separators=(",", ":"), ensure_ascii=False).encode()
            print(f"enrolments pulled: {len(records)} (+{len(body['changes']) - len(records)} programme)")
            print(f"one record, plain JSON: {len(one)} bytes")
            print(f"response plain: {len(plain.body)} bytes = {len(plain.body) / len(records):.0f} bytes/enrolment")
            print(f"response gzip:  {len(zipped.body)} bytes = {len(zipped.body) / len(records):.0f} bytes/enrolment")
            for kbps in (50, 100):  # 2G GPRS/EDGE effective throughput
                print(f"  at {kbps} kbit/s: plain {len(plain.body) * 8 / kbps / 1000:.1f} s, "
                      f"gzip {len(zipped.body) * 8 / kbps / 1000:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
