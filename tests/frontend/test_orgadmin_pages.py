"""The organization admin's pages: members and roles, the directory entry, and no case data."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from providers.models import Membership, Organization
from tasks.models import FollowUp
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

PAGE = "frontend:organization"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _membership(world: World, user: object, role: str = "advocate") -> Membership:
    return Membership.objects.get(user=user, organization=world.lead, role=role)


def _add_url(world: World) -> str:
    return reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk})


def test_the_admin_sees_the_members_and_their_roles(world: World) -> None:
    body = _client(world.org_admin).get(reverse(PAGE)).content.decode()

    for user in (world.advocate, world.other_advocate, world.supervisor, world.intake):
        assert user.email in body
    assert world.partner_staff.email not in body
    assert "Supervisor" in body and "Organization admin" in body


def test_the_admin_page_shows_no_case_data(world: World) -> None:
    case = world.case
    case.person.alias, case.person.legal_name = "Quillon", "Quillon Ashgrove"
    case.person.save()
    FollowUp.objects.create(
        case=case,
        kind=FollowUp.Kind.OTHER,
        organization=world.lead,
        assignee=world.advocate,
        due_at=timezone.now() - timedelta(days=1),
        description="Call back about Ashgrove",
    )
    client = _client(world.org_admin)

    pages = [
        reverse(PAGE),
        _add_url(world),
        reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk}),
        reverse(
            "frontend:organization-member-role",
            kwargs={"membership_id": _membership(world, world.advocate).pk},
        ),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "Quillon" not in body and "Ashgrove" not in body
        assert f"Case {case.pk}" not in body
    # ... and the continuity pages, which carry case ids, are not theirs.
    assert client.get(reverse("frontend:supervisor-dashboard")).status_code == 404


def test_the_admin_adds_an_existing_user_with_a_role(world: World) -> None:
    newcomer = f.UserFactory(email="newcomer@example.org")
    client = _client(world.org_admin)

    response = client.post(_add_url(world), {"email": "Newcomer@example.org", "role": "intake"})

    assert response.status_code == 302
    assert Membership.objects.filter(
        user=newcomer, organization=world.lead, role="intake", is_active=True
    ).exists()
    assert "The member was added." in client.get(response["Location"]).content.decode()


def test_an_unknown_email_is_a_field_error_and_creates_nobody(world: World) -> None:
    before = Membership.objects.count()

    response = _client(world.org_admin).post(
        _add_url(world), {"email": "nobody@example.org", "role": "advocate"}
    )

    assert response.status_code == 400
    assert "No active Harbor account has this e-mail address." in response.content.decode()
    assert Membership.objects.count() == before


def test_a_role_the_person_already_holds_is_a_form_error(world: World) -> None:
    before = Membership.objects.count()

    response = _client(world.org_admin).post(
        _add_url(world), {"email": world.advocate.email, "role": "advocate"}
    )

    assert response.status_code == 400
    assert "already has this role here" in response.content.decode()
    assert Membership.objects.count() == before


def test_the_admin_suspends_and_restores_a_role(world: World) -> None:
    membership = _membership(world, world.other_advocate)
    url = reverse("frontend:organization-member-active", kwargs={"membership_id": membership.pk})
    client = _client(world.org_admin)

    assert client.post(url, {"active": "0"}).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active

    assert client.post(url, {"active": "1"}).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active


def test_the_last_active_admin_cannot_suspend_their_own_role(world: World) -> None:
    membership = _membership(world, world.org_admin, "org_admin")
    url = reverse("frontend:organization-member-active", kwargs={"membership_id": membership.pk})
    client = _client(world.org_admin)

    response = client.post(url, {"active": "0"}, follow=True)

    assert "at least one active admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


def test_the_admin_changes_a_members_role(world: World) -> None:
    membership = _membership(world, world.other_advocate)
    url = reverse("frontend:organization-member-role", kwargs={"membership_id": membership.pk})

    response = _client(world.org_admin).post(url, {"role": "supervisor"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "supervisor"


def test_a_role_change_onto_a_role_already_held_is_a_form_error(world: World) -> None:
    f.MembershipFactory(user=world.other_advocate, organization=world.lead, role="intake")
    membership = _membership(world, world.other_advocate)
    url = reverse("frontend:organization-member-role", kwargs={"membership_id": membership.pk})

    response = _client(world.org_admin).post(url, {"role": "intake"})

    assert response.status_code == 400
    assert "already has this role here" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "advocate"


def test_the_admin_edits_the_directory_entry(world: World) -> None:
    url = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})

    response = _client(world.org_admin).post(
        url,
        {
            "name": "Lead Youth Collective",
            "kind": "community_based",
            "service_area": "Travis County\n78701\n",
            "names_staff_to_young_people": "on",
        },
    )

    assert response.status_code == 302
    lead = Organization.objects.get(pk=world.lead.pk)
    assert (lead.name, lead.kind) == ("Lead Youth Collective", "community_based")
    assert lead.service_area == ["Travis County", "78701"]
    assert lead.names_staff_to_young_people


def test_a_name_another_organization_has_is_a_field_error(world: World) -> None:
    url = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})

    response = _client(world.org_admin).post(
        url, {"name": world.partner.name.upper(), "kind": "housing", "service_area": ""}
    )

    assert response.status_code == 400
    assert "An organization with this name already exists." in response.content.decode()
    assert Organization.objects.get(pk=world.lead.pk).name == world.lead.name


@pytest.mark.parametrize("persona", ["advocate", "supervisor", "intake", "partner_staff"])
def test_people_who_are_not_its_admins_get_404(world: World, persona: str) -> None:
    client = _client(getattr(world, persona))
    membership = _membership(world, world.other_advocate)

    assert client.get(reverse(PAGE)).status_code == 404
    assert client.get(_add_url(world)).status_code == 404
    url = reverse("frontend:organization-member-active", kwargs={"membership_id": membership.pk})
    assert client.post(url, {"active": "0"}).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_an_admin_elsewhere_cannot_manage_this_organizations_members(world: World) -> None:
    elsewhere = f.MembershipFactory(organization=world.partner, role="org_admin").user
    client = _client(elsewhere)
    membership = _membership(world, world.other_advocate)

    assert client.get(f"{reverse(PAGE)}?organization={world.lead.pk}").status_code == 404
    url = reverse("frontend:organization-member-role", kwargs={"membership_id": membership.pk})
    assert client.post(url, {"role": "supervisor"}).status_code == 404
    membership.refresh_from_db()
    assert membership.role == "advocate"


def test_the_members_page_costs_the_same_queries_at_two_sizes(
    world: World, constant_queries: object
) -> None:
    client = _client(world.org_admin)
    client.get(reverse(PAGE))
    with constant_queries(15):
        assert client.get(reverse(PAGE)).status_code == 200
    for _ in range(5):
        f.MembershipFactory(organization=world.lead, role="advocate")
    with constant_queries(15):
        assert client.get(reverse(PAGE)).status_code == 200
