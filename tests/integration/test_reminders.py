"""Coverage-expiry reminders on the emulator: the sweep, exactly-once sends under provider
failures, crashes and redelivery, digests with WhatsApp links, dry-run cost, history.

Every assertion about what was sent reads what the emulator recorded, over HTTP
(tests/integration/sent.py: moto's sent log, or LocalStack's /_aws endpoints), never our own calls.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import itertools
import json
import random
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import requests

from chalicelib import aws, config, notify
from chalicelib.domain import reminders as dr
from chalicelib.domain.clock import iso
from chalicelib.notify.fake import FailingFor
from chalicelib.notify.ses_email import SesEmailNotifier
from chalicelib.notify.sns_sms import SnsSmsNotifier
from chalicelib.services import deps
from chalicelib.store import reminders as store
from devtools.dispatcher import Dispatcher
from tests.integration import sent
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, eventually, new_person, new_programme, wait_indexed
from tests.integration.sent import emails_to, raw_emails, sms_to

NOV16 = datetime(2025, 11, 16, 1, 0, tzinfo=UTC)  # 08:00 WIB, 45 days before 31 December
NOV17 = datetime(2025, 11, 17, 1, 0, tzinfo=UTC)
DEC24 = datetime(2025, 12, 24, 1, 0, tzinfo=UTC)  # 7 days before
_phones = itertools.count(random.randrange(10**6, 9 * 10**6) * 10)


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module

    return Dispatcher(app_module)


def drain(dispatcher) -> None:
    dispatcher.drain(config.queue_name("reminders"))
    dispatcher.drain(config.queue_name("lifecycle"))


def enrol_live(api, admin, pid, n, village=VILLAGE_A, phone=True, status="active"):
    out = []
    for _ in range(n):
        extra = {"status": status}
        if status == "active":
            extra["kpj_number"] = f"{random.randrange(10**10, 10**11)}"
        number = f"+62812{next(_phones):08d}"[:14]
        if number.endswith("99"):  # moto's SNS says such numbers opted out (tests/integration/test_opt_out.py)
            number = f"+62812{next(_phones):08d}"[:14]
        p = new_person(village=village, phone=number if phone else None, **extra)
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, p)
        assert r.status_code == 201, r.data
        out.append(r.data)
    # the sweeps read GSIs: these people were enrolled before the sweep, so let the indexes have them
    # (at once on the instant emulator; ~1 s in make test-eventual)
    eventually(lambda: {e["id"] for e in api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500",
                                                  admin).data["items"]},
               lambda seen: {e["id"] for e in out} <= seen)
    return out


def run(api, admin, pid, as_of, dry_run=False):
    r = api.call("POST", "/v1/reminders/run", admin, {"as_of": as_of, "dry_run": dry_run, "programme_id": pid})
    assert r.status_code == 200, r.data
    return r.data


@pytest.fixture()
def programme(api, admin):
    return new_programme(api, admin)


def test_rules_are_data_validated_on_save_with_preview(api, admin, tokens_for, programme):
    pid = programme["id"]
    got = api.call("GET", f"/v1/programmes/{pid}/reminder-rules", admin).data
    assert got["is_default"] and [r["days_before"] for r in got["rules"]] == [45, 30, 14, 7]
    assert got["sms_per_worker_per_period"] == 4 and got["quiet_hours"] == {"start": "21:00", "end": "07:00"}

    bad = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin,
                   {"templates": {"sms": "Halo {nama}, berakhir {end_date}"}})
    assert bad.status_code == 422 and bad.data["error"]["code"] == "TEMPLATE_INVALID"
    assert "{nama}" in bad.data["error"]["fields"]["templates.sms"]
    dup = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin,
                   {"rules": [{"days_before": 7}, {"days_before": 7}]})
    assert dup.status_code == 422
    officer = tokens_for("officer", [VILLAGE_A])
    assert api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", officer, {}).status_code == 403

    body = {"rules": [{"days_before": 60, "channels": ["email"]}, {"days_before": 10, "channels": ["sms"]}],
            "templates": {"sms": "{name}: BPJS TK Anda berakhir {end_date}. {officer_contact}"},
            "village_contacts": {VILLAGE_A: {"name": "Bu Rina", "phone": "0812 1111 2222",
                                             "emails": ["operator@desa.example"]}}}
    saved = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, body)
    assert saved.status_code == 200, saved.data
    assert saved.data["version"] == 1 and not saved.data["is_default"] and saved.data["sms_per_worker_per_period"] == 1
    stale = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, body, headers={"If-Match": "0"})
    assert stale.status_code == 409

    worker = enrol_live(api, admin, pid, 1)[0]
    preview = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin,
                       {"enrolment_id": worker["id"]})
    assert preview.status_code == 200, preview.data
    sms = preview.data["sms"]
    assert sms["text"].startswith(worker["name"]) and "31 Desember 2025" in sms["text"] and "Bu Rina" in sms["text"]
    assert worker["nik"] not in sms["text"] and sms["segments"] == 1 and sms["cost_idr"] == config.sms_price_idr()
    assert preview.data["whatsapp"]["link"].startswith("https://wa.me/" + worker["phone"][1:] + "?text=")
    bad_preview = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin,
                           {"templates": {"email_subject": "{name}"}})
    assert bad_preview.status_code == 422


def test_daily_schedule_sends_each_sms_once_and_a_rerun_sends_nothing(api, admin, aws_endpoint, dispatcher,
                                                                      programme):
    people = enrol_live(api, admin, programme["id"], 4) + enrol_live(api, admin, programme["id"], 1, status="submitted")
    no_phone = enrol_live(api, admin, programme["id"], 1, phone=False)[0]
    phones = [p["phone"] for p in people]
    with deps.override(clock=lambda: NOV16):
        assert "daily_reminders" in dispatcher.fire_schedules(NOV16)
        drain(dispatcher)
        got = sms_to(aws_endpoint, phones)
        assert Counter(p for p, _ in got) == Counter(phones)  # each exactly once
        for p in people:
            text = dict(got)[p["phone"]]
            assert p["name"] in text and "31 Desember 2025" in text and p["nik"] not in text
        dispatcher.fire_schedules(NOV16)  # the same day again
        drain(dispatcher)
        assert len(sms_to(aws_endpoint, phones)) == len(phones)
    history = api.call("GET", f"/v1/enrolments/{people[0]['id']}/reminders", admin).data["items"]
    assert [(h["rule_id"], h["status"], h["attempts"]) for h in history] == [("h45", "sent", 1)]
    assert history[0]["recipient"].endswith(people[0]["phone"][-2:]) and people[0]["phone"] not in json.dumps(history)
    assert api.call("GET", f"/v1/enrolments/{no_phone['id']}/reminders", admin).data["items"] == []

    with deps.override(clock=lambda: DEC24):
        dispatcher.fire_schedules(DEC24)
        drain(dispatcher)
    got = sms_to(aws_endpoint, phones)
    assert len(got) == 2 * len(phones)
    assert all(Counter(p for p, t in got if "31 Desember 2025" in t)[ph] == 2 for ph in phones)
    rules = [h["rule_id"] for h in api.call("GET", f"/v1/enrolments/{people[0]['id']}/reminders", admin).data["items"]]
    assert sorted(rules) == ["h45", "h7"]


def test_provider_failing_for_part_of_a_sweep_loses_nothing_and_doubles_nothing(api, admin, aws_endpoint,
                                                                                dispatcher, programme):
    pid = programme["id"]
    people = enrol_live(api, admin, pid, 6)
    phones = [p["phone"] for p in people]
    broken = phones[:2]
    failing = FailingFor(SnsSmsNotifier(), broken, times=None)
    with deps.override(clock=lambda: NOV16), notify.override({"sms": failing, "email": SesEmailNotifier(
            config.sender_email())}):
        first = run(api, admin, pid, "2025-11-16")
        assert first["status"] == "queued" and first["would_send"]["sms"] == 6
        drain(dispatcher)
    assert sorted(failing.failed) == sorted(broken)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones[2:])
    progress = api.call("GET", f"/v1/reminders/runs/{first['run_id']}", admin).data
    assert (progress["sent"], progress["failed"], progress["status"]) == (4, 2, "done")
    failed = api.call("GET", f"/v1/enrolments/{people[0]['id']}/reminders", admin).data["items"]
    assert [(h["status"], h["attempts"], h["last_error"]) for h in failed] == [("failed", 1, "FAULT_INJECTED")]

    with deps.override(clock=lambda: NOV16):  # a rerun the same day, provider healthy again
        again = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones)  # every one, once
    progress = api.call("GET", f"/v1/reminders/runs/{again['run_id']}", admin).data
    assert (progress["sent"], progress["skipped"], progress["failed"]) == (2, 4, 0)
    done = api.call("GET", f"/v1/enrolments/{people[0]['id']}/reminders", admin).data["items"]
    assert [(h["status"], h["attempts"]) for h in done] == [("sent", 2)]
    with deps.override(clock=lambda: NOV17):  # the next day's run, still inside catch-up
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
    assert len(sms_to(aws_endpoint, phones)) == len(phones)


def test_crash_between_claim_and_send_is_recovered_after_the_lease(api, admin, aws_endpoint, dispatcher, programme):
    pid = programme["id"]
    people = enrol_live(api, admin, pid, 3)
    phones = [p["phone"] for p in people]
    crashed = people[0]
    key = store.enrolment_key("16.03", crashed["id"], "2025-12-31", "h45", "sms")
    # a sender claimed this one at 08:00 WIB and died before sending
    assert store.claim(key, token="dead-sender", now=iso(NOV16), lease_until="2025-11-16T01:15:00.000Z",
                       max_attempts=5, attrs={"rule_id": "h45", "channel": "sms", "coverage_end": "2025-12-31"})
    five_past = datetime(2025, 11, 16, 1, 5, tzinfo=UTC)
    with deps.override(clock=lambda: five_past):
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert sorted(p for p, _ in sms_to(aws_endpoint, phones)) == sorted(phones[1:])  # in flight: not touched
    with deps.override(clock=lambda: NOV17):  # lease long gone: the next run takes the claim over
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones)
    h = api.call("GET", f"/v1/enrolments/{crashed['id']}/reminders", admin).data["items"]
    assert [(x["status"], x["attempts"]) for x in h] == [("sent", 2)]


def test_a_redelivered_batch_sends_nothing_twice(api, admin, aws_endpoint, chalice_app, programme):

    import app as app_module

    pid = programme["id"]
    people = enrol_live(api, admin, pid, 12)
    phones = [p["phone"] for p in people]
    with deps.override(clock=lambda: NOV16):
        run(api, admin, pid, "2025-11-16")
        sqs = aws.client("sqs")
        url = aws.queue_url("reminders")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert got
        event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                              "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs"} for m in got]}
        for _ in range(2):  # the same batch delivered twice (e.g. a timeout after sending)
            result = app_module.send_reminders(event, None)
            assert result == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones)


def test_a_run_queues_its_messages_while_it_plans_and_reads_queued_until_its_summary_is_written(
        api, admin, aws_endpoint, dispatcher, programme, monkeypatch):
    monkeypatch.setenv("LINDUNG_REMINDER_CHUNK", "1")  # one SMS a message: 12 messages, the first 10 sent mid-plan
    pid = programme["id"]
    people = enrol_live(api, admin, pid, 12)
    phones = [p["phone"] for p in people]
    seen: list[dict] = []
    real_send = aws.send_messages

    def watching(kind, bodies, *args, **kwargs):
        bodies = list(bodies)
        if kind == "reminders" and bodies:  # what GET /runs/{id} answers while the plan goes on
            seen.append(api.call("GET", f"/v1/reminders/runs/{bodies[0]['run_id']}", admin).data)
        return real_send(kind, bodies, *args, **kwargs)

    monkeypatch.setattr(aws, "send_messages", watching)
    with deps.override(clock=lambda: NOV16):
        first = run(api, admin, pid, "2025-11-16")
        assert first["queued_messages"] == 12 and first["would_send"]["sms"] == 12
        assert [s["status"] for s in seen] == ["queued", "queued"] and seen[0]["considered"] == 0, \
            "mid-plan: queued, the figures not written yet"
        drain(dispatcher)
    progress = api.call("GET", f"/v1/reminders/runs/{first['run_id']}", admin).data
    assert (progress["status"], progress["sent"], progress["considered"]) == ("done", 12, 12)
    assert Counter(p for p, _ in sms_to(aws_endpoint, phones)) == Counter(phones)


@pytest.mark.lane("moto")  # SNS's opt-out list here is moto's rule (numbers ending in 99); LocalStack's has none
def test_the_send_asks_sns_for_opt_out_again_only_when_the_sweep_did_not_get_the_answer_for_that_number(
        api, admin, aws_endpoint, dispatcher, programme):
    from tests.faults import Rule, failing_when

    pid = programme["id"]
    kept, changed = enrol_live(api, admin, pid, 2)
    with deps.override(clock=lambda: NOV16):
        run(api, admin, pid, "2025-11-16")  # SNS said "not opted out" for both numbers
    # after the plan the worker replied STOP from a new number (moto: ending in 99 is opted out)
    moved = api.call("PATCH", f"/v1/enrolments/{changed['id']}", admin, {"phone": changed["phone"][:-2] + "99"},
                     headers={"If-Match": str(changed["version"])})
    assert moved.status_code == 200, moved.data
    eventually(lambda: {e["id"]: e["version"] for e in api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=500",
                                                              admin).data["items"]},
               lambda seen: seen.get(changed["id"]) == moved.data["version"])  # the sweep reads the GSIs
    every_check = Rule(lambda params: True, "InvalidParameter", 400)  # not retried: one per check asked
    with deps.override(clock=lambda: NOV16), failing_when(aws.client("sns"), "CheckIfPhoneNumberIsOptedOut",
                                                          [every_check]):
        drain(dispatcher)  # the check that failed leaves that SMS unsent (failed, for the next run)
    assert every_check.injected == 1, "asked again for the changed enrolment only"
    assert [p for p, _ in sms_to(aws_endpoint, [kept["phone"], moved.data["phone"]])] == [kept["phone"]]
    with deps.override(clock=lambda: NOV16):
        again = run(api, admin, pid, "2025-11-16")  # the sweep asks SNS itself: the new number is opted out
        drain(dispatcher)
    assert again["opted_out"] == 1 and len(sms_to(aws_endpoint, [kept["phone"], moved.data["phone"]])) == 1


def test_dry_run_reports_what_would_be_sent_and_its_cost_before_any_sms(api, admin, aws_endpoint, dispatcher,
                                                                        programme):
    pid = programme["id"]
    people = enrol_live(api, admin, pid, 5) + enrol_live(api, admin, pid, 1, phone=False)
    phones = [p["phone"] for p in people if p.get("phone")]
    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        drain(dispatcher)
    assert dry["status"] == "planned" and dry.get("run_id") is None
    assert dry["considered"] == 6 and dry["would_send"]["sms"] == 5 and dry["skipped"] == 1
    price = config.sms_price_idr()
    assert dry["cost"] == {"price_per_sms_idr": price, "sms": 5, "sms_segments": 5, "total_idr": 5 * price}
    assert dry["period_projection"] == {"enrolments": 6, "sms": 20, "total_idr": 20 * price}
    assert sms_to(aws_endpoint, phones) == []  # nothing left
    with deps.override(clock=lambda: NOV16):
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
        after = run(api, admin, pid, "2025-11-16", dry_run=True)
    assert after["would_send"]["sms"] == 0 and after["skipped"] == 6 and after["cost"]["total_idr"] == 0


def test_quiet_hours_defer_sms_to_the_next_run(api, admin, aws_endpoint, dispatcher, programme):
    pid = programme["id"]
    phones = [p["phone"] for p in enrol_live(api, admin, pid, 2)]
    late = datetime(2025, 11, 16, 15, 0, tzinfo=UTC)  # 22:00 WIB
    with deps.override(clock=lambda: late):
        r = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert r["deferred"] == 2 and sms_to(aws_endpoint, phones) == []
    with deps.override(clock=lambda: NOV17):
        run(api, admin, pid, "2025-11-17")
        drain(dispatcher)
    assert sorted(p for p, _ in sms_to(aws_endpoint, phones)) == sorted(phones)


def test_a_dry_run_in_quiet_hours_prices_the_sms_and_says_they_go_at_the_morning_sweep(api, admin, aws_endpoint,
                                                                                    dispatcher, programme):
    pid = programme["id"]
    phones = [p["phone"] for p in enrol_live(api, admin, pid, 3)]
    night = datetime(2025, 11, 15, 19, 30, tzinfo=UTC)  # 02:30 WIB on 16 November
    price = config.sms_price_idr()
    with deps.override(clock=lambda: night):
        plan = run(api, admin, pid, "2025-11-16", dry_run=True)
        assert plan["would_send"]["sms"] == 3 and plan["deferred"] == 3
        assert plan["cost"] == {"price_per_sms_idr": price, "sms": 3, "sms_segments": 3, "total_idr": 3 * price}
        assert plan["sms_schedule"] == [{"at": "2025-11-16T08:00:00+07:00", "sms": 3}]
        live = run(api, admin, pid, "2025-11-16")  # pressed anyway: nothing leaves in the night
        drain(dispatcher)
    assert live["deferred"] == 3 and live["would_send"]["sms"] == 0 and live["cost"]["total_idr"] == 0
    assert live["sms_schedule"] == plan["sms_schedule"] and sms_to(aws_endpoint, phones) == []
    morning = datetime(2025, 11, 16, 1, 0, tzinfo=UTC)  # the 08:00 WIB sweep: what the plan said, at its price
    with deps.override(clock=lambda: morning):
        day = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert day["cost"] == plan["cost"] and day["sms_schedule"] == [{"at": "2025-11-16T08:00:00+07:00", "sms": 3}]
    assert sorted(p for p, _ in sms_to(aws_endpoint, phones)) == sorted(phones)


def test_quiet_hours_that_hold_the_sweep_hour_are_refused(api, admin, programme):
    r = api.call("PUT", f"/v1/programmes/{programme['id']}/reminder-rules", admin,
                 {"quiet_hours": {"start": "20:00", "end": "09:00"}})
    assert r.status_code == 422 and r.data["error"]["code"] == "QUIET_HOURS_INVALID"
    assert "08:00" in r.data["error"]["fields"]["quiet_hours"]


def test_after_the_end_a_worker_not_renewed_is_told_how_to_go_on_alone_once(api, admin, aws_endpoint, dispatcher,
                                                                           programme):
    pid = programme["id"]
    rules = f"/v1/programmes/{pid}/reminder-rules"
    saved = api.call("PUT", rules, admin, {"rules": [{"days_before": 7}, {"days_before": -1, "channels": ["sms"]},
                                                     {"days_before": -7, "channels": ["sms"]}]})
    assert saved.status_code == 200, saved.data
    ended, still_submitted = enrol_live(api, admin, pid, 2), enrol_live(api, admin, pid, 1, status="submitted")
    left = enrol_live(api, admin, pid, 1)[0]
    r = api.call("PATCH", f"/v1/enrolments/{left['id']}", admin, {"status": "withdrawn"},
                 headers={"If-Match": str(left["version"])})
    assert r.status_code == 200, r.data
    phones = [p["phone"] for p in ended + still_submitted + [left]]
    midnight = datetime(2025, 12, 31, 17, 5, tzinfo=UTC)  # 00:05 WIB on 1 January: the period's end
    with deps.override(clock=lambda: midnight):
        assert "period_end" in dispatcher.fire_schedules(midnight)
        drain(dispatcher)
    for p in ended:
        assert api.call("GET", f"/v1/enrolments/{p['id']}", admin).data["status"] == "expired"
    jan1 = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    with deps.override(clock=lambda: jan1):
        eventually(lambda: run(api, admin, pid, "2026-01-01", dry_run=True), lambda plan: plan["considered"] == 3)
        run(api, admin, pid, "2026-01-01")
        drain(dispatcher)
        run(api, admin, pid, "2026-01-02")  # caught-up day: nothing twice
        drain(dispatcher)
    got = sms_to(aws_endpoint, phones)
    assert Counter(p for p, _ in got) == Counter(p["phone"] for p in ended + still_submitted)
    for _, text in got:
        assert "berakhir 31 Desember 2025" in text and "JMO" in text and "3 bln" in text and dr.sms_segments(text) == 1
    history = api.call("GET", f"/v1/enrolments/{ended[0]['id']}/reminders", admin).data["items"]
    assert [(h["rule_id"], h["status"]) for h in history] == [("h+1", "sent")]


def test_admins_get_the_renewal_budget_before_the_period_ends_computed_from_records(api, admin, aws_endpoint,
                                                                                  dispatcher, programme):
    pid = programme["id"]
    boss = f"bupati{random.randrange(10**8)}@muaraenim.example"
    r = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, {"admin_emails": [boss]})
    assert r.status_code == 200 and r.data["budget_days_before"] == [90, 60, 30]
    enrol_live(api, admin, pid, 4)
    enrol_live(api, admin, pid, 1, status="submitted")
    enrol_live(api, admin, pid, 1, status="draft")  # not live: not in the figure
    months, rate = 3, programme["monthly_contribution_idr"]  # 1 October - 31 December
    figure = api.call("GET", f"/v1/programmes/{pid}/renewal-budget", admin).data
    funders = figure.pop("by_funder")
    assert figure == {"programme_id": pid, "period_end": "2025-12-31", "live_members": 5, "months": months,
                      "rate_idr": rate, "total_idr": 5 * months * rate, "funder": programme.get("funder"),
                      "renewed": False, "reminders_days_before": [90, 60, 30], "fiscal_year": 2025}
    mine = next(f for f in funders if f["funder"] == programme.get("funder"))  # other tests' programmes share it
    assert programme["code"] in mine["programme_codes"] and mine["total_idr"] >= 5 * months * rate
    h90 = datetime(2025, 10, 2, 1, 0, tzinfo=UTC)  # 90 days before 31 December, 08:00 WIB
    with deps.override(clock=lambda: h90):
        plan = run(api, admin, pid, "2025-10-02", dry_run=True)
        assert plan["would_send"]["email"] == 1 and plan["would_send"]["sms"] == 0
        run(api, admin, pid, "2025-10-02")
        drain(dispatcher)
        run(api, admin, pid, "2025-10-03")  # caught-up day: not twice
        drain(dispatcher)
    (mail,) = emails_to(aws_endpoint, boss)
    body = _text(mail)
    total = f"Rp {5 * months * rate:,}".replace(",", ".")
    assert "31 Desember 2025" in mail["Subject"] and "90 hari lagi" in mail["Subject"]
    assert f"5 peserta x {months} bulan x Rp {rate:,} = {total}".replace(",", ".") in body
    assert "BELUM diperpanjang" in body and "#/renew" in body and f"Sumber dana: {programme.get('funder')}" in body
    renewed = api.call("POST", f"/v1/programmes/{pid}/renew", admin,
                       {"coverage_start": "2026-01-01", "coverage_end": "2026-03-31"})
    assert renewed.status_code == 202, renewed.data
    drain(dispatcher)
    after = api.call("GET", f"/v1/programmes/{pid}/renewal-budget", admin).data
    assert after["renewed"] and after["renewed_programme_id"] == renewed.data["programme"]["id"]
    h60 = datetime(2025, 11, 1, 1, 0, tzinfo=UTC)
    with deps.override(clock=lambda: h60):
        run(api, admin, pid, "2025-11-01")
        drain(dispatcher)
    later = [m for m in emails_to(aws_endpoint, boss) if "60 hari lagi" in m["Subject"]]
    assert len(later) == 1 and "SUDAH diperpanjang" in _text(later[0])


def test_the_budget_reminder_sums_each_funding_source_over_the_regencys_programmes_of_the_year(
        api, admin, aws_endpoint, dispatcher):
    tag = f"{random.randrange(10**8):08d}"
    apbd, cht = f"APBD Kabupaten uji {tag}", f"DBH CHT uji {tag}"
    q4 = new_programme(api, admin, funder=apbd)  # 1 October - 31 December 2025: 3 months at 16,800
    h2 = new_programme(api, admin, funder=f"  apbd kabupaten   UJI {tag}", coverage_start="2025-07-01",
                       monthly_contribution_idr=20000)  # the same source, typed differently: 6 months at 20,000
    tobacco = new_programme(api, admin, funder=cht)
    old = new_programme(api, admin, funder=apbd, coverage_start="2025-04-01", coverage_end="2025-06-30")
    later = new_programme(api, admin, funder=apbd, coverage_start="2026-01-01", coverage_end="2026-03-31")
    for p, n in ((q4, 3), (h2, 2), (tobacco, 1), (old, 2), (later, 4)):
        enrol_live(api, admin, p["id"], n)
    enrol_live(api, admin, q4["id"], 1, status="draft")  # not live: not in any figure
    renewed = api.call("POST", f"/v1/programmes/{old['id']}/renew", admin,
                       {"coverage_start": "2025-07-01", "coverage_end": "2025-09-30"})
    assert renewed.status_code == 202, renewed.data
    drain(dispatcher)
    successor = renewed.data["programme"]  # ends 30 September 2025, not renewed: it needs a budget too
    figure = api.call("GET", f"/v1/programmes/{q4['id']}/renewal-budget", admin).data
    assert figure["fiscal_year"] == 2025 and figure["total_idr"] == 3 * 3 * 16800
    ours = [f for f in figure["by_funder"] if f["funder"] in (apbd, cht)]
    assert ours == [
        {"funder": apbd, "programmes": 3, "programme_codes": sorted([q4["code"], h2["code"], successor["code"]]),
         "live_members": 3 + 2 + 2, "total_idr": 3 * 3 * 16800 + 2 * 6 * 20000 + 2 * 3 * 16800},
        {"funder": cht, "programmes": 1, "programme_codes": [tobacco["code"]], "live_members": 1,
         "total_idr": 1 * 3 * 16800},
    ], "the renewed period and next year's programme are not in 2025's figure"

    boss = f"bupati{tag}@muaraenim.example"
    assert api.call("PUT", f"/v1/programmes/{q4['id']}/reminder-rules", admin,
                    {"admin_emails": [boss]}).status_code == 200
    with deps.override(clock=lambda: datetime(2025, 10, 2, 1, 0, tzinfo=UTC)):  # H-90 of 31 December
        run(api, admin, q4["id"], "2025-10-02")
        drain(dispatcher)
    (mail,) = emails_to(aws_endpoint, boss)
    body = _text(mail)
    rp = lambda n: f"Rp {n:,}".replace(",", ".")  # noqa: E731
    assert "Per sumber dana, semua program Kabupaten yang berakhir tahun 2025 dan belum diperpanjang:" in body
    assert (f"- {apbd}: {rp(ours[0]['total_idr'])} (3 program: {', '.join(ours[0]['programme_codes'])}; "
            "7 peserta)") in body
    assert f"- {cht}: {rp(3 * 16800)} (1 program: {tobacco['code']}; 1 peserta)" in body


def _text(mail) -> str:
    return next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


def _delivery_log_event(lines: list[dict], failure: bool) -> dict:
    """What a CloudWatch Logs subscription hands the function: SNS's delivery-status lines, gzipped."""
    group = "sns/ap-southeast-3/000000000000/DirectPublishToPhoneNumber" + ("/Failure" if failure else "")
    data = {"messageType": "DATA_MESSAGE", "owner": "000000000000", "logGroup": group, "logStream": "stream",
            "subscriptionFilters": ["lindung-sms-delivery"],
            "logEvents": [{"id": str(i), "timestamp": 1763254800000, "message": json.dumps(line)}
                          for i, line in enumerate(lines)]}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}}


