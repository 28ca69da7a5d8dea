"""Case transfers: moving the lead role of a case to another organization.

Requesting and accepting disclose the case to the receiving organization, so doors go
through ``consent.disclosures``; declining and cancelling are called by the doors directly.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.errors import check_transition
from cases.models import CareTeamMember, Case, CaseTransfer
from providers.models import Membership, Organization

Status = CaseTransfer.Status
TRANSFER_MOVES = {
    Status.REQUESTED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def transfer_request_errors(
    *, case: Case, to_organization: Organization, reason: str
) -> dict[str, list[str]]:
    """What is wrong with a request to hand the case to ``to_organization`` ({} when nothing),
    before any consent is looked at."""
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [
            _("Say why the case moves (the young person moved, chose another lead).")
        ]
    if not to_organization.is_active:
        errors["to_organization"] = [_("Choose an active member organization.")]
    elif not to_organization.leads_cases:
        errors["to_organization"] = [
            _("This organization only receives referrals; it does not lead cases.")
        ]
    elif to_organization.pk == case.lead_organization_id:
        errors["to_organization"] = [_("The case is already led by this organization.")]
    if case.status == Case.Status.CLOSED:
        errors["case"] = [_("A closed case cannot be transferred; reopen it first.")]
    return errors


@transaction.atomic
def record_transfer_request(
    *, case: Case, to_organization: Organization, reason: str, actor: User
) -> CaseTransfer:
    """Low-level request to hand the case to another organization; doors call
    consent.disclosures.request_case_transfer, which checks the consent (R41). One transfer
    of a case may be pending."""
    errors = transfer_request_errors(case=case, to_organization=to_organization, reason=reason)
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    transfer = CaseTransfer(
        case=case,
        from_organization_id=case.lead_organization_id,
        to_organization=to_organization,
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    transfer._history_user = actor
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:
        raise ValidationError({"case": [_("A transfer of this case is already pending.")]}) from exc
    return transfer


def _locked(transfer: CaseTransfer) -> CaseTransfer:
    return CaseTransfer.objects.select_for_update().get(pk=transfer.pk)


def _answer(transfer: CaseTransfer, *, target: str, actor: User, note: str = "") -> None:
    check_transition(
        record="case transfer", current=transfer.status, target=target, moves=TRANSFER_MOVES
    )
    transfer.status = target
    transfer.answered_by = actor
    transfer.answered_at = timezone.now()
    transfer.answer_note = (note or "").strip()
    transfer._history_user = actor


@transaction.atomic
def decline_transfer(*, transfer: CaseTransfer, actor: User, note: str = "") -> CaseTransfer:
    """The receiving organization says no; the case stays where it is."""
    transfer = _locked(transfer)
    _answer(transfer, target=Status.DECLINED, actor=actor, note=note)
    transfer.save()
    return transfer


@transaction.atomic
def cancel_transfer(*, transfer: CaseTransfer, actor: User) -> CaseTransfer:
    """The sending organization takes the request back before it is answered."""
    transfer = _locked(transfer)
    _answer(transfer, target=Status.CANCELLED, actor=actor)
    transfer.save()
    return transfer


def _is_active_advocate(*, user: User, organization_id: int) -> bool:
    return Membership.objects.filter(
        user=user,
        user__is_active=True,
        organization_id=organization_id,
        organization__is_active=True,
        role=Membership.Role.ADVOCATE,
        is_active=True,
    ).exists()


@transaction.atomic
def complete_transfer(
    *, transfer: CaseTransfer, actor: User, primary_advocate: User
) -> CaseTransfer:
    """Low-level acceptance: the receiving organization becomes the lead, the old care team's
    memberships end today, and the given advocate becomes primary. Doors call
    consent.disclosures.accept_case_transfer."""
    transfer = _locked(transfer)
    _answer(transfer, target=Status.ACCEPTED, actor=actor)
    case = Case.objects.select_for_update().get(pk=transfer.case_id)
    _check_can_take_over(case=case, transfer=transfer, primary_advocate=primary_advocate)
    case.lead_organization_id = transfer.to_organization_id
    case._history_user = actor
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise _already_open() from exc
    _hand_over_team(case=case, actor=actor, primary_advocate=primary_advocate)
    transfer.save()
    return transfer


def _already_open() -> ValidationError:
    return ValidationError(
        {"case": [_("The young person already has an open case at the receiving organization.")]}
    )


def _check_can_take_over(*, case: Case, transfer: CaseTransfer, primary_advocate: User) -> None:
    if not _is_active_advocate(user=primary_advocate, organization_id=transfer.to_organization_id):
        raise ValidationError(
            {"primary_advocate": [_("Must be an active advocate of the receiving organization.")]}
        )
    if case.status == Case.Status.CLOSED:
        raise ValidationError(
            {"case": [_("The case was closed; it can no longer be transferred.")]}
        )
    open_there = Case.objects.filter(
        person_id=case.person_id, lead_organization_id=transfer.to_organization_id
    ).exclude(status=Case.Status.CLOSED)
    if open_there.exists():
        raise _already_open()


def _hand_over_team(*, case: Case, actor: User, primary_advocate: User) -> None:
    today = timezone.localdate()
    for member in CareTeamMember.objects.select_for_update().filter(case=case, until__isnull=True):
        member.until = max(today, member.since)
        member._history_user = actor
        member.save(update_fields=["until"])
    primary = CareTeamMember(
        case=case, user=primary_advocate, role=CareTeamMember.Role.PRIMARY, since=today
    )
    primary._history_user = actor
    primary.save()
