"""The admin in real headless Chromium against the stack `make run` starts (own emulator, free
ports). Debian's /usr/bin/chromium only: `make test` installs it. Without it (or without Playwright
or admin/vendor) these tests skip on a developer's machine and say why; with CI=true they fail,
naming what is missing (devtools/ci.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import requests

from devtools import ci, emulator, tokens
from tests import local_stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("LINDUNG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}


def _why_not() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not installed at {CHROMIUM} (make test runs apt-get install -y chromium; it failed here)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (make install)"
    if not (ROOT / "admin" / "vendor" / ".installed").exists():
        return "admin/vendor is not built (make admin)"
    return None


@pytest.fixture(scope="session")
def stack():
    """`python -m devtools.run` as `make run` starts it, with its own emulator."""
    reason = _why_not()
    if reason and ci.strict():
        pytest.fail(f"CI=true and the e2e tests cannot run: {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["EMULATOR_PORT"] = str(emulator.free_port())
    # The sync feed holds back changes of the last 30 s (clock skew, services/sync.py); the field
    # app's tests pull what they created a moment ago. The emulator commits and indexes at once.
    env["LINDUNG_SYNC_SETTLE_SECONDS"] = "0"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS.parent / "e2e-stack.log", "w") as log:  # open for the stack's lifetime
        proc, base = local_stack.start(env, log, timeout=90)
        yield base
        local_stack.stop(proc)


@pytest.fixture(scope="session")
def browser(stack):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()
    pw.stop()


class Page:
    """A Playwright page at 1366×768 in Bahasa Indonesia that records browser errors."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta",
                                           accept_downloads=True)
        self.base = base
        self.errors: list[str] = []
        self.page = self.new_tab()

    def new_tab(self):
        page = self.context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def shot(self, name: str, page=None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        (page or self.page).screenshot(path=str(path))
        return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture()
def ui(browser, stack, request):
    p = Page(browser, stack)
    yield p
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for i, page in enumerate(p.context.pages):
            p.shot(f"FAILED-{request.node.name}-{i}", page)
    p.context.close()
    assert not p.errors, f"JavaScript errors in the page: {p.errors}"


class Api:
    """Setup and checks over plain HTTP with a minted admin token."""

    def __init__(self, base: str):
        self.base = base
        self.headers = {"Authorization": f"Bearer {tokens.mint('admin')}"}

    def __call__(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.base + path, headers={**self.headers, **kw.pop("headers", {})},
                                timeout=20, **kw)


@pytest.fixture(scope="session")
def api(stack):
    return Api(stack)


def login(ui: Page, role: str = "admin", villages: str = "", page=None) -> None:
    page = page or ui.page
    page.goto(f"{ui.base}/admin")
    page.wait_for_selector("#local-login")
    page.select_option("#role", role)
    if villages:
        page.fill("#villages", villages)
    page.click("#local-login button[type=submit]")
    page.wait_for_selector("#nav a[data-nav=enrolments]")  # every role has Peserta (officers no dashboard)
