"""The web admin as admin staff use it, in headless Chromium at 1366×768, against `make run`'s
stack: its dispatcher feeds the import, reminder and lifecycle queues, so background work
(import chunks, renewal carry-over) advances by itself and the screens poll for it."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

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
    summary_follows(api, p["id"], 30)
    return p


def summary_follows(api, pid: str, total: int, timeout: float = 120.0) -> None:
    """The stack's dispatcher applies the table's stream to the kept summary within a moment of
    the writes (as the event source mapping does in AWS): wait for that, not a fixed time."""
    deadline = time.monotonic() + timeout
    while api("GET", f"/v1/programmes/{pid}/summary").json()["total"] != total:
        assert time.monotonic() < deadline, f"summary of {pid} did not reach {total} in {timeout} s"
        time.sleep(0.2)


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
def test_dashboard_shows_totals_against_targets_with_charts(ui, api, programme):
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
    # the renewal budget: the same figure as the admins' budget email (GET /renewal-budget, from the records)
    budget = api("GET", f"/v1/programmes/{programme['id']}/renewal-budget").json()
    total = f"Rp {budget['total_idr']:,}".replace(",", ".")
    assert page.inner_text("[data-kpi=budget] .v") == total
    note = page.inner_text("#budget-note")
    assert f"× {budget['months']} bulan × Rp 16.800 = {total}" in note and "belum diperpanjang" in note
    by_funder = page.inner_text("#budget-by-funder")  # per funding source, the regency's programmes of the year
    assert f"berakhir tahun {budget['fiscal_year']}" in by_funder
    assert all(f"{f['funder'] or '—'}: Rp {f['total_idr']:,}".replace(",", ".") in by_funder
               for f in budget["by_funder"])
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
    page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 30")
    target = api("GET", f"/v1/programmes/{programme['id']}/enrolments?limit=1").json()["items"][0]
    word = target["name"].split()[0]
    page.fill('#filters [name="q"]', word)
    page.click("#apply-filters")
    # Wait for the search's own rows (not whatever the grid showed before the reply came).
    page.wait_for_function("""w => {
        const cells = [...document.querySelectorAll('#grid .tabulator-cell[tabulator-field=name]')];
        return cells.length > 0 && cells.length < 30 && cells.every(c => c.innerText.toLowerCase().includes(w));
    }""", arg=word.lower())
    names = page.locator("#grid .tabulator-cell[tabulator-field=name]").all_inner_texts()
    assert names and all(word.lower() in n.lower() for n in names)
    ui.shot("04-enrolments-search")


def test_grid_export_downloads_a_file(ui, api, programme):
    login(ui)
    use(ui, programme)
    goto(ui, "#/enrolments")
    page = ui.page
    page.locator("#grid .tabulator-row").first.wait_for()
    with page.expect_download() as download:
        page.click("[data-export=csv]")
    assert download.value.suggested_filename == f"peserta-{programme['code']}.csv"
    rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("nik,nama,tanggal_lahir") and len(rows) == 1 + 30
    with page.expect_download() as download:
        page.click("[data-export=xlsx]")
    assert download.value.suggested_filename == f"peserta-{programme['code']}.xlsx"
    assert download.value.path().read_bytes()[:4] == b"PK\x03\x04"  # a real workbook, not base64 text


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
        if name == "extra":
            continue  # the programme's own fields: inputs per field when it has any (tests/e2e/test_fields.py)
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
    assert page.inner_text("#import-state") == "selesai"
    assert page.inner_text("[data-count=accepted] .v") == "3"
    assert page.inner_text("[data-count=rejected] .v") == "2"
    assert page.get_attribute("#import-progress", "value") == "5"  # processed of 5 rows
    listed = page.locator("#import-errors tr[data-row]")
    assert {listed.nth(i).get_attribute("data-row") for i in range(listed.count())} == {"5", "6"}
    with page.expect_download() as download:
        page.click("#import-report")
    import io

    from openpyxl import load_workbook

    assert download.value.suggested_filename.endswith(".xlsx")
    report = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(values_only=True))
    assert report[0][:2] == ("Baris", "Jenis") and {line[0] for line in report[1:]} == {5, 6}
    assert {line[3] for line in report[1:]} == {"Nama Salah", "Desa Salah"}  # the name as written, to find the row
    ui.shot("08-import-report")


def test_a_big_file_goes_through_a_presigned_s3_upload(ui, api, tmp_path):
    """Above 5 MB the browser posts the file to the imports bucket and the import names its key;
    the limit is lowered through config.json here so a small file takes that path."""
    p = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"S3-{uuid.uuid4().hex[:6].upper()}"}).json()
    people = [person(next(_serial) * 7919, VILLAGE_B, "petani_sawit") for _ in range(2)]
    path = tmp_path / "roster-besar.csv"
    path.write_text("nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;kategori\n" + "".join(
        f"{x['nik']};{x['name']};{x['birth_date']};{x['sex']};{x['village_code']};{x['category']}\n" for x in people))
    page = ui.page
    page.route("**/admin/config.json", lambda route: route.fulfill(json={"import_direct_max_bytes": 1}))
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if r.method == "POST" and "upload-url" in r.url else None)
    login(ui)
    use(ui, p)
    goto(ui, "#/imports")
    page.set_input_files("#import-file", str(path))
    page.click("#import-upload")
    page.wait_for_selector("[data-status=done], [data-status=failed]", timeout=60000)
    assert uploads, "the presigned upload route was not used"
    assert page.inner_text("[data-count=accepted] .v") == "2"
    assert "roster-besar.csv" in page.inner_text("#import-status")


# ---------- reminder rules and templates, dry run and a live run (issue 4) ----------
def test_a_plan_whose_sms_leave_later_says_when_before_send_now_is_pressed(ui, api):
    """SMS a plan holds (quiet hours, or a day still to come) are priced and their time is said, on the
    screen and in the question Kirim sekarang asks; the real clock can't be put in quiet hours from a
    browser test, so a period ending in 2099 gives a plan for a day to come (the API's sms_schedule)."""
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"E2E-{uuid.uuid4().hex[:6].upper()}",
                                            "coverage_start": "2099-10-01", "coverage_end": "2099-12-31"})
    assert r.status_code == 201, r.text
    later = r.json()
    for n in range(2):
        enrol(api, later["id"], VILLAGE_A, "linmas", status="active", kpj_number=f"2233445577{n}")
    login(ui)
    use(ui, later)
    goto(ui, "#/reminders")
    page = ui.page
    page.fill("#dryrun-as-of", "2099-11-16")
    page.click("#dryrun-run")
    page.wait_for_selector("#dryrun-later")
    assert "2 SMS" in page.inner_text("#dryrun-later")
    assert "16 November 2099 pukul 08.00 WIB" in page.inner_text("#dryrun-later")
    assert page.inner_text("#dryrun-result tr[data-key=sms] td") == "2"
    assert page.inner_text("#dryrun-cost .v") != "Rp 0"  # held SMS are priced in the plan
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.click("#run-live")
    assert questions and "16 November 2099 pukul 08.00 WIB" in questions[0]


