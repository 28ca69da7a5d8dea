"""Signing in, in a real browser: the form, the start page per person, the safety of the door."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.frontend.browser.conftest import (
    NEUTRAL_SITE,
    PASSWORD,
    assert_accessible,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_is_accessible_and_names_no_service(page: Page) -> None:
    page.goto("/sign-in/")
    expect(page).to_have_title("Sign in")
    assert_accessible(page)


def test_wrong_password_is_refused_with_a_message(page: Page) -> None:
    user = f.UserFactory(password=PASSWORD)
    sign_in(page, user, password="not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct e-mail address")


def test_quick_exit_on_sign_in_leaves_without_a_history_entry_or_referrer(page: Page) -> None:
    page.goto("/sign-in/")
    entries_before = page.evaluate("history.length")
    with page.expect_request(f"{NEUTRAL_SITE}**") as exit_request:
        page.keyboard.press("Tab")  # the quick exit is the first thing that takes focus
        expect(page.get_by_role("link", name="Quick exit")).to_be_focused()
        page.keyboard.press("Enter")
    page.wait_for_url(NEUTRAL_SITE)
    assert "referer" not in exit_request.value.headers
    assert page.evaluate("history.length") == entries_before
