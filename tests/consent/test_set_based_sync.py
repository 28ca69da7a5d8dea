"""Issue 8: a change of membership or of an organization's standing re-derives many cases at
once, set-based. What it writes must be exactly what the per-case sync would write, and what it
costs must not grow with the caseload.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.models import CareTeamMember, Case
from consent.errors import NotVisible
from consent.models import CaseGroupObjectPermission, CaseUserObjectPermission, Consent
from consent.permissions import (
    case_permission_ids,
    sync_case_permissions,
    sync_cases_led_by,
    sync_cases_of_user_at,
)
from consent.policy import access_case, viewer_for, visible_cases
from providers.models import Membership, Organization
from providers.services import set_membership_active, update_directory_entry
from tests import factories as f

Role = Membership.Role
Row = tuple  # ("user" | "group", case id, user or group id, permission id, from, until)

# -- the set-based sync writes what the per-case sync writes ------------------------------

LEAD, OTHER, PARTNER = 0, 1, 2
CASES_LED = (LEAD, LEAD, LEAD, LEAD, OTHER, OTHER)  # lead organization of each case
USERS = 5

memberships_strategy = st.lists(
    st.tuples(
        st.integers(0, USERS - 1),
        st.sampled_from([LEAD, OTHER]),
        st.sampled_from(list(Role)),
        st.booleans(),  # active
    ),
    max_size=10,
)
# (case, user, ended): the first current member of a case is primary, the others secondary.
team_strategy = st.lists(
    st.tuples(st.integers(0, len(CASES_LED) - 1), st.integers(0, USERS - 1), st.booleans()),
    max_size=14,
)
consents_strategy = st.lists(
    st.tuples(
        st.integers(0, len(CASES_LED) - 1),
        st.sampled_from([OTHER, PARTNER]),
        st.sets(st.sampled_from(DATA_CATEGORIES), min_size=1, max_size=3),
        st.integers(-60, 30),  # starts, days from now
        st.integers(1, 60),  # lasts, days: some are over before now
        st.sampled_from([Consent.Status.ACTIVE, Consent.Status.REVOKED]),
    ),
    max_size=6,
)


class World:
    """Three organizations, five users, six cases; rows synced once, then bases changed
    behind the sync's back (``update()`` sends no signal) and rows drifted by hand."""

    def __init__(self, memberships: list, team: list, consents: list, now: datetime) -> None:
        self.organizations = [f.OrganizationFactory() for _ in range(3)]
        self.users = [f.UserFactory() for _ in range(USERS)]
        seen = set()
        for user, org, role, active in memberships:
            if (user, org, role) not in seen:
                seen.add((user, org, role))
                f.MembershipFactory(
                    user=self.users[user],
                    organization=self.organizations[org],
                    role=role,
                    is_active=active,
                )
        self.cases = [f.CaseFactory(lead_organization=self.organizations[o]) for o in CASES_LED]
        current: dict[int, set[int]] = {}
        for case, user, ended in team:
            members = current.setdefault(case, set())
            if not ended and user in members:
                continue
            role = (
                CareTeamMember.Role.SECONDARY if ended or members else CareTeamMember.Role.PRIMARY
            )
            since = self.cases[case].opened_on
            CareTeamMember.objects.create(
                case=self.cases[case],
                user=self.users[user],
                role=role,
                since=since,
                until=since + timedelta(days=1) if ended else None,
            )
            if not ended:
                members.add(user)
        for case, recipient, categories, starts_in, lasts, status in consents:
            starts_at = now + timedelta(days=starts_in)
            f.ConsentFactory(
                case=self.cases[case],
                recipient=self.organizations[recipient],
                categories=sorted(categories),
                starts_at=starts_at,
                expires_at=starts_at + timedelta(days=lasts),
                status=status,
                revoked_at=now if status == Consent.Status.REVOKED else None,
                revocation_channel="staff_spoken" if status == Consent.Status.REVOKED else "",
            )
        for case in self.cases:
            sync_case_permissions(case.pk, now=now)

    def case_ids(self) -> list[int]:
        return [c.pk for c in self.cases]


