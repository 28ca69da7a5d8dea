"""The functions that materialize cases' object permissions from their bases.

Care-team members who still work at the lead organization get every permission as users;
each organization with a consent in force (or still to start) gets ``view_case`` and one
permission per consented category on its group, valid for the consents' period. Supervisors
and the young person need no rows: the policy answers for them from memberships and the
portal login. Every change of consent or care team calls ``sync_case_permissions`` in its own
transaction, and the expiry sweep calls it for consents that lapsed. A change of membership or
of an organization's standing touches many cases at once: ``sync_cases_of_user_at`` and
``sync_cases_led_by`` apply the same rules set-based, in a fixed number of statements.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from cases.categories import DATA_CATEGORIES, category_permission
from cases.models import CareTeamMember, Case
from consent.models import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
)
from providers.models import Membership, Organization

VIEW_CASE = "view_case"
CHANGE_CASE = "change_case"
CARE_TEAM_PERMISSIONS = (VIEW_CASE, CHANGE_CASE, *(category_permission(c) for c in DATA_CATEGORIES))
STAFF_ROLES = (Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE)
# In the per-case read, marks a care-team member (real permission ids start at 1).
_MEMBER = 0


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


def _team_permission_ids() -> list[int]:
    ids = case_permission_ids()
    return [ids[codename] for codename in CARE_TEAM_PERMISSIONS]


def _implied_members(team: QuerySet[CareTeamMember], organization_id: int) -> QuerySet:
    """The members of ``team`` (on cases ``organization_id`` leads) whose place implies rows:
    no end date, and an active staff role at the lead organization while it is active."""
    staff = Membership.objects.filter(
        organization_id=organization_id, is_active=True, role__in=STAFF_ROLES
    ).values("user_id")
    # Uncorrelated: the database checks it once, not once per row of a set-based sync.
    active = Organization.objects.filter(pk=organization_id, is_active=True)
    return team.filter(Exists(active), until__isnull=True, user_id__in=staff)


def implied_user_grants(case: Case) -> set[tuple[int, int]]:
    """(user id, permission id) for care-team members who still work at the lead organization."""
    members = _implied_members(
        CareTeamMember.objects.filter(case_id=case.pk), case.lead_organization_id
    ).values_list("user_id", flat=True)
    return {
        (user_id, permission_id)
        for user_id in set(members)
        for permission_id in _team_permission_ids()
    }


def _granting_consents(now: datetime) -> QuerySet[Consent]:
    """Active consents not yet expired, to active organizations: the bases of group rows.

    A consent to transfer the case releases nothing to read (R41): it lets the lead move, and
    the recipient sees the case only once it accepted and leads it."""
    return Consent.objects.filter(
        Q(resign_due_at__isnull=True) | Q(resign_due_at__gt=now),
        status=Consent.Status.ACTIVE,
        expires_at__gt=now,
        recipient__is_active=True,
    ).exclude(purpose=ConsentPurpose.TRANSFER)


def _group_windows(consents: QuerySet[Consent], now: datetime) -> dict[tuple[int, ...], Window]:
    """(case id, group id, permission id) to validity window, from ``_granting_consents``.

    When several consents give one organization a category, the window spans those in force
    now; a consent still to start only counts when none is in force.
    """
    rows = consents.values_list(
        "case_id", "recipient__group_id", "categories", "starts_at", "expires_at", "resign_due_at"
    )
    ids = case_permission_ids()
    spans: dict[tuple[int, ...], list[Window]] = {}
    for case_id, group_id, categories, starts_at, expires_at, resign_due_at in rows:
        # A consent awaiting the young person's own signature ends at that deadline.
        window = Window(starts_at, min(expires_at, resign_due_at or expires_at))
        for codename in (VIEW_CASE, *(category_permission(c) for c in categories)):
            spans.setdefault((case_id, group_id, ids[codename]), []).append(window)
    return {key: _merge(windows, now) for key, windows in spans.items()}


def implied_group_grants(case: Case, now: datetime) -> dict[tuple[int, int], Window]:
    """(group id, permission id) to validity window, from active consents not yet expired."""
    windows = _group_windows(_granting_consents(now).filter(case_id=case.pk), now)
    return {(group_id, permission_id): w for (_, group_id, permission_id), w in windows.items()}


def _merge(windows: Iterable[Window], now: datetime) -> Window:
    """The span of the consents in force now; when none is yet, of those that start first
    (all of them: two starting the same day release until the later one ends)."""
    windows = list(windows)
    in_force = [w for w in windows if w.valid_from <= now]
    first = min(w.valid_from for w in windows)
    chosen = in_force or [w for w in windows if w.valid_from == first]
    return Window(min(w.valid_from for w in chosen), max(w.valid_until for w in chosen))


# -- one case -------------------------------------------------------------------------------


# No savepoint of their own (two round trips): the callers' transaction is the unit, and an
# error here is a bug that must roll it back anyway.
@transaction.atomic(savepoint=False)
def sync_case_permissions(case_id: int, *, now: datetime | None = None) -> None:
    """Make the case's guardian rows equal what its bases imply. Idempotent."""
    now = now or timezone.now()
    case = Case.objects.select_for_update().only("pk", "lead_organization_id").get(pk=case_id)
    _sync_users(case)
    _sync_group_rows(
        CaseGroupObjectPermission.objects.filter(content_object_id=case.pk),
        _group_windows(_granting_consents(now).filter(case_id=case.pk), now),
    )


