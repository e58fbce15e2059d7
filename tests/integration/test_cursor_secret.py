"""Issue 12.3: the cursor secret lives in Secrets Manager per stage (infra/secrets.yaml), is read
once per container over HTTP from the emulator, and outside the local stage its absence makes the
API refuse every request (503 SERVICE_MISCONFIGURED, an ERROR log saying what is missing)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging

import boto3
import pytest

from chalicelib import aws, config
from chalicelib.services import cursors
from tests.integration.helpers import new_programme


@pytest.fixture()
def fresh_secret_cache():
    cursors.reset()
    yield
    cursors.reset()


@contextlib.contextmanager
def secret_reads():
    client = aws.client("secretsmanager")
    sent: list[int] = []

    def count(**_):
        sent.append(1)

    client.meta.events.register("before-send.secrets-manager.GetSecretValue", count)
    try:
        yield sent
    finally:
        client.meta.events.unregister("before-send.secrets-manager.GetSecretValue", count)


def lambda_get(app, path: str, token: str | None = None) -> tuple[int, dict]:
    """GET through the Lambda handler itself, with this process's environment as it is (Chalice's
    test client would set the local stage's variables for each request)."""
    import json

    route, _, query = path.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&")) if query else None
    headers = {"authorization": f"Bearer {token}"} if token else {}
    event = {"resource": route, "path": route, "httpMethod": "GET", "headers": headers,
             "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": params,
             "multiValueQueryStringParameters": {k: [v] for k, v in (params or {}).items()} or None,
             "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": route, "httpMethod": "GET", "stage": "api", "requestId": "t",
                                "path": f"/api{route}", "identity": {"sourceIp": "127.0.0.1"}}}
    reply = app(event, None)
    return reply["statusCode"], json.loads(reply["body"])


def _stage_secret_name() -> str:
    return f"{config.table_prefix()}-cursor-secret"


def _signed_with(secret: bytes, cursor: str, scope: str) -> bool:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    mac = hmac.new(secret, scope.encode() + b"|" + raw[12:], hashlib.sha256).digest()[:12]
    return hmac.compare_digest(raw[:12], mac)


def test_the_stage_secret_is_made_by_infra_and_read_once_per_container(api, admin, monkeypatch, fresh_secret_cache):
    stored = boto3.client("secretsmanager").get_secret_value(SecretId=_stage_secret_name())["SecretString"]
    assert len(stored) >= cursors.MIN_SECRET_CHARS and stored != cursors.LOCAL_SECRET
    new_programme(api, admin), new_programme(api, admin)
    monkeypatch.setenv("LINDUNG_CURSOR_SECRET_ID", _stage_secret_name())
    cursors.reset()  # a new container
    with secret_reads() as reads:
        first = api.call("GET", "/v1/programmes?limit=1", admin)
        cursor = first.data["next_cursor"]
        again = api.call("GET", f"/v1/programmes?limit=1&cursor={cursor}", admin)
        api.call("GET", "/v1/health")
    assert first.status_code == again.status_code == 200, (first.data, again.data)
    assert len(reads) == 1, "read once per container, not per request"
    assert _signed_with(stored.encode(), cursor, "programmes|16.03")
    assert not _signed_with(cursors.LOCAL_SECRET.encode(), cursor, "programmes|16.03")


@pytest.mark.parametrize("stage", ["dev", None])
def test_outside_the_local_stage_no_secret_means_no_answer(chalice_app, admin, monkeypatch, caplog,
                                                           fresh_secret_cache, stage):
    if stage is None:
        monkeypatch.delenv("LINDUNG_STAGE")
    else:
        monkeypatch.setenv("LINDUNG_STAGE", stage)
    monkeypatch.delenv("LINDUNG_CURSOR_SECRET_ID", raising=False)
    monkeypatch.setenv("LINDUNG_CURSOR_SECRET", "set-in-the-environment-is-not-enough-0123456789")
    with caplog.at_level(logging.ERROR, logger="lindung"):
        for path in ("/v1/health", "/v1/programmes", "/v1/regions?parent=16.03"):
            status, body = lambda_get(chalice_app, path, admin)
            assert status == 503, (path, body)
            assert body["error"]["code"] == "SERVICE_MISCONFIGURED"
    assert "cursor secret not configured" in caplog.text


def test_a_secret_that_cannot_be_read_fails_closed_until_it_can(chalice_app, monkeypatch, caplog, fresh_secret_cache):
    """Not cached on failure: once the secret exists, the same container answers again."""
    import uuid

    name = f"{config.table_prefix()}-missing-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("LINDUNG_STAGE", "dev")
    monkeypatch.setenv("LINDUNG_CURSOR_SECRET_ID", name)
    with caplog.at_level(logging.ERROR, logger="lindung"):
        status, body = lambda_get(chalice_app, "/v1/health")
    assert status == 503 and body["error"]["code"] == "SERVICE_MISCONFIGURED"
    logged = [r for r in caplog.records if r.getMessage() == "cursor secret unreadable"]
    assert logged and logged[0].error_code == "ResourceNotFoundException" and logged[0].secret_id == name
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name=name, SecretString="short")
    assert lambda_get(chalice_app, "/v1/health")[0] == 503, "a secret too short to sign with is refused"
    sm.put_secret_value(SecretId=name, SecretString="k" * 48)
    status, body = lambda_get(chalice_app, "/v1/health")
    assert status == 200 and body["stage"] == "dev"
