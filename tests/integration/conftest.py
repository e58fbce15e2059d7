"""Integration fixtures: a real moto server over HTTP (or the emulator AWS_ENDPOINT_URL names),
tables deployed from infra/ through its CloudFormation, reference regions seeded."""

from __future__ import annotations

import os

import pytest

from devtools import emulator, stack, tokens


@pytest.fixture(scope="session")
def aws_endpoint():
    proc = None
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        port = emulator.free_port()
        proc = emulator.start_moto(port)
        endpoint = f"http://127.0.0.1:{port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
    from chalicelib.services import reference

    stack.deploy()
    reference.seed_regions()
    yield endpoint
    if proc is not None:
        emulator.stop(proc)
        os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture(scope="session")
def chalice_app(aws_endpoint):
    from app import app

    return app


@pytest.fixture()
def client(chalice_app):
    from chalice.test import Client

    with Client(chalice_app, stage_name="local") as c:
        yield c


class Api:
    """Tiny JSON helper over Chalice's test client, so tests read like HTTP calls."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, token: str | None = None, json_body=None, headers=None, raw=None):
        import json

        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else (json.dumps(json_body) if json_body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=hdrs, body=body)
        response.data = json.loads(response.body) if response.body else None
        return response


@pytest.fixture()
def api(client):
    return Api(client)


@pytest.fixture(scope="session")
def tokens_for():
    def make(role: str, villages=(), **kw) -> str:
        return tokens.mint(role, list(villages), **kw)

    return make


@pytest.fixture(scope="session")
def admin(tokens_for):
    return tokens_for("admin")


@pytest.fixture(scope="module")
def http_stack(aws_endpoint, tmp_path_factory):
    """`make run` as a subprocess (chalice local + dispatcher) on a free port, over real HTTP, on
    this session's emulator. Yields (base_url, log_path): everything it printed goes to the log."""
    from tests import local_stack

    log_path = tmp_path_factory.mktemp("stack") / "stack.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POWERTOOLS_LOG_LEVEL": "DEBUG"}
    with log_path.open("w") as log:
        proc, base = local_stack.start(env, log)
        yield base, log_path
        assert local_stack.stop(proc), "Ctrl-C must stop make run"
