"""chalicelib.api.schemas is executed on first use (cold start); `make run`'s local server is
threaded, and its first requests arrive together (the start-up health check and the user's
first call). Every thread's first read must see the whole module: with importlib's LazyLoader
(not thread-safe before Python 3.12.3) one thread saw a half-executed module and the first
request after `make run` answered 500 (AttributeError: no attribute 'HealthOut')."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading
from chalicelib.api import http
assert "pydantic" not in sys.modules, "schemas (and pydantic) load on first use, not on import"
names = ["HealthOut", "RegionQuery", "ProgrammeIn", "EnrolmentIn", "MeOut", "PageQuery", "SyncIn", "ProgrammeOut"]
gate, failed = threading.Barrier(len(names)), []
def first_read(name):
    gate.wait()
    try:
        getattr(http.schemas, name)
    except Exception as e:
        failed.append(f"{name}: {type(e).__name__}: {e}")
threads = [threading.Thread(target=first_read, args=(n,)) for n in names]
[t.start() for t in threads]
[t.join() for t in threads]
print("\\n".join(failed) or "ok")
"""


def test_first_reads_of_the_schemas_from_many_threads_at_once_all_see_the_whole_module():
    for _ in range(3):  # a fresh interpreter each time: the first read is the one that races
        r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "ok", r.stdout
