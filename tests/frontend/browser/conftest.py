"""Browser journeys: Playwright drives Debian's Chromium (no browser download) against a live
server. Without Chromium the journeys are skipped, and the run says so at its end."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from accounts.models import User
from tests.two_factor import app_code, app_device

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there (building the world, reading back what a journey changed) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "a long browser password"
# Chromium started as the machine's closed network needs: nothing in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Impacts axe reports that fail a page (WCAG 2.1 AA rules).
FAILING_IMPACTS = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    """HARBOR_CHROMIUM, else Debian's chromium on the PATH."""
    configured = os.environ.get("HARBOR_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_path():
        return
    if os.environ.get("HARBOR_REQUIRE_BROWSER"):
        raise pytest.UsageError("HARBOR_REQUIRE_BROWSER is set and Chromium was not found")
    reason = "Chromium not found (install Debian's chromium package or set HARBOR_CHROMIUM)"
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not chromium_path():
        terminalreporter.write_line(
            "BROWSER TESTS SKIPPED: Chromium not found (apt-get install chromium, or set "
            "HARBOR_CHROMIUM); the web app's journeys did not run.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    assert executable, "chromium disappeared during the run"
    browser = playwright_driver.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def open_page(browser: Browser, live_server: Any, settings: Any) -> Iterator[Callable[[], Page]]:
    """Opens pages, each in a browser profile of its own (one person, one device)."""
    settings.HARBOR = {**settings.HARBOR, "QUICK_EXIT_URL": NEUTRAL_SITE}
    contexts: list[BrowserContext] = []

    def open_one() -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        # The neutral site is answered here: the machine has no internet, and the test can
        # read the request the quick exit made.
        context.route(f"{NEUTRAL_SITE}**", lambda route: route.fulfill(body=NEUTRAL_BODY))
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    """One person's browser, on a laptop-sized screen (set_viewport_size for a phone)."""
    return open_page()


NEUTRAL_SITE = "https://neutral.example.org/"
NEUTRAL_BODY = "<!doctype html><title>Weather</title><p>Sunny</p>"


def sign_in(page: Page, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real forms, as a person would: staff also enter their app's code."""
    device = app_device(user) if user.memberships.exists() else None
    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    if device is not None:
        page.wait_for_url("**/sign-in/code/")
        page.get_by_label("Code").fill(app_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("domcontentloaded")


def activate_portal(page: Page, code: str, *, sign_in_name: str, password: str) -> None:
    """The young person turns their activation code into a login on /my/activate/ (R42),
    the page checked by axe before it is filled in."""
    page.goto("/my/activate/")
    assert_accessible(page)
    page.get_by_label("Code").fill(code)
    page.get_by_label("Choose a sign-in name").fill(sign_in_name)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("The password again").fill(password)
    page.get_by_role("button", name="Start").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


_axe = Axe()


def _run_axe_on_settled_page(page: Page, options: dict):
    """A click on a link returns before the next page has loaded; axe run in between reads a
    document that is going away. Wait for the load, and run again if a navigation still cut in."""
    for _ in range(2):
        page.wait_for_load_state("load")
        try:
            return _axe.run(page, options=options)
        except PlaywrightError:
            page.wait_for_timeout(200)
    page.wait_for_load_state("load")
    return _axe.run(page, options=options)


def assert_accessible(page: Page, *, moderate: bool = False) -> None:
    """axe-core on the current page: no serious or critical WCAG 2.1 A/AA violation; with
    ``moderate``, also no moderate finding, best practices (landmarks, heading order) included."""
    tags = [*AXE_TAGS, "best-practice"] if moderate else AXE_TAGS
    impacts = (*FAILING_IMPACTS, "moderate") if moderate else FAILING_IMPACTS
    results = _run_axe_on_settled_page(page, {"runOnly": {"type": "tag", "values": tags}})
    failing = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in impacts
    ]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in failing
    )
    assert not failing, f"axe found violations on {page.url}:\n{report}"