def _sns_line(message_id: str, phone: str, ok: bool, response: str) -> dict:
    return {"notification": {"messageId": message_id, "timestamp": "2025-11-16 01:00:05.120"},
            "delivery": {"destination": phone, "smsType": "Transactional", "providerResponse": response,
                         "priceInUSD": 0.0189, "dwellTimeMs": 1200, "phoneCarrier": "Telkomsel"},
            "status": "SUCCESS" if ok else "FAILURE"}


def test_delivery_status_logs_mark_each_sms_once_and_the_next_digest_asks_for_a_follow_up(
        api, admin, aws_endpoint, dispatcher, programme):
    import app as app_module

    pid = programme["id"]
    operator = f"operator{random.randrange(10**8)}@desa.example"
    r = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin,
                 {"village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [operator]}}})
    assert r.status_code == 200, r.data
    reached, unreachable = enrol_live(api, admin, pid, 2)
    with deps.override(clock=lambda: NOV16):
        first = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    ids = {m["phone_number"]: m["message_id"] for m in sent.sms(aws_endpoint)
           if m["phone_number"] in {reached["phone"], unreachable["phone"]}}
    assert len(ids) == 2
    ok = _delivery_log_event([_sns_line(ids[reached["phone"]], reached["phone"], True,
                                        "Message has been accepted by phone carrier")], failure=False)
    bad = _delivery_log_event([_sns_line(ids[unreachable["phone"]], unreachable["phone"], False,
                                         "Phone is currently unreachable/unavailable"),
                               _sns_line("not-ours", "+6281200000000", False, "Unknown error")], failure=True)
    assert app_module.sms_delivery_status(ok, None) == {"recorded": 1}
    assert app_module.sms_delivery_status(bad, None) == {"recorded": 1, "unknown": 1}
    assert app_module.sms_delivery_status(bad, None) == {"duplicate": 1, "unknown": 1}  # a replay: nothing twice
    history = {p["id"]: api.call("GET", f"/v1/enrolments/{p['id']}/reminders", admin).data["items"]
               for p in (reached, unreachable)}
    assert [(h["status"], h["delivery"]) for h in history[reached["id"]]] == [("sent", "delivered")]
    (failed,) = history[unreachable["id"]]
    assert failed["delivery"] == "failed" and failed["delivery_reason"] == "Phone is currently unreachable/unavailable"
    progress = api.call("GET", f"/v1/reminders/runs/{first['run_id']}", admin).data
    assert progress["delivered"] == 1 and progress["delivery_failed"] == 1
    dec1 = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)  # H-30: the village digest asks for a personal follow-up
    with deps.override(clock=lambda: dec1):
        run(api, admin, pid, "2025-12-01")
        drain(dispatcher)
    digest = next(m for m in emails_to(aws_endpoint, operator) if "30 hari lagi" in _text(m))
    text = _text(digest)
    follow_up = text.split("TIDAK SAMPAI", 1)[1]
    assert unreachable["name"] in follow_up and f"https://wa.me/{unreachable['phone'][1:]}?text=" in follow_up
    assert reached["name"] not in follow_up.split("Daftar lengkap")[0] or reached["name"] == unreachable["name"]


