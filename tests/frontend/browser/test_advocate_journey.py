"""The advocate's day in a real browser: caseload, intake with an alias alone (R34), the case
page with the safe-contact banner first, a logged contact, a completed follow-up."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case, Contact
from providers.models import Membership
from tasks.follow_ups import create_follow_up_by_hand
from tasks.models import FollowUp
from tests import factories as f
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_advocate_opens_a_case_logs_a_contact_and_completes_a_follow_up(page: Page) -> None:
    lead = f.OrganizationFactory(name="Riverside Youth")
    advocate = f.MembershipFactory(
        organization=lead, role=Membership.Role.ADVOCATE, user=f.UserFactory(password=PASSWORD)
    ).user
    known = f.CaseFactory(lead_organization=lead, person=f.PersonFactory(alias="Marisol"))
    f.CaseFactory(lead_organization=lead, person=f.PersonFactory(alias="Teodoro"))
    f.CareTeamMemberFactory(case=known, user=advocate)
    follow_up = create_follow_up_by_hand(
        case=known,
        organization=lead,
        actor=advocate,
        assignee=advocate,
        due_at=timezone.now() + timedelta(days=1),
        description="Ask about the housing visit",
    )
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(hours=2))

    sign_in(page, advocate)
    page.goto("/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    expect(page.get_by_role("link", name="Marisol")).to_be_visible()
    expect(page.get_by_text("Follow-up overdue")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Search by name or alias").fill("mari")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Marisol")).to_be_visible()
    assert page.get_by_text("Teodoro").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    assert_accessible(page)
    page.get_by_label("Alias").fill("Sparrow")
    page.get_by_role("button", name="Open the case").click()

    case = Case.objects.get(person__alias="Sparrow")
    page.wait_for_url(f"**/cases/{case.pk}/")
    first_in_main = page.locator("main > *").first
    expect(first_in_main).to_have_class("safe-contact")
    expect(first_in_main).to_contain_text("No channel confirmed")
    expect(first_in_main).to_contain_text("Re-confirm before any contact")
    expect(page).not_to_have_title("Sparrow")
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 800})
    _no_horizontal_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name="Review and re-confirm them").click()
    assert_accessible(page)
    page.get_by_label("In person").check()
    page.get_by_label("Code word").fill("lighthouse")
    page.get_by_label("I checked these preferences with the young person just now").check()
    page.get_by_role("button", name="Save and confirm").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    banner = page.locator("main > *").first
    expect(banner).to_contain_text("In person")
    expect(banner).to_contain_text("lighthouse")
    _no_horizontal_scroll(page)

    page.get_by_role("link", name="Log a contact").click()
    assert_accessible(page)
    _no_horizontal_scroll(page)
    page.get_by_label("Channel").select_option("in_person")
    page.get_by_label("Summary").fill("Met at the drop-in")
    page.get_by_role("button", name="Log the contact").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(page.get_by_role("status")).to_contain_text("The contact is logged.")
    expect(page.locator("main > *").first).to_have_class("safe-contact")
    assert Contact.objects.filter(case=case, channel="in_person").exists()
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Follow-ups").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-ups")
    expect(page.get_by_text("Overdue", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Complete follow-up {follow_up.pk}").click()
    assert_accessible(page)
    page.get_by_label("What was done (optional)").fill("Visit confirmed for Monday")
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_url("**/cases/follow-ups/")
    expect(page.get_by_text("The follow-up is done.")).to_be_visible()
    expect(page.get_by_text("Nothing to follow up.")).to_be_visible()
    assert_accessible(page)
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completion_note) == ("done", "Visit confirmed for Monday")
