"""The organization admin's pages: members and roles, the directory entry, and no case data."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import two_factor
from providers.invitations import Invitation
from providers.models import Membership, Organization
from providers.selectors import member_description
from tasks.models import FollowUp
from tasks.retention import run_retention
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


def test_an_address_without_an_account_is_invited_and_holds_no_role_yet(world: World) -> None:
    before = Membership.objects.count()

    response = _client(world.org_admin).post(
        _add_url(world), {"email": "nobody@example.org", "role": "advocate"}
    )

    assert response.status_code == 302
    assert Invitation.objects.pending().filter(email="nobody@example.org").exists()
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


def test_R36_the_admin_resets_a_members_lost_two_step_sign_in(world: World) -> None:
    member = _client(world.other_advocate)  # signed in with their app
    membership = _membership(world, world.other_advocate)
    url = reverse(
        "frontend:organization-member-reset-two-factor", kwargs={"membership_id": membership.pk}
    )

    response = _client(world.org_admin).post(url, follow=True)

    assert "Two-step sign-in was reset" in response.content.decode()
    assert not two_factor.has_confirmed_device(world.other_advocate)
    assert member.get(reverse("frontend:caseload"))["Location"].startswith(
        reverse("frontend:sign-in")
    )


def test_an_admin_cannot_reset_their_own_two_step_sign_in(world: World) -> None:
    membership = _membership(world, world.org_admin, "org_admin")
    url = reverse(
        "frontend:organization-member-reset-two-factor", kwargs={"membership_id": membership.pk}
    )

    response = _client(world.org_admin).post(url, follow=True)

    assert "Another admin must reset" in response.content.decode()
    assert two_factor.has_confirmed_device(world.org_admin)


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
            "description": "  Youth advocacy and case management.  ",
            "service_area": "Travis County\n78701\n",
            "names_staff_to_young_people": "on",
        },
    )

    assert response.status_code == 302
    lead = Organization.objects.get(pk=world.lead.pk)
    assert (lead.name, lead.kind) == ("Lead Youth Collective", "community_based")
    assert lead.service_area == ["Travis County", "78701"]
    assert lead.names_staff_to_young_people
    assert lead.directory_entry.description == "Youth advocacy and case management."


def _two_admins_read_the_entry(world: World) -> tuple[str, tuple, tuple]:
    """The entry's page, and two admins who each opened it: (client, version read) each."""
    url = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})
    second_admin = f.MembershipFactory(organization=world.lead, role="org_admin").user
    version = re.compile(r'name="version" value="([^"]*)"')
    readers = []
    for user in (world.org_admin, second_admin):
        client = _client(user)
        readers.append((client, version.search(client.get(url).content.decode()).group(1)))
    return url, readers[0], readers[1]


def test_r44_a_stale_directory_entry_is_refused_and_keeps_what_was_typed(world: World) -> None:
    url, (first, read_first), (second, read_second) = _two_admins_read_the_entry(world)
    form = {"kind": "community_based", "description": "Youth advocacy.", "service_area": ""}

    saved = first.post(url, {**form, "name": "Their Name", "version": read_first})
    refused = second.post(url, {**form, "name": "My Name", "version": read_second})

    assert saved.status_code == 302
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Someone else saved this record" in page and 'value="My Name"' in page
    assert Organization.objects.get(pk=world.lead.pk).name == "Their Name"


def test_r44_a_change_of_only_the_description_makes_the_entry_stale(world: World) -> None:
    url, (first, read_first), (second, read_second) = _two_admins_read_the_entry(world)
    form = {"name": world.lead.name, "kind": "community_based", "service_area": ""}

    saved = first.post(
        url, {**form, "description": "Drop-in centre, open late.", "version": read_first}
    )
    refused = second.post(url, {**form, "description": "Youth advocacy.", "version": read_second})

    assert saved.status_code == 302 and refused.status_code == 400
    page = refused.content.decode()
    assert "Drop-in centre, open late." in page  # the newer value, in the form error
    assert "Youth advocacy." in page  # what the second admin typed, kept
    assert member_description(Organization.objects.get(pk=world.lead.pk)) == (
        "Drop-in centre, open late."
    )


