"""Period end (active -> expired on 1 January) and renewal into the next period, on the emulator."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from chalicelib import config
from chalicelib.services import deps
from devtools.dispatcher import Dispatcher
from tests.integration.helpers import new_person, new_programme, wait_indexed, wait_listed
from tests.integration.test_reminders import enrol_live

# The period-end job expires every active enrolment in the regency whose cover ended in the last
# days, whoever made it: the tests that fire it own their period, one no other test uses, so they
# expire only their own records (and their counts do not depend on what else the suite made).
Q1_2032 = {"coverage_start": "2032-01-01", "coverage_end": "2032-03-31"}
APR1_2032 = datetime(2032, 3, 31, 17, 5, tzinfo=UTC)  # 00:05 WIB, 1 April 2032
Q2_2032 = {"coverage_start": "2032-04-01", "coverage_end": "2032-06-30"}
JUL1_2032 = datetime(2032, 6, 30, 17, 5, tzinfo=UTC)  # 00:05 WIB, 1 July 2032


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module

    return Dispatcher(app_module)


def drain(dispatcher) -> None:
    dispatcher.drain(config.queue_name("lifecycle"))


def patch(api, token, e, **changes):
    r = api.call("PATCH", f"/v1/enrolments/{e['id']}", token, changes, headers={"If-Match": str(e["version"])})
    assert r.status_code == 200, r.data
    return r.data


def test_period_end_moves_active_enrolments_to_expired_with_audit(api, admin, dispatcher):
    programme = new_programme(api, admin, **Q1_2032)
    active = enrol_live(api, admin, programme["id"], 3)
    submitted = enrol_live(api, admin, programme["id"], 1, status="submitted")[0]
    with deps.override(clock=lambda: APR1_2032):
        assert "period_end" in dispatcher.fire_schedules(APR1_2032)
        drain(dispatcher)
        dispatcher.fire_schedules(APR1_2032)  # again: nothing changes twice
        drain(dispatcher)
    for e in active:
        got = api.call("GET", f"/v1/enrolments/{e['id']}", admin).data
        assert (got["status"], got["version"]) == ("expired", 2)
        audit = api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"]
        (update,) = [a for a in audit if a["action"] == "update"]  # the clock travelled: order by action
        assert update["actor"] == "system" and update["changes"]["status"] == ["active", "expired"]
        assert len(audit) == 2
    assert api.call("GET", f"/v1/enrolments/{submitted['id']}", admin).data["status"] == "submitted"
    dry = api.call("POST", "/v1/reminders/run", admin,
                   {"as_of": "2032-03-24", "dry_run": True, "programme_id": programme["id"]}).data
    assert dry["considered"] == 1  # expired enrolments left the coverage-end index


def test_renewal_is_idempotent_carries_live_people_and_excludes_the_rest(api, admin, dispatcher):
    old = new_programme(api, admin)
    pid = old["id"]
    rules = api.call("PUT", f"/v1/programmes/{pid}/reminder-rules", admin, {"rules": [{"days_before": 20}]})
    assert rules.status_code == 200
    keep = enrol_live(api, admin, pid, 5)
    keep_submitted = enrol_live(api, admin, pid, 1, status="submitted")[0]
    dead = patch(api, admin, enrol_live(api, admin, pid, 1)[0], status="deceased")
    gone = patch(api, admin, enrol_live(api, admin, pid, 1)[0], status="withdrawn")
    rejected = patch(api, admin, enrol_live(api, admin, pid, 1, status="submitted")[0], status="rejected",
                     rejection_reason="NIK ganda di BPJS")
    body = {"coverage_start": "2026-01-01", "coverage_end": "2026-03-31", "rate": 16800}
    first = api.call("POST", f"/v1/programmes/{pid}/renew", admin, body)
    assert first.status_code == 202, first.data
    again = api.call("POST", f"/v1/programmes/{pid}/renew", admin, body)
    assert again.status_code == 200 and again.data["programme"]["id"] == first.data["programme"]["id"]
    new = first.data["programme"]
    assert (new["coverage_start"], new["coverage_end"], new["monthly_contribution_idr"]) == \
        ("2026-01-01", "2026-03-31", 16800)
    assert api.call("POST", f"/v1/programmes/{pid}/renew", admin,
                    {"coverage_start": "2025-12-01", "coverage_end": "2026-03-31"}).status_code == 422
    drain(dispatcher)
    progress = api.call("GET", f"/v1/programmes/{pid}/renewals", admin).data["items"]
    assert len(progress) == 1
    assert (progress[0]["status"], progress[0]["carried"], progress[0]["already"]) == ("done", 5, 0)
    assert progress[0]["excluded"] == 4  # submitted (never active), deceased, withdrawn, rejected

    again = api.call("POST", f"/v1/programmes/{pid}/renew", admin, body)
    assert again.status_code == 200
    drain(dispatcher)
    listed = wait_listed(api, admin, new["id"], len(keep))  # the list is a GSI
    assert sorted(e["nik"] for e in listed) == sorted(e["nik"] for e in keep)
    assert all(e["status"] == "active" and e["coverage_end"] == "2026-03-31" for e in listed)
    for e in keep:
        assert api.call("GET", f"/v1/enrolments/{e['id']}", admin).data["status"] == "renewed"
    for e in (keep_submitted, dead, gone, rejected):
        assert api.call("GET", f"/v1/enrolments/{e['id']}", admin).data["status"] == e["status"]
    carried_rules = api.call("GET", f"/v1/programmes/{new['id']}/reminder-rules", admin).data
    assert [r["days_before"] for r in carried_rules["rules"]] == [20]
    officer_attempt = api.call("POST", f"/v1/programmes/{pid}/renew", api_token_officer(api), body)
    assert officer_attempt.status_code in (401, 403)


def api_token_officer(api) -> str:
    from devtools import tokens

    return tokens.mint("officer", ["16.03.01.2011"])


def test_renewed_programme_reaches_devices_through_the_change_feed(api, admin, tokens_for, dispatcher, monkeypatch):
    """A device that pulled before the renewal learns of the new programme on its next pull, with
    the carried-over enrolments (written through store/programmes, which sets the feed keys)."""
    monkeypatch.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "0")
    old = new_programme(api, admin)
    kept = enrol_live(api, admin, old["id"], 2)
    wait_indexed(api, admin, old["id"], [e["id"] for e in kept])
    officer = tokens_for("officer", ["16.03.01.2011"])

    def pull(since=None):
        r = api.call("GET", "/v1/sync?limit=500" + (f"&since={since}" if since else ""), officer)
        assert r.status_code == 200, r.data
        return r.data["changes"], r.data["next_cursor"]

    before, cursor = pull()
    assert old["id"] in {c["id"] for c in before if c["type"] == "programme"}
    body = {"coverage_start": "2026-01-01", "coverage_end": "2026-06-30"}
    new = api.call("POST", f"/v1/programmes/{old['id']}/renew", admin, body).data["programme"]
    drain(dispatcher)
    deadline = time.monotonic() + 10
    while True:  # from the same cursor each time: the feed's index may lag the writes by a moment
        after, _ = pull(cursor)
        programmes_served = {c["id"]: c for c in after if c["type"] == "programme"}
        carried = [c for c in after if c["type"] == "enrolment" and c.get("programme_id") == new["id"]]
        if (new["id"] in programmes_served and len(carried) == len(kept)) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert new["id"] in programmes_served, "the renewed programme is in the feed"
    assert (programmes_served[new["id"]]["coverage_start"], programmes_served[new["id"]]["coverage_end"]) == \
        ("2026-01-01", "2026-06-30")
    assert sorted(c["nik"] for c in carried) == sorted(e["nik"] for e in kept)
    first_programme = next(i for i, c in enumerate(after) if c["type"] == "programme" and c["id"] == new["id"])
    assert first_programme < min(after.index(c) for c in carried), "programmes come before their records"


def test_moving_a_programmes_period_moves_its_live_enrolments_audited(api, admin, dispatcher):
    """coverage_end moved on the programme reaches the enrolments that reminders and expiry read:
    each live (or draft) one gets a new version with an audit event by the admin who moved it;
    withdrawn ones keep the period they had."""
    p = new_programme(api, admin, **Q2_2032)
    active, other = enrol_live(api, admin, p["id"], 2)
    submitted = enrol_live(api, admin, p["id"], 1, status="submitted")[0]
    withdrawn = patch(api, admin, enrol_live(api, admin, p["id"], 1)[0], status="withdrawn")
    wait_indexed(api, admin, p["id"], [e["id"] for e in (active, other, submitted, withdrawn)])
    moved = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"coverage_end": "2032-07-31"})
    assert moved.status_code == 200 and moved.data["coverage_end"] == "2032-07-31", moved.data
    edited = patch(api, admin, other, occupation="Penyadap karet")  # an edit racing the propagation loses nothing
    wait_indexed(api, admin, p["id"], [edited["id"]])
    drain(dispatcher)
    for e in (active, other, submitted):
        got = api.call("GET", f"/v1/enrolments/{e['id']}", admin).data
        assert (got["coverage_start"], got["coverage_end"]) == ("2032-04-01", "2032-07-31"), got
        latest = api.call("GET", f"/v1/enrolments/{e['id']}/audit", admin).data["items"][0]
        assert (latest["action"], latest["actor_role"]) == ("update", "admin") and latest["actor"] != "system"
        assert latest["changes"]["coverage_end"] == ["2032-06-30", "2032-07-31"]
    assert api.call("GET", f"/v1/enrolments/{other['id']}", admin).data["occupation"] == "Penyadap karet"
    kept = api.call("GET", f"/v1/enrolments/{withdrawn['id']}", admin).data
    assert (kept["coverage_end"], kept["version"]) == ("2032-06-30", withdrawn["version"])
    with deps.override(clock=lambda: JUL1_2032):  # 1 July: cover now ends 31 July, nothing expires
        dispatcher.fire_schedules(JUL1_2032)
        drain(dispatcher)
    assert api.call("GET", f"/v1/enrolments/{active['id']}", admin).data["status"] == "active"
    assert len(api.call("GET", f"/v1/enrolments/{active['id']}/audit", admin).data["items"]) == 2, \
        "created, moved: one event each"


def test_an_enrolment_created_while_the_period_moves_follows_the_move(api, admin, monkeypatch):
    """The create read the programme before the move committed, and wrote after it: it must not
    keep the old dates (the sweep's page may already have passed it)."""
    from chalicelib.services import enrolments, programmes

    p = new_programme(api, admin)
    read_programme = programmes.get
    moved: list[dict] = []
    patching = []

    def read_then_move(user, pid):
        stale = read_programme(user, pid)
        if pid == p["id"] and not patching:  # another admin's PATCH lands between the read and the write
            patching.append(True)
            moved.append(api.call("PATCH", f"/v1/programmes/{pid}", admin, {"coverage_end": "2026-02-28"}).data)
        return stale

    monkeypatch.setattr(enrolments.programmes, "get", read_then_move)
    r = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person())
    monkeypatch.undo()
    assert r.status_code == 201, r.data
    assert moved and moved[0]["coverage_end"] == "2026-02-28"
    got = api.call("GET", f"/v1/enrolments/{r.data['id']}", admin).data
    assert got["coverage_end"] == "2026-02-28" and r.data["coverage_end"] == "2026-02-28", got
    audit = api.call("GET", f"/v1/enrolments/{r.data['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["update", "create"]
    assert audit[0]["changes"]["coverage_end"] == ["2025-12-31", "2026-02-28"]
