"""axe with moderate findings included, on the pages a young person decides on: the quick exit
and the skip link sit inside a landmark, headings do not skip a level, and the quick exit stays
the first thing that takes focus (R32)."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import World
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in
from tests.frontend.browser.test_portal_journey import PHONE, _portal_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _first_focus_is_the_quick_exit(page: Page) -> None:
    page.locator("body").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#quick-exit")).to_be_focused()


def test_portal_decision_pages_have_no_moderate_axe_finding(page: Page, world: World) -> None:
    made = _portal_world(world)
    page.set_viewport_size(PHONE)
    page.goto("/sign-in/")
    assert_accessible(page, moderate=True)
    sign_in(page, world.young_person, PASSWORD)
    page.wait_for_url("**/my/")
    for path in (
        "/my/",
        f"/my/consents/{made['pending'].pk}/approve/",
        f"/my/consents/{made['active'].pk}/revoke/",
    ):
        page.goto(path)
        assert_accessible(page, moderate=True)
        _first_focus_is_the_quick_exit(page)
