"""Referral services: drafting, changing, and every move of the referral's state machine."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.errors import TransitionNotAllowed
from cases.models import PlannedService, Referral, ReferralTransition
from cases.services import referrals as svc
from providers.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = Referral.Status
ServiceStatus = PlannedService.Status


def _service(case, **fields) -> PlannedService:
    goal = f.GoalFactory(plan=case.plan)
    return f.PlannedServiceFactory(goal=goal, **fields)


def _draft(world, **fields) -> Referral:
    return svc.create_referral(
        case=world.case,
        to_organization=world.partner,
        actor=world.advocate,
        service_type=f.service_type(),
        **fields,
    )


def _in_status(world, status: str, **fields) -> Referral:
    """A referral of the world's case to the partner, put straight into ``status``."""
    extra = {}
    if status != Status.DRAFT:
        extra["sent_at"] = timezone.now()
    if status == Status.DECLINED:
        extra["decline_reason"] = Referral.DeclineReason.NO_CAPACITY
    if status == Status.COMPLETED:
        extra["outcome_note"] = "Housed"
    return f.ReferralFactory(
        case=world.case, to_organization=world.partner, status=status, **extra, **fields
    )


MOVES = {
    Status.SENT: lambda r, actor: svc.mark_referral_sent(referral=r, actor=actor),
    Status.ACCEPTED: lambda r, actor: svc.accept_referral(referral=r, actor=actor),
    Status.DECLINED: lambda r, actor: svc.decline_referral(
        referral=r, actor=actor, reason="no_capacity"
    ),
    Status.WITHDRAWN: lambda r, actor: svc.withdraw_referral(referral=r, actor=actor),
    Status.IN_SERVICE: lambda r, actor: svc.start_referred_service(referral=r, actor=actor),
    Status.COMPLETED: lambda r, actor: svc.complete_referral(
        referral=r, actor=actor, outcome_note="Housed"
    ),
    Status.CLOSED_WITHOUT_SERVICE: lambda r, actor: svc.close_referral_without_service(
        referral=r, actor=actor, note="Moved away"
    ),
}
LEGAL = [(current, target) for current, targets in svc.REFERRAL_MOVES.items() for target in targets]
ILLEGAL = [
    (current, target)
    for current in Status.values
    for target in MOVES
    if target not in svc.REFERRAL_MOVES[current]
]


def test_the_moves_table_covers_every_status():
    assert set(svc.REFERRAL_MOVES) == set(Status.values)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_each_legal_move_records_who_for_which_organization_and_when(world, current, target):
    referral = _in_status(world, current)
    actor = world.partner_staff if target in svc.RECIPIENT_MOVES else world.advocate
    before = timezone.now()

    moved = MOVES[target](referral, actor)

    assert moved.status == target
    transition = ReferralTransition.objects.get(referral=referral)
    assert (transition.from_status, transition.to_status) == (current, target)
    assert transition.actor == actor
    side = world.partner if target in svc.RECIPIENT_MOVES else world.lead
    assert transition.organization == side
    assert before <= transition.at <= timezone.now()
    assert moved.history.first().history_user == actor


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_each_illegal_move_is_refused_and_writes_nothing(world, current, target):
    referral = _in_status(world, current)

    with pytest.raises(TransitionNotAllowed) as raised:
        MOVES[target](referral, world.advocate)

    referral.refresh_from_db()
    assert referral.status == current
    assert not ReferralTransition.objects.filter(referral=referral).exists()
    assert raised.value.allowed == sorted(svc.REFERRAL_MOVES[current])


def test_a_draft_cannot_be_withdrawn_because_the_recipient_would_then_see_it(world):
    referral = _draft(world)

    with pytest.raises(TransitionNotAllowed):
        svc.withdraw_referral(referral=referral, actor=world.advocate)


def test_a_new_referral_is_a_draft_from_the_lead_organization(world):
    referral = _draft(world, categories=["plan", "identity", "plan"], message="  Needs a bed ")

    assert referral.status == Status.DRAFT
    assert referral.from_organization == world.lead
    assert referral.created_by == world.advocate
    assert referral.categories == ["identity", "plan"]
    assert referral.message == "Needs a bed"
    assert referral.sent_at is None


def test_the_service_type_defaults_to_the_planned_services(world):
    service = _service(world.case, service_type=f.service_type("transitional_housing"))

    referral = svc.create_referral(
        case=world.case,
        to_organization=world.partner,
        actor=world.advocate,
        planned_service=service,
    )

    assert referral.service_type.code == "transitional_housing"
    assert referral.planned_service == service


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"categories": ["identity", "diary"]}, "categories"),
        ({"service_type": None}, "service_type"),
    ],
)
def test_bad_content_is_a_field_error_and_writes_nothing(world, change, field):
    values = {"service_type": f.service_type(), **change}

    with pytest.raises(ValidationError) as raised:
        svc.create_referral(
            case=world.case, to_organization=world.partner, actor=world.advocate, **values
        )

    assert field in raised.value.message_dict
    assert not Referral.objects.exists()


