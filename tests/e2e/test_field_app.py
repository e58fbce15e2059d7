"""Lindung Lapangan (/field/) as a field officer uses it: Debian's headless Chromium at a phone's
360×740, against `make run`'s stack, offline by `context.set_offline(True)`. Every test has its
own villages, so "the API holds exactly these" is checked per village."""

from __future__ import annotations

import itertools
import json
import random
import struct
import time
import uuid
import zlib

import pytest
import requests

from devtools import tokens
from devtools.people import person
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, login

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
_serial = itertools.count(5000)


# ---------- the phone ----------
class Phone:
    def __init__(self, browser, base: str, context=None):
        self.context = context or browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="Asia/Jakarta",
                                                      device_scale_factor=1, has_touch=True)
        self.base = base
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"field-{name}.png"))

    def open(self) -> None:
        self.page.goto(f"{self.base}/field/")
        self.page.wait_for_selector("body[data-ready=true]")

    def sign_in(self, villages: list[str]) -> None:
        self.page.wait_for_selector("#local-login")
        before = self.syncs()
        self.page.fill("#villages", ",".join(villages))
        self.page.click("#local-login button[type=submit]")
        self.wait_synced(before)
        self.page.wait_for_selector("#screen[data-screen=roster] #roster", state="attached")

    def paste_token(self, token: str) -> None:
        self.page.wait_for_selector("#token-login")
        before = self.syncs()
        self.page.fill("#token-login textarea[name=token]", token)
        self.page.click("#token-login button[type=submit]")
        self.wait_synced(before)

    def syncs(self) -> int:
        """How many syncs have completed on this page."""
        return int(self.page.get_attribute("#sync-status", "data-syncs") or 0)

    def wait_synced(self, after: int) -> None:
        """A sync started after `after` has completed and the queue is empty."""
        self.page.wait_for_function(f"Number(document.getElementById('sync-status').dataset.syncs || 0) > {after}"
                                    " && document.getElementById('pending').dataset.count === '0'")

    def use_programme(self, programme: dict) -> None:
        if self.page.locator("#f-programme").count():
            self.page.select_option("#f-programme", programme["id"])

    def wait_until(self, script: str, arg=None, timeout: float = 20.0):
        """Poll a page function that answers a promise (`import('./js/store.js').then(...)`) until
        it is truthy; page.wait_for_function would take the promise itself as truthy at once."""
        deadline = time.monotonic() + timeout
        while not (value := self.page.evaluate(script, arg)):
            assert time.monotonic() < deadline, f"not true after {timeout} s: {script}"
            self.page.wait_for_timeout(100)
        return value

    def ready_offline(self) -> None:
        """The service worker controls the page (so a reload offline is served from its cache)."""
        self.page.wait_for_function("navigator.serviceWorker.controller !== null")

    def pending(self) -> int:
        return int(self.page.get_attribute("#pending", "data-count"))

    def roster_count(self) -> int:
        return int(self.page.get_attribute("#roster", "data-count"))

    def enrol(self, data: dict, photo: bytes | None = None) -> int | None:
        """Fill the form and press Simpan; returns the compressed photo's size, if one was taken."""
        page = self.page
        page.evaluate("location.hash = '#/baru'")
        page.wait_for_selector("#screen[data-screen=form] #enrol-form")
        self.fill(data)
        size = None
        if photo is not None:
            page.set_input_files("#photo-ktp", files=[{"name": "ktp.png", "mimeType": "image/png", "buffer": photo}])
            page.wait_for_selector("#photo-ktp-info[data-size]")
            size = int(page.get_attribute("#photo-ktp-info", "data-size"))
        before = self.pending()
        page.click("#save")
        page.wait_for_selector("#saved")
        page.wait_for_function(f"Number(document.getElementById('pending').dataset.count) > {before}")
        return size

    def fill(self, data: dict) -> None:
        page = self.page
        for name in ("nik", "name", "birth_date", "phone", "occupation"):
            if name in data and page.locator(f"#enrol-form [name={name}]").is_enabled():
                page.fill(f"#enrol-form [name={name}]", data[name] or "")
        for name in ("sex", "village_code", "category"):
            if name in data:
                page.select_option(f"#enrol-form [name={name}]", data[name])

    def open_record(self, query: str) -> None:
        """Search the roster (name or NIK) and open the one match."""
        page = self.page
        page.evaluate("location.hash = '#/daftar'")
        page.wait_for_selector("#screen[data-screen=roster]")
        page.fill("#q", query)
        page.wait_for_function("document.getElementById('roster').dataset.count === '1'")
        page.click("#roster li a")
        page.wait_for_selector("#screen[data-screen=form] #status-card")

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"JavaScript errors in the page: {self.errors}"


