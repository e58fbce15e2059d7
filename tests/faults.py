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
from collections.abc import Iterator
from dataclasses import dataclass

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


def _error_body(service: str, code: str, message: str) -> tuple[bytes, str]:
    if service == "dynamodb":
        return json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode(), \
            "application/x-amz-json-1.0"
    # query-protocol services (SNS, SES, SQS's legacy errors)
    xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
           "<RequestId>fault</RequestId></ErrorResponse>")
    return xml.encode(), "text/xml"


@contextlib.contextmanager
def failing(client, operation: str, times: int, code: str = "ThrottlingException", status: int = 400,
            message: str = "injected by tests/faults.py") -> Iterator[Fault]:
    """The next `times` sends of `operation` on `client` fail with `code`; later ones go through."""
    fault = Fault(times)
    service = client.meta.service_model.endpoint_prefix
    body, content_type = _error_body(service, code, message)

    def answer(request, **_):
        if fault.remaining <= 0:
            fault.passed += 1
            return None
        fault.remaining -= 1
        fault.injected += 1
        return AWSResponse(request.url, status, {"Content-Type": content_type, "x-amzn-RequestId": "fault"},
                           _Raw(body))

    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, answer)
    try:
        yield fault
    finally:
        client.meta.events.unregister(event, answer)
