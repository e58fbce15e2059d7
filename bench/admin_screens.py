"""The admin's screens at the mission's size, in Debian's Chromium:
`python -m bench.admin_screens [--members 26775] [--runs 5]` (also in `make bench`; `--skip admin` there).

Starts its own emulator and the `make run` stack against it (bench/user_path.running_stack), writes
one programme's `--members` live enrolments (bench/roster.generate: the 246 desa of Muara Enim, their
jabatan, realistic names) with BatchWriteItem, recounts its kept summary, signs in to the admin as an
admin (tests/e2e/conftest.login) and moves between its screens `--runs` times:
  - Pengingat (#/reminders): from the navigation to the SMS and WhatsApp previews in the DOM (goal
    < 2 s, issue 11: it was 6.9 s), and to the names count (#sms-names[data-state=counted]: the
    preview with count_names true, which renders the SMS for every member) with the count it shows;
  - Peserta (#/enrolments): to the grid's first page of rows;
  - Dasbor (#/dashboard): to the KPIs and charts.
Times are taken in the page (a MutationObserver, performance.now() from the hash change), median of
the runs; each request the screen made is listed with its median duration (Playwright's
request timing: request start to response end). Wall clock on the shared 2-core machine: the load
average (os.getloadavg) is printed with each figure. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections import defaultdict
from urllib.parse import urlparse

os.environ["LINDUNG_STAGE"] = "local"
os.environ.setdefault("LINDUNG_TABLE_PREFIX", f"lindung-screens-{uuid.uuid4().hex[:6]}")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

REGENCY = "16.03"
GOAL_S = 2.0
# what each screen shows, in the order it appears; the first of each is its "rendered" figure
SCREENS = {
    "#/reminders": {"previews": "#previews [data-template=sms] .preview",
                    "whatsapp": "#previews [data-template=whatsapp] .preview",
                    "counted": "#sms-names[data-state=counted]"},
    "#/enrolments": {"rows": "#grid .tabulator-row"},
    "#/dashboard": {"charts": "#budget-note"},
}
# installs the observer, then navigates: resolves nothing, the marks are read once all are in
WATCH = """([hash, selectors]) => {
  const t0 = performance.now();
  const marks = window.__benchMarks = {};
  const check = () => {
    for (const [k, s] of Object.entries(selectors)) {
      if (!(k in marks) && document.querySelector(s)) marks[k] = performance.now() - t0;
    }
    if (Object.keys(marks).length === Object.keys(selectors).length) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  location.hash = hash;
}"""


def fill(pid: str, members: int, start: str, end: str) -> None:
    """`members` active enrolments of the generated Muara Enim roster, written 25 to a call."""
    from bench.roster import generate
    from chalicelib.domain.enrolment import Enrolment, district_of, normalise_phone
    from chalicelib.store import bulk
    from chalicelib.store import enrolments as repo

    def items():
        for i, p in enumerate(generate()[:members]):
            yield repo.to_model(Enrolment(
                id=f"SCREEN{i:010d}", regency=REGENCY, programme_id=pid, nik=p["nik"], name=p["name"],
                birth_date=p["birth_date"], sex=p["sex"], village_code=p["village_code"],
                phone=normalise_phone(p["phone"]), district_code=district_of(p["village_code"]),
                category=p["category"], status="active", coverage_start=start, coverage_end=end, version=1,
                created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-01T00:00:00.000Z", created_by="bench",
                updated_by="bench", kpj_number=f"9{i:010d}"))

    bulk.put_all(items())


def seed(members: int) -> tuple[dict, float]:
    from datetime import timedelta

    from chalicelib.api.schemas import ProgrammeIn
    from chalicelib.auth import User
    from chalicelib.domain.clock import today_wib
    from chalicelib.services import deps, programmes, reference, summary
    from devtools import stack, tokens

    stack.deploy()
    reference.seed_regions()
    tokens.ensure_keys()
    today = today_wib(deps.default().clock)
    start, end = today - timedelta(days=60), today + timedelta(days=120)
    programme = programmes.create(deps.default(), User(sub="bench", role="admin", regency=REGENCY), ProgrammeIn(
        code=f"SCREEN-{uuid.uuid4().hex[:4].upper()}", name="Pekerja Rentan Muara Enim", coverage_start=start,
        coverage_end=end, monthly_contribution_idr=16800,
        targets={"pekerja_desa": 24651, "petani_sawit": 2124}).model_dump(mode="json"))
    started = time.perf_counter()
    fill(programme["id"], members, start.isoformat(), end.isoformat())
    summary.recount(deps.default(), REGENCY, programme["id"])  # the dashboard's kept summary, as the stream keeps it
    return programme, time.perf_counter() - started


def page_pid(page) -> str:
    return page.evaluate("document.getElementById('programme-picker').value") or "{pid}"


def measure(page, hash_: str, timeout_s: float = 300) -> tuple[dict, list[tuple[str, float]], float]:
    """One navigation to `hash_`: ms to each of its marks, the requests it made (label, ms), load."""
    selectors = SCREENS[hash_]
    made: list = []

    def keep(request) -> None:
        made.append(request)

    page.on("requestfinished", keep)
    load = os.getloadavg()[0]
    try:
        page.evaluate(WATCH, [hash_, selectors])
        page.wait_for_function(f"Object.keys(window.__benchMarks || {{}}).length === {len(selectors)}",
                               timeout=timeout_s * 1000)
        marks = page.evaluate("window.__benchMarks")
    finally:
        page.remove_listener("requestfinished", keep)
    requests_, pid = [], page_pid(page)
    for r in made:
        if r.resource_type not in {"fetch", "xhr"}:
            continue
        what = f"{r.method} {urlparse(r.url).path}".replace(pid, "{pid}")
        if r.url.endswith("/reminder-rules/preview"):
            what += " count_names " + ("false" if '"count_names":false' in (r.post_data or "") else "true")
        t = r.timing
        requests_.append((what, t["responseEnd"] if t["responseEnd"] > 0 else float("nan")))
    return marks, requests_, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=26_775, help="live enrolments of the programme")
    parser.add_argument("--runs", type=int, default=5, help="navigations to each screen")
    parser.add_argument("--rows", type=int, default=None, help="as --members (the name `make bench` passes)")
    args = parser.parse_args()
    members = args.rows or args.members

    from playwright.sync_api import sync_playwright

    from bench import user_path
    from devtools import emulator
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Page, login
    from tests.e2e.test_admin import use

    with emulator.emulator(emulator.free_port()) as endpoint:
        programme, seed_s = seed(members)
        print(f"admin screens: programme {programme['code']}, {members:,} live enrolments over the regency's desa "
              f"written in {seed_s:.0f} s (not counted)")
        with user_path.running_stack(endpoint) as stack:
            pw = sync_playwright().start()
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                ui = Page(browser, stack.base)
                login(ui)
                use(ui, programme)
                page = ui.page
                page.wait_for_function("document.getElementById('screen').dataset.route")
                got: dict[str, list] = defaultdict(list)
                for _ in range(args.runs):
                    for hash_ in SCREENS:
                        marks, made, load = measure(page, hash_)
                        extra = page.inner_text("#sms-names") if hash_ == "#/reminders" else ""
                        got[hash_].append((marks, made, load, extra))
                assert not ui.errors, f"JavaScript errors in the page: {ui.errors}"
                version = browser.version
            finally:
                browser.close()
                pw.stop()
    report(got, members, version)
    return 0


def report(got: dict[str, list], members: int, version: str) -> None:
    names = {"#/reminders": "Pengingat", "#/enrolments": "Peserta", "#/dashboard": "Dasbor"}
    for hash_, runs in got.items():
        loads = [r[2] for r in runs]
        print(f"{names[hash_]} ({hash_}), {len(runs)} navigations, load average {min(loads):.1f}-{max(loads):.1f}:")
        for mark in SCREENS[hash_]:
            each = [r[0][mark] / 1000 for r in runs]
            print(f"  to {mark:<9} median {statistics.median(each):6.2f} s  (each: "
                  f"{', '.join(f'{s:.2f}' for s in each)})")
        timings: dict[str, list[float]] = defaultdict(list)
        for r in runs:
            for what, ms in r[1]:
                timings[what].append(ms)
        for what, ms in sorted(timings.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"    request {what:<52} median {statistics.median(ms):6.0f} ms  "
                  f"({len(ms) / len(runs):g} a navigation)")
        if hash_ == "#/reminders":
            print(f"  names count shown: {runs[-1][3]!r}")
            previews = statistics.median(max(r[0]["previews"], r[0]["whatsapp"]) for r in runs) / 1000
            print(f"REMINDERS SCREEN {previews:.2f} s to the SMS and WhatsApp previews (goal < {GOAL_S:g} s; "
                  f"{previews / GOAL_S:.2f}x), names count at "
                  f"{statistics.median(r[0]['counted'] for r in runs) / 1000:.2f} s, {members:,} members, "
                  f"load average {statistics.median(loads):.1f}")
    print(f"Chromium {version}, {os.cpu_count()} cores shared with other jobs")


if __name__ == "__main__":
    raise SystemExit(main())
