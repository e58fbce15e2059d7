"""The local stage's stand-in for Lambda's event sources.

`chalice local` serves HTTP only: it never polls SQS and never fires schedules. This process
does both against the emulator and calls the very same handler objects Lambda calls in AWS
(Chalice's `@app.on_sqs_message` and `@app.schedule` functions, middleware included), with
Lambda's event shapes. Partial batch responses (`batchItemFailures`) are honoured the way the
event source mapping honours them when ReportBatchItemFailures is on: only failed messages stay.

Handler failures. A handler that raises, or reports a message in `batchItemFailures` (which
chalicelib/batch.py does for a message whose handler raised), leaves the message queued for
redelivery, as on Lambda; `make run` logs it and keeps serving. In strict mode (`strict=True`, or
LINDUNG_DISPATCH_STRICT=1, which tests/conftest.py sets for the whole test suite) `drain()` still
drains the queue the same way, then raises `HandlerFailed` listing every failure, so a test
asserting "nothing was sent" cannot pass because the handler crashed. A test that provokes
failures on purpose says so: `with dispatcher.expecting_failures() as failures: ...` and then
asserts on `failures`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

from chalice.app import Cron, Rate, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

from chalicelib import aws, config


def _context(name: str) -> LambdaContext:
    return LambdaContext(function_name=f"lindung-local-{name}", memory_size=512, max_runtime_ms=900_000)


def _field_matches(spec: str | int, value: int, names: dict[str, int] | None = None) -> bool:
    spec = str(spec).upper()
    if spec in {"*", "?"}:
        return True
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part == "*":
            low, high = 0, 10_000
        elif "-" in part:
            a, b = part.split("-")
            low, high = (names or {}).get(a, None) or int(a), (names or {}).get(b, None) or int(b)
        else:
            low = high = (names or {}).get(part, None) or int(part)
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


_DOW = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def schedule_due(expression: Cron | Rate | str, now: datetime) -> bool:
    """Does an EventBridge schedule fire in the UTC minute `now`? (cron fields as AWS defines them)"""
    now = now.astimezone(UTC)
    if isinstance(expression, Rate):
        minutes = {"MINUTES": 1, "HOURS": 60, "DAYS": 1440}[expression.unit] * expression.value
        return (int(now.timestamp()) // 60) % minutes == 0
    if isinstance(expression, str):
        raise ValueError(f"use chalice.Cron/Rate objects, not {expression!r}")
    aws_dow = (now.isoweekday() % 7) + 1  # AWS: 1 = Sunday
    return (_field_matches(expression.minutes, now.minute) and _field_matches(expression.hours, now.hour)
            and _field_matches(expression.day_of_month, now.day) and _field_matches(expression.month, now.month)
            and _field_matches(expression.day_of_week, aws_dow, _DOW) and _field_matches(expression.year, now.year))


@dataclass(frozen=True)
class Failure:
    """One message a handler failed on: it raised (`error` holds the traceback) or reported it in
    batchItemFailures (chalicelib/batch.py logs the exception)."""

    queue: str
    message_id: str
    body: str
    error: str

    def __str__(self) -> str:
        return f"{self.queue} message {self.message_id} ({self.body[:120]}): {self.error}"


class HandlerFailed(AssertionError):
    """Strict mode: a handler failed during drain() and nobody said it was expected."""

    def __init__(self, failures: list[Failure]):
        self.failures = failures
        super().__init__(f"{len(failures)} message(s) failed in their handler (strict dispatcher; wrap the "
                         "call in `with dispatcher.expecting_failures():` if the test provokes them):\n"
                         + "\n".join(f"- {f}" for f in failures))


def strict_from_env() -> bool:
    return os.environ.get("LINDUNG_DISPATCH_STRICT", "").strip().lower() in {"1", "true", "yes"}


class Dispatcher:
    def __init__(self, module: str | ModuleType = "app", strict: bool | None = None):
        self.strict = strict_from_env() if strict is None else strict
        self.failures: list[Failure] = []  # every failure seen, expected or not
        self._expected = 0  # > 0 inside expecting_failures()
        self.module = importlib.import_module(module) if isinstance(module, str) else module
        app = self.module.app
        self.queues = {c.queue: self._handler(c) for c in app.event_sources
                       if isinstance(c, SQSEventConfig) and c.queue}
        self.batch_sizes = {c.queue: min(c.batch_size, 10) for c in app.event_sources
                            if isinstance(c, SQSEventConfig) and c.queue}
        self.schedules = [(c, self._handler(c)) for c in app.event_sources if isinstance(c, ScheduledEventConfig)]

    def _handler(self, cfg):
        return getattr(self.module, cfg.handler_string.rsplit(".", 1)[1])

    def poll(self, queue: str, wait_seconds: int = 0, release_failed: bool = False) -> int:
        """Receive one batch from `queue`, hand it to its handler; returns how many were received."""
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=self.batch_sizes[queue],
                                  WaitTimeSeconds=wait_seconds, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return 0
        event = {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{config.region()}:000000000000:{queue}",
            "awsRegion": config.region()} for m in got]}
        failed: set[str] = {m["MessageId"] for m in got}
        try:
            result = self.queues[queue](event, _context(queue))
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            self.failures += [Failure(queue, m["MessageId"], m["Body"], "reported in batchItemFailures")
                              for m in got if m["MessageId"] in failed]
        except Exception:
            error = traceback.format_exc(limit=-8)
            self.failures += [Failure(queue, m["MessageId"], m["Body"], error) for m in got]
            raise
        finally:
            for m in got:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                elif release_failed:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                  VisibilityTimeout=0)
        return len(got)

    @contextlib.contextmanager
    def expecting_failures(self) -> Iterator[list[Failure]]:
        """The handler failures inside this block are the test's to assert on, not an error."""
        seen: list[Failure] = []
        start = len(self.failures)
        self._expected += 1
        try:
            yield seen
        finally:
            self._expected -= 1
            seen += self.failures[start:]

    def drain(self, queue: str | None = None, max_batches: int = 10_000, release_failed: bool = True) -> int:
        """Process until the queue(s) are empty; for tests and one-off local runs. Strict mode: then
        raise HandlerFailed if a handler failed (outside expecting_failures())."""
        start = len(self.failures)
        total = self._drain(queue, max_batches, release_failed)
        unexpected = self.failures[start:]
        if self.strict and unexpected and not self._expected:
            raise HandlerFailed(unexpected)
        return total

    def _drain(self, queue: str | None, max_batches: int, release_failed: bool) -> int:
        total, empty_rounds = 0, 0
        for _ in range(max_batches):
            handled = 0
            for name in [queue] if queue else list(self.queues):
                try:
                    handled += self.poll(name, release_failed=release_failed)
                except Exception:  # a crashed batch stays on the queue, as on Lambda
                    from chalicelib.observability import logger  # its tracebacks carry no exception text

                    logger.exception("batch failed; it stays queued", extra={"queue": name})
                    handled += 1
            total += handled
            empty_rounds = empty_rounds + 1 if handled == 0 else 0
            if handled == 0:
                # a short poll can come back empty while messages wait; in-flight ones (a crashed
                # batch kept invisible) are given up on after ~2 s, as their timeout is the test's to
                # choose; delayed ones (DelaySeconds) are waited for: they are certain to come
                waiting, delayed = self._pending([queue] if queue else list(self.queues))
                if not (waiting or delayed) or (empty_rounds > 20 and not delayed):
                    return total
                time.sleep(0.1)
        return total

    def _pending(self, queues: list[str]) -> tuple[int, int]:
        """(queued or in flight, delayed) messages: an empty receive alone does not prove emptiness."""
        sqs, waiting, delayed = aws.client("sqs"), 0, 0
        for name in queues:
            attrs = sqs.get_queue_attributes(
                QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                "ApproximateNumberOfMessagesDelayed"])["Attributes"]
            waiting += int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
            delayed += int(attrs.get("ApproximateNumberOfMessagesDelayed", 0))
        return waiting, delayed

    def fire_schedules(self, now: datetime) -> list[str]:
        fired = []
        for cfg, handler in self.schedules:
            if schedule_due(cfg.schedule_expression, now):
                event = {"id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                         "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "resources": [f"arn:aws:events:{config.region()}:000000000000:rule/{cfg.name}"],
                         "region": config.region(), "detail": {}, "account": "000000000000", "version": "0"}
                handler(event, _context(cfg.name))
                fired.append(cfg.name)
        return fired

    def serve_forever(self, stop: threading.Event | None = None) -> None:
        """Poll and fire schedules until `stop` is set. A stop waits for the current long poll and
        batch to finish: a consumer killed mid-poll leaves the emulator holding that receive open,
        and whatever arrives meanwhile is taken in flight by nobody until its visibility timeout."""
        stop = stop or threading.Event()
        last_minute = None
        while not stop.is_set():
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            if now != last_minute:
                last_minute = now
                for name in self.fire_schedules(now):
                    print(f"dispatcher: fired schedule {name} at {now:%H:%M} UTC", flush=True)
            for queue in self.queues:
                if stop.is_set():
                    break
                try:
                    self.poll(queue, wait_seconds=1)
                except Exception as exc:  # keep serving; the message stays for a retry
                    # the type only: an exception's text may quote a value (a name, a NIK)
                    print(f"dispatcher: {queue} batch failed: {type(exc).__name__}", flush=True)
            if not self.queues:
                stop.wait(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", default="app", help="module holding the Chalice `app` (default: app)")
    args = parser.parse_args()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the whole group; make run sends SIGTERM
        signal.signal(sig, lambda *_: stop.set())
    dispatcher = Dispatcher(args.app)
    print(f"dispatcher: polling {', '.join(dispatcher.queues) or 'no queues'}", flush=True)
    dispatcher.serve_forever(stop)
    print("dispatcher: stopped", flush=True)


if __name__ == "__main__":
    main()
