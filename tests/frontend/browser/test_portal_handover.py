"""Handing a young person their portal (R42), in the browser: the advocate gives a code on the
case page, the young person types it on their own phone, chooses a sign-in name and a
password, lands in their portal, and later signs in with that name. axe checks each page."""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Person
from tests.conftest import World
from tests.frontend.browser.conftest import PASSWORD, activate_portal, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def test_r42_a_young_person_starts_their_portal_with_the_code_their_advocate_gave(
    world: World, page: Page, open_page
) -> None:
    Person.objects.filter(pk=world.case.person_id).update(user=None)
    world.advocate.set_password(PASSWORD)
    world.advocate.save()

    sign_in(page, world.advocate)
    page.goto(f"/cases/{world.case.pk}/")
    page.get_by_role("link", name="Give portal access").click()
    assert_accessible(page)
    page.get_by_role("button", name="Give portal access").click()
    expect(page.get_by_role("heading", name="The code, shown once")).to_be_visible()
    assert_accessible(page)
    code = CODE.search(page.locator(".slip").inner_text()).group(0)

    phone = open_page()
    phone.set_viewport_size(PHONE)
    activate_portal(phone, code, sign_in_name="north-star", password="a quiet harbor at dawn")
    expect(phone.get_by_text("Welcome. This is your account.")).to_be_visible()
    expect(phone).to_have_title(re.compile("My account"))
    phone.get_by_role("button", name="Sign out").click()

    phone.goto("/sign-in/")
    phone.get_by_label("E-mail address or sign-in name").fill("north-star")
    phone.get_by_label("Password").fill("a quiet harbor at dawn")
    phone.get_by_role("button", name="Sign in").click()
    phone.goto("/my/consents/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.url.endswith("/my/consents/")

    page.goto(f"/cases/{world.case.pk}/portal-access/")
    expect(page.get_by_text("Last signed in")).to_be_visible()
