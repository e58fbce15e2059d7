"""The local dispatcher feeds real SQS messages (from the emulator) and schedules to Chalice
handlers exactly as Lambda's event sources do, including partial batch failures."""

from __future__ import annotations

import types
from datetime import UTC, datetime

from chalice import Chalice, Cron, Rate

from chalicelib import aws, config
from devtools.dispatcher import Dispatcher, schedule_due


def _module(received: list, fail_bodies: set, ticks: list):
    app = Chalice(app_name="dispatch-test")

    @app.on_sqs_message(queue=config.queue_name("reminders"), batch_size=10)
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


def test_partial_batch_failures_are_redelivered_and_nothing_is_lost(aws_endpoint):
    received, ticks = [], []
    bodies = [{"n": i} for i in range(25)]
    aws.send_messages("reminders", bodies)
    dispatcher = Dispatcher(_module(received, {'{"n":3}', '{"n":17}'}, ticks))
    handled = dispatcher.drain(config.queue_name("reminders"))
    assert handled == 27  # 25 + the two failed ones delivered again
    assert sorted(received) == sorted([f'{{"n":{i}}}' for i in range(25)] + ['{"n":3}', '{"n":17}'])
    assert dispatcher.drain(config.queue_name("reminders")) == 0


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
