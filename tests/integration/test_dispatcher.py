"""The local dispatcher feeds real SQS messages (from the emulator) and schedules to Chalice
handlers exactly as Lambda's event sources do, including partial batch failures."""

from __future__ import annotations

import threading
import types
from datetime import UTC, datetime

import pytest
import requests
from chalice import Chalice, Cron, Rate

from chalicelib import aws, config
from devtools.dispatcher import Dispatcher, HandlerFailed, schedule_due
from tests.integration.helpers import eventually


@pytest.fixture()
def own_queue(aws_endpoint):
    """A queue of this test's own (with a DLQ after 5 receives, as infra/queues.yaml): nothing another
    test left on the app's shared queues is counted or consumed here."""
    import json
    import uuid

    sqs = aws.client("sqs")
    name = f"dispatch-test-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})["QueueUrl"]

    def send(bodies):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(b, separators=(",", ":"))} for i, b in enumerate(bodies)])

    yield name, send
    sqs.delete_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=dlq)


def _module(received: list, fail_bodies: set, ticks: list, queue: str | None = None):
    app = Chalice(app_name="dispatch-test")

    @app.on_sqs_message(queue=queue or config.queue_name("reminders"), batch_size=10)
    def consume(event):
        failures = []
        for record in event:
            received.append(record.body)
            if record.body in fail_bodies:
                fail_bodies.discard(record.body)  # fails once, succeeds on redelivery
                failures.append({"itemIdentifier": record.to_dict()["messageId"]})
        return {"batchItemFailures": failures}

    @app.schedule(Cron(0, 1, "*", "*", "?", "*"))
    def daily(event):
        ticks.append(event.time)

    module = types.ModuleType("dispatch_test_app")
    module.app, module.consume, module.daily = app, consume, daily
    return module


def test_partial_batch_failures_are_redelivered_and_nothing_is_lost(own_queue):
    queue, send = own_queue
    received, ticks = [], []
    for start in range(0, 25, 10):
        send([{"n": i} for i in range(start, min(start + 10, 25))])
    dispatcher = Dispatcher(_module(received, {'{"n":3}', '{"n":17}'}, ticks, queue))
    with dispatcher.expecting_failures() as failures:
        handled = dispatcher.drain(queue)
    # 25 + the two failed ones delivered again; SQS delivers at least once, so on a loaded machine a
    # message whose visibility ran out under one consumer may come once more: never fewer, none lost
    assert handled >= 27 and handled == len(received)
    assert sorted(f.body for f in failures) == ['{"n":17}', '{"n":3}']
    assert set(received) == {f'{{"n":{i}}}' for i in range(25)}
    assert received.count('{"n":3}') >= 2 and received.count('{"n":17}') >= 2
    assert dispatcher.drain(queue) == 0


def _crashing(seen: list, queue: str):
    app = Chalice(app_name="dispatch-crash")

    @app.on_sqs_message(queue=queue, batch_size=5)
    def consume(event):
        for record in event:
            seen.append(record.body)
            if "crash" in record.body:
                raise KeyError("handler bug")

    module = types.ModuleType("dispatch_crash_app")
    module.app, module.consume = app, consume
    return module


def test_a_crashing_handler_fails_the_drain_in_strict_mode(own_queue):
    """The suite runs strict (tests/conftest.py): a test whose handler crashed cannot pass by
    asserting that nothing happened. The queue is still drained (the message went to the DLQ
    after its receives), so no later test meets it."""
    queue, send = own_queue
    seen: list = []
    send([{"crash": True, "n": 1}])
    dispatcher = Dispatcher(_crashing(seen, queue))
    assert dispatcher.strict
    with pytest.raises(HandlerFailed) as failed:
        dispatcher.drain(queue)
    assert "KeyError: 'handler bug'" in str(failed.value) and '{"crash":true,"n":1}' in str(failed.value)
    assert seen == ['{"crash":true,"n":1}'] * 5  # maxReceiveCount receives, then the DLQ
    assert dispatcher.drain(queue) == 0


def test_expected_failures_are_the_tests_to_assert_and_non_strict_stays_robust(own_queue):
    queue, send = own_queue
    seen: list = []
    dispatcher = Dispatcher(_crashing(seen, queue))
    send([{"crash": True, "n": 2}, {"n": 3}])
    with dispatcher.expecting_failures() as failures:
        dispatcher.drain(queue)
    assert failures and all("KeyError" in f.error for f in failures)
    relaxed = Dispatcher(_crashing(seen, queue), strict=False)  # make run's dispatcher: logs and goes on
    send([{"crash": True, "n": 4}])
    relaxed.drain(queue)
    assert relaxed.failures and '{"crash":true,"n":4}' in {f.body for f in relaxed.failures}


def test_schedules_fire_on_their_utc_minute(aws_endpoint):
    ticks: list = []
    dispatcher = Dispatcher(_module([], set(), ticks))
    assert dispatcher.fire_schedules(datetime(2025, 11, 16, 1, 0, tzinfo=UTC)) == ["daily"]
    assert dispatcher.fire_schedules(datetime(2025, 11, 16, 1, 1, tzinfo=UTC)) == []
    assert ticks == ["2025-11-16T01:00:00Z"]


