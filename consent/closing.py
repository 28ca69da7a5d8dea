"""Closing a case, and with it, if staff choose, the consents in force (issue 18).

A closed case shares nothing new, but a consent in force would keep releasing what is already
there to its recipient until it expires; the person closing the case decides whether it ends
now. Each consent ended this way is withdrawn as any other (R13: access goes in this
transaction, nothing is deleted, R16) and the young person finds a notice in their portal.
"""

from django.db import transaction

from accounts.models import User
from cases.checkins import CheckIn
from cases.models import Case
from cases.services.checkins import CheckInAnswers, record_check_in
from cases.services.lifecycle import close_case
from consent.models import RevocationChannel
from consent.services import consents_in_effect, revoke_consent
from consent.signals import consents_ended_with_case


@transaction.atomic
def close_case_and_its_consents(
    *,
    case: Case,
    actor: User,
    reason: str,
    reason_text: str = "",
    end_consents: bool,
    check_in_answered_by: str = "",
    check_in: CheckInAnswers | None = None,
) -> Case:
    """Close the case; with ``end_consents``, end every consent in force with it; with
    ``check_in_answered_by``, record the closure check-in's answers."""
    closed = close_case(case=case, actor=actor, reason=reason, reason_text=reason_text)
    if check_in_answered_by:
        record_check_in(
            case=closed,
            actor=actor,
            occasion=CheckIn.Occasion.CLOSURE,
            answered_by=check_in_answered_by,
            answers=check_in or CheckInAnswers(),
        )
    if not end_consents:
        return closed
    ended = [
        revoke_consent(consent=consent, actor=actor, channel=RevocationChannel.CASE_CLOSED).pk
        for consent in consents_in_effect(closed)
    ]
    if ended:
        consents_ended_with_case.send(sender=Case, case_id=closed.pk, consent_ids=ended)
    return closed
