"""README's "Going live", followed literally in the browser (issue 17): from an empty database,
with no demo data and no shell, to the first young person signing in to their portal.

The operator account is made with ``createsuperuser``, as the README says; everything after
that happens in pages, read and typed as people would: the links come from the e-mails, the
authenticator key and the portal code from the screen. The test body writes nothing to the
database itself. axe checks every page issue 17 added.
"""

import re
from base64 import b32decode
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.models import User
from providers.models import Organization
from tests.frontend.browser.conftest import activate_portal, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR_EMAIL = "operator@harbor.example.org"
OPERATOR_PASSWORD = "the operator keeps the lighthouse"
LEAD_ADMIN = "admin@harbor-youth.example.org"
PARTNER_ADMIN = "admin@shelter.example.org"
ADVOCATE = "ada@harbor-youth.example.org"
PARTNER_ADVOCATE = "pat@shelter.example.org"
STAFF_PASSWORD = "seven gulls over the breakwater"
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/")
PORTAL_CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
SIGN_IN_NAME = "north-star"
YOUNG_PERSON_PASSWORD = "a quiet harbor at dawn"
# "Name (required)", not "First admin's name".
NAME_FIELD = re.compile(r"^Name\b")


def set_up_two_step_from_the_page(page: Page, lands_on: str) -> None:
    """The first sign-in's set-up: type the key shown into an app, enter the code the app
    shows, keep the backup codes, and go on to the person's start page."""
    page.wait_for_url("**/account/security/set-up/**")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    assert_accessible(page)
    typed_key = page.locator("code.secret").inner_text().replace(" ", "")
    code = TOTP(b32decode(typed_key)).token()
    page.get_by_label("Code from the app").fill(f"{code:06d}")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    assert page.locator(".backup-codes li").count() == 10
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"**{lands_on}")


def invitation_link(email: str) -> str:
    """The one-time link of the invitation e-mailed to this address."""
    sent = [message for message in mail.outbox if email in message.to]
    assert len(sent) == 1, f"expected one e-mail to {email}, found {len(sent)}"
    found = INVITATION_LINK.search(sent[0].body)
    assert found, f"no invitation link in the e-mail to {email}"
    return found.group(0)


def accept_invitation_and_set_up_two_step(page: Page, email: str, lands_on: str) -> None:
    """Follow the e-mailed link, choose a password, and set up two-step sign-in."""
    page.goto(invitation_link(email))
    expect(page.get_by_role("heading", name="Your Harbor account")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(STAFF_PASSWORD)
    page.get_by_label("The password again").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    set_up_two_step_from_the_page(page, lands_on)


def create_organization(page: Page, *, name: str, kind: str, leads_cases: bool, admin: str) -> None:
    """At /operator/, "Add an organization": name, kind, what it does, its first admin."""
    page.goto("/operator/")
    page.get_by_role("link", name="Add an organization").click()
    page.wait_for_url("**/operator/organizations/new/")
    assert_accessible(page)
    page.get_by_label(NAME_FIELD).fill(name)
    page.get_by_label("Kind of organization").select_option(label=kind)
    page.get_by_role("group", name="What the organization does in Harbor").get_by_label(
        "Leads cases: its advocates open and keep cases"
        if leads_cases
        else "Only receives referrals from organizations that lead cases"
    ).check()
    page.get_by_label("First admin's e-mail address").fill(admin)
    page.get_by_label("First admin's name").fill(f"Admin of {name}")
    page.get_by_role("button", name="Create the organization").click()
    page.wait_for_url(re.compile(r"/operator/organizations/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status")).to_contain_text("The invitation is sent.")
    expect(page.get_by_text(f"({admin})")).to_be_visible()
    assert_accessible(page)


def invite_a_member(page: Page, *, email: str, name: str, role: str) -> None:
    """At /organization/, "Invite a member": e-mail address, name and role."""
    page.get_by_role("link", name="Invite a member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a member")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label(NAME_FIELD).fill(name)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Invite").click()
    page.wait_for_url("**/organization/**")
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page)


