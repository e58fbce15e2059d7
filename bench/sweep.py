"""The reminder sweep's throughput against SNS's account rate, through the running stack.

`python -m bench.sweep --due 26775 --rate 20` (`make bench-sweep`): the emulator limits SMS Publish to
`--rate` a second (devtools/moto_server.py 9., LINDUNG_SNS_MPS: beyond it SNS's Throttling, which the
SNS client retries with backoff), `--due` live enrolments with a phone are due today (H-45), the
`make run` stack (chalice local + the dispatcher's concurrent consumers) is started by the bench, and
`POST /v1/reminders/run` is timed until `GET /v1/reminders/runs/{id}` says done. SMS a sweep could
not send (throttled past the client's retries) are sent by reruns, as the next daily sweep would;
the time counts until every due SMS has gone. The floor is due / rate seconds: no sweep can be
faster than the channel. Printed as a ratio to the floor (goal <= 1.2x), with the settings.
Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from datetime import timedelta

import requests

os.environ["LINDUNG_STAGE"] = "local"
os.environ.setdefault("LINDUNG_TABLE_PREFIX", f"lindung-sweep-{uuid.uuid4().hex[:6]}")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

REGENCY = "16.03"


def _fill(pid: str, due: int, end: str, start: str) -> set[str]:
    """`due` active enrolments with phones, cover ending on `end`; returns their phones."""
    from chalicelib.domain.enrolment import Enrolment, district_of
    from chalicelib.store import bulk
    from chalicelib.store import enrolments as repo
    from devtools.people import person

    phones: set[str] = set()

    def items():
        for i in range(10**6, 10**7):
            if len(phones) == due:
                return
            phone = f"+62813{i:08d}"
            if phone.endswith("99"):  # moto's SNS lists numbers ending in 99 as opted out
                continue
            phones.add(phone)
            p = person(i, "16.03.01.2011", "linmas")
            yield repo.to_model(Enrolment(
                id=f"SWEEP{i:010d}", regency=REGENCY, programme_id=pid, nik=p["nik"], name=p["name"],
                birth_date=p["birth_date"], sex=p["sex"], village_code=p["village_code"], phone=phone,
                district_code=district_of(p["village_code"]), category="linmas", status="active",
                coverage_start=start, coverage_end=end, version=1, created_at="2026-01-01T00:00:00.000Z",
                updated_at="2026-01-01T00:00:00.000Z", created_by="bench", updated_by="bench",
                kpj_number="12345678901"))

    bulk.put_all(items())
    return phones


def _sent(endpoint: str, phones: set[str]) -> tuple[int, int]:
    got = requests.get(f"{endpoint}/moto-api/lindung/sent.json", timeout=60).json()
    return sum(1 for m in got["sms"] if m["phone_number"] in phones), int(got.get("sms_throttled", 0))


def _watch(endpoint: str, phones: set[str], started: float, marks: dict, done: threading.Event) -> None:
    """When the first SMS reached the emulated SNS (after the plan and the first receive) and when the
    last did (the polling of the run's status adds up to its 0.5 s after that): where the time goes."""
    while not done.wait(1.0):  # each sample lists every SMS the emulator holds: not more often
        sent = _sent(endpoint, phones)[0]
        now = time.perf_counter() - started
        if sent and "first_sms_s" not in marks:
            marks["first_sms_s"] = now
        if sent >= len(phones) and "last_sms_s" not in marks:
            marks["last_sms_s"] = now


def _run_once(base: str, token: str, pid: str, timeout: float, marks: dict) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    posted = time.perf_counter()
    r = requests.post(f"{base}/v1/reminders/run", json={"programme_id": pid}, headers=headers, timeout=600)
    r.raise_for_status()
    marks.setdefault("planned_s", time.perf_counter() - posted)
    run = r.json()
    deadline = time.monotonic() + timeout
    while run["status"] != "done" and run.get("run_id"):
        if time.monotonic() > deadline:
            raise SystemExit(f"run {run['run_id']} not done after {timeout:.0f} s: {run}")
        time.sleep(0.5)  # polling the run's progress, as the admin's screen does
        run = requests.get(f"{base}/v1/reminders/runs/{run['run_id']}", headers=headers, timeout=60).json()
    return run


def bench(due: int, rate: float, workers: int | None, reruns: int) -> dict:
    os.environ["LINDUNG_SNS_MPS"] = str(rate)  # read by the emulator this bench starts
    os.environ.setdefault("LINDUNG_SMS_MPS", str(rate))  # the senders pace to the account rate (notify/sns_sms.py)
    from bench import user_path
    from chalicelib import config
    from chalicelib.api.schemas import ProgrammeIn
    from chalicelib.auth import User
    from chalicelib.domain.clock import today_wib
    from chalicelib.services import deps, programmes, reference
    from devtools import emulator, stack, tokens

    with emulator.emulator(emulator.free_port()) as endpoint:
        stack.deploy()
        reference.seed_regions()
        tokens.ensure_keys()
        today = today_wib(deps.default().clock)
        end, start = today + timedelta(days=45), today - timedelta(days=60)  # H-45 is due today
        programme = programmes.create(deps.default(), User(sub="bench", role="admin", regency=REGENCY), ProgrammeIn(
            code=f"SWEEP-{uuid.uuid4().hex[:4].upper()}", name="Pekerja Rentan Muara Enim", coverage_start=start,
            coverage_end=end, monthly_contribution_idr=16800).model_dump(mode="json"))
        filled = time.perf_counter()
        phones = _fill(programme["id"], due, end.isoformat(), start.isoformat())
        fill_s = time.perf_counter() - filled
        with user_path.running_stack(endpoint, workers) as running:
            token = tokens.mint("admin", [], ttl=6 * 3600)
            runs = []
            before = user_path.dynamodb_requests(endpoint)
            marks: dict = {}
            watching = threading.Event()
            started = time.perf_counter()
            watcher = threading.Thread(target=_watch, args=(endpoint, phones, started, marks, watching), daemon=True)
            watcher.start()
            for _ in range(1 + reruns):
                runs.append(_run_once(running.base, token, programme["id"], max(600.0, 20 * due / rate), marks))
                if _sent(endpoint, phones)[0] >= due:
                    break
            seconds = time.perf_counter() - started
            watching.set()
            watcher.join()
            requests_made = user_path.dynamodb_requests(endpoint) - before
        sent, throttled = _sent(endpoint, phones)
    floor = due / rate
    return {"due": due, "rate": rate, "seconds": seconds, "floor": floor, "ratio": seconds / floor, "sent": sent,
            "throttled": throttled, "runs": len(runs), "dynamodb_requests": requests_made,
            "failed_first_run": runs[0].get("failed", 0), **marks,
            "fill_s": fill_s, "workers": workers or int(os.environ.get("LINDUNG_DISPATCH_WORKERS", "4")),
            "chunk": config.reminder_chunk(), "sqs_batch": _reminder_batch_size(), "sms_mps": config.sms_send_rate()}


def _reminder_batch_size() -> int:
    """The send_reminders event source's batch size, from app.py itself."""
    from chalice.app import SQSEventConfig

    import app

    return next(c.batch_size for c in app.app.event_sources
                if isinstance(c, SQSEventConfig) and c.name == "send_reminders")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=26_775, help="SMS due today (default: every Muara Enim member)")
    parser.add_argument("--rate", type=float, default=20.0, help="SNS SMS per second (transactional MPS)")
    parser.add_argument("--workers", type=int, default=None, help="dispatcher consumers per queue")
    parser.add_argument("--reruns", type=int, default=3, help="reruns for SMS a run could not send")
    args = parser.parse_args()
    r = bench(args.due, args.rate, args.workers, args.reruns)
    print(f"sweep: {r['due']:,} due SMS through the running stack ({r['workers']} consumers on the reminders queue, "
          f"SQS batch {r['sqs_batch']} message(s) x {r['chunk']} enrolments, senders paced to {r['sms_mps']:g}/s), "
          f"SNS limited to {r['rate']:g}/s: "
          f"{r['sent']:,} sent in {r['seconds']:.1f} s over {r['runs']} run(s) ({r['failed_first_run']} not sent "
          f"by the first run), {r['throttled']:,} Publish calls throttled by the emulated SNS and retried")
    print(f"floor: {r['due']:,} / {r['rate']:g} per s = {r['floor']:.1f} s  (seeding {r['fill_s']:.1f} s, not counted)")
    print(f"where the time goes: plan (POST /v1/reminders/run) {r.get('planned_s', 0):.1f} s, first SMS at "
          f"{r.get('first_sms_s', 0):.1f} s, last at {r.get('last_sms_s', r['seconds']):.1f} s (sampled every 1 s), "
          f"run seen done at {r['seconds']:.1f} s")
    print(f"DynamoDB requests per reminder: {r['dynamodb_requests'] / max(1, r['sent']):.2f} "
          f"({r['dynamodb_requests']:,} served by the emulator during the runs, every process of the stack)")
    print(f"SWEEP THROUGHPUT RATIO {r['ratio']:.2f}x the floor  (goal <= 1.2x; {r['sent'] / r['seconds']:.1f} SMS/s)")
    return 0 if r["sent"] >= r["due"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
