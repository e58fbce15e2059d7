"""Personal data by role (UU 27/2022 PDP): the masking matrix over every route of the OpenAPI
document, and the access log that accounts for every read of full values."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests

from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_person, new_programme, wait_indexed

JPEG = b"\xff\xd8\xff\xe0" + b"KTP" * 200 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def no_settle(monkeypatch):
    """The sync feed serves records the moment they are written (as in test_sync.py)."""
    monkeypatch.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "0")


@pytest.fixture(scope="module")
def world(chalice_app, tokens_for):
    """A programme with one worker in each of two villages (messy phones as typed), a phone
    correction in the audit trail and a KTP photo, all made by an admin and an officer."""
    from chalice.test import Client

    from tests.integration.conftest import Api

    admin = tokens_for("admin", sub="admin-dpmd")
    with Client(chalice_app, stage_name="local") as c:
        api = Api(c)
        p = new_programme(api, admin)
        a = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin,
                     new_person(village=VILLAGE_A, phone="0813-7766-5540")).data
        b = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin,
                     new_person(village=VILLAGE_B, phone="+62 853 1122 3344")).data
        fixed = api.call("PATCH", f"/v1/enrolments/{a['id']}", admin, {"phone": "0813 7766 5549"},
                         headers={"If-Match": str(a["version"])})
        assert fixed.status_code == 200, fixed.data
        officer = tokens_for("officer", [VILLAGE_A], sub="operator-embawang")
        slot = api.call("POST", f"/v1/enrolments/{a['id']}/documents", officer,
                        {"kind": "ktp", "content_type": "image/jpeg", "size": len(JPEG)}).data
        sent = requests.post(slot["url"], data=slot["fields"], files={"file": ("ktp.jpg", JPEG, "image/jpeg")},
                             timeout=10)
        assert sent.status_code in (200, 201, 204)
        assert api.call("PUT", f"/v1/enrolments/{a['id']}/documents/ktp", officer,
                        {"document_id": slot["document_id"]}).status_code == 200
        doc = api.call("GET", "/v1/openapi.json").data
    secrets = [a["nik"], b["nik"], "+6281377665540", "+6281377665549", "+6285311223344",
               "081377665540", "081377665549", "085311223344"]
    return {"pid": p["id"], "a": a, "b": b, "doc": doc, "secrets": secrets}


# How to call each operation of the document: path values and a query string. A route missing
# here fails test_matrix_covers_every_route, so a new route cannot skip the masking check.
def _path_values(world) -> dict[str, str]:
    return {"pid": world["pid"], "eid": world["a"]["id"], "nik": world["a"]["nik"], "kind": "ktp",
            "sub": "operator-embawang", "run_id": "01JAAAAAAAAAAAAAAAAAAAAAAA",
            "import_id": "01JBBBBBBBBBBBBBBBBBBBBBBB", "submission_id": "01JCCCCCCCCCCCCCCCCCCCCCCC"}


QUERIES = {
    # limit: the feed serves the regency's programmes first, and the session's other tests make many
    "sync_pull": f"villages={VILLAGE_A},{VILLAGE_B}&limit=1000",
    "user_access_log": "user=admin-dpmd",
    "list_enrolments": "limit=500",
}
# Operations whose admin answer carries a full NIK (so the viewer check below can fail).
DISCLOSING = {"list_enrolments", "get_enrolment", "enrolment_audit", "get_worker", "sync_pull", "export_roster"}
ROLES = {"viewer": lambda t: t("viewer", sub="viewer-bappeda"),
         "officer": lambda t: t("officer", [VILLAGE_A, VILLAGE_B], sub="operator-embawang"),
         "admin": lambda t: t("admin", sub="admin-dpmd")}


def _operations(doc):
    return [(method.upper(), path, op["operationId"]) for path, item in doc["paths"].items()
            for method, op in item.items()]


def _call(client, method, url, token, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    r = getattr(client.http, method.lower())(url, headers=headers, body=json.dumps(body) if body is not None else None)
    return r.status_code, (r.body or b"").decode("utf-8", "replace")


def test_matrix_covers_every_route(world):
    ops = _operations(world["doc"])
    assert len(ops) >= 30
    names = {p for _, path, _ in ops for p in path.split("/") if p.startswith("{")}
    assert {n.strip("{}") for n in names} <= set(_path_values(world)), "a new path parameter needs a value here"


@pytest.mark.parametrize("role", ["viewer", "officer", "admin"])
def test_masking_matrix_over_every_route(client, tokens_for, world, role):
    """Every operation of /v1/openapi.json as each role: a viewer's answer never holds a full NIK
    or phone (as stored or as typed); admins and officers get them where their work needs."""
    token = ROLES[role](tokens_for)
    values = _path_values(world)
    checked, disclosed = 0, set()
    for method, path, name in _operations(world["doc"]):
        if role != "viewer" and method != "GET":
            continue  # writes are refused to viewers; for the others they are covered elsewhere
        url = path.format(**values) + (f"?{QUERIES[name]}" if name in QUERIES else "")
        status, text = _call(client, method, url, token, {} if method != "GET" else None)
        assert status < 500, (name, status, text)
        leaked = [s for s in world["secrets"] if s in text]
        if role == "viewer":
            assert not leaked, f"{name} {url} shows a viewer {leaked}"
        elif leaked:
            disclosed.add(name)
        checked += 1
    assert checked >= 15
    if role == "admin":
        assert disclosed >= DISCLOSING, DISCLOSING - disclosed
    if role == "viewer":
        masked = _call(client, "GET", f"/v1/enrolments/{world['a']['id']}", token)[1]
        record = json.loads(masked)
        assert record["nik"] == world["a"]["nik"][:6] + "*" * 10
        assert record["phone"] == "+62813****49"
        assert record["birth_date"] == world["a"]["birth_date"] and record["name"] == world["a"]["name"]


def test_viewer_export_is_masked_in_both_formats_and_by_link(client, tokens_for, world):
    viewer = ROLES["viewer"](tokens_for)
    status, text = _call(client, "GET", f"/v1/programmes/{world['pid']}/export?format=csv", viewer)
    assert status == 200 and world["a"]["nik"][:6] + "*" * 10 in text
    assert not [s for s in world["secrets"] if s in text]
    status, text = _call(client, "GET", f"/v1/programmes/{world['pid']}/export?format=csv&delivery=url", viewer)
    assert status == 200
    fetched = requests.get(json.loads(text)["download_url"], timeout=10).content.decode("utf-8-sig")
    assert "+62813****49" in fetched or "0813****49" in fetched
    assert not [s for s in world["secrets"] if s in fetched]


def test_viewer_audit_masks_old_and_new_values(client, tokens_for, world):
    viewer = ROLES["viewer"](tokens_for)
    items = json.loads(_call(client, "GET", f"/v1/enrolments/{world['a']['id']}/audit", viewer)[1])["items"]
    change = next(i for i in items if "phone" in i["changes"])
    assert change["changes"]["phone"] == ["+62813****40", "+62813****49"]


# ---------- the access log ----------
def _log(client, admin, url):
    status, text = _call(client, "GET", url, admin)
    assert status == 200, text
    return json.loads(text)


def test_a_detail_read_is_logged_per_person_and_per_user_without_values(client, tokens_for, world):
    from chalicelib.store.models import AccessModel

    officer = tokens_for("officer", [VILLAGE_A], sub="operator-tanjung-agung-2")
    admin = ROLES["admin"](tokens_for)
    eid, nik = world["a"]["id"], world["a"]["nik"]
    assert _call(client, "GET", f"/v1/enrolments/{eid}", officer)[0] == 200
    assert _call(client, "GET", f"/v1/enrolments/{eid}/documents/ktp", officer)[0] == 200
    person = _log(client, admin, f"/v1/workers/{nik}/access-log")
    mine = [e for e in person["items"] if e["actor"] == "operator-tanjung-agung-2"]
    assert {e["route"] for e in mine} == {"/v1/enrolments/{eid}", "/v1/enrolments/{eid}/documents/{kind}"}
    assert all(e["enrolment_ids"] == [eid] and e["actor_role"] == "officer" for e in mine)
    by_user = _log(client, admin, "/v1/access-log?user=operator-tanjung-agung-2")
    assert [e["route"] for e in by_user["items"]] == ["/v1/enrolments/{eid}/documents/{kind}",
                                                      "/v1/enrolments/{eid}"]
    before = (date.today() - timedelta(days=3)).isoformat()
    assert _log(client, admin, f"/v1/access-log?user=operator-tanjung-agung-2&to={before}")["items"] == []
    today = _log(client, admin, f"/v1/access-log?user=operator-tanjung-agung-2&from={date.today()}&limit=1")
    assert len(today["items"]) == 1 and today["next_cursor"]
    stored = [m.attribute_values for m in AccessModel.scan(AccessModel.actor == "operator-tanjung-agung-2")]
    assert stored and all(m["expires_at"] > 0 for m in stored)
    flat = json.dumps(stored, default=str)
    assert not [s for s in world["secrets"] if s in flat] and world["a"]["name"] not in flat


def test_lists_exports_and_sync_pulls_are_logged(client, tokens_for, world):
    viewer = tokens_for("viewer", sub="viewer-inspektorat")
    admin = ROLES["admin"](tokens_for)
    assert _call(client, "GET", f"/v1/programmes/{world['pid']}/enrolments", viewer)[0] == 200
    assert _call(client, "GET", f"/v1/programmes/{world['pid']}/export", viewer)[0] == 200
    assert _call(client, "GET", f"/v1/sync?villages={VILLAGE_B}&limit=1000", viewer)[0] == 200
    entries = _log(client, admin, "/v1/access-log?user=viewer-inspektorat")["items"]
    routes = {e["route"]: e for e in entries}
    assert set(routes) == {"/v1/programmes/{pid}/enrolments", "/v1/programmes/{pid}/export", "/v1/sync"}
    assert set(routes["/v1/programmes/{pid}/enrolments"]["enrolment_ids"]) == {world["a"]["id"], world["b"]["id"]}
    assert routes["/v1/programmes/{pid}/export"]["whole_roster"] and routes["/v1/programmes/{pid}/export"]["rows"] == 2
    assert world["b"]["id"] in routes["/v1/sync"]["enrolment_ids"]  # the village's feed, all programmes
    assert world["a"]["id"] not in routes["/v1/sync"]["enrolment_ids"]
    b_log = _log(client, admin, f"/v1/workers/{world['b']['nik']}/access-log")["items"]
    seen_by_viewer = {e["route"] for e in b_log if e["actor"] == "viewer-inspektorat"}
    assert {"/v1/sync", "/v1/programmes/{pid}/export"} <= seen_by_viewer


def test_a_big_page_is_one_batch_per_programme_and_still_found_per_person(api, client, tokens_for):
    admin = tokens_for("admin", sub="admin-big-page")
    p = new_programme(api, admin)
    made = [api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(village=VILLAGE_A)).data
            for _ in range(23)]
    wait_indexed(api, tokens_for("admin", sub="admin-index-wait"), p["id"], [e["id"] for e in made])  # a GSI
    assert _call(client, "GET", f"/v1/programmes/{p['id']}/enrolments?limit=100", admin)[0] == 200
    from chalicelib.store import keys
    from chalicelib.store.models import AccessModel

    mine = "admin-big-page"  # not the index wait's reads above
    items = [i for i in AccessModel.query(keys.access("16.03", "P", p["id"])) if i.actor == mine]
    assert len(items) == 1 and len(items[0].ids) == 23
    assert not [i for i in AccessModel.query(keys.access("16.03", "E", made[5]["id"])) if i.actor == mine]
    log = _log(client, admin, f"/v1/workers/{made[5]['nik']}/access-log")["items"]
    assert [e["enrolment_ids"] for e in log if e["actor"] == mine] == [[made[5]["id"]]]


def test_access_log_is_for_admins_and_checks_its_range(client, tokens_for, world):
    officer = tokens_for("officer", [VILLAGE_A])
    assert _call(client, "GET", f"/v1/workers/{world['a']['nik']}/access-log", officer)[0] == 403
    admin = ROLES["admin"](tokens_for)
    status, text = _call(client, "GET", "/v1/access-log?user=x&from=2025-02-30", admin)
    assert status == 422 and json.loads(text)["error"]["fields"]
    status, _ = _call(client, "GET", "/v1/access-log?user=x&from=2025-03-02&to=2025-03-01", admin)
    assert status == 422
    assert _call(client, "GET", "/v1/workers/1603010101900001/access-log", admin)[0] == 404


def test_access_report_holds_everything_held_and_no_document_content(client, tokens_for, world):
    admin, eid = ROLES["admin"](tokens_for), world["a"]["id"]
    officer = tokens_for("officer", [VILLAGE_A], sub="operator-report-reader")
    assert _call(client, "GET", f"/v1/enrolments/{eid}", officer)[0] == 200
    assert _call(client, "GET", f"/v1/workers/{world['a']['nik']}/report", ROLES["viewer"](tokens_for))[0] == 403
    status, text = _call(client, "GET", f"/v1/workers/{world['a']['nik']}/report", admin)
    assert status == 200, text
    report = json.loads(text)
    assert report["person"]["nik"] == world["a"]["nik"] and report["person"]["phone"] == "+6281377665549"
    (held,) = report["enrolments"]
    assert held["enrolment"]["id"] == eid
    assert held["status_history"][0] == {"at": held["enrolment"]["created_at"], "status": "draft",
                                         "by": "admin-dpmd", "action": "create"}
    (doc,) = held["documents"]
    assert doc["kind"] == "ktp" and doc["size"] == len(JPEG) and doc["uploaded_by"] == "operator-embawang"
    assert "KTP" * 10 not in text and "url" not in doc
    assert any(a["actor"] == "operator-report-reader" and a["enrolment_ids"] == [eid] for a in report["accesses"])
    assert _call(client, "GET", "/v1/workers/1603010101900001/report", admin)[0] == 404


def test_access_report_prints_as_a_pdf_in_bahasa_indonesia(client, tokens_for, world, tmp_path):
    import io
    import shutil
    import subprocess

    from pypdf import PdfReader

    admin, eid = ROLES["admin"](tokens_for), world["a"]["id"]
    r = client.http.get(f"/v1/workers/{world['a']['nik']}/report?format=pdf",
                        headers={"Authorization": f"Bearer {admin}", "Accept": "application/pdf"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf" and r.body[:5] == b"%PDF-"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.body)).pages)
    for expected in ("Laporan Data Pribadi yang Disimpan", "Pasal 32", world["a"]["nik"], world["a"]["name"],
                     "+6281377665549", "Riwayat status", f"ktp-{eid}", "Siapa yang membaca", "Desember 2025"):
        assert expected in text, expected
    assert "KTP" * 10 not in text
    log = _log(client, admin, f"/v1/access-log?user=admin-dpmd&from={date.today()}")["items"]
    assert any(e["route"] == "/v1/workers/{nik}/report" and e["enrolment_ids"] == [eid] for e in log)
    (tmp_path / "report.pdf").write_bytes(r.body)
    if shutil.which("pdftoppm"):  # a look at it, for people (test-artifacts/)
        out = tmp_path.parent / "access-report"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), str(out)],
                       check=True, timeout=60)