@pytest.fixture()
def phone(browser, stack, request):
    p = Phone(browser, stack)
    yield p
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        p.shot(f"FAILED-{request.node.name}")
        (ARTIFACTS / f"field-FAILED-{request.node.name}.console.txt").write_text("\n".join(p.console))
    p.close()


@pytest.fixture(scope="module")
def programme(api):
    """A programme of its own, the newest period, so the phone opens on it."""
    r = api("POST", "/v1/programmes", json={
        "code": f"FLD-{uuid.uuid4().hex[:6].upper()}", "name": "Pekerja Rentan Muara Enim 2027",
        "coverage_start": "2027-01-01", "coverage_end": "2027-12-31", "benefits": ["JKK", "JKM"],
        "monthly_contribution_idr": 16800})
    assert r.status_code == 201, r.text
    return r.json()


def worker(village: str, category: str = "linmas", **overrides) -> dict:
    data = person(next(_serial) * 7919, village, category)
    return {**data, **overrides}


def cut_off_first_push(phone) -> list[list[str]]:
    """Route the phone's sync so its first push reaches the server, is applied, and its answer never
    reaches the phone; later pushes pass. Returns the op_ids of each push, as sent."""
    sent: list[list[str]] = []

    def cut_off(route):
        if route.request.method != "POST":
            route.continue_()
            return
        sent.append([op["op_id"] for op in json.loads(route.request.post_data)["operations"]])
        if len(sent) == 1:
            route.fetch()  # the server gets and applies the batch ...
            route.abort("connectionreset")  # ... and the answer never reaches the phone
        else:
            route.continue_()

    phone.page.route("**/v1/sync*", cut_off)
    return sent


def roster_of(api, programme: dict, village: str) -> list[dict]:
    r = api("GET", f"/v1/programmes/{programme['id']}/enrolments", params={"village_code": village, "limit": 200})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_enrol_20_and_correct_3_offline_reload_then_sync(phone, api, programme):
    village = "16.03.01.2013"
    url = f"/v1/programmes/{programme['id']}/enrolments"
    seeded = [api("POST", url, json=worker(village)).json() for _ in range(2)]
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    assert phone.roster_count() == 2
    phone.ready_offline()
    phone.context.set_offline(True)
    phone.page.wait_for_function("document.getElementById('net').dataset.online === 'false'")

    people = [worker(village, "linmas" if i % 2 else "perangkat_desa") for i in range(20)]
    for i, data in enumerate(people):
        phone.enrol(data)
        if i == 0:
            phone.shot("01-form-saved-offline")
    corrected = {0: "Siti Rahmawati Putri", 7: "Joko Susilo Wibowo", 13: "Ratna Sari Dewi"}
    for i, name in corrected.items():
        phone.open_record(people[i]["nik"])
        phone.page.fill("#enrol-form [name=name]", name)
        phone.page.click("#save")
        phone.page.wait_for_selector("#saved")
    assert phone.pending() == 23

    phone.page.evaluate("location.hash = '#/daftar'")
    phone.page.reload()  # offline: the shell comes from the service worker, the queue from IndexedDB
    phone.page.wait_for_selector("#screen[data-screen=roster] #roster", state="attached")
    phone.use_programme(programme)
    assert phone.pending() == 23
    assert phone.roster_count() == 22
    phone.shot("02-roster-offline")

    before = phone.syncs()
    phone.context.set_offline(False)  # the online event starts the sync
    phone.wait_synced(before)
    server = roster_of(api, programme, village)
    assert len(server) == 22
    expected = {p["nik"] for p in people} | {s["nik"] for s in seeded}
    assert {e["nik"] for e in server} == expected
    names = {e["nik"]: e["name"] for e in server}
    for i, data in enumerate(people):
        assert names[data["nik"]] == corrected.get(i, data["name"])
    outcomes = phone.page.evaluate("import('./js/store.js').then((s) => s.state.meta.last_counts)")
    assert outcomes == {"applied": 23}