def test_a_referral_cannot_go_to_the_cases_own_lead(world):
    with pytest.raises(ValidationError) as raised:
        svc.create_referral(
            case=world.case,
            to_organization=world.lead,
            actor=world.advocate,
            service_type=f.service_type(),
        )

    assert "to_organization" in raised.value.message_dict


def test_a_closed_case_cannot_be_referred(world):
    closed = f.CaseFactory(lead_organization=world.lead, closed=True)

    with pytest.raises(ValidationError) as raised:
        svc.create_referral(
            case=closed,
            to_organization=world.partner,
            actor=world.advocate,
            service_type=f.service_type(),
        )

    assert "case" in raised.value.message_dict


def test_a_referral_cannot_go_to_an_inactive_organization(world):
    world.partner.is_active = False
    world.partner.save()

    with pytest.raises(ValidationError) as raised:
        _draft(world)

    assert "to_organization" in raised.value.message_dict


def test_the_planned_service_must_belong_to_the_case(world):
    elsewhere = _service(f.CaseFactory())

    with pytest.raises(ValidationError) as raised:
        _draft(world, planned_service=elsewhere)

    assert "planned_service" in raised.value.message_dict


def test_a_finished_planned_service_cannot_be_referred(world):
    service = _service(world.case, status=ServiceStatus.COMPLETED)

    with pytest.raises(ValidationError) as raised:
        _draft(world, planned_service=service)

    assert "planned_service" in raised.value.message_dict


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SENT])
def test_the_sender_changes_the_message_while_draft_or_sent(world, status):
    referral = _in_status(world, status)

    changed = svc.update_referral(
        referral=referral, actor=world.advocate, changes={"message": "Call first"}
    )

    assert changed.message == "Call first"
    assert changed.history.first().history_user == world.advocate


@pytest.mark.parametrize(
    "status", [s for s in Status.values if s not in (Status.DRAFT, Status.SENT)]
)
def test_once_answered_what_was_sent_cannot_be_changed(world, status):
    referral = _in_status(world, status)

    with pytest.raises(ValidationError) as raised:
        svc.update_referral(referral=referral, actor=world.advocate, changes={"message": "x"})

    assert "status" in raised.value.message_dict
    referral.refresh_from_db()
    assert referral.message == "Needs housing support"


def test_a_draft_can_change_its_recipient(world):
    referral = _draft(world)
    other = f.OrganizationFactory()

    changed = svc.update_referral(
        referral=referral, actor=world.advocate, changes={"to_organization": other}
    )

    assert changed.to_organization == other


def test_a_sent_referral_keeps_its_recipient(world):
    referral = _in_status(world, Status.SENT)

    with pytest.raises(ValidationError) as raised:
        svc.update_referral(
            referral=referral,
            actor=world.advocate,
            changes={"to_organization": f.OrganizationFactory()},
        )

    assert "to_organization" in raised.value.message_dict


def test_a_sent_referral_may_drop_categories_but_not_add_them(world):
    referral = _in_status(world, Status.SENT, categories=["identity", "plan"])

    narrowed = svc.update_referral(
        referral=referral, actor=world.advocate, changes={"categories": ["plan"]}
    )
    with pytest.raises(ValidationError) as raised:
        svc.update_referral(
            referral=referral, actor=world.advocate, changes={"categories": ["plan", "notes"]}
        )

    assert narrowed.categories == ["plan"]
    assert "categories" in raised.value.message_dict


def test_sending_dates_the_referral_and_marks_the_service_referred(world):
    service = _service(world.case)
    referral = _draft(world, planned_service=service)

    sent = svc.mark_referral_sent(referral=referral, actor=world.advocate)

    assert sent.sent_at is not None
    assert sent.sent_at == sent.transitions.get().at
    service.refresh_from_db()
    assert service.status == ServiceStatus.REFERRED
    assert service.history.first().history_user == world.advocate


def test_a_service_already_referred_elsewhere_cannot_be_sent_again(world):
    service = _service(world.case, status=ServiceStatus.REFERRED)
    referral = _draft(world, planned_service=service)

    with pytest.raises(ValidationError) as raised:
        svc.mark_referral_sent(referral=referral, actor=world.advocate)

    assert "planned_service" in raised.value.message_dict
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT
    assert not referral.transitions.exists()


def test_sending_to_an_organization_that_became_inactive_is_refused(world):
    referral = _draft(world)
    world.partner.is_active = False
    world.partner.save()

    with pytest.raises(ValidationError) as raised:
        svc.mark_referral_sent(referral=referral, actor=world.advocate)

    assert "to_organization" in raised.value.message_dict


