"""Referrals and case transfers of the demo: what moved between organizations.

Written as rows (their services are younger than the demo), consistent with cases/models.py:
every referral carries the timestamps of its moves and one ReferralTransition per move.
"""

from datetime import timedelta

from accounts.models import User
from cases.models import Case, CaseTransfer, PlannedService, Referral, ReferralTransition
from coordination.demo.cast import Cast
from coordination.demo.rows import backdate, save_as
from coordination.demo.stories import DECLINE_REASON, OFFER, RECIPIENT, Clock, Story
from providers.models import Organization, ServiceType

RefStatus = Referral.Status

# The moves each referral made to reach its status (draft -> ... -> status).
PATHS = {
    RefStatus.DRAFT: (),
    RefStatus.SENT: (RefStatus.SENT,),
    RefStatus.ACCEPTED: (RefStatus.SENT, RefStatus.ACCEPTED),
    RefStatus.DECLINED: (RefStatus.SENT, RefStatus.DECLINED),
    RefStatus.WITHDRAWN: (RefStatus.SENT, RefStatus.WITHDRAWN),
    RefStatus.IN_SERVICE: (RefStatus.SENT, RefStatus.ACCEPTED, RefStatus.IN_SERVICE),
    RefStatus.COMPLETED: (
        RefStatus.SENT,
        RefStatus.ACCEPTED,
        RefStatus.IN_SERVICE,
        RefStatus.COMPLETED,
    ),
    RefStatus.CLOSED_WITHOUT_SERVICE: (
        RefStatus.SENT,
        RefStatus.ACCEPTED,
        RefStatus.CLOSED_WITHOUT_SERVICE,
    ),
}
SENDER_MOVES = frozenset({RefStatus.SENT, RefStatus.WITHDRAWN})
# As cases.services.referrals does: a decline is an answer; these moves also end the referral.
CLOSING = frozenset({RefStatus.WITHDRAWN, RefStatus.COMPLETED, RefStatus.CLOSED_WITHOUT_SERVICE})
WAITING = timedelta(days=5)
OUTCOME = "Service delivered; the goal it served is met."
NOT_STARTED = "The young person chose not to start for now."


def write_referral(
    *,
    case: Case,
    to: Organization,
    status: str,
    service: PlannedService | None,
    cast: Cast,
    staff: User,
    clock: Clock,
) -> Referral:
    """A referral at ``status``, with one transition row for every move it made to get there."""
    code, _, _, categories = OFFER[to.name]
    referral = Referral(
        case=case,
        planned_service=service,
        from_organization=case.lead_organization,
        to_organization=to,
        service_type=ServiceType.objects.get(code=code),
        status=status,
        categories=categories,
        message="Referred with the young person's agreement; please follow the safe-contact rules.",
        created_by=staff,
    )
    moves = []
    previous = RefStatus.DRAFT
    for step, target in enumerate(PATHS[status]):
        at = clock.at(0.35 + 0.13 * step)
        if status == RefStatus.SENT:
            # Still waiting: sent five days ago (at least three business days), so the demo
            # shows its follow-up, not a
            # referral the sweep closes at once for having waited fifteen business days.
            at = max(at, clock.now - WAITING)
        if target in SENDER_MOVES:
            actor, organization = staff, case.lead_organization
        else:
            actor, organization = cast.user(RECIPIENT[to.name]), to
        note = {RefStatus.COMPLETED: OUTCOME, RefStatus.CLOSED_WITHOUT_SERVICE: NOT_STARTED}
        moves.append((previous, target, actor, organization, at, note.get(target, "")))
        previous = target
        if target == RefStatus.SENT:
            referral.sent_at = at
        if target in (RefStatus.ACCEPTED, RefStatus.DECLINED):
            referral.answered_at = at
        if target in CLOSING:
            referral.closed_at = at
    if status == RefStatus.DECLINED:
        referral.decline_reason = DECLINE_REASON[to.name]
    if status == RefStatus.COMPLETED:
        referral.outcome_note = OUTCOME
    save_as(referral, staff)
    backdate(referral, created_at=clock.at(0.3))
    ReferralTransition.objects.bulk_create(
        ReferralTransition(
            referral=referral,
            from_status=source,
            to_status=target,
            actor=actor,
            organization=organization,
            at=at,
            note=note,
        )
        for source, target, actor, organization, at, note in moves
    )
    return referral


def write_transfer(*, story: Story, case: Case, cast: Cast, staff: User, clock: Clock) -> None:
    """The transfer the story asks for: still requested, or answered by the receiving side."""
    organization_name, status = story.transfer
    transfer = CaseTransfer(
        case=case,
        from_organization=case.lead_organization,
        to_organization=cast.organizations[organization_name],
        status=status,
        reason="The young person would like the receiving organization to lead from now on.",
        requested_by=staff,
        requested_at=clock.at(0.85),
    )
    if status != CaseTransfer.Status.REQUESTED:
        transfer.answered_by = cast.user(RECIPIENT[organization_name])
        transfer.answered_at = clock.at(0.9)
        transfer.answer_note = "We cannot take the lead on new cases this month."
    save_as(transfer, staff)
