"""Regressions found by fuzzing: replies Chalice makes before any view runs were not in the
contract's error shape ({"Code", "Message"} instead of {"error": {"code", "message", "fields"}})."""

from __future__ import annotations


def test_unsupported_content_type_is_a_415_in_the_error_shape(api, admin):
    r = api.call("POST", "/v1/programmes", admin, raw="hello", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.data == {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "fields": {},
                                "message": "Jenis isi (Content-Type) tidak didukung; kirim application/json"}}


def test_a_method_the_route_lacks_is_a_405_in_the_error_shape(api, admin):
    r = api.call("PUT", "/v1/programmes", admin, json_body={})
    assert r.status_code == 405
    assert r.data["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert r.headers["Allow"]


def test_contract_errors_leaves_the_apps_own_replies_alone(api, admin):
    r = api.call("GET", "/v1/enrolments/nope", admin)
    assert r.status_code == 404 and r.data["error"]["code"] == "ENROLMENT_NOT_FOUND"
    assert api.call("GET", "/v1/health").data["status"] == "ok"


def test_a_204_has_no_body(api, admin):
    """Regression: DELETE answered 204 with the body `null`."""
    from tests.integration.helpers import new_person, new_programme

    p = new_programme(api, admin)
    e = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person()).data
    r = api.call("DELETE", f"/v1/enrolments/{e['id']}", admin)
    assert r.status_code == 204
    assert r.body == b""


def test_a_kept_alive_connection_survives_a_204(http_stack):
    """Regression over real HTTP: the `null` of a 204 was read as the start of the next reply."""
    import requests

    from devtools import tokens
    from tests.integration.helpers import PROGRAMME, new_person

    base, _ = http_stack
    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    with requests.Session() as s:
        p = s.post(f"{base}/v1/programmes", headers=admin, json={**PROGRAMME, "code": "KEEPALIVE"}, timeout=10)
        e = s.post(f"{base}/v1/programmes/{p.json()['id']}/enrolments", headers=admin, json=new_person(), timeout=10)
        assert s.delete(f"{base}/v1/enrolments/{e.json()['id']}", headers=admin, timeout=10).status_code == 204
        assert s.get(f"{base}/v1/enrolments/{e.json()['id']}", headers=admin, timeout=10).status_code == 404
