"""Organizations, the service taxonomy, memberships, the signed-in user, and API tokens."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from providers.models import Membership, ServiceType
from tests import factories as f
from tests.two_factor import app_code, app_device

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def _membership(world, user) -> Membership:
    return Membership.objects.get(user=user, organization=world.lead)


def _add(client, organization, email: str, role: str = "advocate", **extra):
    return client.post(
        reverse("membership-list"),
        {"organization": organization.pk, "email": email, "role": role, **extra},
    )


# Organizations and the service taxonomy


def test_every_signed_in_user_lists_active_organizations(world, api_for):
    closed = f.OrganizationFactory(is_active=False)

    response = api_for(world.young_person).get(reverse("organization-list"))

    assert response.status_code == 200
    assert {world.lead.pk, world.partner.pk} <= set(_ids(response))
    assert closed.pk not in _ids(response)


def test_an_organization_is_read_by_id(world, api_for):
    response = api_for(world.partner_staff).get(
        reverse("organization-detail", args=[world.lead.pk])
    )

    assert response.data["name"] == world.lead.name


def test_an_org_admin_neither_creates_nor_deactivates_organizations(world, api_for):
    """Issue 17: that is the site operator's (tests/api/test_operator_api.py)."""
    client = api_for(world.org_admin)
    url = reverse("organization-detail", args=[world.lead.pk])

    assert client.post(reverse("organization-list"), {"name": "X"}).status_code == 403
    assert client.put(url, {"name": "X"}).status_code == 405
    response = client.patch(url, {"name": "X", "is_active": False}, format="json")

    assert response.status_code == 403
    assert "is_active" in response.data["detail"]
    world.lead.refresh_from_db()
    assert (world.lead.name, world.lead.is_active) == ("Lead Community Org", True)


def test_anonymous_cannot_list_organizations(world, api_for):
    assert api_for(None).get(reverse("organization-list")).status_code in (401, 403)


def test_organization_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.advocate)
    with constant_queries(1):
        client.get(reverse("organization-list"))
    for _ in range(48):
        f.OrganizationFactory()

    with constant_queries(1):
        response = client.get(reverse("organization-list"))
    assert len(response.data["results"]) == 50


def test_service_types_list_the_seeded_active_taxonomy(world, api_for):
    retired = ServiceType.objects.create(code="retired_x", name="Retired", is_active=False)

    response = api_for(world.advocate).get(reverse("service-type-list"), {"page_size": 200})

    codes = {row["code"] for row in response.data["results"]}
    assert "case_management" in codes
    assert retired.code not in codes


def test_service_type_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.advocate)
    ServiceType.objects.exclude(pk=ServiceType.objects.order_by("pk").first().pk).update(
        is_active=False
    )
    with constant_queries(1):
        assert len(client.get(reverse("service-type-list")).data["results"]) == 1
    for n in range(49):
        ServiceType.objects.create(code=f"extra_{n}", name=f"Extra {n}")

    with constant_queries(1):
        response = client.get(reverse("service-type-list"))
    assert len(response.data["results"]) == 50


# Memberships


def test_staff_see_only_their_own_memberships(world, api_for):
    response = api_for(world.advocate).get(reverse("membership-list"))

    assert _ids(response) == [_membership(world, world.advocate).pk]


@pytest.mark.parametrize("persona", ["org_admin", "supervisor"])
def test_admins_and_supervisors_see_the_organizations_memberships(world, api_for, persona):
    response = api_for(getattr(world, persona)).get(
        reverse("membership-list"), {"organization": world.lead.pk}
    )

    expected = set(Membership.objects.filter(organization=world.lead).values_list("pk", flat=True))
    assert set(_ids(response)) == expected


def test_memberships_of_another_organization_are_invisible(world, api_for):
    membership = _membership(world, world.advocate)
    client = api_for(world.partner_staff)

    assert client.get(reverse("membership-detail", args=[membership.pk])).status_code == 404
    assert client.post(reverse("membership-suspend", args=[membership.pk])).status_code == 404


def test_org_admin_adds_a_newcomer_by_email_creating_their_account(world, api_for):
    response = _add(
        api_for(world.org_admin), world.lead, " New.Person@Example.org ", full_name="New Person"
    )

    assert response.status_code == 201, response.data
    user = User.objects.get(email="new.person@example.org")
    assert (user.full_name, user.has_usable_password()) == ("New Person", False)
    assert response.data["user"] == user.pk
    assert response.data["role"] == "advocate"


def test_org_admin_gives_an_existing_account_a_role(world, api_for):
    response = _add(api_for(world.org_admin), world.lead, world.partner_staff.email)

    assert response.status_code == 201
    assert response.data["user"] == world.partner_staff.pk
    assert User.objects.filter(email__iexact=world.partner_staff.email).count() == 1


def test_the_same_role_cannot_be_given_twice(world, api_for):
    response = _add(api_for(world.org_admin), world.lead, world.advocate.email)

    assert response.status_code == 400
    assert "role" in response.data


