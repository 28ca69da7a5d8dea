"""The site operator through the API (issue 17): ``POST/PATCH /api/v1/organizations/`` for
the operator only, ``/api/v1/organization-changes/`` with who and when, and the same rules as
the operator's pages (tests/frontend/test_operator_pages.py)."""

import pytest
from django.urls import reverse

from providers.models import Organization
from providers.organization_changes import OrganizationChange
from tests import factories as f

pytestmark = pytest.mark.django_db

NOT_OPERATORS = (
    "advocate",
    "supervisor",
    "intake",
    "org_admin",
    "partner_staff",
    "young_person",
)


@pytest.fixture
def operator():
    return f.site_operator()


def _fingerprint() -> tuple:
    return (
        list(Organization.objects.order_by("pk").values_list()),
        list(OrganizationChange.objects.order_by("pk").values_list()),
    )


def test_the_operator_creates_an_organization_that_only_receives_referrals(operator, api_for):
    response = api_for(operator).post(
        reverse("organization-list"),
        {"name": "Riverside Clinic", "kind": "medical", "leads_cases": False},
        format="json",
    )

    assert response.status_code == 201, response.data
    clinic = Organization.objects.get(pk=response.data["id"])
    assert (clinic.name, clinic.kind, clinic.leads_cases, clinic.is_active) == (
        "Riverside Clinic",
        "medical",
        False,
        True,
    )
    change = clinic.changes.get()
    assert (change.action, change.actor) == ("created", operator)


def test_a_bad_organization_gets_field_messages_and_keeps_nothing(operator, api_for, world):
    before = _fingerprint()

    response = api_for(operator).post(
        reverse("organization-list"),
        {"name": world.lead.name.lower(), "kind": "castle"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.data) == {"kind"}
    response = api_for(operator).post(
        reverse("organization-list"),
        {"name": world.lead.name.lower(), "kind": "legal"},
        format="json",
    )
    assert response.status_code == 400
    assert "already exists" in str(response.data["name"])
    assert _fingerprint() == before


@pytest.mark.parametrize("persona", [*NOT_OPERATORS, "superuser_with_a_role"])
def test_nobody_but_the_operator_creates_or_deactivates_an_organization(world, api_for, persona):
    if persona == "superuser_with_a_role":
        user = world.superuser
        f.MembershipFactory(organization=world.partner, user=user, role="org_admin")
    else:
        user = getattr(world, persona)
    client = api_for(user)
    before = _fingerprint()

    created = client.post(
        reverse("organization-list"), {"name": "Rogue Org", "kind": "other"}, format="json"
    )
    deactivated = client.patch(
        reverse("organization-detail", args=[world.lead.pk]), {"is_active": False}, format="json"
    )
    switched = client.patch(
        reverse("organization-detail", args=[world.lead.pk]), {"leads_cases": False}, format="json"
    )

    assert created.status_code == 403
    assert deactivated.status_code == 403
    assert switched.status_code == 403
    assert _fingerprint() == before


def test_the_operator_renames_switches_deactivates_and_reactivates(operator, api_for, world):
    client = api_for(operator)
    url = reverse("organization-detail", args=[world.lead.pk])

    renamed = client.patch(url, {"name": "Haven Youth", "leads_cases": False}, format="json")
    deactivated = client.patch(url, {"is_active": False}, format="json")
    listed = client.get(reverse("organization-list"), {"is_active": "false"})
    reactivated = client.patch(url, {"is_active": True}, format="json")

    assert renamed.status_code == 200
    assert (renamed.data["name"], renamed.data["leads_cases"]) == ("Haven Youth", False)
    assert deactivated.data["is_active"] is False
    assert [row["id"] for row in listed.data["results"]] == [world.lead.pk]
    assert reactivated.data["is_active"] is True
    changes = client.get(reverse("organization-change-list"), {"organization": world.lead.pk})
    assert [row["action"] for row in changes.data["results"]] == [
        "reactivated",
        "deactivated",
        "leads_cases_changed",
        "renamed",
    ]
    assert {row["actor"] for row in changes.data["results"]} == {operator.pk}
    assert all(row["at"] for row in changes.data["results"])


def test_a_deactivated_organizations_staff_lose_the_api_at_once(operator, api_for, world):
    api_for(operator).patch(
        reverse("organization-detail", args=[world.lead.pk]), {"is_active": False}, format="json"
    )

    response = api_for(world.advocate).get(reverse("case-detail", args=[world.case.pk]))

    assert response.status_code == 404
    assert world.case.__class__.objects.filter(pk=world.case.pk).exists()


def test_the_operator_does_not_change_an_organizations_own_settings(operator, api_for, world):
    before = _fingerprint()

    response = api_for(operator).patch(
        reverse("organization-detail", args=[world.lead.pk]),
        {"closed_case_retention_days": 400},
        format="json",
    )

    assert response.status_code == 403
    assert "closed_case_retention_days" in response.data["detail"]
    assert _fingerprint() == before


def test_an_org_admin_renames_their_organization_and_it_is_recorded(api_for, world):
    response = api_for(world.org_admin).patch(
        reverse("organization-detail", args=[world.lead.pk]), {"name": "Haven"}, format="json"
    )

    assert response.status_code == 200
    change = OrganizationChange.objects.get(organization=world.lead)
    assert (change.action, change.before, change.after, change.actor) == (
        "renamed",
        "Lead Community Org",
        "Haven",
        world.org_admin,
    )


def test_organization_changes_are_read_by_the_operator_and_the_organizations_admins(
    operator, api_for, world
):
    client = api_for(operator)
    client.patch(
        reverse("organization-detail", args=[world.partner.pk]),
        {"name": "Partner Homes"},
        format="json",
    )
    client.patch(
        reverse("organization-detail", args=[world.lead.pk]), {"name": "Haven"}, format="json"
    )

    def seen(user) -> set[int]:
        rows = api_for(user).get(reverse("organization-change-list")).data["results"]
        return {row["organization"] for row in rows}

    assert seen(operator) == {world.lead.pk, world.partner.pk}
    assert seen(world.org_admin) == {world.lead.pk}
    for persona in ("advocate", "supervisor", "partner_staff", "young_person"):
        assert seen(getattr(world, persona)) == set(), persona


def test_no_case_is_opened_at_or_transferred_to_an_organization_that_only_receives_referrals(
    operator, api_for, world
):
    api_for(operator).patch(
        reverse("organization-detail", args=[world.partner.pk]),
        {"leads_cases": False},
        format="json",
    )
    partner_advocate = api_for(world.partner_staff)
    cases_before = world.case.__class__.objects.count()

    opened = partner_advocate.post(
        reverse("case-list"),
        {"lead_organization": world.partner.pk, "person": {"alias": "Robin"}},
        format="json",
    )
    offered = api_for(world.advocate).post(
        reverse("transfer-list"),
        {"case": world.case.pk, "to_organization": world.partner.pk, "reason": "Moved"},
        format="json",
    )

    assert opened.status_code == 400
    assert "only receives referrals" in str(opened.data["lead_organization"])
    assert offered.status_code == 400
    assert "only receives referrals" in str(offered.data["to_organization"])
    assert world.case.__class__.objects.count() == cases_before
    assert not world.case.transfers.exists()
