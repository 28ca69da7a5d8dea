"""The rules of the access policy a mutation run found unpinned (issue 16, finding 7).

Each test fails when one rule of ``consent/policy.py``, ``consent/permissions.py`` or the
consent services is changed: a consent or a guardian row at the exact instant it starts or
expires (the clock frozen on the boundary; R14 "from the second it expires"), a drafted
consent's period at its limits (R01), the organization admin role counted as staff, a revoked
consent whose guardian rows are still in place, a primary advocate whose place on the care
team ended, an inactive user, and the case-row lock that keeps two concurrent syncs of one
case from racing (two real PostgreSQL transactions).
"""

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from cases.categories import category_permission
from cases.models import CareTeamMember
from consent import services
from consent.errors import AccessDenied, NotVisible
from consent.models import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Consent,
    RevocationChannel,
)
from consent.permissions import VIEW_CASE, case_permission_ids, sync_case_permissions
from consent.policy import (
    ANONYMOUS,
    Action,
    access_case,
    can_open_case_at,
    consents_in_force,
    releases_for_cases,
    viewer_for,
    visible_cases,
    visible_consents,
)
from providers.models import Membership
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)  # the smallest step the database stores


@pytest.fixture
def start() -> datetime:
    """When the consent starts: a whole second, a day after the world was built."""
    return (timezone.now() + DAY).replace(microsecond=0)


@pytest.fixture
def clock(start: datetime) -> Iterator[time_machine.Traveller]:
    """The clock, frozen at ``start`` until a test moves it."""
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def _consent(world: World, start: datetime, **fields: object) -> Consent:
    """An active consent to the partner, identity and plan, for 30 days from ``start``."""
    values = {"categories": ["identity", "plan"], "expires_at": start + 30 * DAY, **fields}
    return f.ConsentFactory(case=world.case, recipient=world.partner, starts_at=start, **values)


@pytest.fixture
def consent(world: World, start: datetime, clock: time_machine.Traveller) -> Consent:
    """The partner's consent, its guardian rows synced at ``start``."""
    consent = _consent(world, start)
    sync_case_permissions(world.case.pk)
    return consent


def _partner_rows(world: World) -> set[str]:
    names = {pk: codename for codename, pk in case_permission_ids().items()}
    rows = CaseGroupObjectPermission.objects.filter(
        content_object=world.case, group__organization=world.partner
    )
    return {names[permission_id] for permission_id in rows.values_list("permission_id", flat=True)}


def _partner_lists_the_case(world: World) -> bool:
    viewer = viewer_for(world.partner_staff)
    return visible_cases(viewer=viewer).filter(pk=world.case.pk).exists()


def _opens(user: User, world: World, action: Action = Action.VIEW) -> bool:
    try:
        access_case(viewer=viewer_for(user), case_id=world.case.pk, action=action)
    except NotVisible:
        return False
    return True


def _in_force(world: World) -> dict:
    return consents_in_force(viewer=viewer_for(world.partner_staff), case_ids=[world.case.pk])


def _partner_sees_consent(world: World, consent: Consent) -> bool:
    viewer = viewer_for(world.partner_staff)
    return visible_consents(viewer=viewer).filter(pk=consent.pk).exists()


# -- the second a consent starts: valid_from / starts_at compared with <= ------------------


def test_r14_the_partner_lists_the_case_from_the_second_the_consent_starts(world, consent):
    assert _partner_lists_the_case(world)


def test_r14_the_partner_opens_the_case_from_the_second_the_consent_starts(world, consent):
    grants = _in_force(world).get(world.case.pk, [])
    assert [grant.consent_id for grant in grants] == [consent.pk]
    assert _opens(world.partner_staff, world)


def test_r14_the_partner_sees_the_consent_from_the_second_it_starts(world, consent):
    assert _partner_sees_consent(world, consent)


def test_r14_nothing_a_moment_before_the_consent_starts(world, consent, clock, start):
    clock.move_to(start - TICK)
    assert not _partner_lists_the_case(world)
    assert not _opens(world.partner_staff, world)
    assert not _partner_sees_consent(world, consent)


def test_r14_a_consent_starting_now_spans_the_rows_with_the_one_already_in_force(
    world, clock, start
):
    """Two consents in force to one organization: one started earlier and ends sooner, one
    starts this second and ends later. The rows run from the first start to the last end."""
    earlier = _consent(world, start - 10 * DAY, expires_at=start + 5 * DAY)
    now_starting = _consent(world, start, expires_at=start + 60 * DAY)
    sync_case_permissions(world.case.pk)
    windows = set(
        CaseGroupObjectPermission.objects.filter(content_object=world.case).values_list(
            "valid_from", "valid_until"
        )
    )
    assert windows == {(earlier.starts_at, now_starting.expires_at)}


# -- the second a consent expires: valid_until / expires_at compared with > ----------------


def test_r14_the_partner_lists_nothing_at_the_second_the_consent_expires(world, consent, clock):
    clock.move_to(consent.expires_at - TICK)
    assert _partner_lists_the_case(world)
    clock.move_to(consent.expires_at)
    assert not _partner_lists_the_case(world)


