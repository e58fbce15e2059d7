"""NIK and phone numbers never reach the logs: a full local run (chalice local + dispatcher, all
of their output captured) enrols known people, walks the success and error paths, and the
captured logs are searched for every NIK and phone number in every spelling."""

from __future__ import annotations

import re

import requests

from devtools import tokens
from tests.figures import record
from tests.integration.helpers import PROGRAMME, VILLAGE_A, VILLAGE_B, new_person


def _spellings_of_phone(local: str) -> set[str]:
    """0812..., 62812..., +62812..., 812..."""
    rest = local[1:]
    return {local, "62" + rest, "+62" + rest, rest}


def test_a_full_run_logs_no_nik_and_no_phone(http_stack):
    base, log_path = http_stack
    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    officer = {"Authorization": f"Bearer {tokens.mint('officer', [VILLAGE_B])}"}
    s = requests.Session()
    p = s.post(f"{base}/v1/programmes", headers=admin, json={**PROGRAMME, "code": "LOGS-1"}, timeout=10).json()
    people = [new_person(VILLAGE_A) for _ in range(5)]
    secrets: set[str] = set()
    for person in people:
        secrets.add(person["nik"])
        secrets |= _spellings_of_phone(person["phone"])
        r = s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, json=person, timeout=10)
        assert r.status_code == 201, r.text
        person["_id"], person["_version"] = r.json()["id"], r.json()["version"]
    body = [{k: v for k, v in person.items() if not k.startswith("_")} for person in people]
    first = people[0]
    # error paths, each carrying personal data in the request
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, json=body[0],
                  timeout=10).status_code == 409
    bad_nik = first["nik"][:6] + "99" + first["nik"][8:]  # day 99: malformed
    secrets.add(bad_nik)
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, timeout=10,
                  json={**new_person(VILLAGE_A), "nik": bad_nik}).status_code == 422
    bad_phone = "0899" + first["phone"][4:] + "12345"  # too long
    secrets |= _spellings_of_phone(bad_phone)
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, timeout=10,
                  json={**new_person(VILLAGE_A), "phone": bad_phone}).status_code == 422
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=officer, json=body[1],
                  timeout=10).status_code == 403
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", timeout=10, headers={**admin,
                  "Content-Type": "application/json"}, data='{"nik": "' + first["nik"] + '", ').status_code == 400
    # reads and changes
    assert s.get(f"{base}/v1/workers/{first['nik']}", headers=admin, timeout=10).status_code == 200
    assert s.get(f"{base}/v1/programmes/{p['id']}/enrolments", params={"q": first["nik"]}, headers=admin,
                 timeout=10).status_code == 200
    new_phone = "081377778888"
    secrets |= _spellings_of_phone(new_phone)
    r = s.patch(f"{base}/v1/enrolments/{first['_id']}", headers={**admin, "If-Match": str(first["_version"])},
                json={"phone": new_phone}, timeout=10)
    assert r.status_code == 200, r.text
    assert s.patch(f"{base}/v1/enrolments/{first['_id']}", headers={**admin, "If-Match": str(first["_version"])},
                   json={"phone": "081399990000"}, timeout=10).status_code == 409
    secrets |= _spellings_of_phone("081399990000")
    assert s.get(f"{base}/v1/enrolments/{first['_id']}/audit", headers=admin, timeout=10).status_code == 200
    assert s.delete(f"{base}/v1/enrolments/{people[2]['_id']}", headers=admin, timeout=10).status_code == 204
    assert s.get(f"{base}/v1/workers/{bad_nik}", headers=admin, timeout=10).status_code == 404

    logs = log_path.read_text()
    assert "enrolment created" in logs and "request refused" in logs, "the run's logs were captured"
    leaks = sorted(secret for secret in secrets if re.search(rf"(?<!\d){re.escape(secret)}(?!\d)", logs))
    record("log_lines_scanned_for_personal_data", logs.count("\n"))
    assert not leaks, f"{len(leaks)} NIK/phone values in the logs, e.g. " + "; ".join(
        line[:200] for line in logs.splitlines() if any(x in line for x in leaks[:3]))[:2000]