def test_edit_a_template_and_preview_it_then_dry_run_the_sweep(ui, api, programme):
    due = [enrol(api, programme["id"], VILLAGE_A, "linmas", status="active", kpj_number=f"2233445566{n}")
           for n in range(2)]
    login(ui)
    use(ui, programme)
    goto(ui, "#/reminders")
    page = ui.page
    page.wait_for_selector("#save-rules")
    page.wait_for_selector("#previews .preview")  # the API's preview of the current templates
    # after the end: the default text says how to go on alone; the screen says when membership lapses
    assert "JMO" in page.inner_text("#previews [data-template=sms_after] .preview")
    assert "hangus bila iuran tidak dibayar 3 bulan" in page.inner_text("#rules-after-end")
    assert page.locator('#rules textarea[name="root[templates][sms_after]"]').count() == 1
    sms = page.locator('#rules textarea[name="root[templates][sms]"]')
    # A placeholder the API does not know: its preview says which ones it does, on the field.
    sms.fill("Yth. {name}, kartu BPJS Ketenagakerjaan Anda berakhir {coverage_end}.")
    sms.dispatch_event("change")
    page.wait_for_selector('#rules [data-error-for="templates.sms"]')
    assert "{coverage_end}" in page.inner_text('#rules [data-error-for="templates.sms"]')
    assert "{end_date}" in page.inner_text("#previews .alert.error")
    sms.fill("Yth. {name}, kartu BPJS Ketenagakerjaan Anda berakhir {end_date}. Info: {officer_contact}")
    sms.dispatch_event("change")
    page.wait_for_selector("#previews [data-template=sms] .preview:text('kartu BPJS')")
    preview = page.inner_text("#previews [data-template=sms] .preview")
    assert "{" not in preview and "31 Desember 2025" in preview
    page.wait_for_selector("#sms-names[data-state=counted]")  # the names count comes after the texts
    info = page.inner_text("#previews [data-template=sms] small")
    assert "Rp" in info and "nama peserta program ini menjadi 2 SMS" in info  # names over one segment
    assert not page.locator('#rules [data-error-for="templates.sms"]').count()
    # Quiet hours that do not include now, so the live run below sends whatever the hour.
    hour = (datetime.now(UTC) + timedelta(hours=7)).hour
    page.fill('[name="root[quiet_hours][start]"]', f"{(hour + 2) % 24:02d}:00")
    page.fill('[name="root[quiet_hours][end]"]', f"{(hour + 3) % 24:02d}:00")
    page.click("#save-rules")
    page.wait_for_selector("#flash .alert.ok, #rules .alert.error")
    assert not page.locator("#rules .alert.error").count(), page.inner_text("#rules .alert.error")
    saved = api("GET", f"/v1/programmes/{programme['id']}/reminder-rules").json()
    assert saved["templates"]["sms"].startswith("Yth. {name}, kartu BPJS") and not saved["is_default"]
    ui.shot("09-reminder-rules")

    # Dry run 7 days before the end: per-channel counts and the SMS cost before anything is sent.
    assert page.is_disabled("#run-live")
    page.fill("#dryrun-as-of", "2025-12-24")
    page.click("#dryrun-run")
    page.wait_for_selector("#dryrun-result tr[data-key=considered]")
    dry = api("POST", "/v1/reminders/run", json={"as_of": "2025-12-24", "dry_run": True,
                                                 "programme_id": programme["id"]}).json()
    assert page.inner_text("#dryrun-result tr[data-key=sms] td") == str(dry["would_send"]["sms"])
    assert page.inner_text("#dryrun-cost .v") == f"Rp {dry['cost']['total_idr']:,}".replace(",", ".")
    page.locator("#dryrun").scroll_into_view_if_needed()
    ui.shot("09-reminder-dry-run")
    assert not page.locator("#dryrun-later").count()  # a past day outside quiet hours: everything goes at once


    # A live run asks first, with the cost in the question; declining sends nothing.
    assert dry["would_send"]["sms"] >= len(due) and dry["cost"]["total_idr"] > 0
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.click("#run-live")
    assert questions and f"Rp {dry['cost']['total_idr']:,}".replace(",", ".") in questions[0]
    assert not page.locator("#run-progress [data-status]").count()
    page.once("dialog", lambda d: d.accept())
    page.click("#run-live")
    page.wait_for_selector("#run-progress [data-status=done]", timeout=30000)
    sent = dry["would_send"]["sms"] + dry["would_send"]["email"]
    assert page.inner_text("#run-progress tr[data-key=sent] td") == str(sent)
    ui.shot("09-reminder-live-run")

    # The enrolment detail shows what was sent for that member.
    goto(ui, f"#/enrolments/{due[0]['id']}")
    page.wait_for_selector("#reminders tr[data-status=sent][data-channel=sms]")
    assert "H-7" in page.inner_text("#reminders tr[data-status=sent]")
    ui.shot("09-reminder-history")


