"""The service plan's services: goals, planned services and the approval of plan versions."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.errors import TransitionNotAllowed
from cases.models import Goal, PlannedService, PlanVersion, ServicePlan
from cases.services.plans import (
    PLAN_VERSION_MOVES,
    PLANNED_SERVICE_MOVES,
    add_goal,
    add_planned_service,
    approve_plan_version,
    move_planned_service,
    request_plan_changes,
    start_plan_version,
    submit_plan_version,
    update_goal,
    update_planned_service,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

ServiceStatus = PlannedService.Status
VersionStatus = PlanVersion.Status


def _plan(world) -> ServicePlan:
    return ServicePlan.objects.get_or_create(case=world.case)[0]


def _goal(world, **fields) -> Goal:
    return f.GoalFactory(plan=_plan(world), **fields)


def _service(world, **fields) -> PlannedService:
    return f.PlannedServiceFactory(goal=_goal(world), **fields)


def _version(world, status: str = VersionStatus.DRAFT, number: int = 1) -> PlanVersion:
    approved = status in (VersionStatus.APPROVED, VersionStatus.SUPERSEDED)
    return f.PlanVersionFactory(
        plan=_plan(world),
        number=number,
        status=status,
        approved_at=timezone.now() if approved else None,
        approval_channel="in_person" if approved else "",
    )


def _new_service(world, **fields) -> PlannedService:
    goal = fields.pop("goal", None) or _goal(world)
    values = {"service_type": f.service_type(), "expected_contact_days": 14, **fields}
    return add_planned_service(case=world.case, goal=goal, actor=world.advocate, **values)


# Goals


def test_a_goal_is_added_to_the_case_plan_in_the_young_persons_words(world):
    goal = add_goal(
        case=world.case, description="  Finish my GED  ", domain="education", actor=world.advocate
    )

    assert goal.plan.case == world.case
    assert goal.description == "Finish my GED"
    assert goal.status == Goal.Status.ACTIVE
    assert goal.history.get().history_user == world.advocate


def test_a_case_without_a_plan_gets_one_with_its_first_goal(world):
    case = f.CaseFactory(lead_organization=world.lead)

    goal = add_goal(case=case, description="Be safe", domain="safety", actor=world.advocate)

    assert goal.plan == ServicePlan.objects.get(case=case)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"description": "   ", "domain": "housing"}, "description"),
        ({"description": "Home", "domain": "space_travel"}, "domain"),
        ({"description": "Home", "domain": "housing", "position": -1}, "position"),
    ],
)
def test_a_goal_with_bad_fields_is_a_field_error_and_is_not_saved(world, fields, bad):
    with pytest.raises(ValidationError) as caught:
        add_goal(case=world.case, actor=world.advocate, **fields)

    assert bad in caught.value.message_dict
    assert not Goal.objects.exists()


def test_a_goal_changes_its_words_domain_status_and_position(world):
    goal = _goal(world)

    update_goal(
        goal=goal,
        actor=world.advocate,
        changes={"description": "My own flat", "domain": "housing", "status": "achieved"},
    )
    update_goal(goal=goal, actor=world.advocate, changes={"position": 3, "plan": None})

    goal.refresh_from_db()
    assert (goal.description, goal.status, goal.position) == ("My own flat", "achieved", 3)
    assert goal.plan == _plan(world)


def test_a_goal_cannot_take_a_status_outside_active_achieved_set_aside(world):
    goal = _goal(world)

    with pytest.raises(ValidationError) as caught:
        update_goal(goal=goal, actor=world.advocate, changes={"status": "abandoned"})

    assert "status" in caught.value.message_dict
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACTIVE


# Planned services: fields


def test_a_planned_service_starts_as_proposed_with_its_provider_and_responsible(world):
    service = _new_service(world, provider=world.partner, responsible=world.other_advocate)

    assert service.status == ServiceStatus.PROPOSED
    assert service.provider == world.partner
    assert service.history.get().history_user == world.advocate


def _bad_service_fields(world) -> dict[str, dict]:
    today = timezone.localdate()
    closed = f.OrganizationFactory(is_active=False)
    retired = f.service_type("transportation")
    retired.is_active = False
    retired.save()
    other_goal = f.GoalFactory()  # the plan of another case
    return {
        "provider": {"provider": closed},
        "service_type": {"service_type": retired},
        "responsible": {"responsible": world.partner_staff},
        "ends_on": {"starts_on": today, "ends_on": today - dt.timedelta(days=1)},
        "goal": {"goal": other_goal},
    }


@pytest.mark.parametrize("bad", ["provider", "service_type", "responsible", "ends_on", "goal"])
def test_a_planned_service_with_a_bad_field_is_a_field_error_and_is_not_saved(world, bad):
    fields = _bad_service_fields(world)[bad]

    with pytest.raises(ValidationError) as caught:
        _new_service(world, **fields)

    assert list(caught.value.message_dict) == [bad]
    assert not PlannedService.objects.exists()


@pytest.mark.parametrize("days", [0, 366])
def test_expected_contact_days_must_be_between_1_and_365(world, days):
    with pytest.raises(ValidationError) as caught:
        _new_service(world, expected_contact_days=days)

    assert "expected_contact_days" in caught.value.message_dict


@pytest.mark.parametrize("days", [1, 365])
def test_expected_contact_days_of_1_and_365_are_accepted(world, days):
    assert _new_service(world, expected_contact_days=days).expected_contact_days == days


def test_updating_a_planned_service_changes_its_fields_but_never_its_status(world):
    service = _service(world)
    today = timezone.localdate()

    update_planned_service(
        service=service,
        actor=world.advocate,
        changes={"provider": world.partner, "starts_on": today, "status": "completed"},
    )

    service.refresh_from_db()
    assert service.provider == world.partner
    assert service.starts_on == today
    assert service.status == ServiceStatus.PROPOSED


def test_updating_a_planned_service_checks_the_dates_against_the_stored_ones(world):
    today = timezone.localdate()
    service = _service(world, starts_on=today)

    with pytest.raises(ValidationError) as caught:
        update_planned_service(
            service=service,
            actor=world.advocate,
            changes={"ends_on": today - dt.timedelta(days=3)},
        )

    assert "ends_on" in caught.value.message_dict
    service.refresh_from_db()
    assert service.ends_on is None


# Planned services: every move


_SERVICE_PAIRS = list(itertools.product(ServiceStatus.values, repeat=2))
_LEGAL_SERVICE_MOVES = [(a, b) for a, b in _SERVICE_PAIRS if b in PLANNED_SERVICE_MOVES[a]]
_ILLEGAL_SERVICE_MOVES = [(a, b) for a, b in _SERVICE_PAIRS if b not in PLANNED_SERVICE_MOVES[a]]


def test_the_planned_service_moves_are_the_agreed_table():
    assert {a: sorted(b) for a, b in PLANNED_SERVICE_MOVES.items()} == {
        "proposed": ["active", "declined", "referred"],
        "referred": ["active", "declined", "proposed"],
        "active": ["completed", "declined", "lapsed"],
        "lapsed": ["active", "completed", "declined"],
        "completed": [],
        "declined": [],
    }


@pytest.mark.parametrize(("current", "target"), _LEGAL_SERVICE_MOVES)
def test_a_planned_service_makes_every_legal_move(world, current, target):
    service = _service(world, status=current)

    move_planned_service(service=service, target=target, actor=world.advocate)

    service.refresh_from_db()
    assert service.status == target
    assert service.history.latest().history_user == world.advocate


@pytest.mark.parametrize(("current", "target"), _ILLEGAL_SERVICE_MOVES)
def test_a_planned_service_refuses_every_illegal_move_and_names_the_allowed_ones(
    world, current, target
):
    service = _service(world, status=current)

    with pytest.raises(TransitionNotAllowed) as caught:
        move_planned_service(service=service, target=target, actor=world.advocate)

    assert caught.value.allowed == sorted(PLANNED_SERVICE_MOVES[current])
    service.refresh_from_db()
    assert service.status == current


def test_a_planned_service_cannot_move_to_an_unknown_status(world):
    service = _service(world)

    with pytest.raises(TransitionNotAllowed):
        move_planned_service(service=service, target="paused", actor=world.advocate)


def test_starting_a_service_without_a_start_date_dates_it_today(world):
    service = _service(world)

    service = move_planned_service(service=service, target="active", actor=world.advocate)

    assert service.starts_on == timezone.localdate()


def test_completing_a_service_without_an_end_date_ends_it_today(world):
    service = _service(world, status="active", starts_on=timezone.localdate())

    service = move_planned_service(service=service, target="completed", actor=world.advocate)

    assert service.ends_on == timezone.localdate()


# Plan versions: constraints


def test_a_plan_has_at_most_one_approved_version(world):
    _version(world, VersionStatus.APPROVED, number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        _version(world, VersionStatus.APPROVED, number=2)


@pytest.mark.parametrize(
    ("first", "second"),
    [("draft", "draft"), ("draft", "awaiting_approval"), ("awaiting_approval", "draft")],
)
def test_a_plan_has_at_most_one_version_in_progress(world, first, second):
    _version(world, first, number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        _version(world, second, number=2)


def test_an_approved_version_must_say_when_and_how_it_was_approved(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PlanVersionFactory(plan=_plan(world), status=VersionStatus.APPROVED)


# Plan versions: starting


def test_starting_a_version_numbers_it_after_the_last_and_snapshots_the_plan(world):
    _version(world, VersionStatus.SUPERSEDED, number=1)
    _version(world, VersionStatus.APPROVED, number=2)
    _goal(world, description="A safe place")

    version = start_plan_version(case=world.case, actor=world.advocate, summary=" Review ")

    assert (version.number, version.status, version.summary) == (3, "draft", "Review")
    assert version.created_by == world.advocate
    assert [g["description"] for g in version.content["goals"]] == ["A safe place"]


@pytest.mark.parametrize("status", ["draft", "awaiting_approval"])
def test_a_version_cannot_be_started_while_another_is_in_progress(world, status):
    _version(world, status, number=1)

    with pytest.raises(ValidationError) as caught:
        start_plan_version(case=world.case, actor=world.advocate)

    assert "case" in caught.value.message_dict
    assert PlanVersion.objects.count() == 1


# Plan versions: every move, through the service that makes it


_VERSION_SERVICES = {
    VersionStatus.AWAITING_APPROVAL: lambda version, world: submit_plan_version(
        version=version, actor=world.advocate
    ),
    VersionStatus.APPROVED: lambda version, world: approve_plan_version(
        version=version, actor=world.young_person
    ),
    VersionStatus.DRAFT: lambda version, world: request_plan_changes(
        version=version, actor=world.young_person, changes_requested="Add school"
    ),
}
_VERSION_PAIRS = list(itertools.product(VersionStatus.values, _VERSION_SERVICES))


def test_the_plan_version_moves_are_the_agreed_table():
    assert {a: sorted(b) for a, b in PLAN_VERSION_MOVES.items()} == {
        "draft": ["awaiting_approval"],
        "awaiting_approval": ["approved", "draft"],
        "approved": ["superseded"],
        "superseded": [],
    }


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in _VERSION_PAIRS if b in PLAN_VERSION_MOVES[a]]
)
def test_a_plan_version_makes_every_legal_move(world, current, target):
    version = _version(world, current)

    _VERSION_SERVICES[target](version, world)

    version.refresh_from_db()
    assert version.status == target


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in _VERSION_PAIRS if b not in PLAN_VERSION_MOVES[a]]
)
def test_a_plan_version_refuses_every_illegal_move_and_names_the_allowed_ones(
    world, current, target
):
    version = _version(world, current)

    with pytest.raises(TransitionNotAllowed) as caught:
        _VERSION_SERVICES[target](version, world)

    assert caught.value.allowed == sorted(PLAN_VERSION_MOVES[current])
    version.refresh_from_db()
    assert version.status == current


def test_an_approved_version_is_superseded_only_by_approving_the_next(world):
    old = _version(world, VersionStatus.APPROVED, number=1)
    new = _version(world, VersionStatus.AWAITING_APPROVAL, number=2)

    approve_plan_version(version=new, actor=world.young_person)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "approved")
    assert old.superseded_at == new.approved_at
    assert old.approved_at is not None  # the earlier approval stays on record


# Plan versions: what each move records


def test_submitting_re_snapshots_the_living_plan_and_records_when(world):
    version = start_plan_version(case=world.case, actor=world.advocate)
    _new_service(world, provider=world.partner, responsible=world.advocate)

    version = submit_plan_version(version=version, actor=world.advocate)

    assert version.submitted_at is not None
    [goal] = version.content["goals"]
    [service] = goal["services"]
    assert service["service_type"] == {"code": "case_management", "name": "Case management"}
    assert service["provider"] == {"id": world.partner.pk, "name": world.partner.name}
    assert service["status"] == "proposed"


def test_the_snapshot_names_no_person_beyond_the_goals_own_words(world):
    _new_service(world, provider=world.partner, responsible=world.advocate)
    version = start_plan_version(case=world.case, actor=world.advocate)

    text = str(version.content)

    assert world.case.person.alias not in text
    assert world.advocate.full_name not in text
    assert world.advocate.email not in text
    assert "responsible" not in text


def test_the_young_person_approving_records_the_portal_channel(world):
    version = _version(world, VersionStatus.AWAITING_APPROVAL)

    version = approve_plan_version(version=version, actor=world.young_person)

    assert version.approved_by == world.young_person
    assert version.approval_channel == "portal"
    assert version.approved_at is not None


def test_staff_recording_an_approval_records_the_in_person_channel(world):
    version = _version(world, VersionStatus.AWAITING_APPROVAL)

    version = approve_plan_version(version=version, actor=world.advocate)

    assert (version.approved_by, version.approval_channel) == (world.advocate, "in_person")


def test_approving_marks_the_plan_as_reviewed(world):
    version = _version(world, VersionStatus.AWAITING_APPROVAL)

    version = approve_plan_version(version=version, actor=world.young_person)

    assert _plan(world).last_reviewed_at == version.approved_at


def test_asking_for_changes_sends_the_version_back_to_draft_with_the_request(world):
    version = _version(world, VersionStatus.AWAITING_APPROVAL)

    version = request_plan_changes(
        version=version, actor=world.young_person, changes_requested=" Add a school goal "
    )

    assert (version.status, version.changes_requested) == ("draft", "Add a school goal")


def test_asking_for_changes_needs_words(world):
    version = _version(world, VersionStatus.AWAITING_APPROVAL)

    with pytest.raises(ValidationError) as caught:
        request_plan_changes(version=version, actor=world.young_person, changes_requested="  ")

    assert "changes_requested" in caught.value.message_dict
    version.refresh_from_db()
    assert version.status == "awaiting_approval"