def test_a_sync_cut_off_mid_request_is_resent_with_the_same_op_ids(phone, api, programme):
    village = "16.03.01.2014"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    people = [worker(village) for _ in range(20)]
    for data in people:
        phone.enrol(data)

    sent = cut_off_first_push(phone)
    phone.context.set_offline(False)
    phone.page.wait_for_function("document.getElementById('sync-status').innerText.includes('Tidak ada jaringan')")
    assert phone.pending() == 20, "nothing leaves the queue without an answer"
    assert len(roster_of(api, programme, village)) == 20  # the server did apply them

    before = phone.syncs()
    phone.page.click("#sync")
    phone.wait_synced(before)
    assert len(sent) == 2 and sent[1] == sent[0], "the retry carries the same op_ids"
    server = roster_of(api, programme, village)
    assert sorted(e["nik"] for e in server) == sorted(p["nik"] for p in people)
    last = phone.page.evaluate("import('./js/store.js').then((s) => s.state.meta.last_results)")
    assert len(last) == 20 and {r["status"] for r in last} <= {"applied", "duplicate"}


def test_a_conflict_shows_both_versions_and_the_choice_becomes_a_new_operation(phone, api, programme):
    village = "16.03.01.2015"
    seeded = api("POST", f"/v1/programmes/{programme['id']}/enrolments",
                 json=worker(village, name="Budi Santoso", occupation="petani karet")).json()
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    phone.open_record("Budi Santoso")
    phone.page.fill("#enrol-form [name=occupation]", "penyadap karet")
    phone.page.click("#save")
    phone.page.wait_for_selector("#saved")

    admin = api("PATCH", f"/v1/enrolments/{seeded['id']}", json={"occupation": "buruh tani"},
                headers={"If-Match": str(seeded["version"])})
    assert admin.status_code == 200, admin.text

    phone.context.set_offline(False)
    phone.page.wait_for_selector("#screen[data-screen=results] .conflict")
    row = phone.page.locator(".conflict tr[data-field=occupation]")
    assert row.locator("td.mine").inner_text() == "penyadap karet"
    assert row.locator("td.server").inner_text() == "buruh tani"
    phone.shot("04-conflict")
    phone.page.click(".conflict button[data-choice=mine]")
    phone.page.wait_for_function("document.getElementById('pending').dataset.count === '0'")
    phone.page.wait_for_selector("#screen[data-screen=results]:not(:has(.conflict))")
    final = api("GET", f"/v1/enrolments/{seeded['id']}").json()
    assert final["occupation"] == "penyadap karet" and final["version"] == 3


