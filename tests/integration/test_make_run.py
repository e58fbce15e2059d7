"""`make run`'s entry point as a newcomer meets it: real HTTP to chalice local, real tokens."""

from __future__ import annotations

import os

import requests

from devtools import emulator, tokens
from tests import local_stack
from tests.integration.helpers import PROGRAMME, new_person


def test_make_run_reuses_an_emulator_that_is_already_running(aws_endpoint):
    proc, base = local_stack.start(dict(os.environ))
    try:
        assert requests.get(f"{base}/v1/health", timeout=5).json()["status"] == "ok"
        admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
        assert requests.get(f"{base}/v1/me", headers=admin, timeout=5).json()["role"] == "admin"
        assert requests.get(f"{base}/v1/programmes", timeout=5).status_code == 401
        p = requests.post(f"{base}/v1/programmes", headers=admin, timeout=10,
                          json={**PROGRAMME, "code": "RUN-SMOKE"}).json()
        e = requests.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, timeout=10,
                          json=new_person())
        assert e.status_code == 201, e.text
        regions = requests.get(f"{base}/v1/regions?parent=16.03", headers=admin, timeout=5).json()
        assert len(regions["items"]) == 22
    finally:
        assert local_stack.stop(proc), "Ctrl-C must stop make run"


def test_make_run_starts_and_stops_its_own_emulator():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    emu_port = emulator.free_port()
    env["EMULATOR_PORT"] = str(emu_port)
    proc, base = local_stack.start(env)
    try:
        assert emulator.port_busy(emu_port)
        admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
        assert len(requests.get(f"{base}/v1/regions?parent=16.03.01", headers=admin, timeout=5).json()["items"]) > 5
    finally:
        assert local_stack.stop(proc), "Ctrl-C must stop make run"
    assert not emulator.port_busy(emu_port), "the emulator make run started must stop with it"
