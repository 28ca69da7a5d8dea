"""The case's running record: notes, logged contacts, and safety or care flags."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.errors import check_transition
from cases.models import (
    Case,
    CaseNote,
    Contact,
    Flag,
    PlannedService,
    Referral,
    SafeContactRule,
)
from cases.safe_contact import RECONFIRM_MESSAGE, needs_reconfirmation
from cases.services.lifecycle import refuse_if_closed
from providers.models import Membership

_STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)
NOTE_FIELDS = frozenset({"body", "category", "staff_only"})
FLAG_MOVES = {"current": frozenset({"cleared"}), "cleared": frozenset()}


def require_lead_staff(*, case_id: int, user: User, field: str) -> None:
    """Records are written by staff of the lead organization, in that organization's name."""
    works_there = Membership.objects.filter(
        user=user,
        organization__led_cases=case_id,
        role__in=_STAFF_ROLES,
        is_active=True,
    ).exists()
    if not works_there:
        raise ValidationError({field: [_("Must be active staff of the case's lead organization.")]})


def _validate_note(note: CaseNote) -> None:
    errors: dict[str, list[str]] = {}
    note.body = note.body.strip()
    if not note.body:
        errors["body"] = [_("A note needs some text.")]
    if note.category not in CaseNote.Category.values:
        errors["category"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(CaseNote.Category.values)}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_note(
    *,
    case: Case,
    author: User,
    body: str,
    category: str = CaseNote.Category.GENERAL,
    staff_only: bool = False,
) -> CaseNote:
    """Write a note on the case in the name of the author's organization, the lead organization."""
    require_lead_staff(case_id=case.pk, user=author, field="author")
    note = CaseNote(
        case=case,
        author=author,
        organization_id=case.lead_organization_id,
        body=body,
        category=category,
        staff_only=staff_only,
    )
    _validate_note(note)
    note._history_user = author
    note.save()
    return note


@transaction.atomic
def edit_note(*, note: CaseNote, actor: User, changes: Mapping[str, Any]) -> CaseNote:
    """Change a note's text, category or staff-only flag; only its author may, and it is kept
    in the history."""
    note = CaseNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id is None or note.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a note can change it."))
    for name, value in changes.items():
        if name in NOTE_FIELDS:
            setattr(note, name, value)
    _validate_note(note)
    note._history_user = actor
    note.save()
    return note


def _validate_contact(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    if contact.occurred_at > timezone.now():
        errors["occurred_at"] = [_("A contact cannot be logged before it happened.")]
    if contact.channel not in Contact.Channel.values:
        errors["channel"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Contact.Channel.values)}
        ]
    if contact.outcome not in Contact.Outcome.values:
        errors["outcome"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Contact.Outcome.values)}
        ]
    if contact.contact_with not in Contact.With.values:
        errors["contact_with"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Contact.With.values)}
        ]
    if errors:
        raise ValidationError(errors)


