"""The field app's budgets, measured once in Debian's Chromium: `python -m bench.field_app [N]`.

Starts the stack as `make run` does (own emulator, free ports), has an officer push N (3,000)
enrolments into one village through POST /v1/sync, then measures and prints each figure as a
ratio of its budget (issue 16):
  - app shell (HTML, JS, CSS, manifest, service worker; icons excluded), gzipped: <= 150 KB;
  - first load on emulated slow 3G (CDP: 400 kbit/s both ways, 400 ms RTT) to a usable sign-in
    form: <= 10 s;
  - a fresh phone's full pull of the roster: requests of <= 1,000 changes each (budget: 3);
  - an offline reopen (service worker + IndexedDB) to the drawn roster: <= 2 s;
  - search by name, by NIK and by village over the N records with the CPU throttled 4x: <= 200 ms.
Timings are wall-clock in this shared 2-core machine's headless Chromium: one run, not a mean.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
FIELD = ROOT / "field"
VILLAGE = "16.03.01.2011"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def shell_bytes() -> tuple[int, int]:
    shell = {".html", ".js", ".css", ".webmanifest", ".json"}
    files = [p for p in FIELD.rglob("*") if p.is_file() and p.suffix in shell and p.name != "package.json"]
    raw = sum(p.stat().st_size for p in files)
    zipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    return raw, zipped


def seed(base: str, n: int) -> dict:
    """N enrolments in one village, through the admin's CSV import (batch writes: minutes faster
    on the emulator than N sync creates, each its own transaction)."""
    from devtools import tokens
    from devtools.people import person

    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    programme = requests.post(f"{base}/v1/programmes", headers=admin, timeout=60, json={
        "code": f"BENCH-{uuid.uuid4().hex[:4].upper()}", "name": "Bench: satu desa, 3.000 peserta",
        "coverage_start": "2026-01-01", "coverage_end": "2026-12-31", "monthly_contribution_idr": 16800}).json()
    started = time.perf_counter()
    rows = ["nik,name,birth_date,sex,phone,village_code,category,occupation"]
    for i in range(1, n + 1):
        p = person(i, VILLAGE, "perangkat_desa")
        rows.append(",".join([p["nik"], p["name"], p["birth_date"], p["sex"], p["phone"], VILLAGE, "perangkat_desa",
                              "Petani karet"]))
    r = requests.post(f"{base}/v1/programmes/{programme['id']}/imports", headers={**admin, "Content-Type": "text/csv"},
                      data="\n".join(rows).encode(), timeout=120)
    assert r.status_code == 202, r.text
    import_id = r.json()["import_id"]
    while True:
        state = requests.get(f"{base}/v1/imports/{import_id}", headers=admin, timeout=60).json()
        if state["status"] in {"done", "failed"}:
            break
        time.sleep(1)
    assert state["status"] == "done" and state["accepted"] == n, {k: state.get(k) for k in ("status", "rejected")}
    print(f"seeded {n} enrolments in {VILLAGE} by CSV import in {time.perf_counter() - started:.0f} s")
    return programme


def line(name: str, value: float, unit: str, budget: float) -> None:
    verdict = "within" if value <= budget else "OVER"
    print(f"{name:<48} {value:>9.2f} {unit:<3} budget {budget:>6g} {unit:<3} ratio {value / budget:5.2f}  {verdict}")


def main(n: int = 3000) -> None:
    os.environ.setdefault("LINDUNG_STAGE", "local")
    from playwright.sync_api import sync_playwright

    from devtools import emulator
    from tests import local_stack

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(EMULATOR_PORT=str(emulator.free_port()), LINDUNG_SYNC_SETTLE_SECONDS="0", POWERTOOLS_LOG_LEVEL="WARNING")
    proc, base = local_stack.start(env, subprocess.DEVNULL, timeout=120)
    try:
        programme = seed(base, n)
        raw, zipped = shell_bytes()
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        version = browser.version
        try:
            print(f"app shell: {raw / 1024:.1f} KB plain")
            line("app shell, gzipped (KB)", zipped / 1024, "KB", 150)

            # first load, slow 3G, no service worker yet
            ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            t0 = time.perf_counter()
            page.goto(f"{base}/field/", wait_until="commit")
            page.wait_for_selector("#local-login button[type=submit]", timeout=60000)
            first = time.perf_counter() - t0
            line("first load on slow 3G to the sign-in form (s)", first, "s", 10)
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                          "downloadThroughput": -1, "uploadThroughput": -1})

            # the full pull of a fresh phone
            pulls: list[int] = []

            def on_response(r) -> None:
                if "/v1/sync" in r.url and r.request.method == "GET":
                    pulls.append(len(r.json()["changes"]))

            page.on("response", on_response)
            page.fill("#villages", VILLAGE)
            t0 = time.perf_counter()
            page.click("#local-login button[type=submit]")
            page.wait_for_function("Number(document.getElementById('sync-status').dataset.syncs || 0) > 0",
                                   timeout=600000)
            pulled = time.perf_counter() - t0
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            print(f"full pull: {sum(pulls)} changes in {len(pulls)} requests {pulls} ({pulled:.1f} s incl. sign-in)")
            line("full pull of the roster (requests)", len(pulls), "req", 3)
            if len(pulls) > 3:
                print(f"  why: {n} enrolments + the programme record are {n + 1} changes; at 1,000 a request"
                      f" (the API's maximum, the budget's size) the last one needs request {len(pulls)}")
            page.close()

            # offline reopen: service worker shell + IndexedDB roster
            ctx.set_offline(True)
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(f"{base}/field/index.html")
            page.wait_for_function(f"document.getElementById('roster')?.dataset.count === '{n}'", timeout=60000)
            reopen = time.perf_counter() - t0
            marks = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                const m = (k) => performance.getEntriesByName(k)[0]?.startTime;
                return {shell: n.responseEnd, loaded: m('lindung:loaded'), drawn: m('lindung:drawn')}; }""")
            print("  in the page (ms from navigation start): index.html from the service worker "
                  f"{marks['shell']:.0f}, IndexedDB read {marks['loaded']:.0f}, roster drawn {marks['drawn']:.0f}")
            line("offline reopen to the roster (s)", reopen, "s", 2)

            # search, CPU 4x slower
            cdp = ctx.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            worst = 0.0
            middle = "import('./js/store.js').then((s) => [...s.roster().values()][s.roster().size >> 1].nik)"
            typed = """([sel, v]) => { const el = document.querySelector(sel); el.value = v;
                const t = performance.now(); el.dispatchEvent(new Event('input')); return performance.now() - t; }"""
            for label, selector, value in [("name 'siti'", "#q", "siti"), ("NIK prefix '160301'", "#q", "160301"),
                                           ("name 'rahmat h'", "#q", "rahmat h"), ("full NIK", "#q", None),
                                           ("cleared", "#q", "")]:
                ms = page.evaluate(typed, [selector, page.evaluate(middle) if value is None else value])
                found = page.get_attribute("#roster", "data-count")
                print(f"  search {label:<22} {ms:7.1f} ms, {found} found")
                worst = max(worst, ms)
            t = page.evaluate("""() => { const el = document.getElementById('f-village');
                el.value = el.options[1].value; const t = performance.now();
                el.dispatchEvent(new Event('change')); return performance.now() - t; }""")
            print(f"  filter by village        {t:7.1f} ms, {page.get_attribute('#roster', 'data-count')} found")
            worst = max(worst, t)
            line("search/filter, CPU throttled 4x, worst (ms)", worst, "ms", 200)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            ctx.close()
        finally:
            browser.close()
            pw.stop()
        print(f"programme {programme['code']}, {n} enrolments, Chromium {version}")
    finally:
        local_stack.stop(proc)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
