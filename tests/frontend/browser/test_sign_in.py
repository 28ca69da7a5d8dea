"""Signing in, in a real browser: the form, the start page per person, the safety of the door."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.conftest import World
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


def test_staff_are_warned_before_the_idle_sign_out_and_can_stay(page: Page, settings) -> None:
    settings.HARBOR = {**settings.HARBOR, "STAFF_IDLE_MINUTES": 1}
    staff = f.MembershipFactory(user=f.UserFactory(password=PASSWORD)).user
    sign_in(page, staff)
    warning = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(warning).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert_accessible(page)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()


def test_the_young_person_switches_the_portal_to_spanish_on_a_narrow_phone(
    page: Page, world: World
) -> None:
    world.young_person.set_password(PASSWORD)
    world.young_person.save()
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, world.young_person)
    page.wait_for_url("**/my/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Salida rápida")).to_be_visible()
    expect(page).to_have_title("Mi cuenta")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_R36_staff_set_up_two_step_sign_in_on_their_first_sign_in(page: Page) -> None:
    staff = f.MembershipFactory(user=f.UserFactory(password=PASSWORD)).user
    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/security/set-up/**")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    assert_accessible(page)
    # What a person types into their app by hand, read off the page like they would.
    typed_key = page.locator("code.secret").inner_text().replace(" ", "")
    code = TOTP(b32decode(typed_key)).token()
    page.get_by_label("Code from the app").fill(f"{code:06d}")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    assert page.locator(".backup-codes li").count() == 10
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/cases/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
