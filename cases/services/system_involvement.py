"""How the young person came and what the systems did (issue 21, point 2): the lead staff
correct the referral source recorded at intake, record a system-involvement event with its
date, correct it (the history keeps the earlier version) or remove it saying why (the row stays
with who removed it and when)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.demographics import check_referral_source
from cases.models import Case
from cases.services.records import require_lead_staff
from cases.system_involvement import SystemInvolvementEvent

EVENT_FIELDS = frozenset({"kind", "occurred_on", "note"})
EARLIEST = date(1900, 1, 1)


@transaction.atomic
def set_referral_source(*, case: Case, actor: User, referral_source: str) -> Case:
    """Correct how the young person came to the lead organization (blank: not recorded)."""
    require_lead_staff(case_id=case.pk, user=actor, field="referral_source")
    check_referral_source(referral_source)
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.referral_source = referral_source
    case._history_user = actor
    case.save(update_fields=["referral_source", "updated_at"])
    return case


def _validate_event(event: SystemInvolvementEvent) -> None:
    errors: dict[str, list[str]] = {}
    if event.kind not in SystemInvolvementEvent.Kind.values:
        errors["kind"] = [
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(SystemInvolvementEvent.Kind.values)}
        ]
    if event.occurred_on is None:
        errors["occurred_on"] = [_("Give the date it happened, or your best guess of it.")]
    elif event.occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("An event cannot be recorded before it happened.")]
    elif event.occurred_on < EARLIEST:
        errors["occurred_on"] = [_("Give a date after 1900.")]
    event.note = (event.note or "").strip()
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_system_involvement(
    *, case: Case, actor: User, kind: str, occurred_on: date | None, note: str = ""
) -> SystemInvolvementEvent:
    """Record an event in the name of the case's lead organization, by one of its staff."""
    require_lead_staff(case_id=case.pk, user=actor, field="recorded_by")
    event = SystemInvolvementEvent(
        case=case,
        organization_id=case.lead_organization_id,
        kind=kind,
        occurred_on=occurred_on,
        note=note,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _validate_event(event)
    event._history_user = actor
    event.save()
    return event


def _locked_current(event: SystemInvolvementEvent, actor: User) -> SystemInvolvementEvent:
    event = SystemInvolvementEvent.objects.select_for_update().get(pk=event.pk)
    require_lead_staff(case_id=event.case_id, user=actor, field="recorded_by")
    if event.is_removed:
        raise ValidationError({"event": [_("This event was removed from the record.")]})
    return event


@transaction.atomic
def correct_system_involvement(
    *, event: SystemInvolvementEvent, actor: User, changes: Mapping[str, Any]
) -> SystemInvolvementEvent:
    """Correct an event's kind, date or note; the history keeps what it said before."""
    event = _locked_current(event, actor)
    for name, value in changes.items():
        if name in EVENT_FIELDS:
            setattr(event, name, value)
    _validate_event(event)
    event._history_user = actor
    event.save()
    return event


@transaction.atomic
def remove_system_involvement(
    *, event: SystemInvolvementEvent, actor: User, reason: str
) -> SystemInvolvementEvent:
    """Take an event off the record (recorded in error, on the wrong case), saying why."""
    event = _locked_current(event, actor)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the event is removed.")]})
    event.removed_at = timezone.now()
    event.removed_by = actor
    event.removal_reason = reason.strip()[:300]
    event._history_user = actor
    event.save()
    return event
