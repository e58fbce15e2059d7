"""Start (or reuse) the local AWS emulator: moto in server mode, over real HTTP.

If AWS_ENDPOINT_URL is already set (LocalStack, or an emulator a test started) nothing is started.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

DEFAULT_PORT = 4566


def local_aws_defaults() -> None:
    """Emulators accept any credentials; never let a developer's real ones leak into them."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


def start_moto(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/moto-api/", proc=proc)
    return proc


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def emulator(port: int | None = None) -> Iterator[str]:
    """Yield an endpoint URL, starting moto only when AWS_ENDPOINT_URL is not already set."""
    local_aws_defaults()
    existing = os.environ.get("AWS_ENDPOINT_URL")
    if existing:
        yield existing
        return
    port = port or int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT))
    if port_busy(port):
        raise SystemExit(
            f"Port {port} is already in use. If an emulator is running there, reuse it with "
            f"AWS_ENDPOINT_URL=http://127.0.0.1:{port} make run"
        )
    proc = start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        stop(proc)
        os.environ.pop("AWS_ENDPOINT_URL", None)
