"""Issue 16, finding 1: nobody gives themself a role that reads case data; every role change
is recorded and the organization's supervisors are told, whichever door made it."""

import pytest
from django.test import Client
from django.urls import reverse

from consent.policy import STAFF_ROLES
from providers.errors import SelfGrantRefused
from providers.models import CASE_READING_ROLES, AppendOnlyError, Membership, MembershipChange
from providers.services import add_membership, change_membership_role, set_membership_active
from tasks.messages import render_notification
from tasks.models import Notification
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

SELF_GRANT = "You cannot give yourself a role that reads case data."
Action = MembershipChange.Action


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _role_notices() -> list[Notification]:
    return list(Notification.objects.filter(reason=Notification.Reason.ROLE_CHANGED))


def _own_admin_membership(world: World) -> Membership:
    return Membership.objects.get(user=world.org_admin, organization=world.lead, role="org_admin")


def _second_admin(world: World) -> object:
    other = f.UserFactory(email="second.admin@example.org")
    f.MembershipFactory(user=other, organization=world.lead, role="org_admin")
    return other


def test_the_roles_refused_as_a_self_grant_are_the_roles_the_policy_lets_read_cases() -> None:
    assert CASE_READING_ROLES == STAFF_ROLES
    assert set(Membership.Role.values) - CASE_READING_ROLES == {"org_admin"}


# The exact probe of the finding, through the API


def test_an_org_admin_adding_themself_as_supervisor_gets_403_and_no_case(world: World, api_for):
    client = api_for(world.org_admin)
    before = (Membership.objects.count(), MembershipChange.objects.count())

    response = client.post(
        reverse("membership-list"),
        {"organization": world.lead.pk, "email": world.org_admin.email, "role": "supervisor"},
    )

    assert response.status_code == 403
    assert SELF_GRANT in str(response.data["detail"])
    assert (Membership.objects.count(), MembershipChange.objects.count()) == before
    assert client.get(reverse("case-detail", args=[world.case.pk])).status_code == 404


@pytest.mark.parametrize("role", sorted(CASE_READING_ROLES))
def test_no_case_reading_role_is_a_self_grant_whatever_the_case_of_the_email(
    world: World, api_for, role: str
):
    response = api_for(world.org_admin).post(
        reverse("membership-list"),
        {"organization": world.lead.pk, "email": world.org_admin.email.upper(), "role": role},
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.org_admin, role=role).exists()


def test_another_org_admin_gives_that_person_the_supervisor_role(world: World, api_for):
    other = _second_admin(world)

    response = api_for(other).post(
        reverse("membership-list"),
        {"organization": world.lead.pk, "email": world.org_admin.email, "role": "supervisor"},
    )

    assert response.status_code == 201, response.data
    change = MembershipChange.objects.get(member=world.org_admin, to_role="supervisor")
    assert (change.actor, change.action, change.organization) == (other, Action.ADDED, world.lead)
    assert (
        api_for(world.org_admin).get(reverse("case-detail", args=[world.case.pk])).status_code
        == 200
    )


def test_an_org_admin_cannot_restore_their_own_suspended_case_reading_role(world: World, api_for):
    own = f.MembershipFactory(
        user=world.org_admin, organization=world.lead, role="advocate", is_active=False
    )

    response = api_for(world.org_admin).post(reverse("membership-restore", args=[own.pk]))

    assert response.status_code == 403
    own.refresh_from_db()
    assert not own.is_active
    assert not MembershipChange.objects.exists()


def test_an_org_admin_may_suspend_their_own_case_reading_role_and_it_is_recorded(
    world: World, api_for
):
    own = f.MembershipFactory(user=world.org_admin, organization=world.lead, role="intake")

    response = api_for(world.org_admin).post(reverse("membership-suspend", args=[own.pk]))

    assert response.status_code == 200
    change = MembershipChange.objects.get()
    assert (change.action, change.from_active, change.to_active) == (Action.SUSPENDED, True, False)


def test_the_api_lists_recent_role_changes_to_the_organizations_admins(world: World, api_for):
    add_membership(
        organization=world.lead, email="new@example.org", role="intake", actor=world.org_admin
    )

    response = api_for(world.org_admin).get(
        reverse("membership-change-list"), {"organization": world.lead.pk}
    )

    assert response.status_code == 200
    [row] = response.data["results"]
    assert (row["action"], row["to_role"], row["actor_email"], row["member_email"]) == (
        "added",
        "intake",
        world.org_admin.email,
        "new@example.org",
    )
    assert api_for(world.partner_staff).get(reverse("membership-change-list")).data["results"] == []


# The service layer: every door (and a future invitation) inherits the rule


@pytest.mark.parametrize("role", sorted(CASE_READING_ROLES))
def test_the_service_refuses_a_self_grant_of_any_case_reading_role(world: World, role: str):
    with pytest.raises(SelfGrantRefused):
        add_membership(
            organization=world.lead, email=world.org_admin.email, role=role, actor=world.org_admin
        )
    with pytest.raises(SelfGrantRefused):
        change_membership_role(
            membership=_own_admin_membership(world), role=role, actor=world.org_admin
        )
    assert _own_admin_membership(world).role == "org_admin"
    assert not MembershipChange.objects.exists()


def test_the_site_operator_gives_a_case_reading_role_and_it_is_recorded(world: World):
    membership = add_membership(
        organization=world.lead, email=world.org_admin.email, role="supervisor", actor=None
    )

    change = MembershipChange.objects.get()
    assert (change.actor, change.member, change.to_role) == (None, world.org_admin, "supervisor")
    assert membership.is_active


