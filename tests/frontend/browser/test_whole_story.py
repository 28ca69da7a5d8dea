"""The whole story across three people, each in their own browser: the advocate plans and asks
for consent; the young person approves the plan and the consent in the portal; the partner
takes the referral and reads what was released; the young person withdraws the consent and
the partner's access is gone at once, and a referral can no longer be taken on."""

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Person, PlanVersion, Referral
from consent.models import Consent
from providers.models import Membership
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "Service plan (approved goals and services)"


def test_consent_given_in_the_portal_opens_the_partners_door_and_revoking_shuts_it(
    open_page: Callable[[], Page],
) -> None:
    lead = f.OrganizationFactory(name="Lighthouse Youth Services")
    housing = f.OrganizationFactory(name="Partner Housing")
    advocate = f.MembershipFactory(
        organization=lead, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user
    partner = f.MembershipFactory(
        organization=housing, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user
    young_person = f.UserFactory(password=PASSWORD, full_name="")
    person = f.PersonFactory(
        user=young_person,
        alias="Wren",
        birth_date_precision=Person.BirthDatePrecision.EXACT,
        birth_date=date(timezone.localdate().year - 19, 5, 1),
    )
    case = f.CaseFactory(lead_organization=lead, person=person)
    f.CareTeamMemberFactory(case=case, user=advocate)
    kind = f.service_type("housing_navigation")

    # The advocate finds the case and drafts the plan with a service at Partner Housing.
    staff = open_page()
    sign_in(staff, advocate)
    staff.wait_for_url("**/cases/")
    assert_accessible(staff)
    staff.get_by_role("link", name=re.compile("Wren")).first.click()
    expect(staff.locator("main > *").first).to_contain_text("Safe contact")
    assert_accessible(staff)
    staff.goto(f"/cases/{case.pk}/plan/")
    staff.get_by_label("The goal, in the young person's own words").fill("A safe place to live")
    staff.get_by_label("Area of life").select_option(label="Housing")
    staff.get_by_role("button", name="Add the goal").click()
    staff.get_by_role("link", name="Add a service to this goal").click()
    staff.get_by_label("Service type").select_option(label=kind.name)
    staff.get_by_label("Provider organization").select_option(label="Partner Housing")
    staff.get_by_role("button", name="Add the service").click()
    staff.get_by_role("button", name="Submit a version for the young person's approval").click()
    expect(staff.get_by_text("Awaiting the young person's approval")).to_be_visible()
    assert_accessible(staff)

    # ...and asks for consent to share the plan with Partner Housing, through the portal.
    staff.goto(f"/cases/{case.pk}/consents/new/")
    staff.get_by_label("Organization that may see the information").select_option(
        label="Partner Housing"
    )
    staff.get_by_label(PLAN).check()
    staff.get_by_label("Why").select_option(label="Referral to a service")
    staff.get_by_role("button", name="Preview what they would see").click()
    assert_accessible(staff)
    staff.get_by_role("button", name="Send it to the young person's portal").click()
    expect(staff.get_by_text("Pending signature")).to_be_visible()

    # No consent yet: the referral page says so, and offers nobody to send to.
    staff.goto(f"/cases/{case.pk}/referrals/new/")
    expect(staff.get_by_text("No organization holds an active consent")).to_be_visible()
    assert_accessible(staff)

    # The young person, on a phone, approves the plan and signs the request.
    portal = open_page()
    portal.set_viewport_size({"width": 390, "height": 844})
    sign_in(portal, young_person)
    portal.wait_for_url("**/my/")
    portal.get_by_role("button", name="Approve this plan").click()
    expect(portal.get_by_role("status")).to_contain_text("You approved your plan")
    portal.get_by_role("link", name="Who can see my information").click()
    portal.get_by_role("link", name="Read and sign").click()
    expect(portal.locator("main")).to_contain_text("Partner Housing")
    assert_accessible(portal)
    portal.get_by_role("button", name="I agree and sign").click()
    expect(portal.get_by_role("status")).to_contain_text("The permission is active now")
    assert PlanVersion.objects.get().status == PlanVersion.Status.APPROVED
    consent = Consent.objects.get(recipient=housing)
    assert consent.status == Consent.Status.ACTIVE

    # Now the referral goes to Partner Housing.
    staff.goto(f"/cases/{case.pk}/referrals/new/")
    send = staff.locator("form", has=staff.get_by_role("button", name="Send the referral"))
    send.get_by_label("Planned service").select_option(index=1)
    send.get_by_label("Send to").select_option(label="Partner Housing")
    send.get_by_label(PLAN).check()
    send.get_by_role("button", name="Send the referral").click()
    expect(staff.get_by_text("The referral was sent.")).to_be_visible()
    referral = Referral.objects.get()

    # The partner sees the referral and the released plan, and nothing else.
    outside = open_page()
    sign_in(outside, partner)
    outside.goto("/partner/")
    expect(outside.get_by_role("link", name=kind.name).first).to_be_visible()
    assert_accessible(outside)
    outside.goto(f"/partner/cases/{case.pk}/")
    expect(outside.get_by_text("A safe place to live")).to_be_visible()
    expect(outside.get_by_role("note")).to_contain_text("Identity")
    assert "Wren" not in outside.content()
    assert_accessible(outside)

    # The young person stops sharing; the partner's view is gone on the next request.
    portal.get_by_role("link", name="Stop sharing with Partner Housing").click()
    portal.get_by_role("button", name="Yes, stop sharing now").click()
    expect(portal.get_by_role("status")).to_contain_text("can no longer see your information")
    outside.reload()
    expect(outside.get_by_role("heading", level=1)).to_have_text("Not found")
    assert "A safe place to live" not in outside.content()

    # ...and the referral sent under it can no longer be taken on (R13): the partner keeps
    # only its closing record, with no way to accept.
    outside.goto(f"/partner/referrals/{referral.pk}/")
    expect(outside.get_by_text("no longer shared with your organization")).to_be_visible()
    expect(outside.get_by_role("button", name="Accept the referral")).to_have_count(0)
    assert_accessible(outside)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
