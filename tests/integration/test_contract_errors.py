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
