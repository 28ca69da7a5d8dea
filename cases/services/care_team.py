"""Who works on a case: adding, ending and changing the primary advocate."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import CareTeamMember, Case
from providers.models import Membership

Role = CareTeamMember.Role
_TEAM_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)


@transaction.atomic
def add_care_team_member(*, case: Case, user: User, role: str, actor: User) -> CareTeamMember:
    """Put lead-organization staff on the case; a new primary replaces the old one."""
    if role not in Role.values:
        raise ValidationError(
            {"role": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}]}
        )
    works_there = Membership.objects.filter(
        user=user, organization_id=case.lead_organization_id, role__in=_TEAM_ROLES, is_active=True
    ).exists()
    if not works_there:
        raise ValidationError(
            {"user": [_("Must be active staff of the case's lead organization.")]}
        )
    current = CareTeamMember.objects.select_for_update().filter(case=case, until__isnull=True)
    own = current.filter(user=user).first()
    # A secondary member taking over as primary is a promotion, not a second seat.
    promoted = own is not None and own.role == Role.SECONDARY and role == Role.PRIMARY
    if own is not None and not promoted:
        raise ValidationError({"user": [_("Already on this case's care team.")]})
    today = timezone.localdate()
    if role == Role.PRIMARY:
        for previous in current.filter(role=Role.PRIMARY):
            _end(member=previous, actor=actor, on=today)
    if promoted:
        _end(member=own, actor=actor, on=today)
    member = CareTeamMember(case=case, user=user, role=role, since=today)
    member._history_user = actor
    member.save()
    return member


def _end(*, member: CareTeamMember, actor: User, on: object) -> None:
    member.until = max(on, member.since)
    member._history_user = actor
    member.save(update_fields=["until"])


@transaction.atomic
def end_care_team_membership(*, member: CareTeamMember, actor: User) -> CareTeamMember:
    """Take someone off the case from today; their history on the case stays."""
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.until is not None:
        raise ValidationError({"until": [_("This care-team membership has already ended.")]})
    _end(member=member, actor=actor, on=timezone.localdate())
    return member
