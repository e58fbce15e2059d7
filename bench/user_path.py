"""The path a user takes, measured from outside: the `make run` stack (devtools/run.py: chalice
local + the dispatcher with its concurrent consumers and the stream follower) started by the bench
against the bench's emulator, and plain HTTP to it.

An import is timed from the first request (a presigned upload form, as the admin asks for a file
over 1 MB) to the moment `GET /v1/imports/{id}` says done, polled twice a second, as the admin's
Impor screen polls. Memory is the resident set of each process, read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.5


@dataclass
class Stack:
    base: str
    proc: subprocess.Popen

    def processes(self) -> dict[str, int]:
        """pid of each process the stack runs: the launcher, chalice local, the dispatcher."""
        out = {"run": self.proc.pid}
        for pid in _children(self.proc.pid):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "devtools.local_server" in cmd:
                out["api (chalice local)"] = pid
            elif "devtools.dispatcher" in cmd:
                out["workers (dispatcher)"] = pid
        return out


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def emulator_pid(port: int) -> int | None:
    """The moto server listening on `port` (devtools/emulator.py starts it with --port)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"moto_server" in c for c in cmd) and str(port).encode() in cmd:
                return int(entry.name)
    return None


@contextlib.contextmanager
def running_stack(endpoint: str, workers: int | None = None) -> Iterator[Stack]:
    """`python -m devtools.run` on a free port against the bench's emulator and table prefix."""
    from devtools import emulator

    port = emulator.free_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "PORT": str(port), "PYTHONUNBUFFERED": "1",
           "POWERTOOLS_LOG_LEVEL": "WARNING"}
    if workers:
        env["LINDUNG_DISPATCH_WORKERS"] = str(workers)
    log = open(os.environ.get("LINDUNG_BENCH_STACK_LOG", os.devnull), "w")
    proc = subprocess.Popen([sys.executable, "-m", "devtools.run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        emulator.wait_http(f"http://127.0.0.1:{port}/v1/health", timeout=120, proc=proc)
        yield Stack(f"http://127.0.0.1:{port}", proc)
    finally:
        emulator.stop(proc, timeout=30)
        log.close()


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def create_programme(stack: Stack, token: str, body: dict) -> dict:
    r = requests.post(f"{stack.base}/v1/programmes", json=body, headers=_headers(token), timeout=300)
    r.raise_for_status()
    return r.json()


def start_import(stack: Stack, token: str, pid: str, csv_bytes: bytes) -> str:
    """The admin's upload: a presigned form, the file to S3, then the import of that key."""
    form = requests.post(f"{stack.base}/v1/programmes/{pid}/imports/upload-url", json={"filename": "roster.csv"},
                         headers=_headers(token), timeout=300)
    form.raise_for_status()
    f = form.json()
    up = requests.post(f["url"], data=f["fields"], files={"file": ("roster.csv", csv_bytes, "text/csv")}, timeout=300)
    up.raise_for_status()
    r = requests.post(f"{stack.base}/v1/programmes/{pid}/imports", json={"s3_key": f["s3_key"]},
                      headers=_headers(token), timeout=300)
    r.raise_for_status()
    return r.json()["import_id"]


def wait_done(stack: Stack, tokens: dict[str, str], jobs: dict[str, str], timeout: float = 7200) -> dict[str, dict]:
    """Poll every job (regency -> import id) until each is done or failed."""
    deadline, out = time.monotonic() + timeout, {}
    while len(out) < len(jobs):
        for regency, import_id in jobs.items():
            if regency in out:
                continue
            job = requests.get(f"{stack.base}/v1/imports/{import_id}", headers=_headers(tokens[regency]),
                               timeout=300).json()
            if job.get("status") in {"done", "failed"}:
                out[regency] = job
        if len(out) < len(jobs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"imports not done after {timeout} s: {sorted(set(jobs) - set(out))}")
            time.sleep(POLL_SECONDS)
    return out


def import_through_stack(stack: Stack, token: str, pid: str, csv_bytes: bytes, regency: str = "16.03") -> dict:
    started = time.perf_counter()
    import_id = start_import(stack, token, pid, csv_bytes)
    job = wait_done(stack, {regency: token}, {regency: import_id})[regency]
    return {"seconds": time.perf_counter() - started, "job": job}


def summary_reads(stack: Stack, token: str, pid: str, reads: int = 50, endpoint: str | None = None) -> dict:
    """Median wall time of GET /summary over HTTP (chalice local adds its own overhead alike) and,
    given the emulator's `endpoint`, the DynamoDB requests it served per read (every process of the
    stack counts: an idle stack makes none)."""
    times, body = [], None
    before = dynamodb_requests(endpoint) if endpoint else 0
    for _ in range(reads):
        started = time.perf_counter()
        r = requests.get(f"{stack.base}/v1/programmes/{pid}/summary", headers=_headers(token), timeout=120)
        times.append(time.perf_counter() - started)
        r.raise_for_status()
        body = r.json()
    out = {"median_ms": statistics.median(times) * 1000, "total": body["total"], "source": body["source"]}
    if endpoint:
        out["requests_per_read"] = (dynamodb_requests(endpoint) - before) / reads
    return out


def dynamodb_requests(endpoint: str) -> int:
    """DynamoDB calls the emulator has served so far (devtools/moto_server.py 4., sent.json)."""
    return int(requests.get(f"{endpoint}/moto-api/lindung/sent.json", timeout=60).json()["dynamodb_requests"])


def wait_summary(stack: Stack, token: str, pid: str, total: int, timeout: float = 1800) -> float:
    """Seconds until the kept summary shows `total` (the stream follower catching up)."""
    started, deadline = time.perf_counter(), time.monotonic() + timeout
    while True:
        r = requests.get(f"{stack.base}/v1/programmes/{pid}/summary", headers=_headers(token), timeout=120)
        if r.ok and r.json()["total"] >= total:
            return time.perf_counter() - started
        if time.monotonic() > deadline:
            raise TimeoutError(f"summary of {pid} not at {total} after {timeout} s: {r.text[:200]}")
        time.sleep(POLL_SECONDS)