def test_a_bad_nik_is_refused_on_the_phone_with_the_servers_reason(phone, api, programme):
    village = "16.03.01.2016"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.context.set_offline(True)
    bad = worker(village, nik="1603013208900001")  # day 32
    phone.page.evaluate("location.hash = '#/baru'")
    phone.page.wait_for_selector("#enrol-form")
    phone.fill(bad)
    phone.page.click("#save")
    message = phone.page.locator(".error[data-for=nik]")
    message.wait_for()
    phone.page.wait_for_function("document.querySelector('.error[data-for=nik]').textContent !== ''")
    on_phone = message.inner_text()
    assert phone.pending() == 0 and phone.page.locator("#saved").count() == 0
    phone.shot("05-bad-nik")

    officer = {"Authorization": f"Bearer {tokens.mint('officer', [village])}"}
    r = requests.post(f"{phone.base}/v1/programmes/{programme['id']}/enrolments", json=bad, headers=officer, timeout=20)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"]["nik"] == on_phone == "Tanggal lahir pada NIK tidak valid"

    good_nik_wrong_sex = worker(village, sex="P", nik="1603011708900001")  # a man's NIK, P chosen
    phone.fill(good_nik_wrong_sex)
    phone.page.click("#save")
    phone.page.wait_for_function("document.querySelector('.error[data-for=sex]').textContent !== ''")
    server = requests.post(f"{phone.base}/v1/programmes/{programme['id']}/enrolments", json=good_nik_wrong_sex,
                           headers=officer, timeout=20).json()["error"]
    assert phone.page.locator(".error[data-for=sex]").inner_text() == server["fields"]["sex"]
    assert phone.pending() == 0


def camera_photo(width: int = 2000, height: int = 1500) -> bytes:
    """A phone-camera-sized picture (PNG, megabytes): stripes and sensor noise, shifted per row."""
    rng = random.Random(16)
    span = width * 3
    base = bytes(((x // 3) * (1 + x % 3) + rng.randrange(0, 60)) & 0xFF for x in range(span * 2))
    rows = bytearray()
    for y in range(height):
        shift = (y * 37) % span
        rows.append(0)
        rows.extend(base[shift:shift + span])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 1)) + chunk(b"IEND", b""))


def test_a_photo_taken_offline_is_uploaded_after_sync_and_shows_in_the_admin(phone, api, programme, ui):
    village = "16.03.01.2017"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    data = worker(village, name="Aisyah Lestari")
    picture = camera_photo()
    assert len(picture) > 4 * 200 * 1024
    size = phone.enrol(data, photo=picture)
    assert size <= 200 * 1024
    assert phone.pending() == 2  # the enrolment and its photo
    phone.page.evaluate("location.hash = '#/daftar'")
    phone.page.reload()
    phone.page.wait_for_selector("#screen[data-screen=roster]")
    assert phone.pending() == 2, "the photo waits in IndexedDB across a reload"

    before = phone.syncs()
    phone.context.set_offline(False)
    phone.wait_synced(before)
    (enrolment,) = roster_of(api, programme, village)
    ktp = enrolment["documents"]["ktp"]
    assert ktp["content_type"] == "image/jpeg" and ktp["size"] == size
    link = api("GET", f"/v1/enrolments/{enrolment['id']}/documents/ktp").json()
    blob = requests.get(link["url"], timeout=20).content
    assert blob[:3] == b"\xff\xd8\xff" and len(blob) == ktp["size"]

    login(ui, "admin")  # the admin's enrolment page lists it, with a link and a preview
    ui.page.evaluate(f"location.hash = '#/enrolments/{enrolment['id']}'")
    doc = ui.page.locator("#documents .document[data-kind=ktp]")
    doc.wait_for()
    assert "Foto KTP" in doc.inner_text() and "image/jpeg" in doc.inner_text()
    assert ui.page.locator("#documents .document").count() == 1  # no consent photo was taken
    href = doc.locator("a.document-link").get_attribute("href")
    assert requests.get(href, timeout=20).content == blob
    ui.page.wait_for_function("(() => { const i = document.querySelector('#documents img.document-preview');"
                              " return i && i.complete && i.naturalWidth > 0; })()")
    assert ui.page.evaluate("document.querySelector('#documents img.document-preview').naturalWidth") <= 1600
    ui.shot("field-photo-in-admin")


