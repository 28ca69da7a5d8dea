"""Referrals: the lead organization asks a provider to deliver a service, and the provider answers.

Sending is a disclosure, so doors send through ``consent.disclosures.send_referral``; the other
moves are called by the doors directly. Every move writes one ``ReferralTransition`` row and
keeps the referred planned service in step.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.errors import check_transition
from cases.models import Case, PlannedService, Referral, ReferralTransition
from providers.models import Organization, ServiceType

Status = Referral.Status
ServiceStatus = PlannedService.Status

# A draft cannot be withdrawn: the model requires sent_at on every status but draft, and the
# recipient sees every referral that is not a draft. An unsent draft is simply left unsent.
REFERRAL_MOVES = {
    Status.DRAFT: frozenset({Status.SENT}),
    Status.SENT: frozenset({Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset(
        {Status.IN_SERVICE, Status.WITHDRAWN, Status.CLOSED_WITHOUT_SERVICE}
    ),
    Status.IN_SERVICE: frozenset({Status.COMPLETED, Status.CLOSED_WITHOUT_SERVICE}),
    Status.DECLINED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.CLOSED_WITHOUT_SERVICE: frozenset(),
}
# Moves the receiving organization makes; the rest are the sending (lead) organization's.
RECIPIENT_MOVES = frozenset(
    {
        Status.ACCEPTED,
        Status.DECLINED,
        Status.IN_SERVICE,
        Status.COMPLETED,
        Status.CLOSED_WITHOUT_SERVICE,
    }
)
# How the referred planned service follows a move: (statuses it follows from, its new status).
# It follows only from those statuses, so a service staff moved by hand is left alone.
SERVICE_FOLLOWS: dict[str, tuple[frozenset[str], str]] = {
    Status.SENT: (frozenset({ServiceStatus.PROPOSED}), ServiceStatus.REFERRED),
    Status.DECLINED: (frozenset({ServiceStatus.REFERRED}), ServiceStatus.PROPOSED),
    Status.WITHDRAWN: (frozenset({ServiceStatus.REFERRED}), ServiceStatus.PROPOSED),
    Status.IN_SERVICE: (
        frozenset({ServiceStatus.PROPOSED, ServiceStatus.REFERRED}),
        ServiceStatus.ACTIVE,
    ),
    Status.COMPLETED: (
        frozenset({ServiceStatus.ACTIVE, ServiceStatus.LAPSED}),
        ServiceStatus.COMPLETED,
    ),
    Status.CLOSED_WITHOUT_SERVICE: (
        frozenset({ServiceStatus.REFERRED, ServiceStatus.ACTIVE, ServiceStatus.LAPSED}),
        ServiceStatus.PROPOSED,
    ),
}
_FINAL_SERVICE = frozenset({ServiceStatus.COMPLETED, ServiceStatus.DECLINED})
_EDITABLE = frozenset({Status.DRAFT, Status.SENT})
_DRAFT_ONLY_FIELDS = frozenset({"to_organization", "planned_service"})
REFERRAL_FIELDS = frozenset(
    {"to_organization", "planned_service", "service_type", "categories", "message"}
)


def _validate(referral: Referral, *, case: Case) -> None:
    """Field rules of a referral's content, checked before every write as field errors."""
    errors: dict[str, list[str]] = {}
    if case.status == Case.Status.CLOSED:
        errors["case"] = [_("The case is closed; reopen it to refer the young person.")]
    if not Organization.objects.filter(pk=referral.to_organization_id, is_active=True).exists():
        errors["to_organization"] = [_("Choose an active member organization.")]
    elif referral.to_organization_id == case.lead_organization_id:
        errors["to_organization"] = [_("Refer to another organization than the case's lead.")]
    service = referral.planned_service
    if service is not None and service.goal.plan.case_id != case.pk:
        errors["planned_service"] = [_("The planned service must belong to this case.")]
    elif service is not None and service.status in _FINAL_SERVICE:
        errors["planned_service"] = [
            _("This planned service is already %(status)s.") % {"status": service.status}
        ]
    if not ServiceType.objects.filter(pk=referral.service_type_id, is_active=True).exists():
        errors["service_type"] = [_("Choose an active service type, or a planned service.")]
    errors.update(_category_errors(referral.categories))
    if errors:
        raise ValidationError(errors)


def _category_errors(categories: object) -> dict[str, list[str]]:
    if not isinstance(categories, list) or not set(categories) <= set(DATA_CATEGORIES):
        return {
            "categories": [_("Choose from: %(choices)s.") % {"choices": ", ".join(DATA_CATEGORIES)}]
        }
    return {}


