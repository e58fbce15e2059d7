"""The admin for the BPJS round trip and the walk's findings: the template, Ajukan ke BPJS, the
KPJ list in Impor, import counters in rows, officers' landing screen, the bulk change's lock."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import load_workbook

from devtools.people import person
from tests.e2e.conftest import login
from tests.e2e.test_admin import PROGRAMME, VILLAGE_A, VILLAGE_B, enrol, goto, use

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bpjs_programme(api):
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"E2E-BPJS-{uuid.uuid4().hex[:6].upper()}"})
    assert r.status_code == 201, r.text
    p = r.json()
    p["members"] = [enrol(api, p["id"], VILLAGE_A, "linmas") for _ in range(4)]
    p["members"] += [enrol(api, p["id"], VILLAGE_B, "petani_sawit") for _ in range(2)]
    return p


def test_template_submit_to_bpjs_and_the_kpj_list_in_the_import_screen(ui, api, bpjs_programme, tmp_path):
    members = bpjs_programme["members"]
    login(ui)
    use(ui, bpjs_programme)
    goto(ui, "#/imports")
    page = ui.page
    page.on("dialog", lambda dialog: dialog.accept())

    with page.expect_download() as download:
        page.click("#import-template")
    assert download.value.suggested_filename == f"templat-impor-{bpjs_programme['code']}.xlsx"
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames == ["Peserta", "Daftar", "Petunjuk"]

    page.select_option("#submit-village", VILLAGE_A)
    page.click("#submit-bpjs")
    page.wait_for_selector("#submit-result[data-status=done]", timeout=60000)
    assert "4 peserta diajukan" in page.inner_text("#submit-result")
    statuses = {m["id"]: api("GET", f"/v1/enrolments/{m['id']}").json()["status"] for m in members}
    assert [statuses[m["id"]] for m in members] == ["submitted"] * 4 + ["draft"] * 2
    ui.shot("10-submit-to-bpjs")

    lines = ["NIK;No KPJ;Tgl Efektif"] + [f"{m['nik']};250100000{i:02d};01/10/2025" for i, m in enumerate(members)]
    lines.append(f"{person(987_654, VILLAGE_A, 'linmas')['nik']};25010000099;01/10/2025")  # not in the programme
    path = tmp_path / "kpj-cabang.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.select_option("#import-kind", "kpj")
    assert "No KPJ" in page.inner_text("#import-help")
    page.set_input_files("#import-file", str(path))
    page.click("#import-upload")
    page.wait_for_selector("#import-status [data-status=done], #import-status [data-status=failed]", timeout=60000)
    assert page.inner_text("#import-state") == "selesai"
    counts = {k: page.inner_text(f"[data-count={k}] .v") for k in ("activated", "not_found", "rejected")}
    assert counts == {"activated": "6", "not_found": "1", "rejected": "1"}
    assert "1 kesalahan pada 1 baris ditolak" in page.inner_text("#import-status")  # rows, not errors
    assert {api("GET", f"/v1/enrolments/{m['id']}").json()["status"] for m in members} == {"active"}
    ui.shot("11-kpj-list")


def test_officer_lands_on_their_peserta_without_export_or_import(ui, bpjs_programme):
    login(ui, role="officer", villages=VILLAGE_B)
    page = ui.page
    page.wait_for_function("document.getElementById('screen').dataset.route === '#/enrolments'")
    nav = {a.get_attribute("data-nav") for a in page.locator("#nav a").all()}
    assert "enrolments" in nav and not {"dashboard", "imports", "renew"} & nav
    use(ui, bpjs_programme)
    page.evaluate("location.hash = '#/dashboard'")  # an old bookmark: sent to Peserta, not a 403
    page.wait_for_function("document.getElementById('screen').dataset.route === '#/enrolments'")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 2")
    assert page.locator("[data-export]").count() == 0 and page.locator("#submit-selected").count() == 0


def test_bulk_status_change_locks_its_button_and_shows_progress(ui, api, bpjs_programme):
    fresh = [enrol(api, bpjs_programme["id"], VILLAGE_B, "petani_sawit") for _ in range(3)]
    login(ui)
    use(ui, bpjs_programme)
    goto(ui, "#/enrolments")
    page = ui.page
    page.select_option('#filters [name="status"]', "draft")
    page.click("#apply-filters")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 3")
    page.click("#grid .tabulator-header .tabulator-row-header input[type=checkbox]")
    page.select_option("#bulk-status", "submitted")
    locked, progress = page.evaluate("""() => {
        const button = document.getElementById('bulk-apply');
        button.click();
        return [button.disabled, document.getElementById('bulk-progress')?.textContent || ''];
    }""")
    assert locked and progress.startswith("Mengubah status")
    page.wait_for_selector("#bulk-result.ok")
    assert "3 berhasil, 0 gagal" in page.inner_text("#bulk-result") and page.is_enabled("#bulk-apply")
    assert {api("GET", f"/v1/enrolments/{e['id']}").json()["status"] for e in fresh} == {"submitted"}


def test_audit_shows_labels_and_forms_show_no_english_schema_text(ui, api, bpjs_programme):
    member = enrol(api, bpjs_programme["id"], VILLAGE_A, "linmas")
    r = api("PATCH", f"/v1/enrolments/{member['id']}", json={"status": "submitted"}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    login(ui)
    use(ui, bpjs_programme)
    goto(ui, f"#/enrolments/{member['id']}")
    page = ui.page
    page.wait_for_selector("#audit [data-change=status]")
    change = page.inner_text("#audit tr[data-action=update] [data-change=status]")
    assert change == "Status: Draf → Diajukan", change  # labels, not draft -> submitted
    created = page.inner_text("#audit tr[data-action=create]")
    assert "dibuat" in created and "linmas" not in created and "16.03.01.2011" not in created
    assert "Embawang" in created and "Admin" in created
    goto(ui, "#/renew")
    assert page.input_value('[name="root[coverage_start]"]')  # the form is there
    text = page.inner_text("#screen")
    assert "default the old rate" not in text and "monthly_contribution_idr" not in text