def test_a_token_that_expires_offline_asks_to_sign_in_and_the_queue_goes_through(phone, api, programme):
    village = "16.03.01.2018"
    ttl = 12
    token = tokens.mint("officer", [village], ttl=ttl)
    phone.open()
    started = time.time()
    phone.paste_token(token)
    assert time.time() - started < ttl - 2, "signing in took longer than the token lives"
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    data = worker(village, name="Rahmat Hidayat")
    phone.enrol(data)
    exp = phone.page.evaluate("JSON.parse(atob(localStorage.getItem('lindung.field.token').split('.')[1])).exp")
    phone.page.wait_for_function(f"Date.now() / 1000 > {exp + 1}", timeout=(ttl + 5) * 1000)

    phone.context.set_offline(False)
    phone.page.wait_for_selector("#screen[data-screen=login] #notice")
    assert "1 perubahan tetap tersimpan" in phone.page.inner_text("#notice")
    assert phone.pending() == 1
    phone.shot("06-signin-again")
    phone.sign_in([village])
    (enrolment,) = roster_of(api, programme, village)
    assert enrolment["nik"] == data["nik"] and enrolment["name"] == "Rahmat Hidayat"


def test_fields_the_api_adds_appear_in_the_form(phone, api, programme):
    """A new optional field in the create schema (swapped into /v1/openapi.json at the network
    level: an API change), and the programme's own `extra` fields an admin defines
    (PUT /v1/programmes/{pid}/fields, read back by the phone from the real GET route) become
    inputs with no app change, and the programme's ones follow the category.

    The regency keeps other programmes (the suite makes many): their GET /fields answers are held
    back for the whole test, so the form must not wait on any programme but the chosen one."""
    village = "16.03.01.2019"
    doc = api("GET", "/v1/openapi.json").json()
    assert doc["paths"]["/v1/programmes/{pid}/fields"]["get"]  # the real route, not swapped in
    created = doc["components"]["schemas"]["EnrolmentIn"]["properties"]
    created["lokasi_kerja"] = {"type": "string", "title": "Lokasi kerja"}
    defined = api("PUT", f"/v1/programmes/{programme['id']}/fields", headers={"If-Match": str(programme["version"])},
                  json={"fields": [{"key": "luas_kebun_ha", "label": {"id": "Luas kebun (ha)", "en": "Plot (ha)"},
                                    "type": "number", "required": True, "min": 0.1, "max": 50,
                                    "categories": ["petani_sawit"]}]})
    assert defined.status_code == 200, defined.text
    for year in (2028, 2026):  # at least two others, one newer: the phone would open on that one
        other = api("POST", "/v1/programmes", json={
            "code": f"FLD-{uuid.uuid4().hex[:6].upper()}", "name": f"Pekerja Rentan {year}",
            "coverage_start": f"{year}-01-01", "coverage_end": f"{year}-12-31", "benefits": ["JKK", "JKM"],
            "monthly_contribution_idr": 16800})
        assert other.status_code == 201, other.text
    held, asked = [], []

    def fields_route(route):
        asked.append(route.request.url)
        if f"/v1/programmes/{programme['id']}/fields" in route.request.url:
            route.continue_()  # to the stack's real route
        else:
            held.append(route)

    phone.page.route("**/v1/openapi.json", lambda route: route.fulfill(json=doc))
    phone.page.route("**/v1/programmes/*/fields", fields_route)
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.wait_until("(pid) => import('./js/store.js').then((s) => s.state.meta.fields?.[pid]?.fields?.length)",
                     programme["id"])
    assert held  # the other programmes were asked too, and are still unanswered
    phone.context.set_offline(True)  # what the form needs was kept on the phone
    phone.page.evaluate("location.hash = '#/baru'")
    phone.page.wait_for_selector("#enrol-form [name=lokasi_kerja]")
    assert phone.page.locator('#enrol-form [name="extra.luas_kebun_ha"]').count() == 0
    phone.fill(worker(village, "petani_sawit"))
    plot = phone.page.locator('#enrol-form [name="extra.luas_kebun_ha"]')
    plot.wait_for()
    assert plot.get_attribute("type") == "number" and plot.get_attribute("max") == "50"
    assert "Luas kebun (ha)" in phone.page.inner_text('[data-field="extra.luas_kebun_ha"] label')
    phone.page.click("#save")
    phone.page.wait_for_function("document.querySelector('.error[data-for=\"extra.luas_kebun_ha\"]').textContent")
    assert phone.pending() == 0
    phone.page.select_option("#enrol-form [name=category]", "linmas")
    plot.wait_for(state="detached")
    assert sum(f"/v1/programmes/{programme['id']}/fields" in u for u in asked) == 1  # asked once, kept
    for route in held:
        route.abort()