def test_after_the_end_the_village_and_admin_digests_list_who_ended_and_was_not_renewed_once(
        api, admin, aws_endpoint, dispatcher, programme):
    pid = programme["id"]
    tag = f"{random.randrange(10**8)}"
    operator, boss = f"operator{tag}@desa.example", f"admin{tag}@muaraenim.example"
    r = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin,
                 {"rules": [{"days_before": 7}, {"days_before": -1}, {"days_before": -7, "channels": ["sms"]}],
                  "admin_emails": [boss], "village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [operator]}}})
    assert r.status_code == 200, r.data  # H+1 by SMS and email (the default channels), H+7 by SMS only
    ended_a, ended_b = enrol_live(api, admin, pid, 2), enrol_live(api, admin, pid, 1, village=VILLAGE_B)
    still_submitted = enrol_live(api, admin, pid, 1, status="submitted")  # live, its period end not run for it
    left = enrol_live(api, admin, pid, 1)[0]
    assert api.call("PATCH", f"/v1/enrolments/{left['id']}", admin, {"status": "withdrawn"},
                    headers={"If-Match": str(left["version"])}).status_code == 200
    midnight = datetime(2025, 12, 31, 17, 5, tzinfo=UTC)  # 00:05 WIB on 1 January: the period's end
    with deps.override(clock=lambda: midnight):
        assert "period_end" in dispatcher.fire_schedules(midnight)
        drain(dispatcher)
    jan1 = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    with deps.override(clock=lambda: jan1):
        plan = eventually(lambda: run(api, admin, pid, "2026-01-01", dry_run=True),
                          lambda plan: plan["considered"] == 4)
        assert plan["would_send"] == {"sms": 4, "email": 2, "whatsapp_links": 3}
        run(api, admin, pid, "2026-01-01")
        drain(dispatcher)
        run(api, admin, pid, "2026-01-02")  # caught-up day: no digest twice
        drain(dispatcher)
    (village_mail,) = emails_to(aws_endpoint, operator)
    assert village_mail["Subject"].startswith("Sudah berakhir: 3 peserta") and "sejak 31 Desember 2025" in \
        village_mail["Subject"] and "Embawang" in village_mail["Subject"]
    body, attachment = [part for part in village_mail.walk() if not part.is_multipart()]
    text = body.get_payload(decode=True).decode()
    assert "(1 hari lalu) dan belum diperpanjang" in text and "JMO" in text and "3 bulan" in text
    rows = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode())))
    in_a = ended_a + still_submitted
    assert sorted(r["hp"].lstrip("'") for r in rows) == sorted(p["phone"] for p in in_a)
    assert {r["hari_sejak_berakhir"] for r in rows} == {"1"} and "hari_lagi" not in rows[0]
    for row in rows:
        said = unquote(row["tautan_whatsapp"].partition("?text=")[2])
        assert "sudah berakhir 31 Desember 2025 dan belum diperpanjang" in said and "JMO" in said
    (admin_mail,) = emails_to(aws_endpoint, boss)
    admin_rows = list(csv.DictReader(io.StringIO(
        next(p for p in admin_mail.walk() if p.get_filename()).get_payload(decode=True).decode())))
    assert sorted(r["id_kepesertaan"] for r in admin_rows) == sorted(p["id"] for p in in_a + ended_b)
    assert left["id"] not in {r["id_kepesertaan"] for r in admin_rows}, "withdrawn: not told it ended"
    assert admin_mail["Subject"].startswith("Sudah berakhir: 4 peserta") and "(semua desa)" in admin_mail["Subject"]


