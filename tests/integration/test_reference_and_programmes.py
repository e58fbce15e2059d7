"""Health, OpenAPI, regions, /me and programmes over the emulator."""

from __future__ import annotations

import pytest

from tests.integration.helpers import PROGRAMME, kept_summary, new_person, new_programme, wait_indexed


def test_health_is_public(api):
    r = api.call("GET", "/v1/health")
    assert r.status_code == 200
    assert r.data["status"] == "ok"


def test_openapi_documents_every_route(api, chalice_app):
    doc = api.call("GET", "/v1/openapi.json").data
    assert doc["openapi"].startswith("3.")
    for path, entry in chalice_app.routes.items():
        if not path.startswith("/v1/"):
            continue  # the local stage's /admin static files are not part of the API contract
        for method in entry:
            assert method.lower() in doc["paths"][path], f"{method} {path} missing from openapi.json"
    create = doc["paths"]["/v1/programmes/{pid}/enrolments"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    enrolment_schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"nik", "name", "birth_date", "sex", "village_code", "category"} <= set(enrolment_schema["required"])
    assert "409" in create["responses"] and "422" in create["responses"]


def test_regions_of_muara_enim(api, admin):
    districts = api.call("GET", "/v1/regions?parent=16.03", admin).data
    assert len(districts["items"]) == 22
    assert {d["level"] for d in districts["items"]} == {"district"}
    assert "ODbL" in districts["attribution"]
    total_villages, kinds = 0, {"desa": 0, "kelurahan": 0}
    for d in districts["items"]:
        villages = api.call("GET", f"/v1/regions?parent={d['code']}", admin).data["items"]
        total_villages += len(villages)
        for v in villages:
            kinds[v["kind"]] += 1
    assert total_villages == 256
    assert kinds == {"desa": 246, "kelurahan": 10}


def test_regions_page_with_cursor(api, admin):
    first = api.call("GET", "/v1/regions?parent=16.03&limit=10", admin).data
    assert len(first["items"]) == 10 and first["next_cursor"]
    rest = api.call("GET", f"/v1/regions?parent=16.03&limit=50&cursor={first['next_cursor']}", admin).data
    assert len(rest["items"]) == 12 and rest["next_cursor"] is None
    bad = api.call("GET", "/v1/regions?parent=16.03&cursor=bm90LWEtY3Vyc29y", admin)
    assert bad.status_code == 400 and bad.data["error"]["code"] == "CURSOR_INVALID"
    foreign = api.call("GET", f"/v1/regions?parent=16.03.01&cursor={first['next_cursor']}", admin)
    assert foreign.status_code == 400


def test_regions_rejects_bad_parent(api, admin):
    r = api.call("GET", "/v1/regions?parent=abc", admin)
    assert r.status_code == 422
    assert r.data["error"]["code"] == "QUERY_INVALID" and "parent" in r.data["error"]["fields"]


def test_me_tells_role_and_villages(api, tokens_for):
    r = api.call("GET", "/v1/me", tokens_for("officer", ["16.03.01.2011"]))
    assert r.data["role"] == "officer" and r.data["villages"] == ["16.03.01.2011"]
    assert r.data["regency"] == "16.03"


def test_programme_create_defaults_and_read(api, admin):
    p = new_programme(api, admin)
    assert p["version"] == 1 and p["regency"] == "16.03"
    assert p["benefits"] == ["JKK", "JKM"] and p["monthly_contribution_idr"] == 16800
    assert "petani_sawit" in {c["code"] for c in p["categories"]}
    got = api.call("GET", f"/v1/programmes/{p['id']}", admin)
    assert got.status_code == 200 and got.data["code"] == p["code"]
    listed = api.call("GET", "/v1/programmes?limit=500", admin).data["items"]
    assert p["id"] in {x["id"] for x in listed}


def test_programme_code_is_unique(api, admin):
    p = new_programme(api, admin)
    r = api.call("POST", "/v1/programmes", admin, {**PROGRAMME, "code": p["code"]})
    assert r.status_code == 409
    assert r.data["error"]["code"] == "PROGRAMME_CODE_TAKEN" and r.data["error"]["existing_id"] == p["id"]


def test_programme_validation(api, admin):
    r = api.call("POST", "/v1/programmes", admin, {**PROGRAMME, "code": "X-BAD", "coverage_end": "2025-09-01",
                                                    "monthly_contribution_idr": -1, "targets": {"nelayan": 5}})
    assert r.status_code == 422
    fields = r.data["error"]["fields"]
    assert "monthly_contribution_idr" in fields
    r = api.call("POST", "/v1/programmes", admin, {**PROGRAMME, "code": "X-BAD2", "targets": {"nelayan": 5}})
    assert r.status_code == 422 and "nelayan" in str(r.data["error"])
    assert api.call("POST", "/v1/programmes", admin, raw="{not json").status_code == 400
    assert api.call("POST", "/v1/programmes", admin, raw="[1,2]").status_code == 400
    assert api.call("POST", "/v1/programmes", admin, raw="").data["error"]["code"] == "BODY_MISSING"


