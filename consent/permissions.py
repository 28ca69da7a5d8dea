"""The one function that materializes a case's object permissions from its bases.

Care-team members who still work at the lead organization get every permission as users;
each organization with a consent in force (or still to start) gets ``view_case`` and one
permission per consented category on its group, valid for the consents' period. Supervisors
and the young person need no rows: the policy answers for them from memberships and the
portal login. Every change of consent, care team or membership calls ``sync_case_permissions``
in its own transaction, and the expiry sweep calls it for consents that lapsed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.categories import DATA_CATEGORIES, category_permission
from cases.models import CareTeamMember, Case
from consent.models import CaseGroupObjectPermission, CaseUserObjectPermission, Consent
from providers.models import Membership

VIEW_CASE = "view_case"
CHANGE_CASE = "change_case"
CARE_TEAM_PERMISSIONS = (VIEW_CASE, CHANGE_CASE, *(category_permission(c) for c in DATA_CATEGORIES))
STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)


@dataclass(frozen=True)
class Window:
    valid_from: datetime
    valid_until: datetime


def case_permission_ids() -> dict[str, int]:
    """Codename to permission id for the case permissions (cached for the process)."""
    if not _PERMISSION_IDS:
        content_type = ContentType.objects.get_for_model(Case)
        _PERMISSION_IDS.update(
            Permission.objects.filter(content_type=content_type).values_list("codename", "pk")
        )
    return _PERMISSION_IDS


_PERMISSION_IDS: dict[str, int] = {}


def forget_permission_ids(**kwargs: object) -> None:
    """Drop the cached ids: permissions were just (re)created."""
    _PERMISSION_IDS.clear()


def implied_user_grants(case: Case) -> set[tuple[int, int]]:
    """(user id, permission id) for care-team members who still work at the lead organization."""
    staff = Membership.objects.filter(
        organization_id=case.lead_organization_id,
        organization__is_active=True,
        is_active=True,
        role__in=STAFF_ROLES,
    ).values("user_id")
    users = CareTeamMember.objects.filter(
        case_id=case.pk, until__isnull=True, user_id__in=staff
    ).values_list("user_id", flat=True)
    ids = case_permission_ids()
    return {
        (user_id, ids[codename]) for user_id in set(users) for codename in CARE_TEAM_PERMISSIONS
    }


def implied_group_grants(case: Case, now: datetime) -> dict[tuple[int, int], Window]:
    """(group id, permission id) to validity window, from active consents not yet expired.

    When several consents give one organization a category, the window spans those in force
    now; a consent still to start only counts when none is in force.
    """
    consents = Consent.objects.filter(
        Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
        case_id=case.pk,
        status=Consent.Status.ACTIVE,
        expires_at__gt=now,
        recipient__is_active=True,
    ).values_list("recipient__group_id", "categories", "starts_at", "expires_at", "resign_due_at")
    ids = case_permission_ids()
    spans: dict[tuple[int, int], list[Window]] = {}
    for group_id, categories, starts_at, expires_at, resign_due_at in consents:
        # A consent awaiting the young person's own signature ends at that deadline.
        window = Window(starts_at, min(expires_at, resign_due_at or expires_at))
        for codename in (VIEW_CASE, *(category_permission(c) for c in categories)):
            spans.setdefault((group_id, ids[codename]), []).append(window)
    return {key: _merge(windows, now) for key, windows in spans.items()}


def _merge(windows: Iterable[Window], now: datetime) -> Window:
    in_force = [w for w in windows if w.valid_from <= now]
    chosen = in_force or [min(windows, key=lambda w: w.valid_from)]
    return Window(min(w.valid_from for w in chosen), max(w.valid_until for w in chosen))


@transaction.atomic
def sync_case_permissions(case_id: int, *, now: datetime | None = None) -> None:
    """Make the case's guardian rows equal what its bases imply. Idempotent."""
    now = now or timezone.now()
    case = Case.objects.select_for_update().only("pk", "lead_organization_id").get(pk=case_id)
    _sync_users(case)
    _sync_groups(case, now)


def _sync_users(case: Case) -> None:
    wanted = implied_user_grants(case)
    rows = CaseUserObjectPermission.objects.filter(content_object_id=case.pk)
    have = {(r.user_id, r.permission_id): r.pk for r in rows.only("pk", "user", "permission")}
    stale = [pk for key, pk in have.items() if key not in wanted]
    if stale:
        CaseUserObjectPermission.objects.filter(pk__in=stale).delete()
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(user_id=user_id, permission_id=permission_id, content_object=case)
        for user_id, permission_id in wanted - have.keys()
    )


def _sync_groups(case: Case, now: datetime) -> None:
    wanted = implied_group_grants(case, now)
    rows = CaseGroupObjectPermission.objects.filter(content_object_id=case.pk)
    have = {(r.group_id, r.permission_id): r for r in rows}
    stale = [row.pk for key, row in have.items() if key not in wanted]
    if stale:
        CaseGroupObjectPermission.objects.filter(pk__in=stale).delete()
    changed = []
    for key, window in wanted.items():
        row = have.get(key)
        if row and (row.valid_from, row.valid_until) != (window.valid_from, window.valid_until):
            row.valid_from, row.valid_until = window.valid_from, window.valid_until
            changed.append(row)
    if changed:
        CaseGroupObjectPermission.objects.bulk_update(changed, ["valid_from", "valid_until"])
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(
            group_id=group_id,
            permission_id=permission_id,
            content_object=case,
            valid_from=wanted[(group_id, permission_id)].valid_from,
            valid_until=wanted[(group_id, permission_id)].valid_until,
        )
        for group_id, permission_id in wanted.keys() - have.keys()
    )


def sync_cases_of_user_at(*, user_id: int, organization_id: int) -> None:
    """After a membership change: re-derive the cases where the user is on the care team."""
    case_ids = CareTeamMember.objects.filter(
        user_id=user_id, case__lead_organization_id=organization_id
    ).values_list("case_id", flat=True)
    for case_id in sorted(set(case_ids)):
        sync_case_permissions(case_id)


def sync_cases_led_by(organization_id: int) -> None:
    """After an organization is suspended or restored: its cases and those it was granted."""
    led = Case.objects.filter(lead_organization_id=organization_id).values_list("pk", flat=True)
    granted = Consent.objects.filter(recipient_id=organization_id).values_list("case_id", flat=True)
    for case_id in sorted(set(led) | set(granted)):
        sync_case_permissions(case_id)
