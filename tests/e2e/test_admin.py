"""The web admin as admin staff use it, in headless Chromium at 1366×768, against `make run`'s
stack. Screens whose endpoints live on other branches skip until those routes exist."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest

from devtools.people import person
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

VILLAGE_A = "16.03.01.2011"  # Embawang, Tanjung Agung
VILLAGE_B = "16.03.02.2001"
_serial = itertools.count(100)
PROGRAMME = {
    "name": "Pekerja Rentan Muara Enim Okt-Des 2025", "funder": "APBD Kabupaten Muara Enim (DPMD)",
    "legal_basis": "Surat Edaran Bupati Muara Enim", "coverage_start": "2025-10-01", "coverage_end": "2025-12-31",
    "benefits": ["JKK", "JKM"], "monthly_contribution_idr": 16800,
    "targets": {"pekerja_desa": 40, "petani_sawit": 10},
}


def enrol(api, pid: str, village: str, category: str, **overrides) -> dict:
    i = next(_serial) * 7919
    r = api("POST", f"/v1/programmes/{pid}/enrolments", json={**person(i, village, category), **overrides})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def programme(api):
    """30 members: 26 village workers in Tanjung Agung, 4 oil-palm smallholders elsewhere."""
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"E2E-{uuid.uuid4().hex[:6].upper()}"})
    assert r.status_code == 201, r.text
    p = r.json()
    for n in range(26):
        enrol(api, p["id"], VILLAGE_A, "perangkat_desa" if n % 2 else "linmas")
    for _ in range(4):
        enrol(api, p["id"], VILLAGE_B, "petani_sawit")
    return p


def use(ui, programme, page=None) -> None:
    page = page or ui.page
    page.select_option("#programme-picker", programme["id"])
    page.wait_for_function("document.getElementById('screen').dataset.route")


def goto(ui, hash_: str, page=None) -> None:
    page = page or ui.page
    page.evaluate(f"location.hash = '{hash_}'")
    page.wait_for_function(f"document.getElementById('screen').dataset.route === '{hash_}'")


# ---------- log in, create a programme (validation messages from the API), targets as data ----------
def test_log_in_and_create_a_programme_with_targets(ui, api):
    page = ui.page
    page.goto(f"{ui.base}/admin")
    page.wait_for_selector("#local-login")
    ui.shot("01-login")
    login(ui)
    goto(ui, "#/programmes/new")
    code = f"UI-{uuid.uuid4().hex[:6].upper()}"
    page.fill('[name="root[code]"]', code)
    page.fill('[name="root[name]"]', "Program Uji Coba dari Admin Web")
    page.fill('[name="root[coverage_start]"]', "2026-01-01")
    page.fill('[name="root[coverage_end]"]', "2025-12-31")  # before the start: the API says why
    page.fill('[name="root[monthly_contribution_idr]"]', "16800")
    page.click("#create-programme")
    alert = page.locator("#programme-new .alert.error")
    alert.wait_for()
    assert "coverage_end harus setelah coverage_start" in alert.inner_text()
    page.fill('[name="root[coverage_end]"]', "2026-06-30")
    page.click("#create-programme")
    page.wait_for_selector(f"#programme-list td:text-is('{code}')")
    created = next(p for p in api("GET", "/v1/programmes?limit=500").json()["items"] if p["code"] == code)
    assert created["categories"], "the API's default categories apply when the form sends none"

    targets = page.locator("#programme-targets")
    targets.wait_for()
    targets.locator('[name="root[pekerja_desa]"]').fill("24651")
    targets.locator('[name="root[petani_sawit]"]').fill("2124")
    page.click("#save-targets")
    page.wait_for_selector("#flash .alert.ok:text('Program disimpan')")
    assert not page.locator("#programme-targets .alert.error").count()
    page.wait_for_function(f"""fetch('/v1/programmes/{created['id']}', {{headers: {{Authorization: 'Bearer ' +
        localStorage.getItem('lindung.token')}}}}).then(r => r.json()).then(p => p.targets.pekerja_desa === 24651)""")
    ui.shot("02-programmes")


# ---------- dashboard ----------
def test_dashboard_shows_totals_against_targets_with_charts(ui, programme):
    login(ui)
    use(ui, programme)
    goto(ui, "#/dashboard")
    page = ui.page
    page.wait_for_selector("[data-kpi=total] .v")
    assert page.inner_text("[data-kpi=total] .v") == "30"
    assert page.inner_text("[data-kpi=target] .v") == "50"
    assert page.inner_text("[data-kpi=progress] .v") == "60%"
    for chart in ("chart-category", "chart-district", "chart-status"):
        assert page.evaluate(f"!!Chart.getChart('{chart}')"), chart
    labels = page.evaluate("Chart.getChart('chart-district').data.labels")
    assert "Tanjung Agung" in labels
    ui.shot("03-dashboard")


# ---------- the grid: server-side filters, search, cursor paging, bulk status ----------
def test_grid_filters_searches_pages_and_changes_status_in_bulk(ui, api, programme):
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments")
    page = ui.page
    rows = page.locator("#grid .tabulator-row")
    rows.first.wait_for()
    assert rows.count() == 30
    ui.shot("04-enrolments")

    page.select_option('#filters [name="limit"]', "25")
    page.click("#apply-filters")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 25")
    assert page.is_enabled("#next-page") and not page.is_enabled("#prev-page")
    page.click("#next-page")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 5")
    assert page.inner_text("#page-info") == "Halaman 2"
    page.click("#prev-page")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 25")

    page.select_option('#filters [name="category"]', "petani_sawit")
    page.click("#apply-filters")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 4")
    assert set(page.locator("#grid .tabulator-cell[tabulator-field=category]").all_inner_texts()) == {"Petani Sawit"}

    page.click("#grid .tabulator-header .tabulator-row-header input[type=checkbox]")
    assert page.inner_text("#selected-count") == "4 dipilih"
    page.select_option("#bulk-status", "submitted")
    page.click("#bulk-apply")
    page.wait_for_selector("#bulk-result.ok")
    assert "4 berhasil, 0 gagal" in page.inner_text("#bulk-result")
    listed = api("GET", f"/v1/programmes/{programme['id']}/enrolments?category=petani_sawit").json()["items"]
    assert {e["status"] for e in listed} == {"submitted"}

    page.click("button:text('Atur ulang')")
    target = api("GET", f"/v1/programmes/{programme['id']}/enrolments?limit=1").json()["items"][0]
    page.fill('#filters [name="q"]', target["name"].split()[0])
    page.click("#apply-filters")
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length < 30")
    names = page.locator("#grid .tabulator-cell[tabulator-field=name]").all_inner_texts()
    assert names and all(target["name"].split()[0].lower() in n.lower() for n in names)
    ui.shot("04-enrolments-search")


def test_grid_export_downloads_a_file(ui, api, programme):
    api.skip_unless("GET", "/v1/programmes/{pid}/export", "issue 5: export")
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments")
    with ui.page.expect_download() as download:
        ui.page.click("[data-export=csv]")
    assert download.value.suggested_filename.endswith(".csv")


# ---------- schema-driven forms ----------
def test_enrolment_form_renders_every_property_of_the_schema(ui, api, programme):
    doc = api("GET", "/v1/openapi.json").json()
    body = doc["paths"]["/v1/programmes/{pid}/enrolments"]["post"]["requestBody"]["content"]["application/json"]
    schema = doc["components"]["schemas"][body["schema"]["$ref"].split("/")[-1]]
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments/new")
    page = ui.page
    for name in schema["properties"]:
        page.wait_for_selector(f'[name="root[{name}]"]', state="attached")
    page.fill('[name="root[nik]"]', "12345")
    page.fill('[name="root[name]"]', "Siti Aminah")
    page.fill('[name="root[birth_date]"]', "1990-08-17")
    page.select_option('[name="root[sex]"]', "P")
    page.select_option('[name="root[village_code]"]', VILLAGE_A)
    page.select_option('[name="root[category]"]', "linmas")
    page.click("#save-enrolment")
    page.wait_for_selector('[data-error-for="nik"]')
    assert "16 digit" in page.inner_text("#enrolment-form .alert.error")
    ui.shot("05-enrolment-new-validation")


def test_a_new_optional_field_in_the_schema_appears_in_grid_and_form(ui, programme):
    """No admin code names `hobi`: adding it to the OpenAPI schemas (test-only, at the network
    level) is enough for a grid column and a form input."""
    page = ui.page

    def with_hobi(route):
        doc = route.fetch().json()
        for name in ("EnrolmentIn", "EnrolmentPatch", "EnrolmentOut"):
            doc["components"]["schemas"][name]["properties"]["hobi"] = {
                "anyOf": [{"type": "string", "maxLength": 60}, {"type": "null"}], "default": None, "title": "Hobi"}
        route.fulfill(json=doc)

    def items_with_hobi(route):
        response = route.fetch()
        data = response.json()
        for item in data.get("items", []):
            item["hobi"] = "memancing"
        route.fulfill(response=response, body=json.dumps(data))

    page.route("**/v1/openapi.json", with_hobi)
    page.route("**/v1/programmes/*/enrolments?*", items_with_hobi)
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments")
    page.wait_for_selector("#grid .tabulator-col[tabulator-field=hobi]")
    assert page.inner_text("#grid .tabulator-col[tabulator-field=hobi]").strip() == "Hobi"
    page.wait_for_selector("#grid .tabulator-cell[tabulator-field=hobi]:text('memancing')")
    goto(ui, "#/enrolments/new")
    page.wait_for_selector('[name="root[hobi]"]', state="attached")
    assert "Hobi" in page.inner_text('[data-schemapath="root.hobi"]')


# ---------- edit, stale-edit conflict, audit history ----------
def test_edit_an_enrolment_and_see_the_conflict_when_another_tab_saved_first(ui, api, programme):
    e = enrol(api, programme["id"], VILLAGE_A, "linmas")
    login(ui)
    use(ui, programme)
    first, second = ui.page, ui.new_tab()
    for tab in (first, second):
        tab.goto(f"{ui.base}/admin/index.html#/enrolments/{e['id']}")
        tab.wait_for_selector('[name="root[occupation]"]')
    second.fill('[name="root[occupation]"]', "Petani karet")
    second.click("#save-enrolment")
    second.wait_for_selector("#version-badge:text('v2')")

    first.fill('[name="root[occupation]"]', "Pedagang")
    first.click("#save-enrolment")
    stale = first.locator("#stale")
    stale.wait_for()
    assert "sudah diubah orang lain" in stale.inner_text()
    ui.shot("06-enrolment-conflict", first)

    first.click("#stale button")
    first.wait_for_selector("#version-badge:text('v2')")
    assert first.input_value('[name="root[occupation]"]') == "Petani karet"
    first.fill('[name="root[phone]"]', "081234567899")
    first.click("#save-enrolment")
    first.wait_for_selector("#version-badge:text('v3')")
    first.wait_for_selector("#audit tr[data-action=update] >> nth=1")
    assert first.locator("#audit tr[data-action=create]").count() == 1
    assert api("GET", f"/v1/enrolments/{e['id']}").json()["phone"] == "+6281234567899"
    ui.shot("07-enrolment-detail", first)


# ---------- import with bad rows (issue 5) ----------
def test_import_a_csv_with_bad_rows_and_see_the_report(ui, api, programme, tmp_path):
    api.skip_unless("POST", "/v1/programmes/{pid}/imports", "issue 5: imports")
    good = [person(next(_serial) * 7919, VILLAGE_A, "linmas") for _ in range(3)]
    fields = ["nik", "name", "birth_date", "sex", "phone", "village_code", "category"]
    lines = [",".join(fields)] + [",".join(str(p.get(f) or "") for f in fields) for p in good]
    lines.append("123,Nama Salah,1990-01-01,L,081200000000,16.03.01.2011,linmas")     # bad NIK
    lines.append(f"{good[0]['nik'][:-4]}9998,Desa Salah,1990-01-01,L,,99.99.99.9999,linmas")  # bad village
    path = tmp_path / "peserta.csv"
    path.write_text("\n".join(lines) + "\n")
    login(ui)
    use(ui, programme)
    goto(ui, "#/imports")
    page = ui.page
    page.set_input_files("#import-file", str(path))
    page.click("#import-upload")
    page.wait_for_selector("#import-progress")
    page.wait_for_selector("[data-status=done], [data-status=failed]", timeout=60000)
    assert page.inner_text("[data-count=accepted] .v") == "3"
    assert page.inner_text("[data-count=rejected] .v") == "2"
    assert page.locator("#import-errors tr").count() >= 3
    with page.expect_download() as download:
        page.click("#import-report")
    report = download.value.path().read_text()
    assert report.count("\n") >= 3
    ui.shot("08-import-report")


# ---------- reminder rules and templates (issue 4) ----------
def test_edit_a_template_and_preview_it_then_dry_run_the_sweep(ui, api, programme):
    api.skip_unless("PUT", "/v1/programmes/{pid}/reminder-rules", "issue 4: reminder rules")
    login(ui)
    use(ui, programme)
    goto(ui, "#/reminders")
    page = ui.page
    page.wait_for_selector("#save-rules")
    template = page.locator("#rules textarea, #rules input[name*=template], #rules input[name*=message]").first
    template.fill("Yth. {name}, perlindungan BPJS Ketenagakerjaan Anda berakhir {coverage_end}.")
    template.dispatch_event("change")
    page.wait_for_selector("#previews .preview:text('Yth.')")
    preview = page.inner_text("#previews .preview >> nth=0")
    assert "{name}" not in preview and "Yth." in preview
    page.click("#save-rules")
    page.wait_for_selector("#flash .alert.ok, #rules .alert.error")
    assert not page.locator("#rules .alert.error").count(), page.inner_text("#rules .alert.error")
    ui.shot("09-reminder-rules")
    if api.route_present("POST", "/v1/reminders/run"):
        page.click("#dryrun-run")
        page.wait_for_selector("#dryrun-result tr[data-key=considered]")


def test_reminders_screen_explains_a_missing_server_feature(ui, api, programme):
    if api.route_present("GET", "/v1/programmes/{pid}/reminder-rules"):
        pytest.skip("reminder rules are on the server now; the full test above covers the screen")
    login(ui)
    use(ui, programme)
    goto(ui, "#/reminders")
    ui.page.wait_for_selector("#rules [data-missing]")
    assert "belum tersedia" in ui.page.inner_text("#rules [data-missing]")


# ---------- renewal (issue 4) ----------
def test_renew_a_programme(ui, api):
    api.skip_unless("POST", "/v1/programmes/{pid}/renew", "issue 4: renewal")
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"REN-{uuid.uuid4().hex[:6].upper()}"})
    p = r.json()
    enrol(api, p["id"], VILLAGE_A, "linmas", status="active", kpj_number="12345678901")
    login(ui)
    use(ui, p)
    goto(ui, "#/renew")
    page = ui.page
    assert page.input_value('[name="root[coverage_start]"]') == "2026-01-01"
    page.click("#renew-submit")
    page.wait_for_function("location.hash === '#/dashboard'")
    assert page.input_value("#programme-picker") != p["id"]
    ui.shot("10-renewed")


# ---------- English ----------
def test_switch_to_english_and_back(ui, programme):
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments")
    page = ui.page
    page.wait_for_selector("#grid .tabulator-row")
    page.click("#lang")
    page.wait_for_selector("#nav a[data-nav=enrolments]:text('Enrolments')")
    page.wait_for_function("document.getElementById('screen').dataset.route === '#/enrolments'")
    page.wait_for_selector("#grid .tabulator-row")
    assert "Village" in page.inner_text("#grid .tabulator-col[tabulator-field=village_code]")
    ui.shot("11-enrolments-english")
    page.click("#lang")
    page.wait_for_selector("#nav a[data-nav=enrolments]:text('Peserta')")


def test_officer_sees_only_their_villages(ui, programme):
    login(ui, role="officer", villages=VILLAGE_B)
    use(ui, programme)
    goto(ui, "#/enrolments")
    ui.page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 4")