@transaction.atomic
def create_referral(
    *,
    case: Case,
    to_organization: Organization,
    actor: User,
    service_type: ServiceType | None = None,
    planned_service: PlannedService | None = None,
    categories: Iterable[str] = (),
    message: str = "",
) -> Referral:
    """Draft a referral from the case's lead organization; the service type defaults to the
    planned service's."""
    if service_type is None and planned_service is not None:
        service_type = planned_service.service_type
    referral = Referral(
        case=case,
        from_organization_id=case.lead_organization_id,
        to_organization=to_organization,
        service_type=service_type,
        planned_service=planned_service,
        categories=sorted(set(categories)),
        message=(message or "").strip(),
        created_by=actor,
    )
    _validate(referral, case=case)
    referral._history_user = actor
    referral.save()
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",)).select_related("case").get(pk=referral.pk)
    )


@transaction.atomic
def update_referral(*, referral: Referral, actor: User, changes: Mapping[str, Any]) -> Referral:
    """Change what a referral says while it is a draft or sent; once answered it is fixed.

    After sending, the recipient and planned service stay, and categories may only be removed.
    """
    referral = _locked(referral)
    if referral.status not in _EDITABLE:
        raise ValidationError(
            {
                "status": [
                    _("A %(status)s referral can no longer be changed.")
                    % {"status": referral.status}
                ]
            }
        )
    _check_sent_changes(referral, changes)
    for name, value in changes.items():
        if name in REFERRAL_FIELDS:
            setattr(referral, name, value)
    if isinstance(referral.categories, list | tuple | set):
        referral.categories = sorted(set(referral.categories))
    referral.message = (referral.message or "").strip()
    _validate(referral, case=referral.case)
    referral._history_user = actor
    referral.save()
    return referral


def _check_sent_changes(referral: Referral, changes: Mapping[str, Any]) -> None:
    """A sent referral keeps its recipient and service, and discloses nothing more than it did."""
    if referral.status != Status.SENT:
        return
    errors: dict[str, list[str]] = {}
    for name in _DRAFT_ONLY_FIELDS & set(changes):
        if changes[name] != getattr(referral, name):
            errors[name] = [_("Fixed once the referral is sent; withdraw it and send a new one.")]
    added = set(changes.get("categories", referral.categories)) - set(referral.categories)
    if added:
        errors["categories"] = [_("Categories cannot be added after sending; send a new referral.")]
    if errors:
        raise ValidationError(errors)


def _move(referral: Referral, *, target: str, actor: User, note: str = "") -> ReferralTransition:
    """Check and apply one move, and record it with who, for which organization, and when."""
    check_transition(
        record="referral", current=referral.status, target=target, moves=REFERRAL_MOVES
    )
    side = (
        referral.to_organization_id
        if target in RECIPIENT_MOVES
        else referral.case.lead_organization_id
    )
    transition = ReferralTransition.objects.create(
        referral=referral,
        from_status=referral.status,
        to_status=target,
        actor=actor,
        organization_id=side,
        at=timezone.now(),
        note=note,
    )
    referral.status = target
    _follow(referral, target=target, actor=actor)
    return transition


def _follow(referral: Referral, *, target: str, actor: User) -> None:
    """Move the referred planned service along with the referral, when it is where we expect."""
    if referral.planned_service_id is None or target not in SERVICE_FOLLOWS:
        return
    service = PlannedService.objects.select_for_update().get(pk=referral.planned_service_id)
    sources, status = SERVICE_FOLLOWS[target]
    if service.status not in sources:
        if target == Status.SENT:
            raise ValidationError(
                {
                    "planned_service": [
                        _("Only a proposed service can be referred: %(status)s.")
                        % {"status": service.status}
                    ]
                }
            )
        return
    today = timezone.localdate()
    if status == ServiceStatus.ACTIVE:
        service.provider_id = referral.to_organization_id
        if service.starts_on is None:
            service.starts_on = today if service.ends_on is None else min(today, service.ends_on)
    if status == ServiceStatus.COMPLETED and service.ends_on is None:
        service.ends_on = max(today, service.starts_on or today)
    service.status = status
    service._history_user = actor
    service.save()


def _save(referral: Referral, actor: User) -> Referral:
    referral._history_user = actor
    referral.save()
    return referral


