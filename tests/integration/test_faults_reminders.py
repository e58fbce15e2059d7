"""SNS and SES failing or throttling in the middle of a sweep, and a sender dying between its
claim and its send: after the sweep and a rerun every due reminder went out exactly once.

Faults are injected at botocore's wire (tests/faults.py), so botocore's own retry policy (standard
mode, 1 try + 6 retries) runs against them; only its backoff is scaled down (÷50) to keep the test
short. What was sent is read from the emulator (tests/integration/sent.py), never from our calls.
Every reminder that failed after the retries is counted once in the powertools metric
Lindung/RemindersFailed (dimension service=lindung), which infra/alarms.yaml alarms on.
"""

from __future__ import annotations

import base64
import email
import json
from collections import Counter
from datetime import UTC, datetime
from email.utils import getaddresses

import pytest
from botocore.retries.standard import ExponentialBackoff

from chalicelib import aws, config
from chalicelib.observability import metrics
from chalicelib.services import deps
from chalicelib.store import reminders as store
from tests.faults import Rule, failing_when
from tests.figures import record
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_programme
from tests.integration.sent import emails_to, sms_to
from tests.integration.test_reminders import NOV16, NOV17, drain, enrol_live, run

ATTEMPTS = 7  # chalicelib.aws: retries={"mode": "standard", "max_attempts": 6} = 6 retries after the first try


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    real = ExponentialBackoff.delay_amount
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: real(self, context) / 50)


@pytest.fixture()
def emitted(monkeypatch, capsys):
    """The EMF documents powertools printed (metrics are on for this test only)."""
    metrics.clear_metrics()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()

    def read() -> list[dict]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]

    yield read
    metrics.clear_metrics()


def metric_total(documents: list[dict], name: str) -> int:
    """Sum of `name` over EMF documents in namespace Lindung with dimension service=lindung."""
    total = 0
    for doc in documents:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            names = {m["Name"] for m in directive["Metrics"]}
            if directive["Namespace"] == "Lindung" and name in names and ["service"] in directive["Dimensions"] \
                    and doc.get("service") == "lindung":
                value = doc[name]
                total += sum(value) if isinstance(value, list) else value
    return total


def to_phone(phones):
    wanted = set(phones)
    return lambda params: params.get("PhoneNumber") in wanted


def to_address(address):
    """A raw email to `address`: the recipients are the message's To header (notify/ses_email.py)."""
    def match(params):
        raw = params.get("RawMessage.Data")
        if not raw:
            return False
        headers = email.message_from_bytes(base64.b64decode(raw))
        return address in [a for _, a in getaddresses(headers.get_all("To", []))]
    return match


def test_sns_throttling_and_failing_mid_sweep_then_a_rerun_sends_each_sms_exactly_once(
        api, admin, aws_endpoint, dispatcher, emitted):
    pid = new_programme(api, admin)["id"]
    people = enrol_live(api, admin, pid, 9)
    phones = [p["phone"] for p in people]
    throttled_briefly, throttled_for_good, broken = phones[0:2], phones[2:4], phones[4:5]
    rules = [Rule(to_phone(throttled_briefly), "Throttling", 400, times=2 * len(throttled_briefly)),
             Rule(to_phone(throttled_for_good), "Throttling", 400),
             Rule(to_phone(broken), "InternalError", 500)]
    with deps.override(clock=lambda: NOV16), failing_when(aws.client("sns"), "Publish", rules):
        first = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    healthy = [p for p in phones if p not in throttled_for_good + broken]
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(healthy)
    assert [r.injected for r in rules] == [2 * 2, 2 * ATTEMPTS, 1 * ATTEMPTS], "botocore retried each attempt"
    progress = api.call("GET", f"/v1/reminders/runs/{first['run_id']}", admin).data
    assert (progress["sent"], progress["failed"]) == (6, 3)
    assert metric_total(emitted(), "RemindersFailed") == 3
    codes = {p["phone"]: api.call("GET", f"/v1/enrolments/{p['id']}/reminders", admin).data["items"][0]
             for p in people[2:5]}
    assert sorted((h["status"], h["last_error"]) for h in codes.values()) == \
        [("failed", "SNS_InternalError"), ("failed", "SNS_Throttling"), ("failed", "SNS_Throttling")]

    with deps.override(clock=lambda: NOV16):  # the provider recovered: a rerun the same day
        again = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones), "each once: none lost, none doubled"
    progress = api.call("GET", f"/v1/reminders/runs/{again['run_id']}", admin).data
    assert (progress["sent"], progress["skipped"], progress["failed"]) == (3, 6, 0)
    assert metric_total(emitted(), "RemindersFailed") == 0
    with deps.override(clock=lambda: NOV17):
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
    assert len(sms_to(aws_endpoint, phones)) == len(phones)
    record("sns_faults_mid_sweep", {"sms_due": len(phones), "throttled_then_sent_in_sweep": len(throttled_briefly),
                                    "failed_after_7_attempts": len(throttled_for_good + broken),
                                    "sent_by_rerun": 3, "lost": 0, "doubled": 0, "RemindersFailed": 3})


