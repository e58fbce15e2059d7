"""Eligibility per programme as data: age bounds at the start of cover (none by default)."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib import config
from devtools.people import nik_for
from tests.integration.helpers import VILLAGE_A, new_person, new_programme


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _born(birth: str, serial: int) -> dict:
    from datetime import date

    return new_person(nik=nik_for(VILLAGE_A, date.fromisoformat(birth), "L", serial), birth_date=birth, sex="L")


def test_import_rejects_rows_outside_the_age_bounds_and_a_single_create_is_flagged(api, admin, dispatcher):
    programme = new_programme(api, admin, eligibility={"min_age": 18, "max_age": 60})
    assert programme["eligibility"] == {"min_age": 18, "max_age": 60}
    pid = programme["id"]
    young, old, fine = _born("2007-10-02", 11), _born("1964-09-30", 12), _born("1990-05-05", 13)
    edge = _born("2007-10-01", 14)  # 18 on the day cover starts (1 October 2025)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Kode Desa", "Kategori"])
    for p in (young, old, fine, edge):
        writer.writerow([p["nik"], p["name"], p["birth_date"], p["sex"], p["village_code"], p["category"]])
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, raw=out.getvalue().encode(),
                 headers={"Content-Type": "text/csv"})
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    assert (job["accepted"], job["rejected"]) == (2, 2)
    errors = {e["row"]: e for e in job["errors"]}
    assert set(errors) == {2, 3} and {e["code"] for e in errors.values()} == {"AGE_OUTSIDE_ELIGIBILITY"}
    assert "Usia 17 tahun" in errors[2]["message"] and "1 Oktober 2025" in errors[2]["message"]
    assert "Usia 61 tahun" in errors[3]["message"] and "18-60 tahun" in errors[3]["message"]

    single = api.call("POST", f"/v1/programmes/{pid}/enrolments", admin, _born("2008-01-01", 15))
    assert single.status_code == 201 and "AGE_OUTSIDE_ELIGIBILITY" in single.data["warnings"]


def test_no_bounds_by_default_and_bounds_can_be_removed(api, admin):
    programme = new_programme(api, admin)
    assert programme.get("eligibility") is None
    r = api.call("POST", f"/v1/programmes/{programme['id']}/enrolments", admin, _born("2010-01-01", 21))
    assert r.status_code == 201 and "AGE_OUTSIDE_ELIGIBILITY" not in r.data["warnings"]
    bad = api.call("PATCH", f"/v1/programmes/{programme['id']}", admin, {"eligibility": {"min_age": 70, "max_age": 20}})
    assert bad.status_code == 422
    ok = api.call("PATCH", f"/v1/programmes/{programme['id']}", admin, {"eligibility": {"max_age": 65}})
    assert ok.status_code == 200 and ok.data["eligibility"] == {"max_age": 65}
    cleared = api.call("PATCH", f"/v1/programmes/{programme['id']}", admin, {"eligibility": None})
    assert cleared.status_code == 200 and cleared.data.get("eligibility") is None