def test_r14_consent_grants_nothing_at_the_second_it_expires(world, consent, clock):
    """Before the sweep, and even with guardian rows a stale sync left in force."""
    CaseGroupObjectPermission.objects.update(valid_until=consent.expires_at + DAY)
    clock.move_to(consent.expires_at - TICK)
    assert _in_force(world) and _opens(world.partner_staff, world)
    clock.move_to(consent.expires_at)
    assert _in_force(world) == {}
    assert not _opens(world.partner_staff, world)
    assert (
        releases_for_cases(viewer=viewer_for(world.partner_staff), case_ids=[world.case.pk])[
            world.case.pk
        ].categories
        == frozenset()
    )


def test_r14_the_partner_no_longer_sees_the_consent_at_the_second_it_expires(world, consent, clock):
    clock.move_to(consent.expires_at - TICK)
    assert _partner_sees_consent(world, consent)
    clock.move_to(consent.expires_at)
    assert not _partner_sees_consent(world, consent)


def test_r14_a_sync_at_the_second_of_expiry_leaves_no_rows(world, consent, clock):
    clock.move_to(consent.expires_at - TICK)
    sync_case_permissions(world.case.pk)
    assert _partner_rows(world) == {VIEW_CASE, *map(category_permission, ["identity", "plan"])}
    clock.move_to(consent.expires_at)
    sync_case_permissions(world.case.pk)
    assert _partner_rows(world) == set()


def test_r14_the_sweep_expires_a_consent_at_the_second_it_expires(world, consent):
    assert services.expire_due_consents(now=consent.expires_at - TICK) == 0
    assert services.expire_due_consents(now=consent.expires_at) == 1
    consent.refresh_from_db()
    assert consent.status == Consent.Status.EXPIRED
    assert _partner_rows(world) == set()


# -- the second a re-signing deadline passes: resign_due_at compared with > ----------------


@pytest.fixture
def awaiting_signature(world: World, consent: Consent, start: datetime) -> Consent:
    """The consent, signed for a minor who has since come of age: it lapses at the deadline
    unless the young person signs it (consent.majority)."""
    Consent.objects.filter(pk=consent.pk).update(resign_due_at=start + 7 * DAY)
    consent.refresh_from_db()
    sync_case_permissions(world.case.pk)
    return consent


def test_r14_a_consent_awaiting_re_signing_grants_nothing_at_the_deadline(
    world, awaiting_signature, clock
):
    CaseGroupObjectPermission.objects.update(valid_until=awaiting_signature.expires_at)
    clock.move_to(awaiting_signature.resign_due_at - TICK)
    assert _in_force(world)
    clock.move_to(awaiting_signature.resign_due_at)
    assert _in_force(world) == {}
    assert not _opens(world.partner_staff, world)


def test_r14_a_sync_at_the_re_signing_deadline_leaves_no_rows(world, awaiting_signature, clock):
    clock.move_to(awaiting_signature.resign_due_at - TICK)
    sync_case_permissions(world.case.pk)
    assert VIEW_CASE in _partner_rows(world)
    ends = CaseGroupObjectPermission.objects.values_list("valid_until", flat=True).distinct()
    assert list(ends) == [awaiting_signature.resign_due_at]  # not the later expiry
    clock.move_to(awaiting_signature.resign_due_at)
    sync_case_permissions(world.case.pk)
    assert _partner_rows(world) == set()


def test_r14_the_sweep_expires_a_consent_at_its_re_signing_deadline(world, awaiting_signature):
    deadline = awaiting_signature.resign_due_at
    assert services.expire_due_consents(now=deadline - TICK) == 0
    assert services.expire_due_consents(now=deadline) == 1


# -- a consent's period when it is drafted (R01) ---------------------------------------------


def _period_errors(world: World, starts_at: datetime, expires_at: datetime) -> list[str]:
    return services.term_errors(
        case=world.case,
        recipient=world.partner,
        categories=["plan"],
        purpose=Consent.Purpose.REFERRAL,
        purpose_text="",
        starts_at=starts_at,
        expires_at=expires_at,
    ).get("expires_at", [])


def test_r01_an_expiry_at_the_second_of_the_start_is_refused(world, clock, start):
    later = start + DAY
    assert _period_errors(world, later, later)
    assert not _period_errors(world, later, later + TICK)


def test_r01_an_expiry_at_this_very_second_is_refused(world, clock, start):
    assert _period_errors(world, start - DAY, start)
    assert not _period_errors(world, start - DAY, start + TICK)


def test_r01_a_period_of_exactly_the_maximum_is_allowed(world, clock, start, settings):
    settings.HARBOR = {**settings.HARBOR, "CONSENT_MAX_DAYS": 30}
    assert not _period_errors(world, start, start + 30 * DAY)
    assert _period_errors(world, start, start + 30 * DAY + TICK)


# -- organization admins are not staff ------------------------------------------------------