def test_accepting_records_when_it_was_answered(world):
    referral = _in_status(world, Status.SENT)

    accepted = svc.accept_referral(referral=referral, actor=world.partner_staff)

    assert accepted.answered_at == accepted.transitions.get().at


def test_declining_needs_a_coded_reason(world):
    referral = _in_status(world, Status.SENT)

    with pytest.raises(ValidationError) as raised:
        svc.decline_referral(referral=referral, actor=world.partner_staff, reason="busy")

    assert "reason" in raised.value.message_dict
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_declining_for_another_reason_needs_words(world):
    referral = _in_status(world, Status.SENT)

    with pytest.raises(ValidationError) as raised:
        svc.decline_referral(
            referral=referral, actor=world.partner_staff, reason="other", reason_text="  "
        )

    assert "reason_text" in raised.value.message_dict
    assert not referral.transitions.exists()


def test_declining_frees_the_planned_service_for_another_provider(world):
    service = _service(world.case)
    referral = svc.mark_referral_sent(
        referral=_draft(world, planned_service=service), actor=world.advocate
    )

    declined = svc.decline_referral(
        referral=referral, actor=world.partner_staff, reason="other", reason_text="Waitlist full"
    )

    assert (declined.decline_reason, declined.decline_reason_text) == ("other", "Waitlist full")
    assert declined.answered_at is not None
    service.refresh_from_db()
    assert service.status == ServiceStatus.PROPOSED


def test_withdrawing_frees_the_planned_service(world):
    service = _service(world.case)
    referral = svc.mark_referral_sent(
        referral=_draft(world, planned_service=service), actor=world.advocate
    )

    withdrawn = svc.withdraw_referral(referral=referral, actor=world.advocate, note="Found a bed")

    assert withdrawn.closed_at is not None
    assert withdrawn.transitions.last().note == "Found a bed"
    service.refresh_from_db()
    assert service.status == ServiceStatus.PROPOSED


def test_starting_the_service_makes_the_recipient_its_active_provider(world):
    service = _service(world.case, status=ServiceStatus.REFERRED)
    referral = _in_status(world, Status.ACCEPTED, planned_service=service)

    svc.start_referred_service(referral=referral, actor=world.partner_staff)

    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    assert service.provider == world.partner
    assert service.starts_on == timezone.localdate()


def test_completing_needs_the_providers_outcome(world):
    referral = _in_status(world, Status.IN_SERVICE)

    with pytest.raises(ValidationError) as raised:
        svc.complete_referral(referral=referral, actor=world.partner_staff, outcome_note=" ")

    assert "outcome_note" in raised.value.message_dict
    referral.refresh_from_db()
    assert referral.status == Status.IN_SERVICE


def test_completing_records_the_outcome_and_completes_the_planned_service(world):
    service = _service(world.case, status=ServiceStatus.ACTIVE, provider=world.partner)
    referral = _in_status(world, Status.IN_SERVICE, planned_service=service)

    done = svc.complete_referral(
        referral=referral, actor=world.partner_staff, outcome_note="Moved into housing"
    )

    assert done.outcome_note == "Moved into housing"
    assert done.closed_at is not None
    service.refresh_from_db()
    assert service.status == ServiceStatus.COMPLETED
    assert service.ends_on == timezone.localdate()


def test_closing_without_service_needs_a_note(world):
    referral = _in_status(world, Status.ACCEPTED)

    with pytest.raises(ValidationError) as raised:
        svc.close_referral_without_service(referral=referral, actor=world.partner_staff, note="")

    assert "note" in raised.value.message_dict


def test_closing_without_service_puts_the_planned_service_back_to_proposed(world):
    service = _service(world.case, status=ServiceStatus.ACTIVE, provider=world.partner)
    referral = _in_status(world, Status.IN_SERVICE, planned_service=service)

    closed = svc.close_referral_without_service(
        referral=referral, actor=world.partner_staff, note="Could not reach her"
    )

    assert closed.closed_at is not None
    service.refresh_from_db()
    assert service.status == ServiceStatus.PROPOSED


def test_a_planned_service_staff_moved_by_hand_is_left_alone(world):
    service = _service(world.case, status=ServiceStatus.LAPSED)
    referral = _in_status(world, Status.SENT, planned_service=service)

    svc.decline_referral(referral=referral, actor=world.partner_staff, reason="no_capacity")

    service.refresh_from_db()
    assert service.status == ServiceStatus.LAPSED


def test_after_a_transfer_the_new_lead_sends_the_draft(world):
    referral = _draft(world)
    new_lead = f.OrganizationFactory()
    f.MembershipFactory(organization=new_lead, role=Membership.Role.ADVOCATE)
    world.case.lead_organization = new_lead
    world.case.save()

    sent = svc.mark_referral_sent(referral=referral, actor=world.advocate)

    assert sent.from_organization == new_lead
    assert sent.transitions.get().organization == new_lead
