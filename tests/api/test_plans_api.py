"""The plan endpoints: goals, planned services and plan versions, and who may do what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Goal, PlannedService, PlanVersion, ServicePlan
from tests import factories as f

pytestmark = pytest.mark.django_db


def _plan(case) -> ServicePlan:
    return ServicePlan.objects.get_or_create(case=case)[0]


def _goal(world, **fields) -> Goal:
    return f.GoalFactory(plan=_plan(world.case), **fields)


def _service(world, **fields) -> PlannedService:
    return f.PlannedServiceFactory(goal=_goal(world), **fields)


def _version(world, status: str = "draft", number: int = 1) -> PlanVersion:
    approved = status in ("approved", "superseded")
    return f.PlanVersionFactory(
        plan=_plan(world.case),
        number=number,
        status=status,
        approved_at=timezone.now() if approved else None,
        approval_channel="portal" if approved else "",
    )


def _service_payload(world, goal: Goal, **fields) -> dict:
    return {
        "goal": goal.pk,
        "service_type": f.service_type("transitional_housing").pk,
        "provider": world.partner.pk,
        "responsible": world.advocate.pk,
        "starts_on": "2030-01-01",
        "ends_on": "2030-06-30",
        "expected_contact_days": 7,
        **fields,
    }


# Goals


def test_advocate_adds_a_goal_to_the_case_plan(world, api_for):
    response = api_for(world.advocate).post(
        reverse("goal-list"),
        {"case": world.case.pk, "description": "Go back to school", "domain": "education"},
    )

    assert response.status_code == 201, response.data
    assert response.data["case"] == world.case.pk
    assert response.data["status"] == "active"
    assert Goal.objects.get().plan.case == world.case


@pytest.mark.parametrize(
    ("payload", "bad"),
    [
        ({"description": "Home", "domain": "space_travel"}, "domain"),
        ({"description": "   ", "domain": "housing"}, "description"),
        ({"description": "Home", "domain": "housing", "position": -2}, "position"),
    ],
)
def test_a_goal_with_a_bad_field_is_a_field_error_and_nothing_is_written(
    world, api_for, payload, bad
):
    response = api_for(world.advocate).post(
        reverse("goal-list"), {"case": world.case.pk, **payload}
    )

    assert response.status_code == 400
    assert bad in response.data
    assert not Goal.objects.exists()


def test_advocate_changes_a_goal(world, api_for):
    goal = _goal(world)

    response = api_for(world.advocate).patch(
        reverse("goal-detail", args=[goal.pk]), {"status": "achieved", "position": 2}
    )

    assert response.status_code == 200, response.data
    goal.refresh_from_db()
    assert (goal.status, goal.position) == ("achieved", 2)


def test_a_goal_cannot_be_given_an_unknown_status(world, api_for):
    goal = _goal(world)

    response = api_for(world.advocate).patch(
        reverse("goal-detail", args=[goal.pk]), {"status": "forgotten"}
    )

    assert response.status_code == 400
    assert "status" in response.data
    goal.refresh_from_db()
    assert goal.status == "active"


def test_goals_are_listed_by_case(world, api_for):
    goal = _goal(world)
    f.GoalFactory(plan=_plan(f.CaseFactory(lead_organization=world.lead)))

    response = api_for(world.supervisor).get(reverse("goal-list"), {"case": world.case.pk})

    assert [row["id"] for row in response.data["results"]] == [goal.pk]


def test_young_person_reads_the_goals_of_their_own_plan(world, api_for):
    goal = _goal(world)
    client = api_for(world.young_person)

    listed = client.get(reverse("goal-list"))
    detail = client.get(reverse("goal-detail", args=[goal.pk]))

    assert [row["id"] for row in listed.data["results"]] == [goal.pk]
    assert detail.status_code == 200
    assert detail.data["description"] == goal.description


def test_young_person_cannot_add_or_change_goals(world, api_for):
    goal = _goal(world)
    client = api_for(world.young_person)

    created = client.post(
        reverse("goal-list"), {"case": world.case.pk, "description": "x", "domain": "health"}
    )
    changed = client.patch(reverse("goal-detail", args=[goal.pk]), {"description": "Mine"})

    assert (created.status_code, changed.status_code) == (403, 403)
    goal.refresh_from_db()
    assert Goal.objects.count() == 1
    assert goal.description != "Mine"


@pytest.mark.parametrize("persona", ["partner_staff", "other_advocate", "other_young_person"])
def test_goals_of_another_organizations_case_are_not_found(world, api_for, persona):
    goal = _goal(world)
    client = api_for(getattr(world, persona))

    assert client.get(reverse("goal-detail", args=[goal.pk])).status_code == 404
    assert client.patch(reverse("goal-detail", args=[goal.pk]), {}).status_code == 404
    assert client.get(reverse("goal-list")).data["results"] == []


def test_a_goal_cannot_be_added_to_a_case_the_viewer_cannot_see(world, api_for):
    response = api_for(world.partner_staff).post(
        reverse("goal-list"), {"case": world.case.pk, "description": "x", "domain": "health"}
    )

    assert response.status_code == 400
    assert "case" in response.data
    assert not Goal.objects.exists()


# Planned services


def test_advocate_plans_a_service_toward_a_goal(world, api_for):
    goal = _goal(world)

    response = api_for(world.advocate).post(
        reverse("planned-service-list"), _service_payload(world, goal)
    )

    assert response.status_code == 201, response.data
    assert response.data["case"] == world.case.pk
    assert response.data["status"] == "proposed"
    assert response.data["provider_name"] == world.partner.name
    assert response.data["service_type_name"] == "Transitional housing"


@pytest.mark.parametrize(
    ("change", "bad"),
    [
        ({"responsible": "partner_staff"}, "responsible"),
        ({"ends_on": "2029-12-31"}, "ends_on"),
        ({"expected_contact_days": 0}, "expected_contact_days"),
        ({"expected_contact_days": 400}, "expected_contact_days"),
        ({"service_type": 999999}, "service_type"),
        ({"starts_on": "soon"}, "starts_on"),
    ],
)
def test_a_planned_service_with_a_bad_field_is_a_field_error_and_nothing_is_written(
    world, api_for, change, bad
):
    if change.get("responsible") == "partner_staff":
        change = {"responsible": world.partner_staff.pk}
    payload = _service_payload(world, _goal(world), **change)

    response = api_for(world.advocate).post(reverse("planned-service-list"), payload)

    assert response.status_code == 400
    assert bad in response.data
    assert not PlannedService.objects.exists()


def test_an_inactive_provider_is_a_field_error(world, api_for):
    closed = f.OrganizationFactory(is_active=False)
    payload = _service_payload(world, _goal(world), provider=closed.pk)

    response = api_for(world.advocate).post(reverse("planned-service-list"), payload)

    assert response.status_code == 400
    assert "provider" in response.data


def test_advocate_changes_a_planned_services_dates_and_rhythm(world, api_for):
    service = _service(world)

    response = api_for(world.advocate).patch(
        reverse("planned-service-detail", args=[service.pk]),
        {"starts_on": "2030-02-01", "expected_contact_days": 30},
        format="json",
    )

    assert response.status_code == 200, response.data
    service.refresh_from_db()
    assert (str(service.starts_on), service.expected_contact_days) == ("2030-02-01", 30)


def test_the_status_of_a_planned_service_is_not_changed_by_patch(world, api_for):
    service = _service(world)

    response = api_for(world.advocate).patch(
        reverse("planned-service-detail", args=[service.pk]), {"status": "completed"}
    )

    assert response.status_code == 400
    assert "status" in response.data
    service.refresh_from_db()
    assert service.status == "proposed"


def test_advocate_moves_a_planned_service_to_active(world, api_for):
    service = _service(world)

    response = api_for(world.advocate).post(
        reverse("planned-service-move", args=[service.pk]), {"status": "active"}
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "active"


def test_an_illegal_move_is_a_400_naming_the_allowed_moves(world, api_for):
    service = _service(world, status="completed")

    response = api_for(world.advocate).post(
        reverse("planned-service-move", args=[service.pk]), {"status": "active"}
    )

    assert response.status_code == 400
    assert response.data["allowed"] == []
    service.refresh_from_db()
    assert service.status == "completed"


def test_a_move_to_an_unknown_status_is_a_field_error(world, api_for):
    service = _service(world)

    response = api_for(world.advocate).post(
        reverse("planned-service-move", args=[service.pk]), {"status": "paused"}
    )

    assert response.status_code == 400
    assert "status" in response.data


def test_planned_services_are_listed_by_case_and_status(world, api_for):
    active = _service(world, status="active")
    _service(world, status="proposed")
    f.PlannedServiceFactory(status="active")  # another case

    response = api_for(world.advocate).get(
        reverse("planned-service-list"), {"case": world.case.pk, "status": "active"}
    )

    assert [row["id"] for row in response.data["results"]] == [active.pk]


def test_young_person_reads_planned_services_but_cannot_move_them(world, api_for):
    service = _service(world)
    client = api_for(world.young_person)

    detail = client.get(reverse("planned-service-detail", args=[service.pk]))
    moved = client.post(reverse("planned-service-move", args=[service.pk]), {"status": "active"})

    assert (detail.status_code, moved.status_code) == (200, 403)


@pytest.mark.parametrize("persona", ["partner_staff", "other_advocate", "other_young_person"])
def test_planned_services_of_another_organizations_case_are_not_found(world, api_for, persona):
    service = _service(world)
    client = api_for(getattr(world, persona))
    move = reverse("planned-service-move", args=[service.pk])

    assert client.get(reverse("planned-service-detail", args=[service.pk])).status_code == 404
    assert client.post(move, {"status": "active"}).status_code == 404
    assert client.get(reverse("planned-service-list")).data["results"] == []


# Plan versions


def test_advocate_starts_a_draft_version_of_the_plan(world, api_for):
    _goal(world, description="A safe place")

    response = api_for(world.advocate).post(
        reverse("plan-version-list"), {"case": world.case.pk, "summary": "First plan"}
    )

    assert response.status_code == 201, response.data
    assert (response.data["number"], response.data["status"]) == (1, "draft")
    assert response.data["content"]["goals"][0]["description"] == "A safe place"


def test_a_second_version_cannot_be_started_while_one_is_in_progress(world, api_for):
    _version(world, "awaiting_approval")

    response = api_for(world.advocate).post(reverse("plan-version-list"), {"case": world.case.pk})

    assert response.status_code == 400
    assert "case" in response.data
    assert PlanVersion.objects.count() == 1


def test_advocate_submits_a_draft_for_approval(world, api_for):
    version = _version(world)

    response = api_for(world.advocate).post(reverse("plan-version-submit", args=[version.pk]))

    assert response.status_code == 200, response.data
    assert response.data["status"] == "awaiting_approval"
    assert response.data["submitted_at"] is not None


def test_young_person_approves_in_the_portal_and_the_old_version_is_superseded(world, api_for):
    old = _version(world, "approved", number=1)
    new = _version(world, "awaiting_approval", number=2)

    response = api_for(world.young_person).post(reverse("plan-version-approve", args=[new.pk]))

    assert response.status_code == 200, response.data
    assert response.data["approval_channel"] == "portal"
    assert response.data["approved_by"] == world.young_person.pk
    old.refresh_from_db()
    assert old.status == "superseded"


def test_staff_record_an_approval_given_in_person(world, api_for):
    version = _version(world, "awaiting_approval")

    response = api_for(world.advocate).post(reverse("plan-version-approve", args=[version.pk]))

    assert response.status_code == 200, response.data
    assert response.data["approval_channel"] == "in_person"


def test_approving_a_draft_is_a_400_naming_the_allowed_moves(world, api_for):
    version = _version(world)

    response = api_for(world.young_person).post(reverse("plan-version-approve", args=[version.pk]))

    assert response.status_code == 400
    assert response.data["allowed"] == ["awaiting_approval"]


def test_young_person_asks_for_changes_in_words(world, api_for):
    version = _version(world, "awaiting_approval")
    client = api_for(world.young_person)
    url = reverse("plan-version-request-changes", args=[version.pk])

    empty = client.post(url, {"changes_requested": ""})
    response = client.post(url, {"changes_requested": "Add my school"})

    assert empty.status_code == 400
    assert "changes_requested" in empty.data
    assert response.status_code == 200
    assert (response.data["status"], response.data["changes_requested"]) == (
        "draft",
        "Add my school",
    )


def test_young_person_cannot_start_or_submit_a_version(world, api_for):
    version = _version(world)
    client = api_for(world.young_person)

    started = client.post(reverse("plan-version-list"), {"case": world.case.pk})
    submitted = client.post(reverse("plan-version-submit", args=[version.pk]))

    assert (started.status_code, submitted.status_code) == (403, 403)
    version.refresh_from_db()
    assert version.status == "draft"


@pytest.mark.parametrize("persona", ["partner_staff", "other_advocate", "other_young_person"])
def test_plan_versions_of_another_organizations_case_are_not_found(world, api_for, persona):
    version = _version(world, "awaiting_approval")
    client = api_for(getattr(world, persona))

    assert client.get(reverse("plan-version-detail", args=[version.pk])).status_code == 404
    assert client.post(reverse("plan-version-approve", args=[version.pk])).status_code == 404
    assert client.get(reverse("plan-version-list")).data["results"] == []
    version.refresh_from_db()
    assert version.status == "awaiting_approval"


# Query counts: the same for 1 row and for 50


def _one_goal_per_row(world, count: int) -> None:
    for _ in range(count):
        _goal(world)


def _one_service_per_row(world, count: int) -> None:
    for _ in range(count):
        _service(world, provider=world.partner, responsible=world.advocate)


def _one_version_per_row(world, count: int) -> None:
    start = PlanVersion.objects.count() + 1
    for number in range(start, start + count):
        _version(world, "superseded", number=number)


@pytest.mark.parametrize(
    ("route", "make"),
    [
        ("goal-list", _one_goal_per_row),
        ("planned-service-list", _one_service_per_row),
        ("plan-version-list", _one_version_per_row),
    ],
)
def test_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries, route, make):
    client = api_for(world.advocate)
    make(world, 1)
    with constant_queries(4):  # viewer (2), page, lead basis
        assert len(client.get(reverse(route)).data["results"]) == 1
    make(world, 49)

    with constant_queries(4):
        response = client.get(reverse(route))
    assert len(response.data["results"]) == 50
