"""Opt-out of SMS reminders (UU 27/2022 PDP): SNS's opt-out list (moto: numbers ending in 99 are
opted out) and an opt-out an officer records for a worker are skipped and counted in dry runs
and runs; the village digest still lists them for a personal visit."""

from __future__ import annotations

import pytest

from chalicelib.services import deps
from devtools.dispatcher import Dispatcher
from tests.integration.helpers import VILLAGE_A, wait_indexed
from tests.integration.sent import emails_to, sms_to
from tests.integration.test_reminders import NOV16, drain, enrol_live, run

DIGEST_TO = "operator.embawang@desa.example"


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module

    return Dispatcher(app_module)


@pytest.mark.lane("moto")  # SNS's opt-out list here is moto's rule (numbers ending in 99); LocalStack's has none
def test_opted_out_workers_are_skipped_counted_and_still_in_the_digest(api, admin, tokens_for, aws_endpoint,
                                                                        dispatcher):
    from tests.integration.helpers import new_programme

    pid = new_programme(api, admin)["id"]
    rules = {"village_contacts": {VILLAGE_A: {"name": "Bu Rina", "emails": [DIGEST_TO]}}}
    assert api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, rules).status_code == 200
    people = enrol_live(api, admin, pid, 4)
    stop = enrol_live(api, admin, pid, 1)[0]  # replied STOP to SNS: its number ends in 99 below
    fixed = api.call("PATCH", f"/v1/enrolments/{stop['id']}", admin, {"phone": stop["phone"][:-2] + "99"},
                     headers={"If-Match": str(stop["version"])})
    assert fixed.status_code == 200, fixed.data
    stop = fixed.data
    asked = people.pop()  # told the village officer in person: no more SMS
    officer = tokens_for("officer", [VILLAGE_A], sub="operator-embawang-optout")
    recorded = api.call("PUT", f"/v1/workers/{asked['nik']}/opt-out", officer,
                        {"asked_on": "2025-11-10", "asked_via": "langsung", "note": "minta dikunjungi saja"})
    assert recorded.status_code == 200, recorded.data
    assert recorded.data["recorded_by"] == "operator-embawang-optout" and recorded.data["asked_via"] == "langsung"
    worker = api.call("GET", f"/v1/workers/{asked['nik']}", admin).data
    assert worker["sms_opt_out"]["asked_on"] == "2025-11-10"
    bad = api.call("PUT", f"/v1/workers/{asked['nik']}/opt-out", officer, {"asked_on": "kemarin", "asked_via": "x"})
    assert bad.status_code == 422 and set(bad.data["error"]["fields"]) == {"asked_on", "asked_via"}

    wait_indexed(api, admin, pid, [p["id"] for p in people] + [asked["id"], stop["id"]])  # the PATCHed one too
    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
        assert dry["considered"] == 5 and dry["would_send"]["sms"] == 3
        assert dry["opted_out"] == 2 and dry["skipped"] == 2
        real = run(api, admin, pid, "2025-11-16")
        assert real["opted_out"] == 2 and real["skipped"] == 2
        drain(dispatcher)
        sent = sms_to(aws_endpoint, [p["phone"] for p in [*people, stop, asked]])
        assert sorted(p for p, _ in sent) == sorted(p["phone"] for p in people)
        progress = api.call("GET", f"/v1/reminders/runs/{real['run_id']}", admin).data
        assert progress["opted_out"] == 2 and progress["status"] == "done"
        assert progress["sent"] == 3 + real["would_send"]["email"]  # the SMS and the digest(s)
    digest = emails_to(aws_endpoint, DIGEST_TO)
    assert digest, "the village digest was sent"
    text = digest[-1].get_payload()[0].get_payload(decode=True).decode() if digest[-1].is_multipart() else \
        digest[-1].get_payload(decode=True).decode()
    assert asked["name"] in text and stop["name"] in text  # still listed, for a personal visit

    assert api.call("DELETE", f"/v1/workers/{asked['nik']}/opt-out", officer).status_code == 204
    assert api.call("DELETE", f"/v1/workers/{asked['nik']}/opt-out", officer).status_code == 404
    assert "sms_opt_out" not in api.call("GET", f"/v1/workers/{asked['nik']}", admin).data


def test_an_open_dispute_stops_reminders_and_exports_until_lifted(api, admin, tokens_for):
    from tests.integration.helpers import new_programme

    pid = new_programme(api, admin)["id"]
    people = enrol_live(api, admin, pid, 3)
    disputed = people[0]
    officer = tokens_for("officer", [VILLAGE_A])
    dispute = {"reason": "Menyangkal pernah didaftarkan; minta data diperiksa", "opened_on": "2025-11-12"}
    assert api.call("PUT", f"/v1/workers/{disputed['nik']}/restriction", officer, dispute).status_code == 403
    opened = api.call("PUT", f"/v1/workers/{disputed['nik']}/restriction", admin, dispute)
    assert opened.status_code == 200, opened.data
    shown = api.call("GET", f"/v1/workers/{disputed['nik']}", admin).data["restriction"]
    assert shown["opened_on"] == "2025-11-12" and shown["reason"].startswith("Menyangkal")

    with deps.override(clock=lambda: NOV16):
        dry = run(api, admin, pid, "2025-11-16", dry_run=True)
    assert dry["considered"] == 3 and dry["would_send"]["sms"] == 2 and dry["restricted"] == 1

    def exported() -> str:
        r = api.client.http.get(f"/v1/programmes/{pid}/export?format=csv", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200
        return r.body.decode("utf-8-sig")

    body = exported()
    assert disputed["nik"] not in body and all(p["nik"] in body for p in people[1:])
    assert api.call("DELETE", f"/v1/workers/{disputed['nik']}/restriction", admin).status_code == 204
    assert api.call("DELETE", f"/v1/workers/{disputed['nik']}/restriction", admin).status_code == 404
    assert disputed["nik"] in exported()
    assert "restriction" not in api.call("GET", f"/v1/workers/{disputed['nik']}", admin).data
