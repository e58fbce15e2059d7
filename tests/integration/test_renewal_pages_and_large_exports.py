"""Renewal over several pages (RENEW_PAGE made small), expired records carried over, a redelivered
page counted as `already`; exports above the inline limit come back as a presigned link.

Each test makes its own programme; the limits are lowered with monkeypatch (the handlers run in
this process, through the dispatcher), so the paging code runs as it does at 100 and 5,000.
"""

from __future__ import annotations

import io
import json

import pytest
import requests

from chalicelib import aws, config
from chalicelib.services import exports, lifecycle
from tests.integration.helpers import eventually, new_programme
from tests.integration.test_reminders import enrol_live


@pytest.fixture(scope="module")
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _patch(api, token, e, **changes) -> dict:
    r = api.call("PATCH", f"/v1/enrolments/{e['id']}", token, changes, headers={"If-Match": str(e["version"])})
    assert r.status_code == 200, r.data
    return r.data


def _all(api, token, pid) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.call("GET", f"/v1/programmes/{pid}/enrolments?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                        token).data
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_renewal_over_pages_carries_active_and_expired_and_a_redelivered_page_is_already(
        api, admin, dispatcher, monkeypatch):
    monkeypatch.setattr(lifecycle, "RENEW_PAGE", 3)
    old = new_programme(api, admin)
    pid = old["id"]
    active = enrol_live(api, admin, pid, 4)
    expired = [_patch(api, admin, e, status="expired") for e in enrol_live(api, admin, pid, 3)]
    dead = _patch(api, admin, enrol_live(api, admin, pid, 1)[0], status="deceased")
    body = {"coverage_start": "2026-01-01", "coverage_end": "2026-06-30"}
    started = api.call("POST", f"/v1/programmes/{pid}/renew", admin, body)
    assert started.status_code == 202, started.data
    new_pid = started.data["programme"]["id"]
    dispatcher.drain(config.queue_name("lifecycle"))

    (progress,) = api.call("GET", f"/v1/programmes/{pid}/renewals", admin).data["items"]
    assert progress["status"] == "done"
    assert (progress["carried"], progress["already"], progress["excluded"]) == (7, 0, 1)
    assert progress["pages"] == 3  # 8 records, 3 per page
    carried = eventually(lambda: _all(api, admin, new_pid), lambda items: len(items) >= 7)  # a GSI read
    assert sorted(e["nik"] for e in carried) == sorted(e["nik"] for e in active + expired)
    assert all(e["status"] == "active" and e["coverage_end"] == "2026-06-30" for e in carried)  # they have a KPJ
    for e in active + expired:
        assert api.call("GET", f"/v1/enrolments/{e['id']}", admin).data["status"] == "renewed"
    assert api.call("GET", f"/v1/enrolments/{dead['id']}", admin).data["status"] == "deceased"

    # SQS delivers the first page again (at-least-once): it walks the pages after it again too
    me = api.call("GET", "/v1/me", admin).data
    aws.send_messages("lifecycle", [{"type": "renew", "regency": "16.03", "from": pid, "to": new_pid,
                                     "marker": "2026-01-01", "actor": me["sub"], "role": "admin", "cursor": None}])
    dispatcher.drain(config.queue_name("lifecycle"))
    (again,) = api.call("GET", f"/v1/programmes/{pid}/renewals", admin).data["items"]
    assert (again["carried"], again["already"], again["excluded"]) == (7, 7, 2)  # nobody carried twice
    assert again["pages"] == 6
    assert sorted(e["nik"] for e in eventually(lambda: _all(api, admin, new_pid), lambda items: len(items) >= 7)) \
        == sorted(e["nik"] for e in carried)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_above_the_inline_limit_is_a_presigned_link_to_the_whole_roster(api, admin, monkeypatch, fmt):
    monkeypatch.setattr(exports, "INLINE_MAX_ROWS", 3)
    pid = new_programme(api, admin)["id"]
    at_limit = enrol_live(api, admin, pid, 3)
    headers = {"Authorization": f"Bearer {admin}", "Accept": "*/*" if fmt == "csv" else exports.XLSX}
    inline = eventually(lambda: api.client.http.get(f"/v1/programmes/{pid}/export?format={fmt}", headers=headers),
                        lambda r: r.headers.get("X-Row-Count") == "3")  # the export reads a GSI
    assert inline.status_code == 200 and inline.headers["X-Row-Count"] == "3"  # at the limit: the file itself
    people = at_limit + enrol_live(api, admin, pid, 2)
    r = eventually(lambda: api.client.http.get(f"/v1/programmes/{pid}/export?format={fmt}", headers=headers),
                   lambda r: r.headers.get("Content-Type", "").startswith("application/json")
                   and json.loads(r.body).get("rows") == 5)  # all 5 rows seen by the GSI
    link = json.loads(r.body)
    assert r.status_code == 200, link
    assert link["rows"] == 5 and link["format"] == fmt and link["expires_in"] > 0
    fetched = requests.get(link["download_url"], timeout=10)
    assert fetched.status_code == 200
    if fmt == "csv":
        text = fetched.content.decode("utf-8-sig")
        assert len([line for line in text.splitlines() if line.strip()]) == 1 + 5
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(fetched.content), read_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows)
    for person in people:
        assert person["nik"] in text and person["name"] in text
