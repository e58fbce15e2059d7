"""The Program screen as DPMD staff saw it on the walk (issue #11, "The admin"): targets load as
numbers (blank ones blank, no "tipe tidak sesuai"), dates are dd/mm/yyyy in forms and
"31 Desember 2025" in text."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_admin import goto, use

pytestmark = pytest.mark.e2e


@pytest.fixture()
def fresh_programme(api):
    r = api("POST", "/v1/programmes", json={
        "code": f"FORM-{uuid.uuid4().hex[:6].upper()}", "name": "Program Uji Formulir",
        "coverage_start": "2025-10-01", "coverage_end": "2025-12-31", "monthly_contribution_idr": 16800,
        "targets": {"pekerja_desa": 24651, "petani_sawit": 2124}})
    assert r.status_code == 201, r.text
    return r.json()


def test_targets_load_as_numbers_and_unset_ones_are_blank_without_errors(ui, api, fresh_programme):
    login(ui)
    use(ui, fresh_programme)
    goto(ui, "#/programmes")
    page = ui.page
    box = page.locator("#programme-targets")
    box.locator('[name="root[pekerja_desa]"]').wait_for()
    page.wait_for_function("document.querySelector('#programme-targets .je-ready, #programme-targets [data-theme]')")
    values = box.locator("input").evaluate_all("els => els.map(e => [e.name, e.value])")
    by_name = dict(values)
    assert by_name['root[pekerja_desa]'] == "24651"
    assert by_name['root[petani_sawit]'] == "2124"
    unset = [name for name in by_name if name not in ('root[pekerja_desa]', 'root[petani_sawit]')]
    assert len(unset) >= 7, by_name  # every other category and group: a field, blank
    assert all(by_name[name] == "" for name in unset), by_name
    text = box.inner_text()
    assert "null" not in text and "tipe tidak sesuai" not in text, text
    box.locator('[name="root[linmas]"]').fill("150")
    page.click("#save-targets")
    page.wait_for_selector("#flash .alert.ok")
    assert not page.locator("#programme-targets .alert.error").count()
    saved = api("GET", f"/v1/programmes/{fresh_programme['id']}").json()
    assert saved["targets"] == {"pekerja_desa": 24651, "petani_sawit": 2124, "linmas": 150}
    ui.shot("programme-targets-numbers")


def test_dates_are_dd_mm_yyyy_in_forms_and_written_out_in_text(ui, api, fresh_programme):
    login(ui)
    use(ui, fresh_programme)
    goto(ui, "#/programmes")
    page = ui.page
    row = page.locator(f"#programme-list tr[data-id='{fresh_programme['id']}']")
    row.wait_for()
    assert "1 Oktober 2025" in row.inner_text() and "31 Desember 2025" in row.inner_text()
    end = page.locator('#programme-edit [name="root[coverage_end]"]')
    end.wait_for()
    assert end.input_value() == "31/12/2025"
    assert page.locator('#programme-edit [name="root[coverage_start]"]').input_value() == "01/10/2025"
    end.fill("30/11/2025")
    page.click("#save-programme")
    page.wait_for_selector("#flash .alert.ok")
    assert api("GET", f"/v1/programmes/{fresh_programme['id']}").json()["coverage_end"] == "2025-11-30"
    page.locator(f"#programme-list tr[data-id='{fresh_programme['id']}']:has-text('30 November 2025')").wait_for()
    end = page.locator('#programme-edit [name="root[coverage_end]"]')
    end.fill("31-13-2025")  # not a date: said in Indonesian on the field, nothing sent
    page.click("#save-programme")
    page.locator("#programme-edit .errmsg").first.wait_for()
    assert "dd/mm/yyyy" in page.inner_text("#programme-edit")
    assert api("GET", f"/v1/programmes/{fresh_programme['id']}").json()["coverage_end"] == "2025-11-30"
    ui.shot("programme-dates")


def test_the_reminders_screen_shows_its_previews_without_waiting_for_the_names_count(ui, api, fresh_programme):
    """The walk: the reminders screen took 6.9 s, waiting for the preview that renders the SMS for
    every member. The texts now come first (count_names: false); the count is asked for after and
    fills in. Here the count's answer is held back: the screen must be complete without it."""
    import json

    from tests.e2e.test_admin import VILLAGE_A, enrol

    for _ in range(3):
        enrol(api, fresh_programme["id"], VILLAGE_A, "linmas")
    held, asked = [], []

    def hold_counts(route):
        counting = json.loads(route.request.post_data or "{}").get("count_names", True)
        asked.append(counting)
        if counting:
            held.append(route)  # answered only when the test lets it go
        else:
            route.continue_()

    login(ui)
    use(ui, fresh_programme)
    page = ui.page
    page.route("**/reminder-rules/preview", hold_counts)
    with page.expect_request(lambda r: r.url.endswith("/reminder-rules/preview")
                             and json.loads(r.post_data or "{}").get("count_names") is True, timeout=15000):
        goto(ui, "#/reminders")
        page.locator("#previews [data-template=sms] .preview").wait_for()
        page.locator("#sms-names[data-state=counting]").wait_for()
    assert "berakhir 31 Desember 2025" in page.inner_text("#previews [data-template=sms] .preview")
    assert page.locator("#previews [data-template=whatsapp] .preview").inner_text()
    assert asked[0] is False and held, asked  # the screen's first preview does not count names
    assert page.locator("#sms-names").get_attribute("data-state") == "counting"
    for route in held:
        route.continue_()
    page.locator("#sms-names[data-state=counted]").wait_for()
    assert "dari 3 nama peserta" in page.inner_text("#sms-names")
