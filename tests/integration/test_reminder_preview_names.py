"""The reminders screen's first preview (issue #11: the screen in under 2 s): with count_names
false the preview answers without reading the programme's enrolments."""

from __future__ import annotations

from tests.integration.helpers import new_person, new_programme, wait_indexed


def test_count_names_false_answers_the_texts_without_the_programme_query(api, admin, monkeypatch):
    from chalicelib.services import reminders

    pid = new_programme(api, admin)["id"]
    people = [api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, new_person()).data for _ in range(2)]
    wait_indexed(api, admin, pid, [p["id"] for p in people])
    counted = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin, {}).data
    assert counted["sms"]["programme_names"] == {"names": 2, "over_one_segment": 0}
    calls = []
    original = reminders._names_over_one_segment
    monkeypatch.setattr(reminders, "_names_over_one_segment", lambda *a, **k: calls.append(1) or original(*a, **k))
    fast = api.call("POST", f"/v1/programmes/{pid}/reminder-rules/preview", admin, {"count_names": False})
    assert fast.status_code == 200, fast.data
    assert fast.data["sms"].get("programme_names") is None and calls == []  # left out of the answer
    assert {k: v for k, v in fast.data["sms"].items() if k != "programme_names"} == \
        {k: v for k, v in counted["sms"].items() if k != "programme_names"}
