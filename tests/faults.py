"""Fault injection at the HTTP layer of a botocore client, for the fault tests.

A `before-send` handler answers instead of the emulator, so everything above the wire behaves as
it would against AWS: botocore's retry policy sees a real throttling error and retries it with
backoff, PynamoDB sees the error it would see after the retries run out. Works for any service
and operation on any client the code under test uses (PynamoDB's, `chalicelib.aws.client(...)`),
so the reminder and import fault tests can inject SNS/SES/DynamoDB failures the same way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


@dataclass
class Fault:
    remaining: int
    injected: int = 0
    passed: int = 0


def _error_response(request, service: str, code: str, status: int, message: str,
                    extra: dict | None = None) -> AWSResponse:
    body, content_type = _error_body(service, code, message, extra)
    return AWSResponse(request.url, status, {"Content-Type": content_type, "x-amzn-RequestId": "fault"}, _Raw(body))


@contextlib.contextmanager
def _answering(client, operation: str, answer: Callable) -> Iterator[None]:
    """Register `answer` before each send of `operation` on `client` (None lets the send go out)."""
    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, answer)
    try:
        yield
    finally:
        client.meta.events.unregister(event, answer)


def _error_body(service: str, code: str, message: str, extra: dict | None = None) -> tuple[bytes, str]:
    if service == "dynamodb":  # `extra`: more error fields, e.g. a cancelled transaction's CancellationReasons
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **(extra or {})}
        return json.dumps(body).encode(), "application/x-amz-json-1.0"
    # query-protocol services (SNS, SES, SQS's legacy errors)
    xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
           "<RequestId>fault</RequestId></ErrorResponse>")
    return xml.encode(), "text/xml"


@contextlib.contextmanager
def failing(client, operation: str, times: int, code: str = "ThrottlingException", status: int = 400,
            message: str = "injected by tests/faults.py", extra: dict | None = None) -> Iterator[Fault]:
    """The next `times` sends of `operation` on `client` fail with `code`; later ones go through."""
    fault = Fault(times)
    service = client.meta.service_model.endpoint_prefix

    def answer(request, **_):
        if fault.remaining <= 0:
            fault.passed += 1
            return None
        fault.remaining -= 1
        fault.injected += 1
        return _error_response(request, service, code, status, message, extra)

    with _answering(client, operation, answer):
        yield fault


def _params(request) -> dict:
    """The request's parameters, for either protocol: JSON (DynamoDB) or query (SNS, SES)."""
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    if body[:1] == b"{":
        return json.loads(body)
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


@dataclass
class Rule:
    """Fail requests whose parameters satisfy `match`: the first `times` of them (None = all)."""

    match: Callable[[dict], bool]
    code: str = "Throttling"
    status: int = 400
    times: int | None = None
    injected: int = 0


@contextlib.contextmanager
def failing_when(client, operation: str, rules: list[Rule],
                 message: str = "injected by tests/faults.py") -> Iterator[list[Rule]]:
    """Like `failing`, but per request: each attempt is checked against `rules` (first match wins),
    so one sweep can see some sends throttled, others refused, the rest go through. Every retry
    botocore makes is a new attempt and is checked again."""
    service = client.meta.service_model.endpoint_prefix

    def answer(request, **_):
        params = _params(request)
        for rule in rules:
            if rule.match(params) and (rule.times is None or rule.injected < rule.times):
                rule.injected += 1
                return _error_response(request, service, rule.code, rule.status, message)
        return None

    with _answering(client, operation, answer):
        yield rules


@dataclass
class Partial:
    calls: int = 0
    written: int = 0
    returned_unprocessed: int = 0


@contextlib.contextmanager
def partial_batch_writes(client, keep: int, times: int) -> Iterator[Partial]:
    """The next `times` BatchWriteItem calls write only their first `keep` requests (through a
    separate client, to the same emulator) and hand the rest back as UnprocessedItems, the way
    DynamoDB answers when a partition is over its throughput: a 200 that did part of the work."""
    import boto3

    side = boto3.client("dynamodb", endpoint_url=client.meta.endpoint_url, region_name=client.meta.region_name)
    state = Partial()

    def answer(request, **_):
        if state.calls >= times:
            return None
        state.calls += 1
        params = _params(request)
        done, unprocessed = {}, {}
        for table, requests in params["RequestItems"].items():
            done[table], rest = requests[:keep], requests[keep:]
            if rest:
                unprocessed[table] = rest
                state.returned_unprocessed += len(rest)
        side.batch_write_item(RequestItems={t: r for t, r in done.items() if r})
        state.written += sum(len(r) for r in done.values())
        body = json.dumps({"UnprocessedItems": unprocessed}).encode()
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0",
                                              "x-amzn-RequestId": "fault-partial"}, _Raw(body))

    with _answering(client, "BatchWriteItem", answer):
        yield state