def test_village_digest_lists_who_expires_with_whatsapp_links_and_csv(api, admin, aws_endpoint, dispatcher,
                                                                      programme):
    pid = programme["id"]
    tag = f"{random.randrange(10**8)}"
    operator, boss = f"operator{tag}@desa.example", f"admin{tag}@muaraenim.example"
    r = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin,
                 {"admin_emails": [boss], "village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [operator]}}})
    assert r.status_code == 200, r.data
    in_a = enrol_live(api, admin, pid, 3)
    enrol_live(api, admin, pid, 2, village=VILLAGE_B)
    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        assert dry["would_send"] == {"sms": 5, "email": 2, "whatsapp_links": 3}
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
        run(api, admin, pid, "2025-11-16")  # rerun: no second digest
        drain(dispatcher)
    (village_mail,) = emails_to(aws_endpoint, operator)
    assert "3 peserta" in village_mail["Subject"] and "Embawang" in village_mail["Subject"]
    body, attachment = [part for part in village_mail.walk() if not part.is_multipart()]
    text = body.get_payload(decode=True).decode()
    rows = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode())))
    assert attachment.get_filename().endswith(".csv") and len(rows) == 3
    for p in in_a:
        link = next(r["tautan_whatsapp"] for r in rows if r["hp"].lstrip("'") == p["phone"])  # names may repeat
        assert link.startswith(f"https://wa.me/{p['phone'][1:]}?text=") and link in text
        assert " " not in link and p["nik"] not in text
    (admin_mail,) = emails_to(aws_endpoint, boss)
    admin_rows = list(csv.DictReader(io.StringIO(
        next(p for p in admin_mail.walk() if p.get_filename()).get_payload(decode=True).decode())))
    assert len(admin_rows) == 5 and "hp" not in admin_rows[0]
    # what people read: labels, names, "31 Desember 2025"; never a code or an ISO date
    admin_text = next(p for p in admin_mail.walk() if p.get_content_type() == "text/plain").get_payload(
        decode=True).decode()
    for words in (text, admin_text):
        assert "Perangkat Desa" in words and "31 Desember 2025" in words
        assert "perangkat_desa" not in words and "2025-12-31" not in words and "16.03.01" not in words
    assert {r["kecamatan"] for r in admin_rows} == {"Tanjung Agung"} and {r["desa"] for r in admin_rows} == {
        "Embawang", "Pagar Dewa"}
    assert {r["kategori"] for r in admin_rows + rows} == {"Perangkat Desa"}
    assert {r["berakhir"] for r in admin_rows + rows} == {"31 Desember 2025"}
    # each digest names its recipient once (SES and the emulator take them from the To header)
    (recorded,) = [m for m in raw_emails(aws_endpoint) if operator in m["destinations"]]
    assert recorded["destinations"] == [operator] and village_mail.get_all("To") == [operator]


