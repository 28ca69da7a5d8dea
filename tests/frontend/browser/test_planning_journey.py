"""The advocate's planning journey in a real browser: a goal and a service, a plan version for
approval, a consent request (previewed, then sent to the portal), a consent signed on paper,
a referral to the organization it covers, and the explanation for one it does not."""

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Person, PlanVersion, Referral
from consent.models import Consent
from providers.models import Membership
from tests import factories as f
from tests.documents import PDF
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advocate_plans_asks_for_consent_and_refers(page: Page, tmp_path: Path) -> None:
    lead = f.OrganizationFactory(name="Lead Community Org")
    housing = f.OrganizationFactory(name="Partner Housing")
    clinic = f.OrganizationFactory(name="Riverside Clinic")
    advocate = f.MembershipFactory(
        organization=lead, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user
    adult = f.PersonFactory(
        birth_date_precision=Person.BirthDatePrecision.EXACT,
        birth_date=date(timezone.localdate().year - 25, 1, 15),
    )
    case = f.CaseFactory(lead_organization=lead, person=adult)
    f.CareTeamMemberFactory(case=case, user=advocate)
    kind = f.service_type("housing_navigation")

    sign_in(page, advocate)
    page.goto(f"/cases/{case.pk}/plan/")
    assert_accessible(page)

    # A goal in the young person's words, and a service toward it.
    page.get_by_label("The goal, in the young person's own words").fill("A safe place to live")
    page.get_by_label("Area of life").select_option(label="Housing")
    page.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_role("heading", name="A safe place to live")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Add a service to this goal").click()
    expect(page.get_by_label("Service type")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Service type").select_option(label=kind.name)
    page.get_by_label("Provider organization").select_option(label="Riverside Clinic")
    page.get_by_role("button", name="Add the service").click()
    expect(page.get_by_role("cell", name=kind.name, exact=True)).to_be_visible()

    # A version for the young person's approval.
    page.get_by_role("button", name="Submit a version for the young person's approval").click()
    expect(page.get_by_text("Awaiting the young person's approval")).to_be_visible()
    assert_accessible(page)
    assert PlanVersion.objects.get().status == PlanVersion.Status.AWAITING_APPROVAL

    # A consent for Partner Housing: previewed, then sent to the portal.
    page.goto(f"/cases/{case.pk}/consents/new/")
    assert_accessible(page)
    request_consent(page, "Partner Housing")
    preview = page.locator(".preview")
    expect(preview).to_contain_text("your approved service plan: goals and services")
    expect(preview.locator("ul.shared li")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("button", name="Send it to the young person's portal").click()
    expect(page.get_by_text("Pending signature")).to_be_visible()
    assert_accessible(page)

    # A consent for the clinic, signed on paper: it becomes active.
    page.goto(f"/cases/{case.pk}/consents/new/")
    request_consent(page, "Riverside Clinic")
    page.get_by_role("button", name="Record a signed form").click()
    assert_accessible(page)
    page.get_by_label("The young person").check()
    scan = tmp_path / "signed-form.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Scan of the signed form").set_input_files(scan)
    page.get_by_role("button", name="Record the signature").click()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    assert_accessible(page)
    assert Consent.objects.get(recipient=clinic).status == Consent.Status.ACTIVE

    # The referral is offered only to the clinic, and sent.
    page.goto(f"/cases/{case.pk}/referrals/new/")
    assert_accessible(page)
    send = page.locator("form", has=page.get_by_role("button", name="Send the referral"))
    recipients = send.get_by_label("Send to").locator("option")
    expect(recipients).to_have_text(["---------", "Riverside Clinic"])
    send.get_by_label("Planned service").select_option(index=1)
    send.get_by_label("Send to").select_option(label="Riverside Clinic")
    send.get_by_label("Service plan (approved goals and services)").check()
    send.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("The referral was sent.")).to_be_visible()
    assert_accessible(page)
    assert Referral.objects.get().status == Referral.Status.SENT

    # For Partner Housing the page says which consent is missing.
    check = page.locator("form", has=page.get_by_role("button", name="Check"))
    check.get_by_label("Organization").select_option(label="Partner Housing")
    check.get_by_label("Service plan (approved goals and services)").check()
    check.get_by_role("button", name="Check").click()
    expect(page.get_by_text("No active consent for Partner Housing covering")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a consent for Partner Housing")).to_be_visible()
    assert_accessible(page)
    assert housing.referrals_received.count() == 0


def request_consent(page: Page, organization: str) -> None:
    page.get_by_label("Organization that may see the information").select_option(label=organization)
    page.get_by_label("Service plan (approved goals and services)").check()
    page.get_by_label("Why").select_option(label="Referral to a service")
    page.get_by_role("button", name="Preview what they would see").click()
    expect(page.get_by_role("heading", name="Consent preview")).to_be_visible()
