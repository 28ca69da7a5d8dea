"""Opening and closing follow-ups, and posting portal notices; every write is idempotent.

A rule may fire twice (a retried task, a second worker, a repeated signal): opening a
follow-up that is already open returns the open one, and a notice is posted once per object.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from cases.models import CareTeamMember, Case
from consent.models import CompelledDisclosure, Consent
from tasks.models import FollowUp, PortalNotice

Status = FollowUp.Status


def primary_advocate_of(case: Case) -> User | None:
    """The case's current primary advocate, or None while the case has none."""
    member = (
        CareTeamMember.objects.filter(
            case_id=case.pk, role=CareTeamMember.Role.PRIMARY, until__isnull=True
        )
        .select_related("user")
        .first()
    )
    return member.user if member else None


def open_follow_up(
    *,
    case: Case,
    kind: str,
    due_at: datetime,
    about_consent: Consent | None = None,
    about_compelled: CompelledDisclosure | None = None,
) -> FollowUp:
    """A follow-up in the lead organization's queue, assigned to the primary advocate.

    When one of this kind is already open about the same object, that one is returned.
    """
    follow_up, _ = FollowUp.objects.get_or_create(
        kind=kind,
        about_consent=about_consent,
        about_compelled=about_compelled,
        status=Status.OPEN,
        defaults={
            "case": case,
            "organization_id": case.lead_organization_id,
            "assignee": primary_advocate_of(case),
            "due_at": due_at,
        },
    )
    return follow_up


def close_follow_ups(
    follow_ups: QuerySet[FollowUp], *, status: str, note: str, now: datetime | None = None
) -> int:
    """Mark the open ones among ``follow_ups`` done or cancelled, with a note; the count."""
    return follow_ups.filter(status=Status.OPEN).update(
        status=status, completion_note=note[:500], completed_at=now or timezone.now()
    )


def post_portal_notice(*, case: Case, kind: str, object_id: int) -> PortalNotice:
    """A notice for the case's young person about one object (posted once)."""
    notice, _ = PortalNotice.objects.get_or_create(
        person_id=case.person_id, kind=kind, object_id=object_id, defaults={"case": case}
    )
    return notice
