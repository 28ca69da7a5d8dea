"""Outcome check-ins in the browser (issue 21): the advocate records one with the young person
and corrects it, the young person answers their own on a phone, and the case closes with its
closure check-in; axe checks every page on the way."""

import pytest
from playwright.sync_api import Page, expect

from cases.checkins import CheckIn
from cases.models import Case, ServicePlan
from tests import factories as f
from tests.conftest import World
from tests.frontend.browser.conftest import PASSWORD, assert_accessible, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _with_a_goal(world: World) -> None:
    for user in (world.advocate, world.young_person):
        user.set_password(PASSWORD)
        user.save()
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    f.GoalFactory(plan=plan, description="Go back to school")


def test_the_young_person_answers_their_check_in_on_a_phone(page: Page, world: World) -> None:
    _with_a_goal(world)
    page.set_viewport_size(PHONE)
    sign_in(page, world.young_person)

    page.get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    assert_accessible(page)
    page.get_by_role("group", name="How safe do you feel right now?").get_by_label(
        "Mostly safe"
    ).check()
    page.get_by_role("group", name="Is there an adult you trust and can go to?").get_by_label(
        "I'd rather not say"
    ).check()
    page.get_by_label("Go back to school").fill("I enrolled for the autumn")
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    check_in = CheckIn.objects.get()
    assert (check_in.answered_by, check_in.safety, check_in.trusted_adult) == (
        "portal",
        "mostly_safe",
        "prefers_not",
    )
    assert check_in.housing == ""  # skipped


def test_the_advocate_records_corrects_and_closes_with_the_closure_check_in(
    page: Page, world: World
) -> None:
    _with_a_goal(world)
    sign_in(page, world.advocate)
    page.goto(f"/cases/{world.case.pk}/")
    expect(page.get_by_role("heading", name="Check-ins")).to_be_visible()

    page.get_by_role("link", name="Record a check-in").click()
    assert_accessible(page)
    page.get_by_role("group", name="Where you stay now, is it...").get_by_label(
        "Somewhere, but it is not stable"
    ).check()
    page.get_by_label("Go back to school").fill("Looking at schools")
    page.get_by_label("Progress on this goal").select_option("not_started")
    page.get_by_role("button", name="Save the check-in").click()
    expect(page.get_by_role("status")).to_contain_text("The check-in is recorded")
    expect(page.get_by_text("Looking at schools")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Correct").click()
    assert_accessible(page)
    page.get_by_role("group", name="Where you stay now, is it...").get_by_label(
        "Stable", exact=True
    ).check()
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("The correction is recorded")
    expect(page.get_by_text("Corrected", exact=True)).to_be_visible()

    page.goto(f"/cases/{world.case.pk}/status/")
    assert_accessible(page)
    page.get_by_label("Why the case closes").select_option("goals_met")
    page.get_by_role("group", name="Who answered").get_by_label(
        "The young person, with staff"
    ).check()
    page.get_by_role("group", name="Where does the young person live now?").get_by_label(
        "With relatives or friends"
    ).check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("status")).to_contain_text("The case is closed")

    world.case.refresh_from_db()
    assert world.case.status == Case.Status.CLOSED
    closure = CheckIn.objects.get(occasion=CheckIn.Occasion.CLOSURE)
    assert closure.living_situation == "with_relatives"
    sign_out(page)
