"""/api/v1/check-ins/ (issue 21): the care team records, corrects and codes check-ins; the
young person answers their own; no consent shows them to a partner; every read is logged."""

import pytest
from django.urls import reverse

from cases.categories import DATA_CATEGORIES
from cases.checkins import CheckIn
from consent.models import AccessEvent
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db
LIST = reverse("check-in-list")


def _detail(check_in: CheckIn, action: str = "") -> str:
    name = f"check-in-{action}" if action else "check-in-detail"
    return reverse(name, kwargs={"pk": check_in.pk})


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def test_the_advocate_records_a_check_in_with_progress_on_a_goal(world, api_for):
    goal = f.GoalFactory(plan=world.case.plan)
    body = {
        "case": world.case.pk,
        "occasion": "intake",
        "answered_by": "with_staff",
        "safety": "a_little_safe",
        "housing": "prefers_not",
        "goals": [{"goal": goal.pk, "words": "Started classes", "code": "some_progress"}],
    }

    response = api_for(world.advocate).post(LIST, body, format="json")

    assert response.status_code == 201, response.data
    assert response.data["safety"] == "a_little_safe" and response.data["housing"] == "prefers_not"
    assert response.data["school_or_work"] == ""  # skipped
    [progress] = response.data["goal_progress"]
    assert (progress["goal"], progress["words"], progress["code"]) == (
        goal.pk,
        "Started classes",
        "some_progress",
    )


def test_the_young_person_answers_their_own_check_in(world, api_for):
    body = {"case": world.case.pk, "occasion": "intake", "answered_by": "portal", "safety": "safe"}

    response = api_for(world.young_person).post(LIST, body, format="json")

    assert response.status_code == 201, response.data
    assert CheckIn.objects.get().answered_by == "portal"
    assert _ids(api_for(world.young_person).get(LIST)) == [response.data["id"]]


def test_the_young_person_cannot_record_one_as_staff_nor_correct_one(world, api_for):
    client = api_for(world.young_person)
    body = {"case": world.case.pk, "occasion": "other", "answered_by": "with_staff"}

    assert client.post(LIST, body, format="json").status_code == 403
    check_in = f.CheckInFactory(case=world.case)
    answers = {"answered_by": "with_staff", "safety": "safe"}
    assert client.post(_detail(check_in, "correct"), answers, format="json").status_code == 403
    assert CheckIn.objects.count() == 1


def test_a_partner_with_a_consent_to_every_category_sees_no_check_in(world, api_for):
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    check_in = f.CheckInFactory(case=world.case)
    client = api_for(world.partner_staff)

    assert _ids(client.get(LIST)) == []
    assert client.get(_detail(check_in)).status_code == 404
    assert client.get(f"{LIST}?case={world.case.pk}").data["results"] == []


def test_a_correction_names_the_check_in_it_corrects(world, api_for):
    original = f.CheckInFactory(case=world.case, housing="unstable")

    response = api_for(world.supervisor).post(
        _detail(original, "correct"), {"answered_by": "with_staff", "housing": "stable"}
    )

    assert response.status_code == 201, response.data
    assert response.data["corrects"] == original.pk
    shown = api_for(world.advocate).get(_detail(original)).data
    assert (shown["housing"], shown["corrected_by"]) == ("unstable", response.data["id"])


def test_staff_code_what_the_young_person_said_about_a_goal(world, api_for):
    progress = f.GoalProgressFactory(check_in=f.CheckInFactory(case=world.case), code="")

    response = api_for(world.advocate).post(
        _detail(progress.check_in, "code"), {"goal": progress.goal_id, "code": "achieved"}
    )

    assert response.status_code == 200, response.data
    assert response.data["goal_progress"][0]["code"] == "achieved"


def test_reading_check_ins_is_in_the_access_log_under_the_plan_category(world, api_for):
    check_in = f.CheckInFactory(case=world.case)

    api_for(world.advocate).get(_detail(check_in))

    event = AccessEvent.objects.filter(case_id=world.case.pk).order_by("pk").last()
    assert event.user_id == world.advocate.pk and event.categories == ["plan"]


def test_closing_a_case_through_the_api_records_its_closure_check_in(world, api_for):
    body = {
        "reason": "goals_met",
        "check_in": {"answered_by": "with_staff", "living_situation": "own_place"},
    }

    response = api_for(world.advocate).post(
        reverse("case-close", kwargs={"pk": world.case.pk}), body, format="json"
    )

    assert response.status_code == 200, response.data
    closure = CheckIn.objects.get(case=world.case)
    assert (closure.occasion, closure.living_situation) == ("closure", "own_place")


def test_a_closure_check_in_answered_wrong_leaves_the_case_open(world, api_for):
    body = {"reason": "goals_met", "check_in": {"answered_by": "portal"}}

    response = api_for(world.advocate).post(
        reverse("case-close", kwargs={"pk": world.case.pk}), body, format="json"
    )

    world.case.refresh_from_db()
    assert response.status_code == 400 and world.case.status == "open"
    assert not CheckIn.objects.exists()
