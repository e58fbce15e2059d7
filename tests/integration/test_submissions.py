""""Ajukan ke BPJS": drafts of a programme (all, a village's, or selected) become submitted in one action."""

from __future__ import annotations

import pytest

from chalicelib import config
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, kept_summary, new_person, new_programme, wait_indexed


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _enrol(api, admin, pid, village, n):
    out = []
    for _ in range(n):
        r = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person(village=village))
        assert r.status_code == 201, r.data
        out.append(r.data)
    return out


def _submit(api, admin, dispatcher, pid, body, live: list[str]) -> dict:
    # The job walks the programme's records through a GSI, as it would hours after they were
    # written; here it runs a moment after the writes (and the previous job's): let the index have them.
    wait_indexed(api, admin, pid, live)
    r = api.call("POST", f"/v1/programmes/{pid}/submissions", admin, body)
    assert r.status_code == 202, r.data
    assert r.data["status"] == "running"
    dispatcher.drain(config.queue_name("lifecycle"))
    done = api.call("GET", f"/v1/submissions/{r.data['submission_id']}", admin).data
    assert done["status"] == "done" and done["finished_at"]
    return done


def _statuses(api, admin, people) -> list[str]:
    return [api.call("GET", f"/v1/enrolments/{p['id']}", admin).data["status"] for p in people]


def test_submit_a_village_then_selected_then_all_and_a_rerun_changes_nothing(api, admin, tokens_for, dispatcher,
                                                                             monkeypatch):
    from chalicelib.services import submissions

    monkeypatch.setattr(submissions, "PAGE", 2)  # several pages with a handful of records
    pid = new_programme(api, admin)["id"]
    in_a, in_b = _enrol(api, admin, pid, VILLAGE_A, 5), _enrol(api, admin, pid, VILLAGE_B, 3)
    withdrawn = api.call("DELETE", f"/v1/enrolments/{in_a[4]['id']}", admin)
    assert withdrawn.status_code == 204
    live = [e["id"] for e in in_a[:4] + in_b]

    officer = tokens_for("officer", [VILLAGE_B])
    assert api.call("POST", f"/v1/programmes/{pid}/submissions", officer, {}).status_code == 403

    by_village = _submit(api, admin, dispatcher, pid, {"village_code": VILLAGE_B}, live)
    assert (by_village["submitted"], by_village["skipped"], by_village["pages"]) == (3, 0, 2)
    assert _statuses(api, admin, in_b) == ["submitted"] * 3 and _statuses(api, admin, in_a[:4]) == ["draft"] * 4

    selected = _submit(api, admin, dispatcher, pid, {"ids": [in_a[0]["id"], in_b[0]["id"], in_a[4]["id"]]}, live)
    assert (selected["submitted"], selected["skipped"]) == (1, 2)  # one already submitted, one withdrawn

    everything = _submit(api, admin, dispatcher, pid, {}, live)
    assert (everything["submitted"], everything["skipped"]) == (3, 0)
    assert _statuses(api, admin, in_a[:4] + in_b) == ["submitted"] * 7
    versions = {p["id"]: api.call("GET", f"/v1/enrolments/{p['id']}", admin).data["version"] for p in in_a[:4] + in_b}

    rerun = _submit(api, admin, dispatcher, pid, {}, live)
    assert (rerun["submitted"], rerun["skipped"]) == (0, 0)
    assert {p["id"]: api.call("GET", f"/v1/enrolments/{p['id']}", admin).data["version"]
            for p in in_a[:4] + in_b} == versions

    audit = api.call("GET", f"/v1/enrolments/{in_a[1]['id']}/audit", admin).data["items"]
    assert [a["action"] for a in audit] == ["update", "create"]
    assert audit[0]["changes"]["status"] == ["draft", "submitted"]
    assert audit[0]["changes"]["submission_id"] == [None, everything["submission_id"]]
    assert kept_summary(api, admin, pid)["by_status"] == {"submitted": 7}


def test_unknown_submission_and_village_are_refused(api, admin):
    pid = new_programme(api, admin)["id"]
    assert api.call("GET", "/v1/submissions/01NOPE", admin).status_code == 404
    r = api.call("POST", f"/v1/programmes/{pid}/submissions", admin, {"village_code": "16.03.01.2999"})
    assert r.status_code == 422 and r.data["error"]["code"] == "VILLAGE_UNKNOWN"
