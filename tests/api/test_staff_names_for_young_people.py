"""Issue 19: the organization's choice to name its staff to young people governs every API
response and portal page the young person reads; a staff e-mail never reaches them."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from consent.access_log import EventDraft, record_events
from consent.staff_names import named_staff, staff_as_young_person_sees
from providers.models import Organization
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.django_db

STAFF_NAME = "Quillon Abernathy-Voss"
STAFF_EMAIL = "quillon.abernathy-voss@lead-org.example.org"

# Every API route the young person reads that carries a staff member (detail routes get the
# record's id).
API_ROUTES = [
    "case-list",
    "case-detail",
    "care-team-list",
    "care-team-detail",
    "note-list",
    "note-detail",
    "contact-list",
    "contact-detail",
    "flag-list",
    "flag-detail",
    "planned-service-list",
    "planned-service-detail",
    "me-access-log",
]
PORTAL_PAGES = [
    "frontend:portal-home",
    "frontend:portal-consents",
    "frontend:portal-access-log",
    "frontend:portal-export",
    "frontend:portal-export-json",
]


@pytest.fixture
def seeded(world: World) -> dict[str, int]:
    """The world's advocate, named and with an e-mail, on every record that carries staff."""
    advocate = world.advocate
    advocate.full_name, advocate.email = STAFF_NAME, STAFF_EMAIL
    advocate.save()
    plan = f.ServicePlan.objects.get_or_create(case=world.case)[0]
    service = f.PlannedServiceFactory(goal=f.GoalFactory(plan=plan), responsible=advocate)
    record_events(
        [
            EventDraft(
                user_id=advocate.pk,
                action="view",
                outcome="allowed",
                case_id=world.case.pk,
                organization_id=world.lead.pk,
                role="advocate",
                basis="primary_advocate",
            )
        ]
    )
    return {
        "case-detail": world.case.pk,
        "care-team-detail": world.case.care_team.get().pk,
        "note-detail": f.CaseNoteFactory(case=world.case, author=advocate).pk,
        "contact-detail": f.ContactFactory(case=world.case, staff=advocate).pk,
        "flag-detail": f.FlagFactory(case=world.case, raised_by=advocate).pk,
        "planned-service-detail": service.pk,
    }


def _names_staff(world: World, named: bool) -> None:
    Organization.objects.filter(pk=world.lead.pk).update(names_staff_to_young_people=named)


def _api_body(world: World, seeded: dict[str, int], api_for, route: str) -> str:
    args = [seeded[route]] if route in seeded else []
    response = api_for(world.young_person).get(reverse(route, args=args))
    assert response.status_code == 200, response.content
    return response.content.decode()


def _page_body(world: World, page: str) -> str:
    client = Client()
    client.force_login(world.young_person)
    response = client.get(reverse(page))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("route", API_ROUTES)
def test_api_gives_the_young_person_a_role_not_the_staff_name_when_the_org_hides_names(
    world: World, seeded: dict[str, int], api_for, route: str
) -> None:
    _names_staff(world, named=False)

    body = _api_body(world, seeded, api_for, route)

    assert STAFF_NAME not in body
    assert STAFF_EMAIL not in body


@pytest.mark.parametrize("route", API_ROUTES)
def test_api_names_staff_to_the_young_person_when_the_org_chose_to_but_never_their_email(
    world: World, seeded: dict[str, int], api_for, route: str
) -> None:
    _names_staff(world, named=True)

    body = _api_body(world, seeded, api_for, route)

    assert STAFF_NAME in body
    assert STAFF_EMAIL not in body


@pytest.mark.parametrize("page", PORTAL_PAGES)
def test_portal_pages_hide_staff_names_and_emails_when_the_org_hides_names(
    world: World, seeded: dict[str, int], page: str
) -> None:
    _names_staff(world, named=False)

    body = _page_body(world, page)

    assert STAFF_NAME not in body
    assert STAFF_EMAIL not in body


@pytest.mark.parametrize(
    "page", ["frontend:portal-access-log", "frontend:portal-export", "frontend:portal-export-json"]
)
def test_portal_pages_that_show_staff_name_them_when_the_org_chose_to(
    world: World, seeded: dict[str, int], page: str
) -> None:
    _names_staff(world, named=True)

    body = _page_body(world, page)

    assert STAFF_NAME in body
    assert STAFF_EMAIL not in body


def test_the_young_person_reads_staff_at_the_organization_where_names_are_hidden(
    world: World, seeded: dict[str, int], api_for
) -> None:
    _names_staff(world, named=False)

    note = json.loads(_api_body(world, seeded, api_for, "note-detail"))

    assert note["author_detail"]["full_name"] == f"Staff at {world.lead.name}"
    assert note["author_detail"]["email"] is None


def test_staff_readers_still_see_their_colleagues_name_and_email(
    world: World, seeded: dict[str, int], api_for
) -> None:
    _names_staff(world, named=False)

    response = api_for(world.supervisor).get(reverse("note-detail", args=[seeded["note-detail"]]))

    assert response.json()["author_detail"] == {
        "id": world.advocate.pk,
        "full_name": STAFF_NAME,
        "email": STAFF_EMAIL,
    }


def test_one_function_decides_what_the_young_person_reads(world: World) -> None:
    staff = f.UserFactory(full_name=STAFF_NAME, email=STAFF_EMAIL)
    hiding = f.OrganizationFactory(name="Hiding Org", names_staff_to_young_people=False)
    naming = f.OrganizationFactory(name="Naming Org", names_staff_to_young_people=True)

    assert named_staff(user=staff, organization=hiding) == ""
    assert named_staff(user=staff, organization=naming) == STAFF_NAME
    assert staff_as_young_person_sees(user=staff, organization=hiding) == "Staff at Hiding Org"
    assert staff_as_young_person_sees(user=staff, organization=naming) == STAFF_NAME
    assert staff_as_young_person_sees(user=None, organization=naming) == ""