def test_status_change_and_soft_delete_from_the_phone_and_the_feed_removes_what_left(phone, api, programme):
    village, elsewhere = "16.03.01.2020", "16.03.01.2021"
    url = f"/v1/programmes/{programme['id']}/enrolments"
    gone, moved, leaving, deleted = (api("POST", url, json=worker(village, name=n)).json()
                                     for n in ("Hendra Gunawan", "Yusuf Harahap", "Wati Susanti", "Iwan Setiawan"))
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    assert phone.roster_count() == 4

    assert api("DELETE", f"/v1/enrolments/{gone['id']}").status_code == 204
    moving = api("PATCH", f"/v1/enrolments/{moved['id']}", json={"village_code": elsewhere}, headers={"If-Match": "1"})
    assert moving.status_code == 200, moving.text

    phone.open_record(leaving["nik"])
    phone.page.select_option("#f-new-status", "withdrawn")
    phone.page.fill("#f-reason", "Pindah kerja ke Palembang")
    phone.page.click("#change-status")
    phone.page.wait_for_selector("#status-msg #saved")
    phone.open_record(deleted["nik"])
    phone.page.once("dialog", lambda d: d.accept())
    phone.page.click("#delete")
    phone.page.wait_for_selector("#screen[data-screen=roster]")

    before = phone.syncs()
    phone.page.click("#sync")
    phone.wait_synced(before)
    phone.page.fill("#q", "")
    names = phone.page.locator("#roster li strong").all_inner_texts()
    assert names == ["Wati Susanti"]  # deleted by the admin, moved out, deleted on the phone: gone
    after = api("GET", f"/v1/enrolments/{leaving['id']}").json()
    assert (after["status"], after["rejection_reason"]) == ("withdrawn", "Pindah kerja ke Palembang")
    assert api("GET", f"/v1/enrolments/{deleted['id']}").status_code == 404


def test_the_queue_survives_a_browser_restart(browser, stack, api, programme, tmp_path):
    """A persistent profile, as on a phone: the browser is closed with changes queued offline and
    started again offline; the app opens from the service worker and the queue is still there."""
    village = "16.03.01.2022"

    def start() -> Phone:
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport=PHONE, locale="id-ID", timezone_id="Asia/Jakarta")
        return Phone(browser, stack, context)

    phone = start()
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    people = [worker(village) for _ in range(2)]
    for data in people:
        phone.enrol(data)
    phone.close()  # the whole browser exits

    phone = start()
    try:
        phone.context.set_offline(True)
        phone.page.goto(f"{stack}/field/index.html")
        phone.page.wait_for_selector("#screen[data-screen=roster] #roster", state="attached")
        assert phone.pending() == 2
        before = phone.syncs()
        phone.context.set_offline(False)
        phone.wait_synced(before)
        assert sorted(e["nik"] for e in roster_of(api, programme, village)) == sorted(p["nik"] for p in people)
    finally:
        phone.close()


