"""The case's own state machine: open -> active -> closed, and reopening a closed case."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.errors import check_transition
from cases.models import Case

Status = Case.Status
CASE_MOVES = {
    Status.OPEN: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.ACTIVE: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}


def refuse_if_closed(case_id: int, message: str) -> None:
    """A closed case takes no new contacts, referrals or plan versions, from anyone (issue
    18); the status is read afresh, as the case may have closed since the caller read it."""
    if Case.objects.filter(pk=case_id, status=Status.CLOSED).exists():
        raise ValidationError({"case": [message]})


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def activate_case(*, case: Case, actor: User) -> Case:
    """The young person is engaged and work has begun."""
    case = _locked(case)
    check_transition(record="case", current=case.status, target=Status.ACTIVE, moves=CASE_MOVES)
    case.status = Status.ACTIVE
    case._history_user = actor
    case.save()
    return case


@transaction.atomic
def close_case(
    *, case: Case, actor: User, reason: str, reason_text: str = "", closed_on: date | None = None
) -> Case:
    """Close a case with a coded reason ('other' needs words).

    ``closed_on`` is today unless given (an import of a case closed earlier): never before the
    case opened, never in the future.
    """
    case = _locked(case)
    check_transition(record="case", current=case.status, target=Status.CLOSED, moves=CASE_MOVES)
    if reason not in Case.ClosedReason.values:
        raise ValidationError(
            {
                "reason": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(Case.ClosedReason.values)}
                ]
            }
        )
    if reason == Case.ClosedReason.OTHER and not reason_text.strip():
        raise ValidationError(
            {"reason_text": [_("Say why the case is closed when the reason is 'other'.")]}
        )
    today = timezone.localdate()
    if closed_on is not None and not case.opened_on <= closed_on <= today:
        raise ValidationError(
            {"closed_on": [_("The closing date must be between the opening date and today.")]}
        )
    case.status = Status.CLOSED
    case.closed_reason = reason
    case.closed_reason_text = reason_text.strip()
    case.closed_on = closed_on or max(today, case.opened_on)
    case._history_user = actor
    case.save()
    return case


@transaction.atomic
def reopen_case(*, case: Case, actor: User) -> Case:
    """Reopen a closed case (the young person came back)."""
    case = _locked(case)
    check_transition(record="case", current=case.status, target=Status.OPEN, moves=CASE_MOVES)
    case.status = Status.OPEN
    case.closed_reason = ""
    case.closed_reason_text = ""
    case.closed_on = None
    case._history_user = actor
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"status": [_("The young person already has another open case at this organization.")]}
        ) from exc
    return case
