"""The young person's journey in the portal, on a phone: approve the plan, sign a consent
request, stop sharing with a partner (R13) and find it in history (R16), read the access log
and a receipt, then leave with the quick exit (R32) leaving no history entry behind."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Person, PlanVersion, ServicePlan
from cases.services.plans import start_plan_version, submit_plan_version
from consent.models import Consent, ConsentPurpose
from consent.policy import viewer_for, visible_cases
from consent.services import draft_consent, submit_for_signature
from providers.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent
from tests.frontend.browser.conftest import NEUTRAL_SITE, PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _portal_world(world: World) -> dict:
    case, advocate = world.case, world.advocate
    person = case.person
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.now().year - 25, 3, 9)
    person.save()
    world.young_person.set_password(PASSWORD)
    world.young_person.save()
    shelter = f.OrganizationFactory(name="Riverside Shelter")
    shelter_staff = f.MembershipFactory(organization=shelter, role=Membership.Role.ADVOCATE).user
    active = grant_consent(case, shelter, ["plan", "contact"], by=advocate)
    pending = draft_consent(
        case=case,
        recipient=world.partner,
        categories=["plan"],
        purpose=ConsentPurpose.REFERRAL,
        actor=advocate,
        starts_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    submit_for_signature(consent=pending, actor=advocate)
    plan, _ = ServicePlan.objects.get_or_create(case=case)
    f.GoalFactory(plan=plan, description="Find a safe place to live")
    version = submit_plan_version(
        version=start_plan_version(case=case, actor=advocate), actor=advocate
    )
    return {
        "active": active,
        "pending": pending,
        "version": version,
        "shelter_staff": shelter_staff,
    }


def test_young_person_approves_signs_revokes_and_leaves_with_quick_exit(
    page: Page, world: World
) -> None:
    made = _portal_world(world)
    page.set_viewport_size(PHONE)
    sign_in(page, world.young_person)

    # My plan: approve the version waiting for me.
    page.wait_for_url("**/my/")
    expect(page).to_have_title("My account")
    expect(page.get_by_role("heading", name="A new plan is waiting for you")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve this plan").click()
    expect(page.get_by_role("status")).to_contain_text("You approved your plan")
    assert_accessible(page)
    made["version"].refresh_from_db()
    assert made["version"].status == PlanVersion.Status.APPROVED

    # Who can see my information: sign the request waiting for me.
    page.get_by_role("link", name="Who can see my information").click()
    assert_accessible(page)
    page.get_by_role("link", name="Read and sign").click()
    expect(page.get_by_role("heading", name="Exactly what they will see")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="I agree and sign").click()
    expect(page.get_by_role("status")).to_contain_text("The permission is active now")
    made["pending"].refresh_from_db()
    assert made["pending"].status == Consent.Status.ACTIVE

    # Stop sharing with the shelter, through the confirmation page (R13).
    page.get_by_role("link", name="Stop sharing with Riverside Shelter").click()
    expect(page.get_by_role("heading", name="Stop sharing?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, stop sharing now").click()
    expect(page.get_by_role("status")).to_contain_text("can no longer see your information")
    history = page.locator("#history")
    expect(history).to_contain_text("Riverside Shelter")
    expect(history).to_contain_text("Stopped")
    assert_accessible(page)
    shelter = viewer_for(made["shelter_staff"])
    assert not visible_cases(viewer=shelter).filter(pk=world.case.pk).exists()

    # Its receipt stays (R16), showing when it stopped.
    history.get_by_role("link", name="Receipt — Riverside Shelter").click()
    expect(page.get_by_role("heading", name="Consent receipt")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Stopped on")
    assert_accessible(page)

    # Who looked at my file.
    page.get_by_role("link", name="Who looked at my file").click()
    expect(page.get_by_role("heading", name="Who looked at my file")).to_be_visible()
    assert_accessible(page)

    # Quick exit with Esc Esc: no new history entry, and back lands on sign-in.
    entries_before = page.evaluate("history.length")
    page.locator("main").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL_SITE)
    assert page.evaluate("history.length") == entries_before
    page.go_back()
    page.wait_for_load_state("domcontentloaded")
    assert "/sign-in/" in page.url, page.url
