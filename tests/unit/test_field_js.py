"""The field app's JavaScript unit tests (tests/js/*.test.mjs, node's built-in runner) inside
`make test`: the NIK validator against the shared table, the queue's batching."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from devtools import ci

ROOT = Path(__file__).resolve().parents[2]


def test_node_test_runner_passes():
    node = shutil.which("node")
    if node is None:
        if ci.strict():
            pytest.fail("node is required in CI for the field app's tests (tests/js)")
        pytest.skip("node is not installed: tests/js not run")
    files = sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    run = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