def test_a_young_persons_portal_login_cannot_get_a_staff_role(world, api_for):
    response = _add(api_for(world.org_admin), world.lead, world.young_person.email)

    assert response.status_code == 400
    assert "email" in response.data
    assert not Membership.objects.filter(user=world.young_person).exists()


def test_an_unknown_role_is_a_field_error(world, api_for):
    response = _add(api_for(world.org_admin), world.lead, "x@example.org", role="boss")

    assert response.status_code == 400
    assert "role" in response.data
    assert not User.objects.filter(email="x@example.org").exists()


@pytest.mark.parametrize("persona", ["supervisor", "advocate", "superuser"])
def test_only_an_org_admin_adds_memberships(world, api_for, persona):
    response = _add(api_for(getattr(world, persona)), world.lead, "x@example.org")

    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_an_org_admin_cannot_add_staff_to_another_organization(world, api_for):
    response = _add(api_for(world.org_admin), world.partner, "x@example.org")

    assert response.status_code == 403


def test_suspending_an_advocate_hides_their_cases_at_once(world, api_for):
    membership = _membership(world, world.advocate)
    assert (
        api_for(world.advocate).get(reverse("case-detail", args=[world.case.pk])).status_code == 200
    )

    response = api_for(world.org_admin).post(reverse("membership-suspend", args=[membership.pk]))

    assert response.status_code == 200
    assert response.data["is_active"] is False
    client = api_for(world.advocate)
    assert client.get(reverse("case-detail", args=[world.case.pk])).status_code == 404
    assert _ids(client.get(reverse("case-list"))) == []


def test_restoring_a_membership_gives_the_cases_back(world, api_for):
    membership = _membership(world, world.advocate)
    admin = api_for(world.org_admin)
    admin.post(reverse("membership-suspend", args=[membership.pk]))

    response = admin.post(reverse("membership-restore", args=[membership.pk]))

    assert response.data["is_active"] is True
    case = api_for(world.advocate).get(reverse("case-detail", args=[world.case.pk]))
    assert case.status_code == 200


def test_adding_a_suspended_role_again_restores_it(world, api_for):
    membership = _membership(world, world.advocate)
    admin = api_for(world.org_admin)
    admin.post(reverse("membership-suspend", args=[membership.pk]))

    response = _add(admin, world.lead, world.advocate.email)

    assert response.status_code == 201
    membership.refresh_from_db()
    assert membership.is_active is True


def test_a_supervisor_sees_but_cannot_suspend_a_membership(world, api_for):
    membership = _membership(world, world.advocate)

    response = api_for(world.supervisor).post(reverse("membership-suspend", args=[membership.pk]))

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_active is True


def test_membership_list_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.org_admin)
    with constant_queries(3):  # viewer (2), page with users
        client.get(reverse("membership-list"))
    for _ in range(45):
        f.MembershipFactory(organization=world.lead)

    with constant_queries(3):
        response = client.get(reverse("membership-list"))
    assert len(response.data["results"]) == 50


# The signed-in user and tokens


def test_me_names_the_roles_per_organization(world, api_for):
    f.MembershipFactory(user=world.supervisor, organization=world.lead, role="intake")

    response = api_for(world.supervisor).get(reverse("me"))

    assert response.status_code == 200
    assert response.data["roles"] == {str(world.lead.pk): ["intake", "supervisor"]}
    assert response.data["person"] is None


def test_me_names_the_young_persons_own_record(world, api_for):
    response = api_for(world.young_person).get(reverse("me"))

    assert response.data["roles"] == {}
    assert response.data["person"] == world.case.person_id


def test_me_leaves_out_suspended_roles(world, api_for):
    Membership.objects.filter(user=world.advocate).update(is_active=False)

    response = api_for(world.advocate).get(reverse("me"))

    assert response.data["roles"] == {}


def test_anonymous_has_no_me(world, api_for):
    assert api_for(None).get(reverse("me")).status_code in (401, 403)


def test_a_token_from_email_and_password_signs_in_later_requests(world):
    client = APIClient()
    issued = client.post(
        reverse("auth-token"),
        {
            "username": world.advocate.email,
            "password": PASSWORD,
            "code": app_code(app_device(world.advocate)),
        },
    )
    assert issued.status_code == 200

    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.data['token']}")
    response = client.get(reverse("me"))

    assert response.status_code == 200
    assert response.data["id"] == world.advocate.pk


def test_a_wrong_password_gets_no_token(world):
    response = APIClient().post(
        reverse("auth-token"), {"username": world.advocate.email, "password": "wrong"}
    )

    assert response.status_code == 400
    assert "token" not in response.data


def test_an_unknown_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get(reverse("me")).status_code in (401, 403)


def test_a_token_gives_no_more_than_the_users_own_access(world):
    client = APIClient()
    issued = client.post(
        reverse("auth-token"),
        {
            "username": world.partner_staff.email,
            "password": PASSWORD,
            "code": app_code(app_device(world.partner_staff)),
        },
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.data['token']}")

    assert client.get(reverse("case-detail", args=[world.case.pk])).status_code == 404
