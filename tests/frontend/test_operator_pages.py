"""The site operator's pages (issue 17): organizations created, renamed, switched between
leading cases and only receiving referrals, deactivated and reactivated, and their admins
invited; every change recorded with who and when; no case data anywhere on these pages."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from consent.policy import can_operate_site, viewer_for
from providers.invitations import Invitation
from providers.models import Membership, Organization
from providers.organization_changes import OrganizationChange
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/invitations/([A-Za-z0-9_-]+)/")


_ON_COMMIT: list[Any] = []


@pytest.fixture(autouse=True)
def _mail_goes_on_commit(django_capture_on_commit_callbacks: Any) -> Iterator[None]:
    """Invitation e-mails leave when the transaction commits: ``_post`` runs each request's
    commit callbacks as it ends."""
    _ON_COMMIT.append(django_capture_on_commit_callbacks)
    yield
    _ON_COMMIT.clear()


def _post(client: Client, url: str, data: dict | None = None) -> Any:
    with _ON_COMMIT[-1](execute=True):
        return client.post(url, data or {})


@pytest.fixture
def operator() -> User:
    return f.site_operator(email="operator@example.org")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(client: Client, **fields: str) -> Any:
    data = {
        "name": "Harborlight Youth",
        "kind": "survivor_led",
        "leads_cases": "yes",
        "admin_email": "first.admin@example.org",
        "admin_name": "First Admin",
        **fields,
    }
    return _post(client, reverse("frontend:operator-organization-new"), data)


def test_the_operator_creates_an_organization_and_invites_its_first_admin(operator):
    client = _client(operator)

    response = _create(client)

    organization = Organization.objects.get(name="Harborlight Youth")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "frontend:operator-organization", kwargs={"organization_id": organization.pk}
    )
    assert organization.leads_cases and organization.is_active
    invitation = Invitation.objects.get(organization=organization)
    assert (invitation.email, invitation.role) == ("first.admin@example.org", "org_admin")
    assert invitation.invited_by == operator
    [message] = mail.outbox
    assert message.to == ["first.admin@example.org"]
    assert LINK.search(message.body)
    change = OrganizationChange.objects.get(organization=organization)
    assert (change.action, change.actor, change.after) == ("created", operator, organization.name)
    page = client.get(response["Location"]).content.decode()
    assert "first.admin@example.org" in page
    assert "The organization is created. The invitation is sent." in page


def test_the_first_admin_accepts_and_administers_the_new_organization(operator):
    _create(_client(operator))
    token = LINK.search(mail.outbox[-1].body).group(1)

    response = Client().post(
        reverse("frontend:invitation-accept", kwargs={"token": token}),
        {
            "password1": "a long and lovely password 9",
            "password2": "a long and lovely password 9",
        },
    )

    assert response.status_code == 302
    admin = User.objects.get(email="first.admin@example.org")
    membership = admin.memberships.get()
    assert membership.role == Membership.Role.ORG_ADMIN
    assert membership.organization.name == "Harborlight Youth"
    assert membership.organization.membership_changes.get().actor == operator


def test_an_organization_that_only_receives_referrals_leads_no_case(operator, world: World):
    _create(_client(operator), leads_cases="no", admin_email="")
    clinic = Organization.objects.get(name="Harborlight Youth")
    advocate = f.MembershipFactory(organization=clinic, role=Membership.Role.ADVOCATE).user

    client = _client(advocate)

    form = client.get(reverse("frontend:case-open")).content.decode()
    response = client.post(
        reverse("frontend:case-open"),
        {"alias": "Robin", "lead_organization": clinic.pk, "birth_date_precision": "unknown"},
    )

    assert not clinic.leads_cases
    assert f'value="{clinic.pk}"' not in form
    assert response.status_code == 400
    assert not Case.objects.filter(lead_organization=clinic).exists()


def test_a_bad_form_keeps_nothing_and_says_what_to_fix(operator, world: World):
    client = _client(operator)
    before = Organization.objects.count()

    response = _create(client, name=world.lead.name.upper(), admin_email="not an address")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert Organization.objects.count() == before
    assert not Invitation.objects.exists()


def test_a_refused_invitation_leaves_no_organization_behind(operator):
    taken = f.site_operator(email="another.operator@example.org")

    response = _create(_client(operator), admin_email=taken.email)

    assert response.status_code == 400
    assert "site operator" in response.content.decode()
    assert not Organization.objects.filter(name="Harborlight Youth").exists()
    assert not OrganizationChange.objects.exists()


def test_renaming_and_switching_are_recorded_with_who_and_when(operator, world: World):
    client = _client(operator)
    url = reverse("frontend:operator-organization", kwargs={"organization_id": world.lead.pk})

    response = client.post(url, {"name": "Haven Renamed", "kind": "legal", "leads_cases": "no"})

    assert response.status_code == 302
    world.lead.refresh_from_db()
    assert (world.lead.name, world.lead.kind, world.lead.leads_cases) == (
        "Haven Renamed",
        "legal",
        False,
    )
    changes = {c.action: c for c in OrganizationChange.objects.filter(organization=world.lead)}
    assert set(changes) == {"renamed", "kind_changed", "leads_cases_changed"}
    assert all(change.actor == operator and change.at for change in changes.values())
    assert changes["renamed"].after == "Haven Renamed"
    page = client.get(url).content.decode()
    assert "Haven Renamed" in page and "Receives referrals only" in page


def test_deactivating_ends_members_access_and_keeps_the_cases(operator, world: World):
    client = _client(operator)
    pending = Invitation.objects.create(
        organization=world.lead,
        email="waiting@example.org",
        role="advocate",
        token_hash="x" * 64,
        expires_at=world.case.created_at.replace(year=2100),
    )
    url = reverse(
        "frontend:operator-organization-active", kwargs={"organization_id": world.lead.pk}
    )

    response = client.post(url, {"active": "0"})

    assert response.status_code == 302
    world.lead.refresh_from_db()
    assert not world.lead.is_active
    assert viewer_for(world.advocate).roles == {}
    advocate_page = _client(world.advocate).get(
        reverse("frontend:case", kwargs={"case_id": world.case.pk})
    )
    assert advocate_page.status_code == 404
    assert Case.objects.filter(pk=world.case.pk).exists()
    pending.refresh_from_db()
    assert pending.ended_at is not None

    client.post(url, {"active": "1"})

    world.lead.refresh_from_db()
    assert world.lead.is_active
    assert viewer_for(world.advocate).roles
    actions = list(
        OrganizationChange.objects.filter(organization=world.lead).values_list("action", flat=True)
    )
    assert actions == ["reactivated", "deactivated"]


def test_the_operator_sees_no_case_data(operator, world: World, api_for):
    client = _client(operator)
    person = world.case.person
    person.alias = "Zephyrine"
    person.save()

    pages = [
        client.get(reverse("frontend:operator-organizations")),
        client.get(
            reverse("frontend:operator-organization", kwargs={"organization_id": world.lead.pk})
        ),
    ]

    assert all(page.status_code == 200 for page in pages)
    assert not any("Zephyrine" in page.content.decode() for page in pages)
    assert (
        client.get(reverse("frontend:case", kwargs={"case_id": world.case.pk})).status_code == 404
    )
    assert client.get(reverse("frontend:caseload")).status_code == 404
    api = api_for(operator)
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert api.get(f"/api/v1/cases/{world.case.pk}/").status_code == 404


def test_an_operator_account_takes_no_role(operator, world: World):
    response = _client(world.org_admin).post(
        reverse("frontend:organization-add-member", kwargs={"organization_id": world.lead.pk}),
        {"email": operator.email, "full_name": "", "role": "advocate"},
    )

    assert response.status_code == 400
    assert not operator.memberships.exists()
    assert can_operate_site(viewer=viewer_for(operator), user=operator)


def test_the_operator_lands_on_the_organizations_and_sees_them_in_the_menu(operator):
    client = _client(operator)

    response = client.get(reverse("frontend:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:operator-organizations")
    page = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("frontend:operator-organizations")}"' in page


def test_a_staff_account_without_the_permission_is_no_operator(world: World):
    staff = f.UserFactory(is_staff=True)

    response = _client(staff).get(reverse("frontend:operator-organizations"))

    assert response.status_code == 404


def test_a_member_of_an_organization_is_no_operator_even_with_the_permission(world: World):
    world.org_admin.is_staff = True
    world.org_admin.save()
    world.org_admin.user_permissions.add(Permission.objects.get(codename="operate_site"))

    response = _client(world.org_admin).get(reverse("frontend:operator-organizations"))

    assert response.status_code == 404


def test_the_operator_resends_and_cancels_an_admin_invitation(operator):
    client = _client(operator)
    _create(client)
    first = Invitation.objects.get()

    _post(
        client, reverse("frontend:operator-invitation-resend", kwargs={"invitation_id": first.pk})
    )

    first.refresh_from_db()
    second = Invitation.objects.exclude(pk=first.pk).get()
    assert first.ended_at is not None and second.ended_at is None
    assert len(mail.outbox) == 2
    client.post(reverse("frontend:operator-invitation-cancel", kwargs={"invitation_id": second.pk}))
    second.refresh_from_db()
    assert second.ended_at is not None


def test_the_operator_handles_no_staff_invitation_of_an_organization(operator, world: World):
    staff_invitation = Invitation.objects.create(
        organization=world.lead,
        email="advocate.to.be@example.org",
        role="advocate",
        token_hash="y" * 64,
        expires_at=world.case.created_at.replace(year=2100),
    )

    response = _client(operator).post(
        reverse(
            "frontend:operator-invitation-cancel", kwargs={"invitation_id": staff_invitation.pk}
        )
    )

    assert response.status_code == 404
    staff_invitation.refresh_from_db()
    assert staff_invitation.ended_at is None


def test_the_operator_invites_no_admin_where_one_is_active(operator, world: World):
    """Issue 17: the operator invites an organization's first admin; then its admins do
    (the same rule as ``POST /api/v1/invitations/``)."""
    client = _client(operator)
    url = reverse(
        "frontend:operator-organization-invite", kwargs={"organization_id": world.lead.pk}
    )

    page = client.get(
        reverse("frontend:operator-organization", kwargs={"organization_id": world.lead.pk})
    )
    response = _post(client, url, {"admin_email": "second.admin@example.org", "admin_name": ""})

    assert "You invite an admin only while it has none." in page.content.decode()
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="second.admin@example.org").exists()
    world.org_admin.memberships.update(is_active=False)
    again = _post(client, url, {"admin_email": "second.admin@example.org", "admin_name": ""})
    assert again.status_code == 302
    assert Invitation.objects.filter(email="second.admin@example.org", role="org_admin").exists()