def test_reminder_history_is_scoped_like_other_enrolment_reads(api, admin, tokens_for, programme):
    e = enrol_live(api, admin, programme["id"], 1)[0]
    own = tokens_for("officer", [VILLAGE_A])
    other = tokens_for("officer", [VILLAGE_B])
    assert api.call("GET", f"/v1/enrolments/{e['id']}/reminders", own).status_code == 200
    r = api.call("GET", f"/v1/enrolments/{e['id']}/reminders", other)
    assert r.status_code == 403 and r.data["error"]["code"] == "VILLAGE_FORBIDDEN"
    assert api.call("GET", "/v1/enrolments/01NOPE/reminders", admin).status_code == 404
    assert api.call("POST", "/v1/reminders/run", own, {"dry_run": True}).status_code == 403


@pytest.mark.lane("moto")  # checks moto's own sent log against moto's data.json
def test_sent_log_endpoint_reports_exactly_what_moto_data_json_records():
    """On a moto server of its own: data.json dumps every table too, which on the suite's
    shared server grows past a minute to serialise."""
    import boto3

    from devtools import emulator
    from tests.integration.sent import _moto

    port = emulator.free_port()
    proc = emulator.start_moto(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        emulator.wait_http(f"{endpoint}/moto-api/lindung/sent.json", timeout=60, proc=proc)
        sns = boto3.client("sns", endpoint_url=endpoint, region_name=config.region())
        ses = boto3.client("ses", endpoint_url=endpoint, region_name=config.region())
        for n in range(3):
            sns.publish(PhoneNumber=f"+628120000000{n}", Message=f"uji {n}")
        ses.verify_email_identity(EmailAddress="lindung@muaraenim.example")
        for n in range(2):
            ses.send_raw_email(Source="lindung@muaraenim.example", Destinations=[f"kades{n}@desa.example"],
                               RawMessage={"Data": f"Subject: uji {n}\n\nisi"})
        full = requests.get(f"{endpoint}/moto-api/data.json", timeout=60).json()
        mine = _moto(endpoint)
    finally:
        emulator.stop(proc)
    assert len(mine["sms"]) == 3 and len(mine["raw_emails"]) == 2
    assert sorted(m["message_id"] for m in full.get("sns", {}).get("SMS", [])) == \
        sorted(m["message_id"] for m in mine["sms"])
    assert sorted(m["id"] for m in full.get("ses", {}).get("RawMessage", [])) == \
        sorted(m["id"] for m in mine["raw_emails"])


def test_names_as_typed_go_out_spelt_in_gsm7_one_segment(api, admin, aws_endpoint, dispatcher, programme):
    pid = programme["id"]
    names = ["Siti Nur’aini", "Zoë Maʼruf", "Raden Roro Ayu Kusumawardhani Nur’aini Binti Abdul"]
    people = []
    for name in names:
        p = new_person(phone=f"+62812{next(_phones):08d}"[:14], name=name, status="active",
                       kpj_number=f"{random.randrange(10**10, 10**11)}")
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, p)
        assert r.status_code == 201, r.data
        people.append(r.data)
    preview = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin,
                       {"enrolment_id": people[0]["id"]}).data
    assert "Siti Nur'aini" in preview["sms"]["text"] and preview["sms"]["segments"] == 1
    wait_indexed(api, admin, pid, [p["id"] for p in people])
    preview = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin, {}).data
    assert preview["sms"]["programme_names"] == {"names": 3, "over_one_segment": 0}
    long_text = {"templates": {"sms": "{name}, " + "Perlindungan BPJS Ketenagakerjaan dari Pemkab Muara Enim. " * 2
                               + "Berakhir {end_date}."}}  # 144 characters with the date: over 160 for names of 17+
    preview = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin, long_text).data
    assert preview["sms"]["programme_names"] == {"names": 3, "over_one_segment": 1}
    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    sent = dict(sms_to(aws_endpoint, [p["phone"] for p in people]))
    assert len(sent) == 3
    texts = [sent[p["phone"]] for p in people]
    assert "Yth. Siti Nur'aini," in texts[0] and "Yth. Zoe Ma'ruf," in texts[1]
    assert "Raden Roro Ayu Kusumawardhani Nur'aini Binti Abdul" in texts[2]
    assert all(t.isascii() for t in texts)
    # priced from what went out: one GSM-7 segment each, the 51-character name too
    assert [dr.sms_segments(t) for t in texts] == [1, 1, 1] and dry["cost"]["sms_segments"] == 3