def test_a_rejected_operation_shows_the_servers_message_on_its_field_and_the_fix_goes_through(phone, api, programme):
    """A Palembang landline passes the phone's checks (it only checks NIK, sex and what is
    required); the server refuses it. The officer sees why, on the field, fixes it and resubmits."""
    village = "16.03.01.2023"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    data = worker(village, name="Sri Wahyuni", phone="(0711) 352-000")
    phone.enrol(data)

    phone.context.set_offline(False)  # the online event syncs; a rejection opens the results
    card = phone.page.locator("#screen[data-screen=results] .card[data-status=rejected]")
    card.wait_for()
    officer = {"Authorization": f"Bearer {tokens.mint('officer', [village])}"}
    server = requests.post(f"{phone.base}/v1/programmes/{programme['id']}/enrolments", json=data, headers=officer,
                           timeout=20).json()["error"]  # what the server says about the same data over REST
    assert set(server["fields"]) == {"phone"}
    assert "Sri Wahyuni" in card.inner_text() and server["fields"]["phone"] in card.inner_text()
    assert phone.pending() == 0 and roster_of(api, programme, village) == []
    phone.shot("07-rejected")

    card.locator("button", has_text="Perbaiki").click()
    phone.page.wait_for_selector("#screen[data-screen=form] #rejected")
    assert phone.page.inner_text(".error[data-for=phone]") == server["fields"]["phone"]
    assert phone.page.input_value("#enrol-form [name=nik]") == data["nik"]
    assert phone.page.input_value("#enrol-form [name=name]") == "Sri Wahyuni"
    phone.page.fill("#enrol-form [name=phone]", "0812-7345-1120")
    before = phone.syncs()
    phone.page.click("#save")
    phone.page.wait_for_selector("#saved")
    phone.wait_synced(before)
    (enrolment,) = roster_of(api, programme, village)
    assert (enrolment["nik"], enrolment["name"]) == (data["nik"], "Sri Wahyuni")
    assert enrolment["phone"] in ("081273451120", "+6281273451120", "6281273451120")
    assert store_open_results(phone) == 0, "the fixed rejection no longer asks for action"


def store_open_results(phone) -> int:
    return phone.page.evaluate("import('./js/store.js').then((s) => s.openResults().length)")


def test_a_replay_the_server_answers_duplicate_is_shown_as_done(phone, api, programme):
    """The server applied a create but its answer never reached the phone; the officer then signs in
    again (the local login is a new `sub`, so no receipt answers the replay) and the same op_id is
    sent again: the NIK is already enrolled, `duplicate`, and the phone counts it as done."""
    village = "16.03.01.2024"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    data = worker(village, name="Dedi Kurniawan")
    phone.enrol(data)
    sent = cut_off_first_push(phone)
    phone.context.set_offline(False)
    phone.page.wait_for_function("document.getElementById('sync-status').innerText.includes('Tidak ada jaringan')")
    assert phone.pending() == 1
    (applied,) = roster_of(api, programme, village)

    phone.page.evaluate("location.hash = '#/masuk'")
    phone.sign_in([village])
    assert len(sent) == 2 and sent[1] == sent[0], "the same op_id, sent again"
    last = phone.page.evaluate("import('./js/store.js').then((s) => s.state.meta.last_results)")
    assert [(r["op_id"], r["status"], r["id"]) for r in last] == [(sent[0][0], "duplicate", applied["id"])]
    assert phone.pending() == 0 and store_open_results(phone) == 0
    assert "1 sudah terdaftar" in phone.page.inner_text("#sync-status")
    phone.page.fill("#q", "Dedi Kurniawan")
    phone.page.wait_for_function("document.getElementById('roster').dataset.count === '1'")
    assert phone.page.locator("#roster li .pending, #roster li[data-pending]:not([data-pending='0'])").count() == 0
    phone.page.evaluate("location.hash = '#/hasil'")
    done = phone.page.locator("#last-results li[data-status=duplicate]")
    assert "sudah terdaftar" in done.inner_text()
    assert phone.page.locator("#screen[data-screen=results] .card").count() == 0, "nothing asks for action"
    assert [e["id"] for e in roster_of(api, programme, village)] == [applied["id"]]