def _service_of_case(*, case: Case, planned_service: PlannedService) -> PlannedService:
    """The planned service, locked, provided it belongs to this case's plan."""
    locked = (
        PlannedService.objects.select_for_update()
        .filter(pk=planned_service.pk, goal__plan__case_id=case.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(
            {"planned_service": [_("This service is not part of this case's plan.")]}
        )
    return locked


@transaction.atomic
def add_contact(
    *,
    case: Case,
    actor: User,
    occurred_at: datetime,
    channel: str,
    outcome: str,
    contact_with: str = Contact.With.YOUNG_PERSON,
    summary: str = "",
    planned_service: PlannedService | None = None,
) -> Contact:
    """Log a contact that happened; a contact about a planned service restarts its clock.

    A contact with the young person needs their safe-contact preferences confirmed recently
    (R31): staff re-confirm stale ones first.
    """
    require_lead_staff(case_id=case.pk, user=actor, field="staff")
    refuse_if_closed(case.pk, _("The case is closed; reopen it to log a contact."))
    if contact_with == Contact.With.YOUNG_PERSON:
        rule = SafeContactRule.objects.filter(person_id=case.person_id).first()
        if needs_reconfirmation(rule, timezone.now()):
            raise ValidationError({"safe_contact": [RECONFIRM_MESSAGE]})
    contact = Contact(
        case=case,
        staff=actor,
        organization_id=case.lead_organization_id,
        occurred_at=occurred_at,
        channel=channel,
        outcome=outcome,
        contact_with=contact_with,
        summary=summary.strip(),
    )
    _validate_contact(contact)
    if planned_service is not None:
        service = _service_of_case(case=case, planned_service=planned_service)
        contact.planned_service = service
        if service.last_contact_at is None or service.last_contact_at < occurred_at:
            service.last_contact_at = occurred_at
            service._history_user = actor
            service.save(update_fields=["last_contact_at"])
    contact.save()
    return contact


# A receiving organization logs contacts only while it delivers the referred service.
_DELIVERING = (Referral.Status.ACCEPTED, Referral.Status.IN_SERVICE)


@transaction.atomic
def log_service_contact(
    *,
    referral: Referral,
    actor: User,
    occurred_at: datetime,
    channel: str,
    outcome: str,
    summary: str = "",
) -> Contact:
    """The receiving organization logs a contact of the service it delivers for a referral.

    The contact is held in that organization's name and restarts the planned service's clock,
    so the lead sees the service is alive. Its staff reach the young person only on recently
    confirmed safe-contact preferences (R31), which the lead organization re-confirms.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    refuse_if_closed(
        referral.case_id,
        _("The young person's case is closed at the organization that referred them."),
    )
    if referral.status not in _DELIVERING:
        raise ValidationError(
            {"referral": [_("Contacts are logged while the service is accepted or in service.")]}
        )
    works_there = Membership.objects.filter(
        user=actor,
        organization_id=referral.to_organization_id,
        role__in=_STAFF_ROLES,
        is_active=True,
    ).exists()
    if not works_there:
        raise ValidationError({"staff": [_("Must be active staff of the receiving organization.")]})
    rule = SafeContactRule.objects.filter(person__cases=referral.case_id).first()
    if needs_reconfirmation(rule, timezone.now()):
        raise ValidationError(
            {
                "safe_contact": [
                    _(
                        "The young person's safe-contact preferences need re-confirming by the "
                        "lead organization before anyone contacts them. Ask the sending "
                        "organization."
                    )
                ]
            }
        )
    contact = Contact(
        case_id=referral.case_id,
        staff=actor,
        organization_id=referral.to_organization_id,
        occurred_at=occurred_at,
        channel=channel,
        outcome=outcome,
        contact_with=Contact.With.YOUNG_PERSON,
        summary=summary.strip(),
    )
    _validate_contact(contact)
    service = referral.planned_service
    if service is not None and (
        service.last_contact_at is None or service.last_contact_at < occurred_at
    ):
        service.last_contact_at = occurred_at
        service._history_user = actor
        service.save(update_fields=["last_contact_at"])
    contact.planned_service = service
    contact.save()
    return contact


@transaction.atomic
def raise_flag(*, case: Case, actor: User, kind: str, text: str) -> Flag:
    """Put a short safety or care alert on the case; it stays current until someone clears it."""
    require_lead_staff(case_id=case.pk, user=actor, field="raised_by")
    flag = Flag(case=case, kind=kind, text=text.strip(), raised_by=actor)
    errors: dict[str, list[str]] = {}
    if kind not in Flag.Kind.values:
        errors["kind"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Flag.Kind.values)}
        ]
    if not flag.text:
        errors["text"] = [_("Say in a few words what the flag is about.")]
    elif len(flag.text) > Flag._meta.get_field("text").max_length:
        errors["text"] = [_("Keep a flag to 140 characters; put the detail in a note.")]
    if errors:
        raise ValidationError(errors)
    flag._history_user = actor
    flag.save()
    return flag


def _flag_state(flag: Flag) -> str:
    return "current" if flag.cleared_at is None else "cleared"


@transaction.atomic
def clear_flag(*, flag: Flag, actor: User) -> Flag:
    """Clear a current flag, recording who cleared it and when; a cleared flag stays cleared."""
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    require_lead_staff(case_id=flag.case_id, user=actor, field="cleared_by")
    check_transition(record="flag", current=_flag_state(flag), target="cleared", moves=FLAG_MOVES)
    flag.cleared_by = actor
    flag.cleared_at = timezone.now()
    flag._history_user = actor
    flag.save(update_fields=["cleared_by", "cleared_at"])
    return flag


@transaction.atomic
def set_may_consent_alone(*, case: Case, actor: User, legal_basis: str) -> Flag:
    """Record that the young person may lawfully receive services without a parent (R09).

    The flag's text is the legal basis, which is required. A basis recorded before is cleared,
    so one basis is current. Consents asked for from now on need only the young person's
    signature; those already waiting keep the signers they were asked of.
    """
    if not legal_basis.strip():
        raise ValidationError(
            {"text": [_("Record the legal basis: the law or court order that allows it.")]}
        )
    previous = list(
        Flag.objects.select_for_update().filter(
            case_id=case.pk, kind=Flag.Kind.MAY_CONSENT_ALONE, cleared_at__isnull=True
        )
    )
    flag = raise_flag(case=case, actor=actor, kind=Flag.Kind.MAY_CONSENT_ALONE, text=legal_basis)
    for old in previous:
        clear_flag(flag=old, actor=actor)
    return flag


@transaction.atomic
def clear_may_consent_alone(*, case: Case, actor: User) -> int:
    """Clear the "may consent alone" flag: consents asked for from now on need a parent again."""
    current = Flag.objects.filter(
        case_id=case.pk, kind=Flag.Kind.MAY_CONSENT_ALONE, cleared_at__isnull=True
    )
    cleared = 0
    for flag in current:
        clear_flag(flag=flag, actor=actor)
        cleared += 1
    return cleared
