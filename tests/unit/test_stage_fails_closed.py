"""Issue 12.4: an unset LINDUNG_STAGE is not the local stage. Only an explicit
LINDUNG_STAGE=local serves the admin, offers the login form, trusts the local key file and
mints tokens; `make run`, `make token`, the tests and devtools say so explicitly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chalicelib import auth, config
from chalicelib.api import local_stage
from chalicelib.domain.errors import DomainError, NotFound
from devtools import tokens

ROOT = config.PROJECT_DIR


@pytest.fixture()
def unset_stage(monkeypatch):
    monkeypatch.delenv("LINDUNG_STAGE", raising=False)


def test_an_unset_stage_is_not_local(unset_stage):
    assert config.stage() != "local"
    assert not local_stage.is_local()
    with pytest.raises(NotFound):
        local_stage.login("admin", [])
    with pytest.raises(NotFound):
        local_stage.admin_file(("index.html",))


def test_an_unset_stage_mints_no_token(unset_stage):
    with pytest.raises(RuntimeError, match="LINDUNG_STAGE=local"):
        tokens.mint("admin")


def test_an_unset_stage_does_not_trust_the_local_key_file(monkeypatch):
    token = tokens.mint("admin")  # minted while the tests' stage is local
    monkeypatch.delenv("LINDUNG_STAGE")
    monkeypatch.delenv("AUTH_JWKS_URL", raising=False)
    with pytest.raises(DomainError) as refused:
        auth.verify(f"Bearer {token}")
    assert refused.value.status in (401, 503)


def _routes_of_app_imported_with(env: dict) -> list[str]:
    probe = "import json, app; print(json.dumps(sorted(app.app.routes)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_app_registers_login_and_admin_only_in_an_explicit_local_stage():
    base = {k: v for k, v in os.environ.items() if k != "LINDUNG_STAGE"}
    unset = _routes_of_app_imported_with(base)
    assert "/v1/health" in unset
    assert not [r for r in unset if r.startswith(("/admin", "/v1/local"))], unset
    local = _routes_of_app_imported_with({**base, "LINDUNG_STAGE": "local"})
    assert {"/admin", "/v1/local/login"} <= set(local)


def test_make_token_and_make_run_set_the_local_stage_explicitly():
    for target in ("token", "run"):
        dry = subprocess.run(["make", "-n", "-s", target, "STAMP=", "ADMIN_STAMP="], cwd=ROOT, capture_output=True,
                             text=True, timeout=30)
        assert dry.returncode == 0, dry.stderr
        line = next(x for x in dry.stdout.splitlines() if "devtools." in x)
        assert "LINDUNG_STAGE=local" in line, line


def test_the_tests_run_in_an_explicit_local_stage():
    assert os.environ["LINDUNG_STAGE"] == "local"  # tests/conftest.py
