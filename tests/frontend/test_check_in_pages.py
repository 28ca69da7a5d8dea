"""Check-in pages (issue 21): the care team records and corrects a check-in on the case's
pages and the closure check-in as it closes the case; the young person answers a due one in
the portal, skipping what they like."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.checkins import CheckIn
from cases.models import Case
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, world: World, **kwargs) -> str:
    return reverse(f"frontend:{name}", kwargs={"case_id": world.case.pk, **kwargs})


def test_the_advocate_records_a_check_in_skipping_questions(world: World) -> None:
    goal = f.GoalFactory(plan=world.case.plan, description="Get my ID back")
    client = _client(world.advocate)
    form = client.get(_url("check-in-new", world))
    assert form.status_code == 200 and "Get my ID back" in form.content.decode()

    response = client.post(
        _url("check-in-new", world),
        {
            "occasion": "intake",
            "answered_by": "with_staff",
            "safety": "prefers_not",
            "housing": "",
            f"goal_{goal.pk}_words": "Applied for it",
            f"goal_{goal.pk}_code": "some_progress",
        },
    )

    assert response.status_code == 302
    check_in = CheckIn.objects.get()
    assert (check_in.occasion, check_in.safety, check_in.housing) == ("intake", "prefers_not", "")
    assert check_in.goal_progress.get().words == "Applied for it"
    listing = client.get(_url("check-ins", world)).content.decode()
    assert "Applied for it" in listing and "Skipped" in listing


def test_a_correction_keeps_the_check_in_it_corrects(world: World) -> None:
    original = f.CheckInFactory(case=world.case, housing="unstable")
    client = _client(world.supervisor)
    url = _url("check-in-correct", world, check_in_id=original.pk)
    assert client.get(url).status_code == 200

    response = client.post(url, {"answered_by": "with_staff", "housing": "stable"})

    assert response.status_code == 302
    original.refresh_from_db()
    assert original.housing == "unstable" and original.corrected_by.housing == "stable"


def test_closing_the_case_records_the_closure_check_in_with_the_living_situation(world):
    response = _client(world.advocate).post(
        _url("case-status", world),
        {
            "move": "close",
            "reason": "goals_met",
            "end_consents": "no",
            "closure-answered_by": "with_staff",
            "closure-living_situation": "with_relatives",
            "closure-safety": "safe",
        },
    )

    assert response.status_code == 302
    world.case.refresh_from_db()
    closure = CheckIn.objects.get(case=world.case)
    assert world.case.status == Case.Status.CLOSED
    assert (closure.occasion, closure.living_situation) == ("closure", "with_relatives")


def test_the_closing_page_asks_the_closure_questions(world: World) -> None:
    body = _client(world.advocate).get(_url("case-status", world)).content.decode()

    assert "The closure check-in" in body and 'name="closure-living_situation"' in body


def test_the_young_person_answers_a_due_check_in_in_the_portal(world: World) -> None:
    goal = f.GoalFactory(plan=world.case.plan, description="Go back to school")
    client = _client(world.young_person)
    page = client.get(reverse("frontend:portal-check-in"))
    body = page.content.decode()
    assert page.status_code == 200 and "Go back to school" in body
    assert "I&#x27;d rather not say" in body or "I'd rather not say" in body
    assert f"goal_{goal.pk}_code" not in body  # staff code progress, not the young person

    response = client.post(
        reverse("frontend:portal-check-in"),
        {"safety": "mostly_safe", f"goal_{goal.pk}_words": "Enrolled for autumn"},
    )

    assert response.status_code == 302
    check_in = CheckIn.objects.get()
    assert (check_in.occasion, check_in.answered_by) == ("intake", "portal")
    assert check_in.recorded_by == world.young_person
    assert check_in.goal_progress.get().code == ""


def test_with_nothing_due_the_portal_says_so(world: World) -> None:
    f.CheckInFactory(case=world.case)

    body = _client(world.young_person).get(reverse("frontend:portal-check-in")).content.decode()

    assert "no check-in for you to answer right now" in body


def test_the_case_page_says_when_a_check_in_is_due(world: World) -> None:
    body = _client(world.advocate).get(_url("case", world)).content.decode()

    assert 'id="check-ins"' in body and "A check-in is due." in body


def test_the_young_persons_download_holds_their_check_ins(world: World) -> None:
    progress = f.GoalProgressFactory(check_in=f.CheckInFactory(case=world.case, safety="safe"))

    data = _client(world.young_person).get(reverse("frontend:portal-export-json")).json()

    [check_in] = data["check_ins"]
    assert {"question": "How safe do you feel right now?", "answer": "Safe"} in check_in["answers"]
    assert check_in["goals"] == [{"goal": progress.goal.description, "in_my_words": progress.words}]