def test_going_live_from_an_empty_database_to_a_young_person_in_their_portal(
    open_page: Callable[[], Page], live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. Settings: the links in e-mails point where people reach Harbor.
    settings.HARBOR = {**settings.HARBOR, "SITE_URL": live_server.url}
    # 3. The database: migrated, and nothing in it yet.
    assert not User.objects.exists()
    assert not Organization.objects.exists()

    # 4. The site operator: `python manage.py createsuperuser`.
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", OPERATOR_PASSWORD)
    call_command("createsuperuser", interactive=False, email=OPERATOR_EMAIL, verbosity=0)

    operator = open_page()
    operator.goto("/sign-in/")
    operator.get_by_label("E-mail address").fill(OPERATOR_EMAIL)
    operator.get_by_label("Password").fill(OPERATOR_PASSWORD)
    operator.get_by_role("button", name="Sign in").click()
    set_up_two_step_from_the_page(operator, lands_on="/operator/")
    expect(operator.get_by_role("heading", level=1)).to_have_text("Organizations")
    assert_accessible(operator)

    # 5. Organizations: one that leads cases, one that only receives referrals.
    create_organization(
        operator,
        name="Harbor Youth",
        kind="Survivor-led",
        leads_cases=True,
        admin=LEAD_ADMIN,
    )
    create_organization(
        operator,
        name="Safe Shelter",
        kind="Housing",
        leads_cases=False,
        admin=PARTNER_ADMIN,
    )
    operator.goto("/operator/")
    expect(operator.get_by_role("row", name=re.compile("Harbor Youth"))).to_contain_text(
        "Leads cases"
    )
    expect(operator.get_by_role("row", name=re.compile("Safe Shelter"))).to_contain_text(
        "Receives referrals only"
    )

    # 6. Staff: each admin follows the e-mailed link and invites an advocate.
    partner_admin = open_page()
    accept_invitation_and_set_up_two_step(partner_admin, PARTNER_ADMIN, lands_on="/organization/")
    expect(partner_admin.get_by_role("main")).to_contain_text("Safe Shelter")
    assert_accessible(partner_admin)
    invite_a_member(partner_admin, email=PARTNER_ADVOCATE, name="Pat Partner", role="Advocate")

    lead_admin = open_page()
    accept_invitation_and_set_up_two_step(lead_admin, LEAD_ADMIN, lands_on="/organization/")
    expect(lead_admin.get_by_role("main")).to_contain_text("Harbor Youth")
    invite_a_member(lead_admin, email=ADVOCATE, name="Ada Advocate", role="Advocate")

    advocate = open_page()
    accept_invitation_and_set_up_two_step(advocate, ADVOCATE, lands_on="/cases/")

    # 7. The first case, opened with an alias, and a code for the young person's portal.
    advocate.goto("/cases/new/")
    advocate.get_by_label("Alias").fill("Robin")
    advocate.get_by_role("button", name="Open the case").click()
    expect(advocate.get_by_role("status")).to_contain_text("The case is open.")
    advocate.get_by_role("link", name="Give portal access").click()
    advocate.wait_for_url(re.compile(r"/cases/\d+/portal-access/$"))
    assert_accessible(advocate)
    advocate.get_by_role("button", name="Give portal access").click()
    expect(advocate.get_by_role("heading", name="The code, shown once")).to_be_visible()
    assert_accessible(advocate)
    code = PORTAL_CODE.search(advocate.locator(".slip").inner_text()).group(0)
    advocate.get_by_role("link", name="Done").click()
    portal_access_page = advocate.url

    # 8. The young person, on their own device.
    young_person = open_page()
    activate_portal(young_person, code, sign_in_name=SIGN_IN_NAME, password=YOUNG_PERSON_PASSWORD)
    young_person.wait_for_url("**/my/")
    expect(young_person.get_by_text("Welcome. This is your account.")).to_be_visible()
    young_person.get_by_role("button", name="Sign out").click()
    young_person.wait_for_url("**/sign-in/")

    young_person.get_by_label("E-mail address or sign-in name").fill(SIGN_IN_NAME)
    young_person.get_by_label("Password").fill(YOUNG_PERSON_PASSWORD)
    young_person.get_by_role("button", name="Sign in").click()
    young_person.wait_for_url("**/my/")
    expect(young_person.get_by_role("heading", level=1)).to_have_text("My plan")
    expect(young_person).to_have_title(re.compile("My account"))

    # The advocate sees that the young person has signed in, not what they did.
    advocate.goto(portal_access_page)
    expect(advocate.get_by_text("Last signed in")).to_be_visible()