def _wait(get, done, timeout=90.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = get()
        if done(got):
            return got
        time.sleep(0.5)
    raise AssertionError(f"not done within {timeout:.0f}s: {got}")


def test_a_sweep_an_import_with_bad_rows_and_a_sync_log_no_nik_and_no_phone(http_stack, aws_endpoint):
    """The background paths too: the reminder sweep (SMS texts, the village digest with WhatsApp
    links, through the local dispatcher), an import whose bad rows carry NIKs and phone numbers,
    and an offline device's sync with a rejected and a conflicting operation."""
    import csv
    import io
    import uuid
    from datetime import UTC, date, datetime, timedelta

    from chalicelib.domain.clock import today_wib
    from tests.integration.sent import sms_to

    base, log_path = http_stack
    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    officer = {"Authorization": f"Bearer {tokens.mint('officer', [VILLAGE_A])}"}
    s = requests.Session()
    # cover that ends in 7 days, so the sweep of today (real clock, as `make run` has) is due
    end: date = today_wib(lambda: datetime.now(UTC)) + timedelta(days=7)
    p = s.post(f"{base}/v1/programmes", headers=admin, timeout=10, json={
        **PROGRAMME, "code": f"LOGS-{uuid.uuid4().hex[:6].upper()}",
        "coverage_start": (end - timedelta(days=90)).isoformat(), "coverage_end": end.isoformat()}).json()
    pid = p["id"]
    r = s.put(f"{base}/v1/programmes/{pid}/reminder-rules", headers=admin, timeout=10, json={
        "quiet_hours": None, "admin_emails": ["dpmd@muaraenim.example"],
        "village_contacts": {VILLAGE_A: {"name": "Bu Rina", "phone": "081211112222", "emails": ["ops@desa.example"]}}})
    assert r.status_code == 200, r.text
    secrets: set[str] = set(_spellings_of_phone("081211112222"))

    people = [new_person(VILLAGE_A, status="active", kpj_number=f"2511{i:07d}") for i in range(3)]
    for person in people:
        secrets.add(person["nik"])
        secrets |= _spellings_of_phone(person["phone"])
        assert s.post(f"{base}/v1/programmes/{pid}/enrolments", headers=admin, json=person,
                      timeout=10).status_code == 201
    _wait(lambda: s.get(f"{base}/v1/programmes/{pid}/enrolments?limit=500", headers=admin, timeout=10).json(),
          lambda page: len(page["items"]) == len(people))  # the sweep reads a GSI
    run = s.post(f"{base}/v1/reminders/run", headers=admin, json={"programme_id": pid}, timeout=30).json()
    assert run["would_send"]["sms"] == 3 and run["would_send"]["email"] == 2, run
    _wait(lambda: s.get(f"{base}/v1/reminders/runs/{run['run_id']}", headers=admin, timeout=10).json(),
          lambda g: g.get("status") == "done")
    e164 = ["+62" + x["phone"][1:] if x["phone"].startswith("0") else x["phone"] for x in people]
    assert len(sms_to(aws_endpoint, e164)) == 3, "the sweep really sent"

    # an import with bad rows: a malformed NIK, a bad phone, the same NIK twice
    rows = [new_person(VILLAGE_A) for _ in range(4)]
    bad_nik = rows[0]["nik"][:6] + "99" + rows[0]["nik"][8:]
    rows[1] = {**rows[1], "phone": "0899" + rows[1]["phone"][4:] + "12345"}
    rows[0] = {**rows[0], "nik": bad_nik}
    rows.append({**rows[2], "name": "Kembar"})
    for row in rows:
        secrets.add(row["nik"])
        secrets |= _spellings_of_phone(row["phone"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nik", "name", "birth_date", "sex", "phone", "village_code", "category"])
    writer.writerows([x["nik"], x["name"], x["birth_date"], x["sex"], x["phone"], x["village_code"], x["category"]]
                     for x in rows)
    started = s.post(f"{base}/v1/programmes/{pid}/imports?filename=roster.csv", data=out.getvalue().encode(),
                     headers={**admin, "Content-Type": "text/csv"}, timeout=30)
    assert started.status_code == 202, started.text
    job = _wait(lambda: s.get(f"{base}/v1/imports/{started.json()['import_id']}", headers=admin, timeout=10).json(),
                lambda g: g["status"] in {"done", "failed"})
    assert (job["status"], job["accepted"], job["rejected"]) == ("done", 2, 3), job

    # a device syncs: one create, one rejected (bad NIK and phone), one stale update
    fresh, broken = new_person(VILLAGE_A), new_person(VILLAGE_A, phone="0812345")
    broken["nik"] = broken["nik"][:8] + "13" + broken["nik"][10:]  # month 13
    for x in (fresh, broken):
        secrets.add(x["nik"])
        secrets |= _spellings_of_phone(x["phone"])

    def op(kind, **kw):
        return {"op_id": str(uuid.uuid4()), "op": kind, "type": "enrolment", "programme_id": pid, **kw}

    pushed = s.post(f"{base}/v1/sync", headers=officer, timeout=30, json={"operations": [
        op("create", data=fresh), op("create", data=broken)]}).json()
    statuses = [x["status"] for x in pushed["results"]]
    assert statuses == ["applied", "rejected"], pushed
    eid = pushed["results"][0]["id"]
    stale = s.post(f"{base}/v1/sync", headers=officer, timeout=30, json={"operations": [
        op("update", id=eid, version=1, data={"phone": "081355556666"}),
        op("update", id=eid, version=1, data={"phone": "081377779999"})]}).json()
    secrets |= _spellings_of_phone("081355556666") | _spellings_of_phone("081377779999")
    assert [x["status"] for x in stale.get("results", [])] == ["applied", "conflict"], stale
    assert s.get(f"{base}/v1/sync", headers=officer, timeout=30).status_code == 200

    logs = log_path.read_text()
    for marker in ("reminder sweep planned", "import planned"):
        assert marker in logs, f"{marker!r} not in the captured logs"
    leaks = sorted(secret for secret in secrets if re.search(rf"(?<!\d){re.escape(secret)}(?!\d)", logs))
    record("log_lines_scanned_for_personal_data_background", {"lines": logs.count("\n"), "secrets": len(secrets)})
    assert not leaks, f"{len(leaks)} NIK/phone values in the logs, e.g. " + "; ".join(
        line[:300] for line in logs.splitlines() if any(x in line for x in leaks[:3]))[:3000]


# ---------- issue 12.12: spelled and encoded paths, unknown paths, exception texts ----------
def _normalised(text: str) -> str:
    """What a reader or a grep recovers from a log: percent-decoded twice, digit separators gone."""
    from urllib.parse import unquote

    return re.sub(r"(?<=\d)[-. _/+()]+(?=\d)", "", unquote(unquote(text)))


def _nik_spellings(nik: str) -> list[str]:
    from urllib.parse import quote

    groups = [nik[i:i + 4] for i in range(0, 16, 4)]
    return [f"%3{nik[0]}{nik[1:]}", "-".join(groups), "%20".join(groups), "%2D".join(groups), ".".join(groups),
            "".join(f"%{ord(c):02X}" for c in nik), quote("-".join(groups)), f"%25{ord(nik[0]):02X}{nik[1:]}"]


def test_spelled_and_encoded_paths_and_unknown_paths_log_no_nik_and_echo_no_token(http_stack):
    base, log_path = http_stack
    token = tokens.mint("admin")
    admin = {"Authorization": f"Bearer {token}"}
    s = requests.Session()
    p = s.post(f"{base}/v1/programmes", headers=admin, json={**PROGRAMME, "code": "LOGS-ENC"}, timeout=10).json()
    person = new_person(VILLAGE_A)
    assert s.post(f"{base}/v1/programmes/{p['id']}/enrolments", headers=admin, json=person,
                  timeout=10).status_code == 201
    nik, phone = person["nik"], person["phone"]
    asked = 0
    for spelled in _nik_spellings(nik):
        r = s.get(f"{base}/v1/workers/{spelled}", headers=admin, timeout=10)
        assert r.status_code < 500, (spelled, r.status_code, r.text)
        r = s.get(f"{base}/v1/programmes/{p['id']}/enrolments?q={spelled}", headers=admin, timeout=10)
        assert r.status_code < 500, (spelled, r.status_code)
        asked += 2
    phone_groups = [phone[:4], phone[4:8], phone[8:]]
    for spelled in ("-".join(phone_groups), "%20".join(phone_groups), "%2B62" + phone[1:]):
        assert s.get(f"{base}/v1/programmes/{p['id']}/enrolments?q={spelled}", headers=admin,
                     timeout=10).status_code < 500
        asked += 1
    # the review: chalice local answered an unknown path with a 403 quoting the Authorization header
    unknown = s.get(f"{base}/v1/no-such-route/{nik}", headers=admin, timeout=10)
    assert unknown.status_code == 404, unknown.text
    assert unknown.json() == {"error": {"code": "NOT_FOUND", "message": "Alamat ini tidak ada di API", "fields": {}}}
    assert token not in unknown.text and token.split(".")[1] not in unknown.text
    assert s.post(f"{base}/nope", headers=admin, timeout=10).status_code == 404

    logs = log_path.read_text()
    assert f"/v1/programmes/{p['id']}/enrolments" in logs, "the access log lines were captured"
    normalised = _normalised(logs)
    record("encoded_path_requests_scanned", {"requests": asked + 2, "log_lines": logs.count("\n")})
    assert nik not in normalised, [line[:200] for line in logs.splitlines() if nik[:6] in _normalised(line)][:5]
    assert phone[1:] not in normalised
    assert token.split(".")[1] not in logs, "no token in the logs either"


def test_exception_texts_never_reach_the_logs(api, admin, monkeypatch):
    """An openpyxl IllegalCharacterError quotes the cell (a worker's name) in its message: the
    API's 500 and a queue handler's failure log type and frames, never that text."""
    import io
    import logging

    import pytest
    from openpyxl.utils.exceptions import IllegalCharacterError

    import app as app_module
    from chalicelib.observability import HandlerFailed, logger
    from chalicelib.services import exports, imports

    name = "Siti Aminah binti Rusdi"

    def boom(*_a, **_k):
        raise IllegalCharacterError(f"{name}\x01 cannot be used in worksheets.")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # what the function prints to CloudWatch: its own formatter
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    monkeypatch.setattr(exports, "export", boom)
    from tests.integration.helpers import new_programme

    p = new_programme(api, admin)
    r = api.call("GET", f"/v1/programmes/{p['id']}/export?format=xlsx", admin)
    assert r.status_code == 500 and r.data["error"]["code"] == "INTERNAL"
    monkeypatch.setattr(imports, "handle", boom)
    event = {"Records": [{"body": "{}", "messageId": "m1", "receiptHandle": "r", "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:ap-southeast-3:000000000000:q",
                          "awsRegion": "ap-southeast-3"}]}
    with pytest.raises(HandlerFailed) as failed:
        app_module.process_import(event, None)
    assert str(failed.value) == "IllegalCharacterError", "the Lambda runtime prints this message"
    logger.removeHandler(handler)
    logs = stream.getvalue()
    assert "IllegalCharacterError" in logs and "unhandled error" in logs
    assert "import message (it stays queued for a retry) failed" in logs
    assert name not in logs and "Siti" not in logs, logs[-2000:]