def _required(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


@transaction.atomic
def mark_referral_sent(*, referral: Referral, actor: User) -> Referral:
    """Low-level send (draft -> sent). Doors call consent.disclosures.send_referral instead,
    which checks the basis for the disclosure first."""
    referral = _locked(referral)
    _validate(referral, case=referral.case)
    # The case may have changed lead since the draft was written; the current lead sends.
    referral.from_organization_id = referral.case.lead_organization_id
    transition = _move(referral, target=Status.SENT, actor=actor)
    referral.sent_at = transition.at
    return _save(referral, actor)


@transaction.atomic
def accept_referral(*, referral: Referral, actor: User, note: str = "") -> Referral:
    """The recipient takes the referral on (sent -> accepted); what was sent is now fixed."""
    referral = _locked(referral)
    transition = _move(referral, target=Status.ACCEPTED, actor=actor, note=(note or "").strip())
    referral.answered_at = transition.at
    return _save(referral, actor)


@transaction.atomic
def decline_referral(
    *, referral: Referral, actor: User, reason: str, reason_text: str = ""
) -> Referral:
    """The recipient declines with a coded reason ('other' needs words); the planned service
    goes back to proposed so another provider can be chosen."""
    referral = _locked(referral)
    if reason not in Referral.DeclineReason.values:
        choices = ", ".join(Referral.DeclineReason.values)
        raise ValidationError({"reason": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    reason_text = (reason_text or "").strip()
    if reason == Referral.DeclineReason.OTHER and not reason_text:
        raise ValidationError({"reason_text": [_("Say why when the reason is 'other'.")]})
    transition = _move(referral, target=Status.DECLINED, actor=actor, note=reason_text)
    referral.decline_reason = reason
    referral.decline_reason_text = reason_text
    referral.answered_at = transition.at
    return _save(referral, actor)


@transaction.atomic
def withdraw_referral(*, referral: Referral, actor: User, note: str = "") -> Referral:
    """The sender takes back a sent or accepted referral; a referred service becomes proposed."""
    referral = _locked(referral)
    transition = _move(referral, target=Status.WITHDRAWN, actor=actor, note=(note or "").strip())
    referral.closed_at = transition.at
    return _save(referral, actor)


@transaction.atomic
def start_referred_service(*, referral: Referral, actor: User) -> Referral:
    """The recipient starts delivering (accepted -> in service); the planned service becomes
    active with the recipient as its provider."""
    referral = _locked(referral)
    _move(referral, target=Status.IN_SERVICE, actor=actor)
    return _save(referral, actor)


@transaction.atomic
def complete_referral(*, referral: Referral, actor: User, outcome_note: str) -> Referral:
    """The recipient finished the service and says how it went; the planned service completes."""
    outcome_note = _required(
        outcome_note, field="outcome_note", message=_("Say how the service ended.")
    )
    referral = _locked(referral)
    transition = _move(referral, target=Status.COMPLETED, actor=actor, note=outcome_note)
    referral.outcome_note = outcome_note
    referral.closed_at = transition.at
    return _save(referral, actor)


@transaction.atomic
def close_referral_without_service(*, referral: Referral, actor: User, note: str) -> Referral:
    """The recipient closes an accepted referral that will not (or no longer) be delivered; the
    planned service goes back to proposed."""
    note = _required(note, field="note", message=_("Say why no service was delivered."))
    referral = _locked(referral)
    transition = _move(referral, target=Status.CLOSED_WITHOUT_SERVICE, actor=actor, note=note)
    referral.closed_at = transition.at
    return _save(referral, actor)


# The note on the transition of a referral that expired unanswered (issue 4).
NO_RESPONSE_NOTE = "Closed without response."


@transaction.atomic
def expire_unanswered_referral(*, referral: Referral, at: datetime | None = None) -> bool:
    """Close a referral the recipient never answered (sent -> closed without service).

    The continuity sweep calls it once the sending organization's expiry period has passed;
    no person acts, so the transition names no actor and the sending organization's side.
    The referred planned service goes back to proposed, so the sender can choose another
    provider. A referral answered meanwhile is left alone: False, and nothing is written.
    """
    referral = _locked(referral)
    if referral.status != Status.SENT:
        return False
    at = at or timezone.now()
    ReferralTransition.objects.create(
        referral=referral,
        from_status=referral.status,
        to_status=Status.CLOSED_WITHOUT_SERVICE,
        actor=None,
        organization_id=referral.from_organization_id,
        at=at,
        note=NO_RESPONSE_NOTE,
    )
    referral.status = Status.CLOSED_WITHOUT_SERVICE
    referral.closed_at = at
    _follow(referral, target=Status.CLOSED_WITHOUT_SERVICE, actor=None)
    referral._history_user = None
    referral.save()
    return True