def rows(case_ids: list[int]) -> set[Row]:
    users = CaseUserObjectPermission.objects.filter(content_object_id__in=case_ids)
    groups = CaseGroupObjectPermission.objects.filter(content_object_id__in=case_ids)
    return {
        ("user", c, u, p, None, None)
        for u, p, c in users.values_list("user_id", "permission_id", "content_object_id")
    } | {
        ("group", c, g, p, start, end)
        for g, p, c, start, end in groups.values_list(
            "group_id", "permission_id", "content_object_id", "valid_from", "valid_until"
        )
    }


def rolled_back(change: Callable[[], None], case_ids: list[int]) -> set[Row]:
    """The rows after ``change``, which is then undone."""
    with transaction.atomic():
        change()
        after = rows(case_ids)
        transaction.set_rollback(True)
    return after


def drift(world: World, data: st.DataObject) -> None:
    """Change bases without a sync, and add or lose rows, as a bug or a manual fix might."""
    for membership in Membership.objects.filter(user__in=world.users):
        if data.draw(st.booleans(), label="toggle membership"):
            Membership.objects.filter(pk=membership.pk).update(is_active=not membership.is_active)
    for organization in world.organizations:
        if data.draw(st.booleans(), label="toggle organization"):
            Organization.objects.filter(pk=organization.pk).update(
                is_active=not organization.is_active
            )
    for member in CareTeamMember.objects.filter(case__in=world.cases, until__isnull=True):
        if data.draw(st.booleans(), label="end care-team place"):
            CareTeamMember.objects.filter(pk=member.pk).update(until=member.since)
    stray = data.draw(
        st.lists(st.tuples(st.integers(0, len(CASES_LED) - 1), st.integers(0, USERS - 1))),
        label="stray rows",
    )
    for case, user in stray:
        CaseUserObjectPermission.objects.get_or_create(
            content_object=world.cases[case],
            user=world.users[user],
            permission_id=case_permission_ids()["view_case"],
        )
    lost = CaseUserObjectPermission.objects.filter(content_object__in=world.cases).order_by("pk")
    for row in lost[: data.draw(st.integers(0, 5), label="lost rows")]:
        row.delete()


@contextmanager
def frozen(now: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=now):
        yield


def per_case(world: World, now: datetime) -> Callable[[], None]:
    return lambda: [sync_case_permissions(pk, now=now) for pk in world.case_ids()]


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    memberships=memberships_strategy,
    team=team_strategy,
    consents=consents_strategy,
    data=st.data(),
)
def test_principle_1_membership_and_organization_syncs_write_what_the_per_case_sync_writes(
    memberships: list, team: list, consents: list, data: st.DataObject
) -> None:
    """For any bases and any drift, the set-based syncs leave exactly the rows the per-case
    sync gives inside their scope (one user's rows on the cases an organization leads; all
    user rows on those cases and the organization's group rows) and touch nothing outside it.
    Secondary members, ended places (``until``), other organizations' cases, suspended
    organizations and expired or revoked consents (R14, R13) are all drawn."""
    now = timezone.now()
    with frozen(now), transaction.atomic():
        world = World(memberships, team, consents, now)
        drift(world, data)
        ids = world.case_ids()
        before, expected_all = rows(ids), rolled_back(per_case(world, now), ids)
        lead_of = dict(Case.objects.filter(pk__in=ids).values_list("pk", "lead_organization_id"))

        user = data.draw(st.sampled_from(world.users), label="user")
        organization = data.draw(st.sampled_from(world.organizations), label="organization")

        def of_user_at(row: Row) -> bool:
            return row[0] == "user" and row[2] == user.pk and lead_of[row[1]] == organization.pk

        synced = rolled_back(
            lambda: sync_cases_of_user_at(user_id=user.pk, organization_id=organization.pk), ids
        )
        assert synced == {r for r in before if not of_user_at(r)} | {
            r for r in expected_all if of_user_at(r)
        }

        def of_organization(row: Row) -> bool:
            if row[0] == "user":
                return lead_of[row[1]] == organization.pk
            return row[2] == organization.group_id

        synced = rolled_back(lambda: sync_cases_led_by(organization.pk), ids)
        assert synced == {r for r in before if not of_organization(r)} | {
            r for r in expected_all if of_organization(r)
        }
        transaction.set_rollback(True)


