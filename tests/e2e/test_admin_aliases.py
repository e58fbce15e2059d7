"""The Program screen shows each category's jabatan aliases and saves an edited one (issue #11:
aliases are data, edited in the Program screen); the next import matches the new spelling."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_aliases_are_shown_and_edited_on_the_program_screen(ui, api):
    r = api("POST", "/v1/programmes", json={
        "code": f"ALIAS-{uuid.uuid4().hex[:6].upper()}", "name": "Program Uji Alias Jabatan",
        "coverage_start": "2025-10-01", "coverage_end": "2025-12-31", "monthly_contribution_idr": 16800})
    assert r.status_code == 201, r.text
    programme = r.json()
    index = next(i for i, c in enumerate(programme["categories"]) if c["code"] == "perangkat_desa")
    last = len(programme["categories"][index]["aliases"]) - 1
    login(ui)
    page = ui.page
    page.select_option("#programme-picker", programme["id"])
    page.evaluate("location.hash = '#/programmes'")
    field = page.locator(f'#programme-edit [name="root[categories][{index}][aliases][{last}]"]')
    field.wait_for()
    assert field.input_value() == programme["categories"][index]["aliases"][last]
    field.fill("Bendahara Desa")
    page.click("#save-programme")
    page.wait_for_selector("#flash .alert.ok")
    ui.shot("programme-aliases")
    saved = api("GET", f"/v1/programmes/{programme['id']}").json()
    assert saved["categories"][index]["aliases"][last] == "Bendahara Desa"
    assert saved["categories"][index]["aliases"][:-1] == programme["categories"][index]["aliases"][:-1]