def test_quiet_hours_can_be_switched_off_and_on(ui, api, programme):
    login(ui)
    use(ui, programme)
    goto(ui, "#/reminders")
    page = ui.page
    page.wait_for_selector("#save-rules")
    switch = page.locator('#rules input[name="root[quiet_hours_on]"]')
    assert switch.is_checked() and page.is_enabled('[name="root[quiet_hours][start]"]')
    switch.uncheck()
    assert page.is_disabled('[name="root[quiet_hours][start]"]')
    page.click("#save-rules")
    page.wait_for_selector("#flash .alert.ok, #rules .alert.error")
    rules = f"/v1/programmes/{programme['id']}/reminder-rules"
    assert "quiet_hours" not in api("GET", rules).json()  # null: send at any hour (nulls are omitted)

    goto(ui, "#/dashboard")
    goto(ui, "#/reminders")
    page.wait_for_selector("#save-rules")
    switch = page.locator('#rules input[name="root[quiet_hours_on]"]')
    assert not switch.is_checked() and page.is_disabled('[name="root[quiet_hours][start]"]')
    switch.check()
    page.fill('[name="root[quiet_hours][start]"]', "22:00")
    page.click("#save-rules")
    deadline = time.monotonic() + 15
    while "quiet_hours" not in api("GET", rules).json() and time.monotonic() < deadline:
        assert not page.locator("#rules .alert.error").count(), page.inner_text("#rules .alert.error")
        time.sleep(0.2)
    assert api("GET", rules).json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}


