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