def test_dry_run_run_and_rerun_share_one_cost_model(api, admin, aws_endpoint, dispatcher, programme):
    pid = programme["id"]
    long_name = "Raden Roro Ayu Kusumawardhani Sulistyaningsih Prasetyaningrum Binti Abdul"  # two segments
    people = enrol_live(api, admin, pid, 4) + enrol_live(api, admin, pid, 1, phone=False)
    p = new_person(phone=f"+62812{next(_phones):08d}"[:14], name=long_name, status="active",
                   kpj_number=f"{random.randrange(10**10, 10**11)}")
    r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, p)
    assert r.status_code == 201, r.data
    people.append(r.data)
    wait_indexed(api, admin, pid, [x["id"] for x in people])  # the sweep reads a GSI
    phones = [x["phone"] for x in people if x.get("phone")]
    price = config.sms_price_idr()
    figures = ("would_send", "cost", "period_projection", "skipped", "considered", "deferred")
    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        live = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    assert dry["cost"] == {"price_per_sms_idr": price, "sms": 5, "sms_segments": 6, "total_idr": 6 * price}
    assert {k: dry[k] for k in figures} == {k: live[k] for k in figures}  # what the plan priced is what ran
    sent = sms_to(aws_endpoint, phones)
    assert len(sent) == 5 and sum(dr.sms_segments(t) for _, t in sent) == live["cost"]["sms_segments"]
    progress = api.call("GET", f"/v1/reminders/runs/{live['run_id']}", admin).data
    assert (progress["sent"], progress["status"], progress["cost"]["total_idr"]) == (5, "done", 6 * price)

    with deps.override(clock=lambda: NOV16):  # the same day again: nothing to send, nothing to pay
        again_dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        again = run(api, admin, pid, "2025-11-16")
        drain(dispatcher)
    for r in (again_dry, again):
        assert r["would_send"]["sms"] == 0 and r["queued_messages"] == 0
        assert r["cost"] == {"price_per_sms_idr": price, "sms": 0, "sms_segments": 0, "total_idr": 0}
        assert r["skipped"] == 6 and r["period_projection"] == dry["period_projection"]
    assert again["status"] == "done"
    progress = api.call("GET", f"/v1/reminders/runs/{again['run_id']}", admin).data
    assert (progress["sent"], progress["skipped"], progress["status"]) == (0, 6, "done")
    assert progress["would_send"]["sms"] == 0 and progress["cost"]["total_idr"] == 0
    assert len(sms_to(aws_endpoint, phones)) == 5