def test_the_directory_entry_requires_what_the_organization_does(world: World) -> None:
    url = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})

    response = _client(world.org_admin).post(
        url, {"name": "Renamed", "kind": "housing", "description": "   ", "service_area": ""}
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Organization.objects.get(pk=world.lead.pk).name == world.lead.name


def test_a_name_another_organization_has_is_a_field_error(world: World) -> None:
    url = reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})

    response = _client(world.org_admin).post(
        url,
        {
            "name": world.partner.name.upper(),
            "kind": "housing",
            "description": "Housing.",
            "service_area": "",
        },
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


# --- Retention of closed cases (R35) --------------------------------------------------------


def _entry_url(world: World) -> str:
    return reverse("frontend:organization-entry", kwargs={"organization_id": world.lead.pk})


def _retention_url(organization: Organization) -> str:
    return reverse("frontend:organization-retention", kwargs={"organization_id": organization.pk})


def _entry(world: World, **changes: object) -> dict[str, object]:
    return {
        "name": world.lead.name,
        "kind": world.lead.kind,
        "description": "Youth advocacy.",
        "service_area": "",
        **changes,
    }


def test_r35_the_admin_sets_the_retention_period_on_the_directory_entry(world: World) -> None:
    client = _client(world.org_admin)
    assert 'name="closed_case_retention_days"' in client.get(_entry_url(world)).content.decode()

    response = client.post(_entry_url(world), _entry(world, closed_case_retention_days="400"))

    assert response.status_code == 302
    assert Organization.objects.get(pk=world.lead.pk).closed_case_retention_days == 400
    assert Organization.objects.get(pk=world.partner.pk).closed_case_retention_days == 2555


@pytest.mark.parametrize("days", ["10", "-5", "99999", "soon"])
def test_r35_a_retention_period_out_of_range_is_a_form_error(world: World, days: str) -> None:
    response = _client(world.org_admin).post(
        _entry_url(world), _entry(world, closed_case_retention_days=days)
    )

    assert response.status_code == 400
    assert 'id="id_closed_case_retention_days_error"' in response.content.decode()
    assert Organization.objects.get(pk=world.lead.pk).closed_case_retention_days == 2555


def test_r35_the_api_lets_the_admin_set_the_retention_period(world: World, api_for) -> None:
    url = reverse("organization-detail", args=[world.lead.pk])

    assert (
        api_for(world.org_admin).patch(url, {"closed_case_retention_days": 90}).status_code == 200
    )
    assert api_for(world.org_admin).patch(url, {"closed_case_retention_days": 5}).status_code == 400
    assert api_for(world.advocate).patch(url, {"closed_case_retention_days": 60}).status_code == 403
    assert Organization.objects.get(pk=world.lead.pk).closed_case_retention_days == 90


def _expired_case(organization: Organization, alias: str) -> None:
    closed_on = timezone.localdate() - timedelta(days=organization.closed_case_retention_days + 1)
    f.CaseFactory(
        lead_organization=organization,
        person=f.PersonFactory(alias=alias),
        status="closed",
        closed_reason="goals_met",
        opened_on=closed_on - timedelta(days=30),
        closed_on=closed_on,
    )


def test_r35_the_retention_page_shows_the_period_and_this_organizations_counts(
    world: World,
) -> None:
    _expired_case(world.lead, "Quillon")
    _expired_case(world.partner, "Marrowby")
    _expired_case(world.partner, "Tamsin")
    run_retention()

    response = _client(world.org_admin).get(_retention_url(world.lead))

    html = response.content.decode()
    assert response.status_code == 200
    assert "2555 days" in html
    runs = response.context["runs"]
    assert [(row["cases"], row["people"]) for row in runs] == [(1, 1)]
    assert dict((kind, n) for kind, _label, n in runs[0]["counts"])["person"] == 1
    for name in ("Quillon", "Marrowby", "Tamsin"):
        assert name not in html
    assert (
        _retention_url(world.lead) in _client(world.org_admin).get(reverse(PAGE)).content.decode()
    )


@pytest.mark.parametrize("persona", ["advocate", "supervisor", "partner_staff"])
def test_r35_only_the_organizations_admins_see_its_retention_page(
    world: World, persona: str
) -> None:
    response = _client(getattr(world, persona)).get(_retention_url(world.lead))
    assert response.status_code == 404


def test_r35_the_retention_page_costs_the_same_queries_at_two_sizes(
    world: World, constant_queries: object
) -> None:
    client = _client(world.org_admin)
    run_retention()
    with constant_queries(12):
        assert client.get(_retention_url(world.lead)).status_code == 200
    for n in range(3):
        _expired_case(world.lead, f"Person{n}")
        run_retention()
    with constant_queries(12):
        assert client.get(_retention_url(world.lead)).status_code == 200


PRIVACY_CONTACT = {
    "privacy_contact_email": "privacy@lead-org.example.org",
    "privacy_contact_phone": "+1 312 555 0199",
    "privacy_contact_address": "400 Lake Street, Chicago, IL 60601",
    "privacy_policy_url": "https://lead-org.example.org/privacy",
}


def test_r39_the_admin_sets_the_privacy_contact_on_the_directory_entry(world: World) -> None:
    client = _client(world.org_admin)
    assert 'name="privacy_contact_email"' in client.get(_entry_url(world)).content.decode()

    response = client.post(_entry_url(world), _entry(world, **PRIVACY_CONTACT))

    assert response.status_code == 302
    lead = Organization.objects.get(pk=world.lead.pk)
    assert {field: getattr(lead, field) for field in PRIVACY_CONTACT} == PRIVACY_CONTACT


def test_r39_the_api_lets_only_the_admin_set_the_privacy_contact(world: World, api_for) -> None:
    url = reverse("organization-detail", args=[world.lead.pk])

    response = api_for(world.org_admin).patch(url, PRIVACY_CONTACT)
    assert response.status_code == 200
    assert response.json()["privacy_policy_url"] == PRIVACY_CONTACT["privacy_policy_url"]
    assert api_for(world.advocate).patch(url, {"privacy_contact_phone": "1"}).status_code == 403
    refused = api_for(world.org_admin).patch(url, {"privacy_policy_url": "http://plain.example"})
    assert refused.status_code == 400
    lead = Organization.objects.get(pk=world.lead.pk)
    assert {field: getattr(lead, field) for field in PRIVACY_CONTACT} == PRIVACY_CONTACT