def _sync_users(case: Case) -> None:
    # One read for both sides: the members whose place implies rows, and the rows held.
    members = (
        _implied_members(CareTeamMember.objects.filter(case_id=case.pk), case.lead_organization_id)
        .annotate(marker=Value(_MEMBER, output_field=IntegerField()))
        .values_list("user_id", "marker")
    )
    held_rows = CaseUserObjectPermission.objects.filter(content_object_id=case.pk)
    read = members.union(held_rows.values_list("user_id", "permission_id"), all=True)
    users, held = set(), set()
    for user_id, permission_id in read:
        if permission_id == _MEMBER:
            users.add(user_id)
        else:
            held.add((user_id, permission_id))
    team_permissions = _team_permission_ids()
    wanted = {(user_id, p) for user_id in users for p in team_permissions}
    if held - wanted:
        held_rows.exclude(user_id__in=users, permission_id__in=team_permissions).delete()
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(user_id=user_id, permission_id=permission_id, content_object=case)
        for user_id, permission_id in wanted - held
    )


def _sync_group_rows(
    rows: QuerySet[CaseGroupObjectPermission], wanted: dict[tuple[int, ...], Window]
) -> None:
    """Make ``rows`` equal ``wanted``, keyed (case id, group id, permission id)."""
    have = {(r.content_object_id, r.group_id, r.permission_id): r for r in rows}
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
            content_object_id=case_id,
            group_id=group_id,
            permission_id=permission_id,
            valid_from=wanted[(case_id, group_id, permission_id)].valid_from,
            valid_until=wanted[(case_id, group_id, permission_id)].valid_until,
        )
        for case_id, group_id, permission_id in wanted.keys() - have.keys()
    )


# -- many cases at once ---------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def sync_cases_of_user_at(*, user_id: int, organization_id: int) -> None:
    """After a membership change: the user's rows on the cases the organization leads.

    Only those can change: a membership is a basis for its own organization's cases, and group
    rows rest on consents alone. A fixed number of statements, whatever the caseload.
    """
    led = Case.objects.filter(lead_organization_id=organization_id).values("pk")
    team = CareTeamMember.objects.filter(user_id=user_id, case_id__in=led)
    rows = CaseUserObjectPermission.objects.filter(user_id=user_id, content_object_id__in=led)
    current = team.filter(until__isnull=True).values("case_id")
    held = rows.values("content_object_id")
    if _lock(Q(pk__in=current) | Q(pk__in=held), lead_organization_id=organization_id):
        _sync_team_rows(rows, _implied_members(team, organization_id), one_user=True)


@transaction.atomic(savepoint=False)
def sync_cases_led_by(organization_id: int) -> None:
    """After an organization is suspended or restored: the care-team rows of the cases it
    leads, and its group's rows on the cases it was granted. A fixed number of statements."""
    led = Case.objects.filter(lead_organization_id=organization_id).values("pk")
    granted = Consent.objects.filter(recipient_id=organization_id).values("case_id")
    _lock(Q(lead_organization_id=organization_id) | Q(pk__in=granted))
    _sync_team_rows(
        CaseUserObjectPermission.objects.filter(content_object_id__in=led),
        _implied_members(CareTeamMember.objects.filter(case_id__in=led), organization_id),
        one_user=False,
    )
    now = timezone.now()
    _sync_group_rows(
        CaseGroupObjectPermission.objects.filter(group__organization__pk=organization_id),
        _group_windows(_granting_consents(now).filter(recipient_id=organization_id), now),
    )


def _lock(*cases: Q, **lookups: object) -> list[int]:
    """Lock the cases in id order: ``sync_case_permissions`` locks one case row the same way,
    so a per-case sync and a set-based one on the same case run one after the other."""
    locked = Case.objects.filter(*cases, **lookups).select_for_update().order_by("pk")
    return list(locked.values_list("pk", flat=True))


def _sync_team_rows(
    rows: QuerySet[CaseUserObjectPermission],
    members: QuerySet[CareTeamMember],
    *,
    one_user: bool,
) -> None:
    """Make ``rows`` what the implied ``members`` give them (both scoped to cases one
    organization leads, and to one user if ``one_user``): one DELETE, one INSERT ... SELECT."""
    if one_user:  # a row is implied when its case is one of the user's implied places
        implied = Q(content_object_id__in=members.values("case_id"))
    else:
        pair = members.filter(case_id=OuterRef("content_object_id"), user_id=OuterRef("user_id"))
        implied = Q(Exists(pair))
    team_permissions = _team_permission_ids()
    rows.exclude(implied, permission_id__in=team_permissions).delete()
    _insert_missing(members.values_list("case_id", "user_id"), team_permissions)


def _insert_missing(members: QuerySet, permission_ids: list[int]) -> None:
    """INSERT ... SELECT each (case, user) of ``members`` times each permission, but the rows
    already there. The ORM has no INSERT ... SELECT; the SELECT is the ORM's own."""
    select, params = members.query.sql_with_params()
    quote = connection.ops.quote_name
    rows = quote(CaseUserObjectPermission._meta.db_table)
    permissions = quote(Permission._meta.db_table)
    placeholders = ", ".join(["%s"] * len(permission_ids))
    # Table names from the models' _meta; every value is a parameter.
    sql = (
        f"INSERT INTO {rows} (content_object_id, user_id, permission_id) "  # noqa: S608
        f"SELECT team.case_id, team.user_id, perm.id "
        f"FROM ({select}) team CROSS JOIN {permissions} perm "
        f"WHERE perm.id IN ({placeholders}) AND NOT EXISTS ("
        f"SELECT 1 FROM {rows} held WHERE held.content_object_id = team.case_id "
        f"AND held.user_id = team.user_id AND held.permission_id = perm.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *permission_ids))