def test_schedule_expressions():
    at = datetime(2025, 11, 16, 1, 0, tzinfo=UTC)  # a Sunday, 08:00 WIB
    assert schedule_due(Cron(0, 1, "*", "*", "?", "*"), at)
    assert not schedule_due(Cron(0, 2, "*", "*", "?", "*"), at)
    assert schedule_due(Cron(0, 1, "?", "*", "SUN", "*"), at)
    assert not schedule_due(Cron(0, 1, "?", "*", "MON-FRI", "*"), at)
    assert schedule_due(Cron("0/15", "*", "*", "*", "?", "*"), at)
    assert schedule_due(Rate(5, Rate.MINUTES), at)


@pytest.mark.lane("moto")  # it reads the emulator's count of open receives (moto_server.py 7.)
def test_a_stopped_dispatcher_leaves_no_receive_open_behind(aws_endpoint):
    """Regression (flaky CI): a dispatcher killed mid long-poll left moto holding that receive, which
    took up to 10 messages sent just after into flight for nobody; they stayed invisible for the
    queue's visibility timeout. Stopping now waits for the poll to return."""
    import os
    import signal
    import subprocess
    import sys
    import uuid

    sqs = aws.client("sqs")
    name = f"dispatch-probe-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    probe = "tests.integration.dispatch_probe_app"
    proc = subprocess.Popen([sys.executable, "-m", "devtools.dispatcher", "--app", probe],
                            env={**os.environ, "DISPATCH_PROBE_QUEUE": name, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    def open_receives() -> int:  # the emulator counts ReceiveMessage calls in progress (devtools/moto_server.py 7.)
        return requests.get(f"{aws_endpoint}/moto-api/lindung/receives.json", timeout=5).json().get(name, 0)

    try:
        assert proc.stdout.readline().startswith("dispatcher: polling")
        eventually(open_receives, lambda n: n > 0)  # inside a long poll
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        assert open_receives() == 0  # it waited for its polls to return before it exited
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("10", "0")
        assert proc.returncode == 0, proc.stdout.read()  # a clean stop, not a KeyboardInterrupt traceback
    finally:
        proc.kill()
        sqs.delete_queue(QueueUrl=url)


def _overlapping(workers: int, total: int, queue: str):
    """A handler that records how many of its batches are inside it at once. Each batch waits
    (on a condition) until `workers` batches are in together, or every message has arrived, so
    overlap is observed, not inferred from durations; a dispatcher handing out one batch at a
    time leaves each batch alone until the wait gives up, and the test fails on the count."""
    app = Chalice(app_name="dispatch-overlap")
    state = {"active": 0, "most": 0, "received": 0, "bodies": set()}
    changed = threading.Condition()

    @app.on_sqs_message(queue=queue, batch_size=10)
    def consume(event):
        with changed:
            state["active"] += 1
            records = list(event)
            state["bodies"] |= {r.body for r in records}
            state["received"] = len(state["bodies"])  # a standard queue may deliver a message twice
            state["most"] = max(state["most"], state["active"])
            changed.notify_all()
            changed.wait_for(lambda: state["active"] >= workers or state["received"] >= total, timeout=10)
            state["active"] -= 1
            changed.notify_all()

    module = types.ModuleType("dispatch_overlap_app")
    module.app, module.consume = app, consume
    return module, state, changed


@pytest.mark.parametrize("mode", ["drain", "serve_forever"])
def test_batches_of_one_queue_run_concurrently_as_lambda_instances_would(own_queue, mode):
    """LINDUNG_DISPATCH_WORKERS consumers per queue (make run and drain alike): four batches of
    one queue are inside the handler at the same moment."""
    queue, send = own_queue
    workers, total = 4, 40
    for start in range(0, total, 10):
        send([{"n": i} for i in range(start, start + 10)])
    module, state, changed = _overlapping(workers, total, queue)
    dispatcher = Dispatcher(module, workers=workers)
    assert dispatcher.workers == workers
    if mode == "drain":
        assert dispatcher.drain(queue) >= total
    else:
        stop = threading.Event()
        serving = threading.Thread(target=dispatcher.serve_forever, args=(stop,))
        serving.start()
        try:
            with changed:
                assert changed.wait_for(lambda: state["received"] >= total and state["active"] == 0, timeout=30)
        finally:
            stop.set()
            serving.join(timeout=15)
        assert not serving.is_alive()
    assert state["most"] == workers and state["received"] == total


def test_workers_come_from_the_environment(monkeypatch):
    from devtools.dispatcher import DEFAULT_WORKERS, workers_from_env

    monkeypatch.delenv("LINDUNG_DISPATCH_WORKERS", raising=False)
    assert workers_from_env() == DEFAULT_WORKERS == 4
    monkeypatch.setenv("LINDUNG_DISPATCH_WORKERS", "7")
    assert workers_from_env() == 7
    monkeypatch.setenv("LINDUNG_DISPATCH_WORKERS", "0")
    assert workers_from_env() == 1
