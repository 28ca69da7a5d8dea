"""In Chromium, under the real Content-Security-Policy: the API docs (Swagger UI, ReDoc) and the
Django admin work and the browser reports no violation; the web app is covered by the journeys
in tests/frontend/browser, which run under the same header."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from accounts.models import User
from tests.frontend.browser.conftest import PASSWORD
from tests.two_factor import app_code, app_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script and outside the CSP: records every violation the page reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    yield context.new_page()
    context.close()


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_swagger_ui_renders_under_the_csp(page: Page) -> None:
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Harbor API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert violations(page) == []


def test_the_admin_works_under_the_csp_after_harbors_sign_in(page: Page) -> None:
    admin_user = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    device = app_device(admin_user)
    page.goto("/admin/")
    page.wait_for_url("**/sign-in/?next=*")
    page.get_by_label("E-mail address").fill(admin_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/code/**")
    page.get_by_label("Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/admin/")
    assert violations(page) == []
    page.goto(f"/admin/accounts/user/{admin_user.pk}/change/")
    page.get_by_role("button", name="Save", exact=True).wait_for()
    page.goto("/admin/providers/servicetype/add/")
    page.get_by_label("Code").fill("legal_aid")
    page.get_by_label("Name").fill("Legal aid")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/providers/servicetype/")
    assert violations(page) == []


def test_redoc_renders_under_the_csp(page: Page, live_server: Any) -> None:
    page.goto("/api/redoc/")
    page.locator("h1", has_text="Harbor API").wait_for()
    # Only third-party requests are refused (Google Fonts, ReDoc's CDN logo): they would tell
    # another site who reads the docs. Nothing of Harbor's own is blocked.
    refused = [v.split(" ", 1)[1] for v in violations(page)]
    assert all(url.startswith("https://") and live_server.url not in url for url in refused)
