"""Logger, Metrics and (lazily) Tracer, created once per process.

The Tracer pulls aws_xray_sdk (~130 ms of cold start) so it is only built when the stage turns
X-Ray on. Every log record passes a redaction filter and every finished line a redacting formatter: a NIK
or a phone number must never reach CloudWatch, even if someone logs one by mistake, inside an
exception's message or a nested value.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import Iterator
from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib import config

_NIK = re.compile(r"(?<!\d)(\d{6})\d{10}(?!\d)")
_PHONE = re.compile(r"(?<![\d])(\+?62|0)8\d{7,11}(?!\d)")


# Spelled or percent-encoded numbers (issue 12.12): `GET /v1/workers/%31603...` or
# `/1603-0115-0590-0100` hid a NIK from the two patterns above. A run of digits (or %3X escapes of
# digits) joined by separators (- . space _ / + ( ), or their %-escapes) is cut into its digit groups,
# and any consecutive groups that together spell a NIK or a phone number are redacted, whole.
_PCT_PCT = re.compile(r"%25(?=[0-9A-Fa-f]{2})")
_DIGIT = r"(?:\d|%3\d)"
_SEP = r"(?:[-. _/+()]|%2[0BDEFbdef89]|%5[Ff])"
_RUN = re.compile(rf"{_DIGIT}(?:{_SEP}*{_DIGIT})+")
_UNIT = re.compile(rf"(?P<d>{_DIGIT})|{_SEP}")
_PHONE_DIGITS = re.compile(r"(62|0)8\d{7,11}")


def redact(text: str) -> str:
    text = _NIK.sub(lambda m: m.group(1) + "*" * 10, text)
    text = _PHONE.sub("[phone]", text)
    if "%25" in text:
        for _ in range(3):  # double-encoded escapes of digits and separators
            text = _PCT_PCT.sub("%", text)
    return _RUN.sub(_redact_run, text)


def _redact_run(match: re.Match) -> str:
    run = match.group()
    groups: list[tuple[int, int, str]] = []  # (start, end, digits) of each digit group in the run
    for unit in _UNIT.finditer(run):
        if unit.group("d") is None:
            continue
        digit = unit.group()[-1]
        if groups and groups[-1][1] == unit.start():
            start, _, digits = groups[-1]
            groups[-1] = (start, unit.end(), digits + digit)
        else:
            groups.append((unit.start(), unit.end(), digit))
    out, last, i = [], 0, 0
    while i < len(groups):
        spelled = ""
        for j in range(i, len(groups)):
            spelled += groups[j][2]
            if len(spelled) > 16:
                break
            masked = (spelled[:6] + "*" * 10 if len(spelled) == 16
                      else "[phone]" if _PHONE_DIGITS.fullmatch(spelled) else None)
            if masked:
                out += [run[last:groups[i][0]], masked]
                last, i = groups[j][1], j
                break
        i += 1
    out.append(run[last:])
    return "".join(out)


class HandlerFailed(Exception):
    """Re-raised in a queue handler instead of the original exception, whose text the Lambda
    runtime would print: its message is only the original's type."""


@contextlib.contextmanager
def failing_without_text(what: str) -> Iterator[None]:
    """For schedule and queue handlers: an exception is logged here (frames and type, no text)
    and re-raised as HandlerFailed(<type>), so the Lambda runtime, which prints an unhandled
    exception's message to CloudWatch, never prints a value the message quoted (issue 12.12).
    The invocation still fails: a queue message stays for a retry, a schedule shows an error."""
    try:
        yield
    except Exception as exc:
        logger.exception(f"{what} failed")
        raise HandlerFailed(type(exc).__name__) from None


def _withheld(exc: BaseException) -> str:
    """An exception as type and, for AWS errors, their error code: never its message, which may
    quote the value that failed (openpyxl's IllegalCharacterError quotes the whole cell: a name)."""
    code = getattr(exc, "cause_response_code", None)
    response = getattr(exc, "response", None)
    if code is None and isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name} (code {code})" if code else name


def bare_traceback(exc: BaseException) -> str:
    """A traceback with every frame (file, line, function, source line) and no exception text."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for n, item in enumerate(reversed(chain)):
        if n:
            parts.append("\nwhich led to:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(f"{_withheld(item)}: [message withheld: exception texts may hold personal data]\n")
    return "".join(parts).rstrip("\n")


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

    def formatException(self, ei) -> str:
        return bare_traceback(ei[1]) if ei and ei[1] is not None else ""

    def _serialize_stacktrace(self, log_record: logging.LogRecord):
        trace = super()._serialize_stacktrace(log_record)
        if trace is not None:
            trace["value"] = _withheld(log_record.exc_info[1])
        return trace

    def _extract_log_exception(self, log_record: logging.LogRecord):
        text, name, _notes = super()._extract_log_exception(log_record)  # __notes__ are exception text too
        return text, name, None


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