# ---------- renewal (issue 4) ----------
def test_renew_a_programme(ui, api):
    r = api("POST", "/v1/programmes", json={**PROGRAMME, "code": f"REN-{uuid.uuid4().hex[:6].upper()}"})
    p = r.json()
    enrol(api, p["id"], VILLAGE_A, "linmas", status="active", kpj_number="12345678901")
    enrol(api, p["id"], VILLAGE_A, "linmas", status="active", kpj_number="12345678902")
    enrol(api, p["id"], VILLAGE_B, "petani_sawit")  # a draft: not carried over
    login(ui)
    use(ui, p)
    goto(ui, "#/renew")
    page = ui.page
    assert page.input_value('[name="root[coverage_start]"]') == "01/01/2026"  # dd/mm/yyyy in forms
    assert page.input_value('[name="root[coverage_end]"]') == "31/03/2026"  # as many months as Oct-Dec
    page.click("#renew-submit")
    page.wait_for_selector("#renewals .renewal[data-status=done]", timeout=30000)
    done = page.locator("#renewals .renewal[data-status=done]")
    assert done.locator("tr[data-key=carried] td").inner_text() == "2"
    assert done.locator("tr[data-key=excluded] td").inner_text() == "1"
    new_id = done.get_attribute("data-programme")
    summary_follows(api, new_id, 2)
    ui.shot("10-renewal-progress")
    page.click("#renew-submit")  # the same period again: nothing new, the same programme
    page.wait_for_selector("#flash .alert.ok:text('sudah dibuat sebelumnya')")
    assert page.locator("#renewals .renewal").count() == 1
    done.locator("button[data-open]").click()
    page.wait_for_function("location.hash === '#/dashboard'")
    page.wait_for_function("document.getElementById('screen').dataset.route === '#/dashboard'")
    assert page.input_value("#programme-picker") == new_id != p["id"]
    assert page.inner_text("[data-kpi=total] .v") == "2"
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
    nav = {a.get_attribute("data-nav") for a in ui.page.locator("#nav a").all()}
    assert "enrolments" in nav and not {"imports", "renew"} & nav  # admin-only screens are not offered
    ui.page.wait_for_function("document.querySelectorAll('#grid .tabulator-row').length === 4")


