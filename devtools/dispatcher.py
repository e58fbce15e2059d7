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

Concurrency. Lambda runs many instances of a function at once, each taking its own batch from the
queue. The dispatcher does the same with threads: each queue is served by `workers` concurrent
consumers (LINDUNG_DISPATCH_WORKERS, default 4; 1 gives the old one-batch-at-a-time behaviour),
in `serve_forever()` (make run) and in `drain()` (tests, one-off runs) alike. Handlers therefore
meet each other's writes as they would in AWS; a handler that only works when it runs alone is a
bug this shows locally. Each batch is still handed to the handler whole and deleted only after
the handler returns.

The table's stream. `@app.on_dynamodb_record` handlers (the summary aggregator) are fed the
emulator's stream of the main table as Lambda's event source mapping feeds them: records in
order, in batches of the handler's batch_size, in Lambda's event shape. Lambda runs one batch
per shard at a time, or up to ParallelizationFactor batches keeping each item's changes in
order; here `workers` batches of one shard run at once, records split by programme (or item key),
so an item's changes stay in order. A failing batch is retried (3 times) and then left behind, as the
dead-letter target would take it; strict mode reports it. Positions are kept per process (every
Dispatcher of a test session continues where the last one stopped); a new process starts at the
oldest record kept (TRIM_HORIZON): applying is idempotent, so a replay changes nothing.
`drain()` drains the queues, `drain_stream()` the stream.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import signal
import threading
import time
import traceback
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

from botocore.exceptions import ClientError
from chalice.app import Cron, DynamoDBEventConfig, Rate, ScheduledEventConfig, SQSEventConfig
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