def test_more_than_100_queued_operations_go_in_batches_of_100_and_arrive_once(phone, api, programme):
    village = "16.03.02.2013"  # 16.03.01 has 24 villages, all used above
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.context.set_offline(True)
    people = [{k: v for k, v in worker(village).items() if v} for _ in range(120)]
    # queued through the same store.enqueue that Simpan calls (120 form fills would only be slower)
    phone.page.evaluate("""async ([pid, people]) => {
        const s = await import('./js/store.js');
        for (const data of people) await s.enqueue({ op: 'create', programme_id: pid, id: s.ulid(), data });
    }""", [programme["id"], people])
    assert phone.page.evaluate("import('./js/store.js').then((s) => s.pendingCount())") == 120
    bodies: list[list[str]] = []

    def count(route):
        if route.request.method == "POST":
            bodies.append([op["op_id"] for op in json.loads(route.request.post_data)["operations"]])
        route.continue_()

    phone.page.route("**/v1/sync*", count)
    before = phone.syncs()
    phone.context.set_offline(False)
    phone.wait_synced(before)
    assert [len(b) for b in bodies] == [100, 20]
    sent = [op for b in bodies for op in b]
    assert len(set(sent)) == 120
    assert phone.page.evaluate("import('./js/store.js').then((s) => s.state.meta.last_counts)") == {"applied": 120}
    server = roster_of(api, programme, village)
    assert sorted(e["nik"] for e in server) == sorted(p["nik"] for p in people)
    assert phone.roster_count() == 120


def test_a_duplicate_create_with_a_photo_puts_the_photo_on_the_existing_enrolment(phone, api, programme):
    """The admin enrols the worker while the phone, offline, enrols them too with a KTP photo: the
    phone's create is `duplicate` (the NIK is taken) and its photo goes to the existing enrolment
    instead of waiting forever for a record that will never exist."""
    village = "16.03.02.2014"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    data = worker(village, name="Nurhayati")
    size = phone.enrol(data, photo=camera_photo(800, 600))
    assert phone.pending() == 2
    existing = api("POST", f"/v1/programmes/{programme['id']}/enrolments", json=data)
    assert existing.status_code == 201, existing.text

    before = phone.syncs()
    phone.context.set_offline(False)
    phone.wait_synced(before)  # the queue empties: nothing waits for the phone's own record
    last = phone.page.evaluate("import('./js/store.js').then((s) => s.state.meta.last_results)")
    assert [(r["status"], r["id"]) for r in last] == [("duplicate", existing.json()["id"])]
    (enrolment,) = roster_of(api, programme, village)
    assert enrolment["id"] == existing.json()["id"] and enrolment["documents"]["ktp"]["size"] == size


def test_dropping_a_rejected_create_drops_its_photo_from_the_queue(phone, api, programme):
    village = "16.03.02.2015"
    phone.open()
    phone.sign_in([village])
    phone.use_programme(programme)
    phone.ready_offline()
    phone.context.set_offline(True)
    phone.enrol(worker(village, name="Hasanah", phone="0734 421 555"), photo=camera_photo(640, 480))
    assert phone.pending() == 2
    phone.context.set_offline(False)
    card = phone.page.locator("#screen[data-screen=results] .card[data-status=rejected]")
    card.wait_for()
    assert phone.pending() == 1  # the photo waits for its record
    card.locator("button", has_text="Abaikan").click()
    phone.page.wait_for_function("document.getElementById('pending').dataset.count === '0'")
    assert phone.page.evaluate("import('./js/db.js').then((d) => d.getAll('photos')).then((p) => p.length)") == 0
    assert roster_of(api, programme, village) == []