def test_an_org_admin_of_the_recipient_gets_nothing_from_its_consent(world, consent):
    admin = f.MembershipFactory(organization=world.partner, role=Membership.Role.ORG_ADMIN).user
    viewer = viewer_for(admin)
    assert not visible_cases(viewer=viewer).exists()
    assert consents_in_force(viewer=viewer, case_ids=[world.case.pk]) == {}
    assert not _opens(admin, world)
    assert not can_open_case_at(viewer=viewer, organization_id=world.partner.pk)


def test_an_org_admin_placed_on_the_care_team_gets_no_rows(world):
    f.CareTeamMemberFactory(
        case=world.case, user=world.org_admin, role=CareTeamMember.Role.SECONDARY
    )
    sync_case_permissions(world.case.pk)
    assert not CaseUserObjectPermission.objects.filter(user=world.org_admin).exists()
    assert not _opens(world.org_admin, world)


# -- a revoked consent whose rows are still there -------------------------------------------


def test_r13_a_revoked_consent_grants_nothing_even_with_its_rows_in_place(world, consent):
    """The policy checks the consent's status itself: it does not rely on the sync having
    removed the rows (here the rows are left as they were, and still in force)."""
    Consent.objects.filter(pk=consent.pk).update(
        status=Consent.Status.REVOKED,
        revoked_at=timezone.now(),
        revocation_channel=RevocationChannel.SPOKEN,
    )
    assert _partner_rows(world)  # the rows a revocation's sync would remove
    assert _in_force(world) == {}
    assert not _opens(world.partner_staff, world)
    assert not _partner_sees_consent(world, consent)
    sync_case_permissions(world.case.pk)
    assert _partner_rows(world) == set()


# -- a primary advocate whose place ended ---------------------------------------------------


def _end_place(world: World) -> None:
    CareTeamMember.objects.filter(case=world.case, user=world.advocate).update(
        until=timezone.localdate()
    )


def test_a_primary_advocate_whose_place_ended_no_longer_manages_the_team(world):
    """Back on the team as a secondary member: on the care team, no longer primary."""
    _end_place(world)
    f.CareTeamMemberFactory(
        case=world.case, user=world.advocate, role=CareTeamMember.Role.SECONDARY
    )
    sync_case_permissions(world.case.pk)
    assert _opens(world.advocate, world, Action.EDIT)
    with pytest.raises(AccessDenied):
        _opens(world.advocate, world, Action.MANAGE_TEAM)


def test_a_primary_advocate_whose_place_ended_loses_the_case(world):
    sync_case_permissions(world.case.pk)
    assert _opens(world.advocate, world, Action.MANAGE_TEAM)
    _end_place(world)
    sync_case_permissions(world.case.pk)
    assert not CaseUserObjectPermission.objects.filter(user=world.advocate).exists()
    assert not _opens(world.advocate, world)


# -- an inactive user -----------------------------------------------------------------------


def test_an_inactive_user_is_nobody_to_the_policy(world):
    """A deactivated account whose memberships and care-team rows are still in place."""
    sync_case_permissions(world.case.pk)
    for user in (world.advocate, world.supervisor, world.young_person):
        user.is_active = False
        user.save(update_fields=["is_active"])
        assert viewer_for(user) == ANONYMOUS
        assert not _opens(user, world)


# -- two syncs of one case at once ----------------------------------------------------------


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.postgres
# Plain, like the other concurrent tests after tests/consent/test_access_log.py's serialized
# one: a serialized_rollback test after this one would fail to reload the content types.
@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_case_at_once_leave_the_rows_both_consents_imply(world):
    """Two consents to one organization activate in two transactions at once, each syncing the
    case. The first holds its transaction open until the second is seen waiting on a lock:
    with the case row locked, the second sync waits for the first and reads what it wrote;
    without the lock it would read around it and insert a row the first already holds."""
    identity, plan = (
        f.ConsentFactory(
            case=world.case,
            recipient=world.partner,
            categories=[category],
            status=Consent.Status.PENDING_SIGNATURE,
        )
        for category in ("identity", "plan")
    )
    first_synced, first_may_commit = threading.Event(), threading.Event()
    second_pid: list[int] = []
    errors: list[BaseException] = []

    def activate(consent: Consent) -> None:
        Consent.objects.filter(pk=consent.pk).update(status=Consent.Status.ACTIVE)
        sync_case_permissions(world.case.pk)

    def first() -> None:
        try:
            with transaction.atomic():
                activate(identity)
                first_synced.set()
                first_may_commit.wait(20)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            with transaction.atomic():
                activate(plan)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_synced.wait(20)
    threads[1].start()
    deadline = time.monotonic() + 20
    while not (second_pid and _waiting_on_a_lock(second_pid[0])):
        assert threads[1].is_alive() and time.monotonic() < deadline, errors
        time.sleep(0.01)
    first_may_commit.set()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    expected = {VIEW_CASE, category_permission("identity"), category_permission("plan")}
    assert _partner_rows(world) == expected
    sync_case_permissions(world.case.pk)  # what a quiet sync would write: the same
    assert _partner_rows(world) == expected