def test_ses_throttling_and_failing_mid_sweep_then_a_rerun_sends_each_digest_exactly_once(
        api, admin, aws_endpoint, dispatcher, emitted):
    pid = new_programme(api, admin)["id"]
    tag = f"{id(api) % 10**6}{datetime.now(UTC).microsecond}"
    op_a, op_b, boss = f"ops-a{tag}@desa.example", f"ops-b{tag}@desa.example", f"boss{tag}@muaraenim.example"
    r = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, {
        "admin_emails": [boss], "village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [op_a]},
                                                     VILLAGE_B: {"name": "Pak Dedi", "emails": [op_b]}}})
    assert r.status_code == 200, r.data
    people = enrol_live(api, admin, pid, 2) + enrol_live(api, admin, pid, 2, village=VILLAGE_B)
    rules = [Rule(to_address(op_a), "Throttling", 400, times=2), Rule(to_address(op_b), "ServiceUnavailable", 503)]
    with deps.override(clock=lambda: NOV16), failing_when(aws.client("ses"), "SendRawEmail", rules):
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert [len(emails_to(aws_endpoint, a)) for a in (op_a, op_b, boss)] == [1, 0, 1]
    assert [r.injected for r in rules] == [2, ATTEMPTS]
    assert metric_total(emitted(), "RemindersFailed") == 1
    with deps.override(clock=lambda: NOV16):
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert [len(emails_to(aws_endpoint, a)) for a in (op_a, op_b, boss)] == [1, 1, 1], "each digest once"
    (late,) = emails_to(aws_endpoint, op_b)
    assert "2 peserta" in late["Subject"]
    phones = [p["phone"] for p in people]
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones), "SMS unaffected"
    record("ses_faults_mid_sweep", {"digests_due": 3, "throttled_then_sent_in_sweep": 1,
                                    "failed_after_7_attempts": 1, "sent_by_rerun": 1, "lost": 0, "doubled": 0})


class LambdaCrash(BaseException):
    """The sender's process dies (timeout, out of memory): nothing in the handler can catch it."""


def test_sender_dying_after_its_claim_and_before_the_send_is_recovered_by_the_next_run(
        api, admin, aws_endpoint, dispatcher):
    pid = new_programme(api, admin)["id"]
    people = enrol_live(api, admin, pid, 3)
    phones = [p["phone"] for p in people]
    victim = people[1]
    key = store.enrolment_key("16.03", victim["id"], "2025-12-31", "h45", "sms")
    seen_claim = []

    def die(request, **_):
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if victim["phone"].replace("+", "%2B") in body:
            seen_claim.append(store.get(key))  # what DynamoDB holds at the moment of death
            raise LambdaCrash

    sns = aws.client("sns")
    queue = config.queue_name("reminders")
    with deps.override(clock=lambda: NOV16):
        run(api, admin, pid, "2025-11-16")
        sns.meta.events.register("before-send.sns.Publish", die)
        try:
            with pytest.raises(LambdaCrash):
                dispatcher.poll(queue, release_failed=True)  # the batch stays queued, as on Lambda
        finally:
            sns.meta.events.unregister("before-send.sns.Publish", die)
    (claim,) = seen_claim
    assert (claim.status, int(claim.attempts)) == ("claimed", 1), "it died after the conditional claim write"
    assert sms_to(aws_endpoint, phones) == [(phones[0], sms_to(aws_endpoint, phones[:1])[0][1])]

    five_past = datetime(2025, 11, 16, 1, 5, tzinfo=UTC)
    with deps.override(clock=lambda: five_past):  # SQS redelivers the batch; the claim's lease still holds
        drain(dispatcher)
    assert sorted(p for p, _ in sms_to(aws_endpoint, phones)) == sorted([phones[0], phones[2]])
    assert store.get(key).status == "claimed"

    with deps.override(clock=lambda: NOV17):  # the next day's run takes the expired claim over
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones), "each once"
    h = api.call("GET", f"/v1/enrolments/{victim['id']}/reminders", admin).data["items"]
    assert [(x["status"], x["attempts"]) for x in h] == [("sent", 2)]
    record("crash_between_claim_and_send", {"claimed_then_crashed": 1, "recovered_next_run": 1, "doubled": 0})
