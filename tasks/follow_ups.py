"""Opening and closing follow-ups, and posting portal notices; every write is idempotent.

A rule may fire twice (a retried task, a second worker, a repeated signal): opening a
follow-up that is already open returns the open one, and a notice is posted once per object.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.errors import check_transition
from cases.models import CareTeamMember, Case
from consent.models import CompelledDisclosure, Consent
from consent.policy import viewer_for, visible_cases
from providers.models import Membership, Organization
from tasks.models import FollowUp, PortalNotice

Status = FollowUp.Status
# The care team hears of a declined request the next day, not at once: no pressure on anyone.
DECLINED_REQUEST_FOLLOW_UP = timedelta(days=1)


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


# --- Written by hand, closed and handed on by people (the API calls these) --------------------

_STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)
_MOVES = {
    Status.OPEN: frozenset({Status.DONE, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}
_NOTE_LENGTH = 500


def _is_active_staff(
    *, user: User | None, organization_id: int, roles: tuple[str, ...] = _STAFF_ROLES
) -> bool:
    """An active user holding one of ``roles`` at the (active) organization."""
    if user is None or not user.is_active:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        organization_id=organization_id,
        organization__is_active=True,
        role__in=roles,
        is_active=True,
    ).exists()


@transaction.atomic
def create_follow_up_by_hand(
    *,
    case: Case,
    organization: Organization,
    assignee: User | None,
    due_at: datetime,
    description: str,
    actor: User,
) -> FollowUp:
    """A follow-up someone wrote: in the queue of an organization the actor works at, on a
    case the actor may see (a partner's staff: through a consent in force), for anyone on
    staff there."""
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Say what needs doing.")]
    elif len(description) > FollowUp._meta.get_field("description").max_length:
        errors["description"] = [_("Keep it to 300 characters; details belong in a case note.")]
    if due_at <= timezone.now():
        errors["due_at"] = [_("A new follow-up is due in the future.")]
    if not _is_active_staff(user=actor, organization_id=organization.pk):
        errors["organization"] = [
            _("Add follow-ups only to the queue of an organization you staff.")
        ]
    elif not visible_cases(viewer=viewer_for(actor)).filter(pk=case.pk).exists():
        errors["case"] = [_("No such case.")]
    queue = organization.pk
    if assignee is not None and not _is_active_staff(user=assignee, organization_id=queue):
        errors["assignee"] = [_("Assign follow-ups only to active staff of their organization.")]
    if errors:
        raise ValidationError(errors)
    return FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=organization,
        assignee=assignee,
        due_at=due_at,
        description=description,
        created_by=actor,
    )


def _require_worker(follow_up: FollowUp, actor: User) -> None:
    """Its assignee, the supervisor it was escalated to, or staff of its queue."""
    if actor.pk in (follow_up.assignee_id, follow_up.escalated_to_id):
        return
    if not _is_active_staff(user=actor, organization_id=follow_up.organization_id):
        raise PermissionDenied(_("Only staff of the follow-up's organization can work on it."))


def _close(*, follow_up: FollowUp, actor: User, status: str, note: str) -> FollowUp:
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    _require_worker(locked, actor)
    check_transition(record="follow-up", current=locked.status, target=status, moves=_MOVES)
    note = (note or "").strip()
    if len(note) > _NOTE_LENGTH:
        raise ValidationError(
            {"note": [_("Keep the note to %(length)s characters.") % {"length": _NOTE_LENGTH}]}
        )
    locked.status, locked.completion_note = status, note
    locked.completed_at, locked.completed_by = timezone.now(), actor
    locked.save(update_fields=["status", "completion_note", "completed_at", "completed_by"])
    return locked


@transaction.atomic
def complete_follow_up(*, follow_up: FollowUp, actor: User, note: str = "") -> FollowUp:
    """Mark an open follow-up done, with an optional note of what was done."""
    return _close(follow_up=follow_up, actor=actor, status=Status.DONE, note=note)


@transaction.atomic
def cancel_follow_up(*, follow_up: FollowUp, actor: User, note: str) -> FollowUp:
    """Cancel an open follow-up that is no longer needed; the note says why."""
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say why the follow-up is no longer needed.")]})
    return _close(follow_up=follow_up, actor=actor, status=Status.CANCELLED, note=note)


@transaction.atomic
def reassign_follow_up(*, follow_up: FollowUp, assignee: User, actor: User) -> FollowUp:
    """Hand an open follow-up to another staff member of its organization.

    A supervisor of that organization, or the current assignee, may hand it on.
    """
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    supervises = _is_active_staff(
        user=actor, organization_id=locked.organization_id, roles=(Membership.Role.SUPERVISOR,)
    )
    if not supervises and locked.assignee_id != actor.pk:
        raise PermissionDenied(
            _("Only a supervisor of the follow-up's organization or its assignee can reassign it.")
        )
    if locked.status != Status.OPEN:
        raise ValidationError({"status": [_("Only an open follow-up can be reassigned.")]})
    if not _is_active_staff(user=assignee, organization_id=locked.organization_id):
        raise ValidationError(
            {"assignee": [_("Assign follow-ups only to active staff of their organization.")]}
        )
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    return locked


@transaction.atomic
def decline_consent_request(*, consent: Consent, actor: User) -> FollowUp:
    """The young person said no to a request waiting for their signature.

    Nothing is shared either way, and a pending consent can only move on to active (R15), so
    its status stays; the care team gets a follow-up to talk it over (and to stop asking).
    Saying no twice finds the open follow-up.
    """
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    if consent.status != Consent.Status.PENDING_SIGNATURE:
        raise ValidationError(
            {"status": [_("Only a request waiting for your signature can be declined.")]}
        )
    return open_follow_up(
        case=consent.case,
        kind=FollowUp.Kind.CONSENT_DECLINED,
        due_at=timezone.now() + DECLINED_REQUEST_FOLLOW_UP,
        about_consent=consent,
    )


def declined_consent_ids(*, consent_ids: list[int]) -> set[int]:
    """Which of these consents the young person said no to (one query; none without ids)."""
    if not consent_ids:
        return set()
    return set(
        FollowUp.objects.filter(
            kind=FollowUp.Kind.CONSENT_DECLINED, about_consent_id__in=consent_ids
        ).values_list("about_consent_id", flat=True)
    )
