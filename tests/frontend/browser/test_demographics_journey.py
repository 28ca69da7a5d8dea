"""Issue 21 in a real browser: intake with the coded demographics and how the young person came,
then what the systems did recorded, corrected and removed from the case page. axe checks every
new page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case
from cases.system_involvement import SystemInvolvementEvent
from providers.models import Membership
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advocate_records_coded_demographics_and_what_the_systems_did(page: Page) -> None:
    lead = f.OrganizationFactory(name="Lead Community Org", collects_sexual_orientation=True)
    advocate = f.MembershipFactory(
        organization=lead, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user

    sign_in(page, advocate)
    page.goto("/cases/new/")
    assert_accessible(page, moderate=True)
    page.get_by_label("Alias").fill("Heron")
    page.get_by_label("How the young person came to us").select_option(label="Hotline")
    page.get_by_label("Hispanic or Latino").check()
    page.get_by_label("White", exact=True).check()
    page.get_by_role("combobox", name="Sex", exact=True).select_option(label="Female")
    page.get_by_label("Sexual orientation").select_option(label="Questioning or unsure")
    page.get_by_role("textbox", name="Primary language").fill("es")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("The case is open.")).to_be_visible()
    expect(page.get_by_text("Hispanic or Latino, White")).to_be_visible()
    assert_accessible(page)
    case = Case.objects.get(person__alias="Heron")
    assert case.referral_source == "hotline"
    assert case.person.race_ethnicity_codes == ["hispanic_latino", "white"]

    page.get_by_role(
        "link", name="Record or correct how they came and what the systems did"
    ).click()
    assert_accessible(page, moderate=True)
    page.get_by_label("What happened").select_option(label="Missing or runaway episode")
    page.get_by_label("When").fill((timezone.localdate() - timedelta(days=3)).isoformat())
    page.get_by_label("Note").fill("Three nights away")
    page.get_by_role("button", name="Record the event").click()
    expect(page.get_by_role("rowheader", name="Missing or runaway episode")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Correct Missing or runaway episode").click()
    assert_accessible(page, moderate=True)
    page.get_by_label("What happened").select_option(label="Law-enforcement contact")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("rowheader", name="Law-enforcement contact")).to_be_visible()

    page.get_by_role("link", name="Remove Law-enforcement contact").click()
    assert_accessible(page, moderate=True)
    page.get_by_role("button", name="Remove the event").click()
    expect(page.get_by_text("Say why the event is removed.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why it is removed").fill("Recorded on the wrong case")
    page.get_by_role("button", name="Remove the event").click()
    expect(page.get_by_text("The event is removed; its record stays.")).to_be_visible()
    assert SystemInvolvementEvent.objects.get().removal_reason == "Recorded on the wrong case"
    assert_accessible(page)
