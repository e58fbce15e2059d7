"""Logger, Metrics and (lazily) Tracer, created once per process.

The Tracer pulls aws_xray_sdk (~130 ms of cold start) so it is only built when the stage turns
X-Ray on. Every log record passes a redaction filter and every finished line a redacting formatter: a NIK
or a phone number must never reach CloudWatch, even if someone logs one by mistake, inside an
exception's message or a nested value.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib import config

_NIK = re.compile(r"(?<!\d)(\d{6})\d{10}(?!\d)")
_PHONE = re.compile(r"(?<![\d])(\+?62|0)8\d{7,11}(?!\d)")


def redact(text: str) -> str:
    text = _NIK.sub(lambda m: m.group(1) + "*" * 10, text)
    return _PHONE.sub("[phone]", text)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in {"msg", "args"} and isinstance(value, str) and key.isidentifier():
                setattr(record, key, redact(value))
        return True


class _RedactingFormatter(LambdaPowertoolsFormatter):
    """The last word: the finished JSON line, tracebacks and nested `extra` values included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


logger = Logger(service="lindung", logger_formatter=_RedactingFormatter())
logger.addFilter(_RedactFilter())
metrics = Metrics(namespace="Lindung", service="lindung")


@cache
def tracer():
    """The X-Ray tracer, built on first use and only where tracing is enabled."""
    if not config.tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service="lindung")


def middleware(event, get_response):
    """Chalice middleware for every event type: correlation id, then one metrics flush."""
    request_context = getattr(event, "context", None)
    if not isinstance(request_context, dict):  # schedules and SQS carry a LambdaContext here
        request_context = {}
    headers = getattr(event, "headers", None) or {}
    logger.set_correlation_id(headers.get("x-correlation-id") or request_context.get("requestId"))
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
        logger.remove_keys(["user", "role", "regency"])


def register(app) -> None:
    """Wire logging/metrics, and X-Ray only where the stage enables it (cold start)."""
    app.register_middleware(middleware, "all")
    active = tracer()
    if active is not None:
        from chalice import ConvertToMiddleware

        app.register_middleware(ConvertToMiddleware(active.capture_lambda_handler), "all")
