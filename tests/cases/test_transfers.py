"""Case-transfer services: requesting, declining, cancelling and completing a transfer."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.errors import TransitionNotAllowed
from cases.models import CareTeamMember, Case, CaseTransfer
from cases.services import transfers as svc
from providers.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = CaseTransfer.Status


@pytest.fixture
def receiving_advocate(world):
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.ADVOCATE).user


def _request(world, **fields) -> CaseTransfer:
    values = {"to_organization": world.partner, "reason": "She moved to the coast", **fields}
    return svc.record_transfer_request(case=world.case, actor=world.advocate, **values)


def _in_status(world, status: str) -> CaseTransfer:
    answered = {} if status == Status.REQUESTED else {"answered_at": timezone.now()}
    return f.CaseTransferFactory(
        case=world.case, to_organization=world.partner, status=status, **answered
    )


MOVES = {
    Status.ACCEPTED: lambda t, actor, primary: svc.complete_transfer(
        transfer=t, actor=actor, primary_advocate=primary
    ),
    Status.DECLINED: lambda t, actor, primary: svc.decline_transfer(transfer=t, actor=actor),
    Status.CANCELLED: lambda t, actor, primary: svc.cancel_transfer(transfer=t, actor=actor),
}
ILLEGAL = [
    (current, target)
    for current in Status.values
    for target in MOVES
    if target not in svc.TRANSFER_MOVES[current]
]


def test_the_moves_table_covers_every_status():
    assert set(svc.TRANSFER_MOVES) == set(Status.values)


def test_a_request_records_who_asked_and_when(world):
    before = timezone.now()

    transfer = _request(world, reason="  She moved  ")

    assert transfer.status == Status.REQUESTED
    assert transfer.from_organization == world.lead
    assert transfer.requested_by == world.advocate
    assert before <= transfer.requested_at <= timezone.now()
    assert transfer.reason == "She moved"


def test_a_request_without_a_reason_is_a_field_error_and_writes_nothing(world):
    with pytest.raises(ValidationError) as raised:
        _request(world, reason=" ")

    assert "reason" in raised.value.message_dict
    assert not CaseTransfer.objects.exists()


def test_a_case_cannot_be_transferred_to_its_own_lead(world):
    with pytest.raises(ValidationError) as raised:
        _request(world, to_organization=world.lead)

    assert "to_organization" in raised.value.message_dict
    assert not CaseTransfer.objects.exists()


def test_a_case_cannot_go_to_an_inactive_organization(world):
    world.partner.is_active = False
    world.partner.save()

    with pytest.raises(ValidationError) as raised:
        _request(world)

    assert "to_organization" in raised.value.message_dict


def test_a_closed_case_cannot_be_transferred(world):
    closed = f.CaseFactory(lead_organization=world.lead, closed=True)

    with pytest.raises(ValidationError) as raised:
        svc.record_transfer_request(
            case=closed, to_organization=world.partner, reason="Moved", actor=world.advocate
        )

    assert "case" in raised.value.message_dict


def test_only_one_transfer_of_a_case_is_pending(world):
    _request(world)

    with pytest.raises(ValidationError) as raised:
        _request(world, to_organization=f.OrganizationFactory())

    assert "case" in raised.value.message_dict
    assert CaseTransfer.objects.count() == 1


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_each_illegal_move_is_refused_and_writes_nothing(
    world, receiving_advocate, current, target
):
    transfer = _in_status(world, current)

    with pytest.raises(TransitionNotAllowed):
        MOVES[target](transfer, world.supervisor, receiving_advocate)

    transfer.refresh_from_db()
    assert transfer.status == current
    world.case.refresh_from_db()
    assert world.case.lead_organization == world.lead


@pytest.mark.parametrize("target", [Status.DECLINED, Status.CANCELLED])
def test_declining_or_cancelling_records_who_and_when(world, target):
    transfer = _request(world)
    before = timezone.now()

    answered = MOVES[target](transfer, world.supervisor, None)

    assert answered.status == target
    assert answered.answered_by == world.supervisor
    assert before <= answered.answered_at <= timezone.now()
    assert answered.history.first().history_user == world.supervisor
    world.case.refresh_from_db()
    assert world.case.lead_organization == world.lead


def test_a_decline_keeps_its_note(world):
    transfer = _request(world)

    declined = svc.decline_transfer(transfer=transfer, actor=world.supervisor, note=" Full ")

    assert declined.answer_note == "Full"


def test_after_a_decline_another_transfer_can_be_requested(world):
    svc.decline_transfer(transfer=_request(world), actor=world.supervisor)

    assert _request(world).status == Status.REQUESTED


def test_completing_moves_the_lead_and_hands_over_the_care_team(world, receiving_advocate):
    f.CareTeamMemberFactory(case=world.case, user=world.other_advocate, role="secondary")
    transfer = _request(world)
    before = timezone.now()

    accepted = svc.complete_transfer(
        transfer=transfer, actor=world.supervisor, primary_advocate=receiving_advocate
    )

    assert accepted.status == Status.ACCEPTED
    assert accepted.answered_by == world.supervisor
    assert before <= accepted.answered_at <= timezone.now()
    world.case.refresh_from_db()
    assert world.case.lead_organization == world.partner
    current = CareTeamMember.objects.filter(case=world.case, until__isnull=True)
    assert [(m.user, m.role) for m in current] == [(receiving_advocate, "primary")]
    ended = CareTeamMember.objects.filter(case=world.case, until=timezone.localdate())
    assert {m.user for m in ended} == {world.advocate, world.other_advocate}


def test_the_new_primary_must_be_an_advocate_of_the_receiving_organization(world):
    transfer = _request(world)

    with pytest.raises(ValidationError) as raised:
        svc.complete_transfer(
            transfer=transfer, actor=world.supervisor, primary_advocate=world.other_advocate
        )

    assert "primary_advocate" in raised.value.message_dict
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED
    assert world.case.care_team.get(until__isnull=True).user == world.advocate


def test_a_person_with_an_open_case_at_the_receiving_organization_cannot_be_transferred(
    world, receiving_advocate
):
    f.CaseFactory(person=world.case.person, lead_organization=world.partner)
    transfer = _request(world)

    with pytest.raises(ValidationError) as raised:
        svc.complete_transfer(
            transfer=transfer, actor=world.supervisor, primary_advocate=receiving_advocate
        )

    assert "case" in raised.value.message_dict
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED
    assert Case.objects.get(pk=world.case.pk).lead_organization == world.lead


def test_a_case_closed_while_the_request_waited_cannot_be_taken_over(world, receiving_advocate):
    transfer = _request(world)
    Case.objects.filter(pk=world.case.pk).update(
        status=Case.Status.CLOSED, closed_reason="moved", closed_on=timezone.localdate()
    )

    with pytest.raises(ValidationError) as raised:
        svc.complete_transfer(
            transfer=transfer, actor=world.supervisor, primary_advocate=receiving_advocate
        )

    assert "case" in raised.value.message_dict