# -- what a user notices ------------------------------------------------------------------


def caseload(advocate: User, organization: Organization, size: int) -> list[Case]:
    """``size`` cases the advocate works at the organization: primary on most, secondary on
    every third (beside another primary), and one case they left (never shown)."""
    cases = []
    for number in range(size):
        case = f.CaseFactory(lead_organization=organization)
        if number % 3 == 2:
            colleague = f.MembershipFactory(organization=organization).user
            f.CareTeamMemberFactory(case=case, user=colleague)
            f.CareTeamMemberFactory(case=case, user=advocate, role=CareTeamMember.Role.SECONDARY)
        else:
            f.CareTeamMemberFactory(case=case, user=advocate)
        cases.append(case)
    left = f.CaseFactory(lead_organization=organization)
    f.CareTeamMemberFactory(case=left, user=advocate, until=left.opened_on)
    return cases


def shown(user: User) -> set[int]:
    return set(visible_cases(viewer=viewer_for(user)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_r11_suspending_an_advocate_hides_their_caseload_at_once_and_restoring_brings_it_back():
    """Suspension takes the cases away in the same transaction (no basis, no access); restored,
    the advocate works their caseload again with no consent involved (R11). Their place at
    another organization, and their colleagues, are not affected."""
    lead, elsewhere = f.OrganizationFactory(), f.OrganizationFactory()
    membership = f.MembershipFactory(organization=lead)
    advocate = membership.user
    cases = caseload(advocate, lead, 4)
    f.MembershipFactory(user=advocate, organization=elsewhere)
    other_case = caseload(advocate, elsewhere, 1)[0]
    colleague = CareTeamMember.objects.filter(case=cases[2], role="primary").get().user
    assert shown(advocate) == {c.pk for c in cases} | {other_case.pk}

    set_membership_active(membership=membership, active=False, actor=None)
    assert shown(advocate) == {other_case.pk}
    with pytest.raises(NotVisible):
        access_case(viewer=viewer_for(advocate), case_id=cases[0].pk)
    assert shown(colleague) == {cases[2].pk}
    assert not Consent.objects.exists()

    set_membership_active(membership=membership, active=True, actor=None)
    assert shown(advocate) == {c.pk for c in cases} | {other_case.pk}
    assert access_case(viewer=viewer_for(advocate), case_id=cases[0].pk).categories == set(
        DATA_CATEGORIES
    )


@pytest.mark.django_db
def test_suspending_an_organization_hides_its_cases_and_its_consented_cases_until_restored():
    """A suspended organization's staff see neither the cases it leads nor those consented to
    it; restored, both come back with the consents' own windows (R14: only while in force)."""
    lead, partner = f.OrganizationFactory(), f.OrganizationFactory()
    advocate = f.MembershipFactory(organization=lead).user
    led = caseload(advocate, lead, 2)
    partner_staff = f.MembershipFactory(organization=partner).user
    consent = f.ConsentFactory(case=led[0], recipient=partner, categories=["plan"])
    sync_case_permissions(led[0].pk)
    window = set(CaseGroupObjectPermission.objects.values_list("valid_from", "valid_until"))
    assert shown(partner_staff) == {led[0].pk}

    for organization in (lead, partner):
        organization.is_active = False
        organization.save()
    assert shown(advocate) == set()
    assert shown(partner_staff) == set()
    assert not CaseGroupObjectPermission.objects.exists()

    for organization in (lead, partner):
        organization.is_active = True
        organization.save()
    assert shown(advocate) == {c.pk for c in led}
    assert shown(partner_staff) == {consent.case_id}
    assert set(CaseGroupObjectPermission.objects.values_list("valid_from", "valid_until")) == (
        window
    )


# -- what it costs ------------------------------------------------------------------------


def queries(operation: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        operation()
    return len(captured)


@pytest.mark.django_db
def test_suspending_or_restoring_an_advocate_costs_the_same_with_3_or_30_cases(
    django_assert_num_queries: Callable,
) -> None:
    """A membership change re-derives the caseload in a fixed number of statements."""
    lead = f.OrganizationFactory()
    small, large = f.MembershipFactory(organization=lead), f.MembershipFactory(organization=lead)
    caseload(small.user, lead, 3)
    caseload(large.user, lead, 30)

    suspend = queries(lambda: set_membership_active(membership=small, active=False, actor=None))
    with django_assert_num_queries(suspend):
        set_membership_active(membership=large, active=False, actor=None)
    assert not CaseUserObjectPermission.objects.filter(user__in=[small.user, large.user]).exists()

    restore = queries(lambda: set_membership_active(membership=small, active=True, actor=None))
    with django_assert_num_queries(restore):
        set_membership_active(membership=large, active=True, actor=None)
    held = CaseUserObjectPermission.objects.filter(user=large.user).values("content_object_id")
    assert held.distinct().count() == 30


@pytest.mark.django_db
def test_suspending_or_restoring_an_organization_costs_the_same_with_3_or_30_cases(
    django_assert_num_queries: Callable,
) -> None:
    """The organization's cases and the consents it holds, in a fixed number of statements."""
    partner = f.OrganizationFactory()
    organizations = []
    for size in (3, 30):
        organization = f.OrganizationFactory()
        cases = caseload(f.MembershipFactory(organization=organization).user, organization, size)
        for case in cases:
            f.ConsentFactory(case=case, recipient=partner)
            # and one the organization receives from a case of the partner
            f.ConsentFactory(case=f.CaseFactory(lead_organization=partner), recipient=organization)
        organizations.append(organization)
    for case_id in Consent.objects.values_list("case_id", flat=True):
        sync_case_permissions(case_id)

    def toggle(organization: Organization, active: bool) -> None:
        organization.is_active = active
        organization.save()

    small, large = organizations
    with django_assert_num_queries(queries(lambda: toggle(small, False))):
        toggle(large, False)
    assert not CaseUserObjectPermission.objects.filter(content_object__lead_organization=large)
    assert not CaseGroupObjectPermission.objects.filter(group=large.group).exists()
    with django_assert_num_queries(queries(lambda: toggle(small, True))):
        toggle(large, True)
    assert CaseGroupObjectPermission.objects.filter(group=large.group).count() == 60


@pytest.mark.django_db
def test_editing_the_directory_entry_leaves_case_permissions_alone() -> None:
    """A directory edit moves no basis: it writes the organization and nothing of its cases'
    permissions; a suspension saved field by field still takes access away."""
    lead = f.OrganizationFactory()
    advocate = f.MembershipFactory(organization=lead).user
    cases = caseload(advocate, lead, 3)

    with CaptureQueriesContext(connection) as captured:
        update_directory_entry(
            organization=lead,
            name="Renamed",
            kind=lead.kind,
            service_area=["County 1"],
            names_staff_to_young_people=False,
        )
    assert not [q for q in captured if "objectpermission" in q["sql"]]
    assert shown(advocate) == {c.pk for c in cases}

    lead.is_active = False
    lead.save(update_fields=["is_active"])
    assert shown(advocate) == set()