def test_programme_patch_with_versions(api, admin):
    p = new_programme(api, admin)
    r = api.call("PATCH", f"/v1/programmes/{p['id']}", admin,
                 {"categories": [*p["categories"], {"code": "nelayan", "label": "Nelayan", "group": "nelayan"}],
                  "targets": {"nelayan": 300}}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.data
    assert r.data["version"] == 2 and r.data["targets"] == {"nelayan": 300}
    stale = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"name": "Nama baru"}, headers={"If-Match": "1"})
    assert stale.status_code == 409 and stale.data["error"]["code"] == "VERSION_STALE"
    bad = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"targets": {"tidak_ada": 1}})
    assert bad.status_code == 422
    missing = api.call("GET", "/v1/programmes/01ARZ3NDEKTSV4RRFFQ69G5FAV", admin)
    assert missing.status_code == 404 and missing.data["error"]["code"] == "PROGRAMME_NOT_FOUND"


def test_programmes_of_another_regency_are_invisible(api, admin, tokens_for, monkeypatch):
    monkeypatch.setenv("LINDUNG_REGENCIES", "16.03,16.71")  # a deployment serving two regencies
    p = new_programme(api, admin)
    other = tokens_for("admin", regency="16.71")
    assert api.call("GET", f"/v1/programmes/{p['id']}", other).status_code == 404
    assert p["id"] not in {x["id"] for x in api.call("GET", "/v1/programmes", other).data["items"]}


@pytest.mark.parametrize(("change", "field"), [
    ({"monthly_contribution_idr": True}, "monthly_contribution_idr"),
    ({"monthly_contribution_idr": "16800"}, "monthly_contribution_idr"),
    ({"monthly_contribution_idr": 16800.0}, "monthly_contribution_idr"),
    ({"targets": {"pekerja_desa": True}}, "targets.pekerja_desa"),
    ({"coverage_start": "2026-01-01", "coverage_end": "9999-12-31"}, "coverage_end"),
    ({"coverage_start": "2026-01-01", "coverage_end": "2028-01-01"}, "coverage_end"),  # 25 calendar months
])
def test_programme_numbers_are_strict_integers_and_periods_at_most_24_months(api, admin, change, field):
    import uuid

    r = api.call("POST", "/v1/programmes", admin, {**PROGRAMME, "code": f"S-{uuid.uuid4().hex[:8].upper()}", **change})
    assert r.status_code == 422, r.data
    assert field in r.data["error"]["fields"], r.data
    p = new_programme(api, admin)
    patched = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, change)
    assert patched.status_code == 422 and field in patched.data["error"]["fields"], patched.data
    assert api.call("GET", f"/v1/programmes/{p['id']}", admin).data["version"] == 1
    if "coverage_end" in change:  # only the end moved, against the stored start
        alone = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"coverage_end": "2027-10-01"})
        assert alone.status_code == 422 and "coverage_end" in alone.data["error"]["fields"], alone.data
        renew = api.call("POST", f"/v1/programmes/{p['id']}/renew", admin, change)
        assert renew.status_code == 422 and "coverage_end" in renew.data["error"]["fields"], renew.data


def test_24_months_is_the_longest_period(api, admin):
    p = new_programme(api, admin, coverage_start="2026-01-01", coverage_end="2027-12-31")
    assert p["coverage_end"] == "2027-12-31"


def test_a_category_still_used_by_enrolments_cannot_be_removed(api, admin):
    p = new_programme(api, admin)
    used = api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(category="linmas"))
    assert used.status_code == 201
    wait_indexed(api, admin, p["id"], [used.data["id"]], category="linmas")
    without = [c for c in p["categories"] if c["code"] not in {"linmas", "guru_ngaji"}]
    r = api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"categories": without})
    assert r.status_code == 409 and r.data["error"]["code"] == "CATEGORY_IN_USE", r.data
    assert "linmas" in r.data["error"]["fields"]["categories"] and "guru_ngaji" not in r.data["error"]["fields"][
        "categories"]
    assert kept_summary(api, admin, p["id"])["by_category"] == {"linmas": 1}
    unused_only = [c for c in p["categories"] if c["code"] != "guru_ngaji"]
    assert api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"categories": unused_only}).status_code == 200
    api.call("DELETE", f"/v1/enrolments/{used.data['id']}", admin)
    freed = [c for c in unused_only if c["code"] != "linmas"]
    assert api.call("PATCH", f"/v1/programmes/{p['id']}", admin, {"categories": freed}).status_code == 200
