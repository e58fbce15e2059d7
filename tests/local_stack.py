"""`python -m devtools.run` (what `make run` starts) as a subprocess of a test: one way to start
it on a free port and wait for its health route, one way to stop it as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from devtools import emulator

ROOT = Path(__file__).resolve().parents[1]


def start(env: dict, output: IO | int = subprocess.PIPE, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """Start the stack with `env` (plus a free PORT); `output` is a file for its log, or PIPE.
    Returns (process, base URL) once /v1/health answers; fails the test with the log otherwise."""
    port = emulator.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devtools.run"], env={**env, "PORT": str(port)}, cwd=ROOT,
                            stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        emulator.wait_http(f"{base}/v1/health", timeout=timeout, proc=proc)
    except Exception:
        proc.kill()
        log = proc.stdout.read() if output == subprocess.PIPE else Path(output.name).read_text()
        pytest.fail(f"make run did not come up:\n{log}")
    return proc, base


def stop(proc: subprocess.Popen, timeout: float = 30) -> bool:
    """Ctrl-C to the whole group, as a terminal sends it. True when that alone stopped it within
    `timeout`; otherwise the group is killed and False returned."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