@functools.cache
def _streams_client():
    """DynamoDB Streams where DynamoDB is: the LocalStack lane sends DynamoDB alone to moto
    (AWS_ENDPOINT_URL_DYNAMODB), and the stream lives beside its table."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODBSTREAMS") or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not endpoint:
        client = aws.client("dynamodbstreams")
    else:
        import boto3

        client = boto3.client("dynamodbstreams", region_name=config.region(), endpoint_url=endpoint)
    client.meta.events.register("before-parse.dynamodb-streams.GetRecords", _records_as_json)
    return client


def _records_as_json(response_dict: dict, customized_response_dict: dict, **_) -> None:
    """GetRecords' records as the wire has them (DynamoDB JSON), which is what Lambda's event source
    mapping hands a function; botocore's parser would walk every attribute of both images of up to
    1,000 records (~1 s a call here, most of the stream follower's time). The rest of the answer
    (NextShardIterator) is still parsed by botocore; errors are left to it whole."""
    if response_dict.get("status_code") != 200 or not response_dict.get("body"):
        return
    document = json.loads(response_dict["body"])
    customized_response_dict["Records"] = document.pop("Records", [])
    response_dict["body"] = json.dumps(document).encode()


def stream_start() -> str:
    """Where a process first reads the stream (LINDUNG_STREAM_START): TRIM_HORIZON (every record
    kept; applying is idempotent, so a replay changes nothing but costs a read of each), or LATEST
    (`make run` against an emulator that already holds a history, e.g. the bench's)."""
    start = os.environ.get("LINDUNG_STREAM_START", "").strip().upper() or "TRIM_HORIZON"
    if start not in {"TRIM_HORIZON", "LATEST"}:
        raise SystemExit(f"LINDUNG_STREAM_START must be TRIM_HORIZON or LATEST, not {start!r}")
    return start


def strict_from_env() -> bool:
    return os.environ.get("LINDUNG_DISPATCH_STRICT", "").strip().lower() in {"1", "true", "yes"}


DEFAULT_WORKERS = 4
STREAM_ATTEMPTS = 3
_POSITIONS: dict[tuple[str, str], dict] = {}  # (stream ARN, shard id) -> {"seq": last handled} or {"iterator": next}
_POSITIONS_LOCK = threading.Lock()


def workers_from_env() -> int:
    """Concurrent consumers per queue (LINDUNG_DISPATCH_WORKERS), as Lambda's concurrency would run."""
    text = os.environ.get("LINDUNG_DISPATCH_WORKERS", "").strip()
    try:
        return max(1, int(text)) if text else DEFAULT_WORKERS
    except ValueError:
        raise SystemExit(f"LINDUNG_DISPATCH_WORKERS must be a whole number, not {text!r}") from None


class Dispatcher:
    def __init__(self, module: str | ModuleType = "app", strict: bool | None = None, workers: int | None = None):
        self.strict = strict_from_env() if strict is None else strict
        self.workers = workers_from_env() if workers is None else max(1, workers)
        self.failures: list[Failure] = []  # every failure seen, expected or not
        self._lock = threading.Lock()  # failures are recorded from several consumer threads
        self._expected = 0  # > 0 inside expecting_failures()
        self.module = importlib.import_module(module) if isinstance(module, str) else module
        app = self.module.app
        self.queues = {c.queue: self._handler(c) for c in app.event_sources
                       if isinstance(c, SQSEventConfig) and c.queue}
        self.batch_sizes = {c.queue: min(c.batch_size, 10) for c in app.event_sources
                            if isinstance(c, SQSEventConfig) and c.queue}
        self.schedules = [(c, self._handler(c)) for c in app.event_sources if isinstance(c, ScheduledEventConfig)]
        self.streams = {c.name: (self._handler(c), c.batch_size) for c in app.event_sources
                        if isinstance(c, DynamoDBEventConfig)}

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
            self._record([Failure(queue, m["MessageId"], m["Body"], "reported in batchItemFailures")
                          for m in got if m["MessageId"] in failed])
        except Exception:
            error = traceback.format_exc(limit=-8)
            self._record([Failure(queue, m["MessageId"], m["Body"], error) for m in got])
            raise
        finally:
            for m in got:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                elif release_failed:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                  VisibilityTimeout=0)
        return len(got)

    def _record(self, failures: list[Failure]) -> None:
        if failures:
            with self._lock:
                self.failures += failures

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
        raise HandlerFailed if a handler failed (outside expecting_failures()). The table's stream
        is drained by `drain_stream()` only, so a test's faults injected around a queue drain never
        reach the summary aggregator."""
        start = len(self.failures)
        total = self._drain(queue, max_batches, release_failed)
        self._raise_unexpected(start)
        return total

    def drain_stream(self) -> int:
        """Feed the stream's records written so far to the stream handlers; returns how many."""
        start = len(self.failures)
        total = self._drain_streams()
        self._raise_unexpected(start)
        return total

    def _raise_unexpected(self, start: int) -> None:
        unexpected = self.failures[start:]
        if self.strict and unexpected and not self._expected:
            raise HandlerFailed(unexpected)

    # ---- the table's stream
    def _stream_arn(self) -> str | None:
        return aws.client("dynamodb").describe_table(TableName=config.main_table())["Table"].get("LatestStreamArn")

    def _drain_streams(self) -> int:
        if not self.streams:
            return 0
        arn = self._stream_arn()
        if not arn:
            return 0
        total = 0
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="stream") as pool:
            for name in self.streams:
                while handled := self._stream_round(name, arn, pool):
                    total += handled
        return total

    def _stream_round(self, name: str, arn: str, pool: ThreadPoolExecutor) -> int:
        """One read of each shard (up to batch_size x workers records, in GetRecords of 1,000 at most)
        handed to the handler in up to `workers` concurrent batches."""
        streams = _streams_client()
        handler, batch_size = self.streams[name]
        handled = 0
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            with _POSITIONS_LOCK:
                at = _POSITIONS.get((arn, shard_id)) or {}
            want = batch_size * self.workers  # a batch for each worker, as Lambda would have them in flight
            answer = self._read_shard(name, streams, arn, shard_id, at, min(1000, want))
            got = list(answer["Records"])
            while len(answer["Records"]) == 1000 and len(got) < want:  # GetRecords gives 1,000 at most
                here = {"seq": got[-1]["dynamodb"]["SequenceNumber"], "iterator": answer.get("NextShardIterator")}
                answer = self._read_shard(name, streams, arn, shard_id, here, min(1000, want - len(got)))
                got += answer["Records"]
            if not got:
                if answer.get("NextShardIterator"):
                    with _POSITIONS_LOCK:  # from LATEST: go on from here, not from a later LATEST
                        _POSITIONS[(arn, shard_id)] = {**at, "iterator": answer["NextShardIterator"]}
                continue
            records = [self._lambda_record(r, arn) for r in got]
            groups: list[list[dict]] = [[] for _ in range(self.workers)]
            for record in records:  # one item's changes stay in one group, in order
                key = json.dumps(self._partition(record), sort_keys=True)
                groups[zlib.crc32(key.encode()) % self.workers].append(record)
            batches = [g[i:i + batch_size] for g in groups if g for i in range(0, len(g), batch_size)]
            list(pool.map(lambda batch: self._stream_batch(name, handler, batch), batches))
            with _POSITIONS_LOCK:  # the next read goes on from the answer's iterator (no GetShardIterator)
                _POSITIONS[(arn, shard_id)] = {"seq": got[-1]["dynamodb"]["SequenceNumber"],
                                               "iterator": answer.get("NextShardIterator")}
            handled += len(got)
        return handled

    def _read_shard(self, name: str, streams, arn: str, shard_id: str, at: dict, limit: int) -> dict:
        """GetRecords from where this process stopped: the kept iterator, else a new one after the
        last record handled (or at the start). Records trimmed before they were read are a failure
        (strict mode raises once the drain is done; `make run` logs it) and reading goes on at once
        from the oldest record kept."""
        iterator = at.get("iterator")
        try:
            if iterator is None:
                where = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": at["seq"]} if "seq" in at
                         else {"ShardIteratorType": "TRIM_HORIZON" if at.get("trimmed") else stream_start()})
                iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **where)["ShardIterator"]
            return streams.get_records(ShardIterator=iterator, Limit=limit)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TrimmedDataAccessException":
                if "iterator" in at:  # expired, or an emulator started again: a new iterator next time
                    with _POSITIONS_LOCK:
                        _POSITIONS[(arn, shard_id)] = {k: v for k, v in at.items() if k != "iterator"}
                raise
            self._record([Failure(name, f"stream records after {at.get('seq', 'the start')}",
                                  "trimmed before they were read", str(exc))])
            from chalicelib.observability import logger

            logger.error("stream records were trimmed before the aggregator read them: the kept summaries may "
                         "miss changes; recount them (GET /v1/programmes/{id}/summary?recount=true)",
                         extra={"handler": name, "after_sequence_number": at.get("seq")})
            with _POSITIONS_LOCK:
                _POSITIONS[(arn, shard_id)] = {"trimmed": True}
            return self._read_shard(name, streams, arn, shard_id, {"trimmed": True}, limit)

    @staticmethod
    def _partition(record: dict) -> object:
        """What decides a record's group: its programme when the item has one (so concurrent batches
        do not contend for the same programme's summary; an item stays in its programme), else its key."""
        ddb = record["dynamodb"]
        image = ddb.get("NewImage") or ddb.get("OldImage") or {}
        return image.get("programme_id") or ddb.get("Keys")

    @staticmethod
    def _lambda_record(record: dict, arn: str) -> dict:
        ddb = dict(record["dynamodb"])
        created = ddb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            ddb["ApproximateCreationDateTime"] = created.timestamp()
        return {**record, "dynamodb": ddb, "eventSourceARN": arn}

    def _stream_batch(self, name: str, handler, batch: list[dict]) -> None:
        for attempt in range(STREAM_ATTEMPTS):
            try:
                handler({"Records": batch}, _context(name))
                return
            except Exception:
                if attempt + 1 < STREAM_ATTEMPTS:
                    continue
                error = traceback.format_exc(limit=-8)
                first = batch[0]["dynamodb"]["SequenceNumber"]
                self._record([Failure(name, f"stream records {first}..", f"{len(batch)} records", error)])
                from chalicelib.observability import logger

                logger.exception("stream batch failed; left behind as the dead-letter target would take it",
                                 extra={"handler": name, "records": len(batch)})

    def _drain(self, queue: str | None, max_batches: int, release_failed: bool) -> int:
        names = [queue] if queue else list(self.queues)
        if not names:
            return 0
        total, empty_rounds = 0, 0
        aws.client("sqs")  # made once here, not raced for by the consumer threads
        with ThreadPoolExecutor(max_workers=self.workers * len(names), thread_name_prefix="drain") as pool:
            for _ in range(max_batches):
                # one round: `workers` consumers per queue, each taking one batch at the same time
                rounds = [pool.submit(self._poll_logged, name, release_failed) for name in names
                          for _ in range(self.workers)]
                handled = sum(f.result() for f in rounds)
                total += handled
                empty_rounds = empty_rounds + 1 if handled == 0 else 0
                if handled == 0:
                    # a short poll can come back empty while messages wait; in-flight ones (a crashed
                    # batch kept invisible) are given up on after ~2 s, as their timeout is the test's to
                    # choose; delayed ones (DelaySeconds) are waited for: they are certain to come
                    waiting, delayed = self._pending(names)
                    if not (waiting or delayed) or (empty_rounds > 20 and not delayed):
                        return total
                    time.sleep(0.1)
        return total

    def _poll_logged(self, name: str, release_failed: bool, wait_seconds: int = 0) -> int:
        """poll(), a crashed batch logged and counted as handled: it stays on the queue, as on Lambda."""
        try:
            return self.poll(name, wait_seconds=wait_seconds, release_failed=release_failed)
        except Exception:
            from chalicelib.observability import logger  # its tracebacks carry no exception text

            logger.exception("batch failed; it stays queued", extra={"queue": name})
            return 1

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
        """Poll and fire schedules until `stop` is set, with `workers` consumer threads per queue. A
        stop waits for each consumer's current long poll and batch to finish: a consumer killed
        mid-poll leaves the emulator holding that receive open, and whatever arrives meanwhile is
        taken in flight by nobody until its visibility timeout."""
        stop = stop or threading.Event()
        aws.client("sqs")  # made once here, not raced for by the consumer threads
        consumers = [threading.Thread(target=self._consume, args=(queue, stop), name=f"{queue}-{n}", daemon=True)
                     for queue in self.queues for n in range(self.workers)]
        consumers += [threading.Thread(target=self._follow_stream, args=(name, stop), name=f"{name}-stream",
                                       daemon=True) for name in self.streams]
        for thread in consumers:
            thread.start()
        last_minute = None
        while not stop.is_set():
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            if now != last_minute:
                last_minute = now
                for name in self.fire_schedules(now):
                    print(f"dispatcher: fired schedule {name} at {now:%H:%M} UTC", flush=True)
            stop.wait(1)
        for thread in consumers:
            thread.join()

    def _follow_stream(self, name: str, stop: threading.Event) -> None:
        """The stream's event source mapping: read on as records come (twice a second when idle)."""
        arn = None
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"{name}-stream") as pool:
            while not stop.is_set():
                try:
                    arn = arn or self._stream_arn()
                    if not arn or not self._stream_round(name, arn, pool):
                        stop.wait(0.5)
                except Exception as exc:  # the emulator away for a moment: try again
                    print(f"dispatcher: {name} stream read failed: {type(exc).__name__}", flush=True)
                    stop.wait(1)

    def _consume(self, queue: str, stop: threading.Event) -> None:
        """One consumer (one 'Lambda instance') of `queue`: long-poll, handle, repeat until stopped."""
        while not stop.is_set():
            try:
                self.poll(queue, wait_seconds=1)
            except Exception as exc:  # keep serving; the message stays for a retry
                # the type only: an exception's text may quote a value (a name, a NIK)
                print(f"dispatcher: {queue} batch failed: {type(exc).__name__}", flush=True)
                stop.wait(0.5)  # an unreachable emulator is not spun on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", default="app", help="module holding the Chalice `app` (default: app)")
    args = parser.parse_args()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the whole group; make run sends SIGTERM
        signal.signal(sig, lambda *_: stop.set())
    dispatcher = Dispatcher(args.app)
    print(f"dispatcher: polling {', '.join([*dispatcher.queues, *dispatcher.streams]) or 'no queues'} "
          f"with {dispatcher.workers} workers each", flush=True)
    dispatcher.serve_forever(stop)
    print("dispatcher: stopped", flush=True)


if __name__ == "__main__":
    main()