def test_a_supervisor_giving_up_their_own_role_for_admin_is_allowed(world: World):
    membership = Membership.objects.get(user=world.supervisor, organization=world.lead)

    change_membership_role(membership=membership, role="org_admin", actor=world.supervisor)

    change = MembershipChange.objects.get()
    assert (change.from_role, change.to_role, change.action) == (
        "supervisor",
        "org_admin",
        Action.ROLE_CHANGED,
    )


def test_every_kind_of_role_change_is_recorded_with_who_whom_from_to_and_when(world: World):
    admin = world.org_admin
    membership = add_membership(
        organization=world.lead, email="new@example.org", role="intake", actor=admin
    )
    set_membership_active(membership=membership, active=False, actor=admin)
    set_membership_active(membership=membership, active=True, actor=admin)
    change_membership_role(membership=membership, role="advocate", actor=admin)

    rows = list(
        MembershipChange.objects.order_by("pk").values_list(
            "action", "from_role", "to_role", "from_active", "to_active", "actor_id", "member_id"
        )
    )
    member = membership.user_id
    assert rows == [
        (Action.ADDED, "", "intake", None, True, admin.pk, member),
        (Action.SUSPENDED, "intake", "intake", True, False, admin.pk, member),
        (Action.RESTORED, "intake", "intake", False, True, admin.pk, member),
        (Action.ROLE_CHANGED, "intake", "advocate", True, True, admin.pk, member),
    ]
    assert all(change.at is not None for change in MembershipChange.objects.all())


def test_a_recorded_role_change_is_never_edited_or_deleted(world: World):
    add_membership(
        organization=world.lead, email="new@example.org", role="intake", actor=world.org_admin
    )
    change = MembershipChange.objects.get()

    change.to_role = "org_admin"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()


# The organization's supervisors are told, with no personal data


def test_each_active_supervisor_of_the_organization_is_told_of_a_role_change(world: World):
    suspended = f.UserFactory()
    f.MembershipFactory(user=suspended, organization=world.lead, role="supervisor", is_active=False)
    elsewhere = f.UserFactory()
    f.MembershipFactory(user=elsewhere, organization=world.partner, role="supervisor")

    add_membership(
        organization=world.lead, email="new@example.org", role="intake", actor=world.org_admin
    )

    told = {n.recipient_id for n in _role_notices()}
    assert told == {world.supervisor.pk}


def test_each_recorded_change_is_a_separate_notice(world: World):
    membership = add_membership(
        organization=world.lead, email="new@example.org", role="intake", actor=world.org_admin
    )
    set_membership_active(membership=membership, active=False, actor=world.org_admin)

    in_app = [n for n in _role_notices() if n.channel == Notification.Channel.IN_APP]
    assert len(in_app) == 2


def test_a_refused_self_grant_tells_nobody(world: World):
    with pytest.raises(SelfGrantRefused):
        add_membership(
            organization=world.lead,
            email=world.org_admin.email,
            role="supervisor",
            actor=world.org_admin,
        )

    assert _role_notices() == []


def test_the_role_change_notice_carries_no_personal_data(world: World):
    world.org_admin.full_name = "Orla Admin"
    world.org_admin.save()
    add_membership(
        organization=world.lead,
        email="zephyrine.newcomer@example.org",
        role="intake",
        full_name="Zephyrine Newcomer",
        actor=world.org_admin,
    )

    for notification in _role_notices():
        message = render_notification(notification)
        text = f"{message.subject}\n{message.body}"
        for secret in ("Zephyrine", "zephyrine", "Orla", world.org_admin.email, world.lead.name):
            assert secret not in text
        assert "Intake" not in text and "intake" not in text
        assert "role changed" in message.subject


# The web pages


def test_the_add_member_page_refuses_a_self_grant_with_a_clear_message(world: World):
    url = reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk})

    response = _client(world.org_admin).post(
        url, {"email": world.org_admin.email, "role": "supervisor"}
    )

    assert response.status_code == 403
    assert SELF_GRANT in response.content.decode()
    assert not Membership.objects.filter(user=world.org_admin, role="supervisor").exists()


def test_the_role_page_refuses_moving_ones_own_role_onto_a_case_reading_one(world: World):
    _second_admin(world)  # so the last-admin rule is not what refuses
    membership = _own_admin_membership(world)
    url = reverse("frontend:organization-member-role", kwargs={"membership_id": membership.pk})

    response = _client(world.org_admin).post(url, {"role": "advocate"})

    assert response.status_code == 403
    assert SELF_GRANT in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "org_admin"


def test_the_members_page_refuses_restoring_ones_own_case_reading_role(world: World):
    own = f.MembershipFactory(
        user=world.org_admin, organization=world.lead, role="supervisor", is_active=False
    )
    url = reverse("frontend:organization-member-active", kwargs={"membership_id": own.pk})

    response = _client(world.org_admin).post(url, {"active": "1"}, follow=True)

    assert SELF_GRANT in response.content.decode()
    own.refresh_from_db()
    assert not own.is_active


def test_the_members_page_lists_recent_role_changes(world: World):
    other = _second_admin(world)
    add_membership(
        organization=world.lead, email=world.org_admin.email, role="supervisor", actor=other
    )

    body = _client(world.org_admin).get(reverse("frontend:organization")).content.decode()

    assert "Recent role changes" in body
    assert "second.admin@example.org" in body
    assert "Role given" in body
