"""With CI=true a missing part fails the run, naming it; on a developer's machine it may skip.

Chromium is made to miss by PATH (and LINDUNG_CHROMIUM for the e2e fixture), never uninstalled:
the commands run with a PATH holding only the few tools they need, so neither `chromium` nor
`apt-get` (which would install it) can be found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def no_chromium_path(tmp_path) -> str:
    """A PATH with bash, make and coreutils' dirname only: no chromium, no apt-get, no npm."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "make", "dirname", "env"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    return str(bin_dir)


@pytest.fixture()
def installed_venv(tmp_path) -> str:
    """A VENV for make whose stamp is up to date (this interpreter), so make reinstalls nothing
    whatever the requirements files' times: the test is about Chromium only."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    (venv / ".installed").touch()
    return str(venv)


def _run(cmd: list[str], path: str, ci: bool, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"}}
    environ.update({"PATH": path, "PYTHON_CMD": sys.executable, **env})
    if ci:
        environ["CI"] = "true"
    return subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_make_browser_fails_naming_chromium_under_ci(no_chromium_path):
    r = _run([shutil.which("make"), "-s", "browser"], no_chromium_path, ci=True)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "Chromium is missing" in r.stderr and "CI=true" in r.stderr


def test_make_browser_only_warns_on_a_developer_machine(no_chromium_path):
    r = _run([shutil.which("make"), "-s", "browser"], no_chromium_path, ci=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "e2e tests will be skipped" in r.stdout


def test_ci_run_fails_naming_chromium_before_any_test_runs(no_chromium_path, installed_venv):
    """`CI=true .ci/run` on a machine without Chromium: `make test` stops at `browser`, before lint
    or pytest (make builds prerequisites in order and stops at the first failure)."""
    r = _run([str(ROOT / ".ci" / "run")], no_chromium_path, ci=True, VENV=installed_venv)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "Chromium is missing" in r.stderr
    assert "pytest" not in r.stdout + r.stderr and "ruff" not in r.stdout + r.stderr


def _e2e(ci: bool) -> subprocess.CompletedProcess:
    """The e2e suite with Chromium nowhere: LINDUNG_CHROMIUM names no file and PATH has none."""
    return _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e"],
                "/nonexistent", ci, LINDUNG_CHROMIUM="/nonexistent/chromium")


def test_e2e_fixture_fails_naming_chromium_under_ci():
    r = _e2e(ci=True)
    assert r.returncode != 0, r.stdout
    assert "CI=true and the e2e tests cannot run: Chromium not installed at /nonexistent/chromium" in r.stdout
    assert " passed" not in r.stdout and " skipped" not in r.stdout


def test_e2e_fixture_skips_and_says_why_on_a_developer_machine():
    r = _e2e(ci=False)
    assert r.returncode == 0, r.stdout
    assert "skipped" in r.stdout and "Chromium not installed at /nonexistent/chromium" in r.stdout


def _lane(ci: bool, tmp_path: Path) -> subprocess.CompletedProcess:
    """The LocalStack lane with no Docker and no Python 3.13 reachable (PATH), in a venv that does
    not exist (LS_VENV), so it cannot be set up."""
    return _run([sys.executable, "-m", "devtools.localstack_lane"], "/nonexistent", ci,
                LS_VENV=str(tmp_path / "no-such-venv"))


def test_localstack_lane_fails_under_ci_when_it_cannot_be_set_up(tmp_path):
    r = _lane(True, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAILED (CI=true" in r.stdout and "no Python 3.13 found" in r.stdout
    assert not (tmp_path / "no-such-venv").exists()


def test_localstack_lane_skips_and_says_why_on_a_developer_machine(tmp_path):
    r = _lane(False, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SKIPPED: no Python 3.13 found" in r.stdout


def test_a_skipped_test_fails_the_run_under_ci(tmp_path):
    """tests/conftest.py: any skip under CI=true turns a green session red, naming the test."""
    probe = ROOT / "tests" / "unit" / f"_probe_skip_{os.getpid()}_test.py"
    probe.write_text("import pytest\n\ndef test_ok():\n    pass\n\n"
                     "def test_missing_part():\n    pytest.skip('the part is missing here')\n")
    try:
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)]
        strict = _run(args, os.environ["PATH"], ci=True)
        relaxed = _run(args, os.environ["PATH"], ci=False)
    finally:
        probe.unlink()
    assert strict.returncode == 1, strict.stdout
    assert "CI=true: skipped test fails the run" in strict.stdout and "the part is missing here" in strict.stdout
    assert relaxed.returncode == 0, relaxed.stdout


def test_a_hanging_test_fails_within_its_timeout(tmp_path):
    """pytest-timeout (pyproject: timeout) bounds every test, so a hang cannot eat CI's 90 minutes."""
    probe = ROOT / "tests" / "unit" / f"_probe_hang_{os.getpid()}_test.py"
    probe.write_text("import threading\n\ndef test_hangs():\n    threading.Event().wait()\n")
    try:
        r = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=2", str(probe)],
                 os.environ["PATH"], ci=False)
    finally:
        probe.unlink()
    assert r.returncode == 1 and "Timeout" in r.stdout, r.stdout
