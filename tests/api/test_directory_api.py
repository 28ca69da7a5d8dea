"""The directory API: search with the page's filters for any member staff, writes for the
admins of the providing organization (400 with field messages), and a planned service's
directory matches for those who may see it."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Person, ServicePlan
from providers.models import DirectoryLocation, DirectoryProvider, DirectoryService
from tests import factories as f
from tests.conftest import World
from tests.directory_factories import (
    DirectoryProviderFactory,
    DirectoryServiceAreaFactory,
    DirectoryServiceAtLocationFactory,
    DirectoryServiceFactory,
    DirectoryServiceLanguageFactory,
)

pytestmark = pytest.mark.django_db

LIST = "directory-service-list"


def _detail(service: DirectoryService) -> str:
    return reverse("directory-service-detail", args=[service.pk])


def _listed(name: str, *, area: str = "Cook County", language: str = "en", **fields):
    service = DirectoryServiceFactory(name=name, **fields)
    DirectoryServiceAreaFactory(service=service, area=area)
    DirectoryServiceLanguageFactory(service=service, code=language)
    return service


def _names(response) -> list[str]:
    return sorted(row["name"] for row in response.data["results"])


def _body(world: World, **changes) -> dict:
    return {
        "organization": world.lead.pk,
        "service_type": f.service_type("mentoring").pk,
        "name": "Weekend mentoring",
        "minimum_age": 12,
        "maximum_age": 18,
        "areas": [" Cook County ", "cook county", "60623"],
        "languages": ["EN", "es"],
        "locations": [{"name": "Shelter", "is_confidential": True, "area": "Cook County"}],
        **changes,
    }


def test_staff_search_the_directory_with_the_pages_filters(world: World, api_for) -> None:
    kind = f.service_type("emergency_shelter")
    _listed("Teen beds", service_type=kind, minimum_age=13, maximum_age=17, language="es")
    _listed("Full beds", service_type=kind, full=True)
    _listed("Lake beds", service_type=kind, area="Lake County")
    _listed("Other type")
    client = api_for(world.partner_staff)

    assert _names(client.get(reverse(LIST), {"service_type": kind.pk})) == [
        "Full beds",
        "Lake beds",
        "Teen beds",
    ]
    found = client.get(
        reverse(LIST), {"area": "cook county", "age": 15, "language": "es", "accepting_now": True}
    )
    assert _names(found) == ["Teen beds"]
    assert _names(client.get(reverse(LIST), {"q": "lake"})) == ["Lake beds"]


def test_bad_filters_are_400_with_field_messages(world: World, api_for) -> None:
    response = api_for(world.advocate).get(reverse(LIST), {"age": "old", "service_type": "x"})

    assert response.status_code == 400
    assert {"age", "service_type"} <= set(response.data)


@pytest.mark.parametrize("size", [2, 10])
def test_the_list_costs_the_same_queries_whatever_its_length(
    world: World, api_for, size, constant_queries
) -> None:
    client = api_for(world.advocate)
    for _ in range(size):
        service = _listed("Drop-in")
        DirectoryServiceAtLocationFactory(service=service)

    with constant_queries(budget=12):
        response = client.get(reverse(LIST))

    assert len(response.data["results"]) == size


def test_r40_a_confidential_location_carries_no_address_or_coordinates(
    world: World, api_for
) -> None:
    service = _listed("Safe house")
    location = DirectoryLocation.objects.create(
        provider=service.provider, name="Refuge", is_confidential=True, area="Cook County"
    )
    DirectoryServiceAtLocationFactory(service=service, location=location)

    [shown] = api_for(world.advocate).get(_detail(service)).data["locations"]

    assert (shown["name"], shown["area"], shown["is_confidential"]) == (
        "Refuge",
        "Cook County",
        True,
    )
    assert (shown["address_1"], shown["city"], shown["postal_code"]) == ("", "", "")
    assert (shown["latitude"], shown["longitude"]) == (None, None)


def test_an_admin_publishes_a_service_for_their_organization(world: World, api_for) -> None:
    response = api_for(world.org_admin).post(reverse(LIST), _body(world), format="json")

    assert response.status_code == 201, response.data
    assert response.data["provider"]["member_organization"] == world.lead.pk
    assert response.data["areas"] == ["60623", "Cook County"]
    assert response.data["languages"] == ["en", "es"]
    assert response.data["takes_harbor_referrals"] is True
    assert DirectoryProvider.objects.get(member=world.lead).name == world.lead.name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"minimum_age": 18, "maximum_age": 12}, "maximum_age"),
        ({"languages": ["english"]}, "languages"),
        ({"name": ""}, "name"),
        ({"cost": "gratis"}, "cost"),
        (
            {
                "locations": [
                    {"name": "Shelter", "is_confidential": True, "address_1": "88 Hiddenwell Ct"}
                ]
            },
            "locations",
        ),
    ],
)
def test_bad_input_is_400_with_field_messages_and_writes_nothing(
    world: World, api_for, changes, field
) -> None:
    response = api_for(world.org_admin).post(reverse(LIST), _body(world, **changes), format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not DirectoryService.objects.exists()


def test_an_address_without_its_postal_code_is_refused_and_nothing_is_written(
    world: World, api_for
) -> None:
    office = {
        "name": "Office",
        "address_1": "1 Main St",
        "city": "Chicago",
        "state_province": "IL",
        "country": "US",
        "address_type": "postal",
    }

    response = api_for(world.org_admin).post(
        reverse(LIST), _body(world, locations=[office]), format="json"
    )

    assert response.status_code == 400
    assert "postal code: An address needs" in str(response.data["locations"])
    assert not DirectoryService.objects.exists()


def test_r40_the_confidential_location_error_says_why(world: World, api_for) -> None:
    shelter = {"name": "Shelter", "is_confidential": True, "latitude": "41.880000"}

    response = api_for(world.org_admin).post(
        reverse(LIST), _body(world, locations=[shelter]), format="json"
    )

    assert "keeps no address and no coordinates" in str(response.data["locations"])


def test_only_admins_of_the_providing_organization_write(world: World, api_for) -> None:
    service = DirectoryServiceFactory(
        provider=DirectoryProviderFactory(member=world.lead), name="Kept"
    )
    partner_admin = f.MembershipFactory(organization=world.partner, role="org_admin").user

    assert api_for(world.advocate).post(reverse(LIST), _body(world), format="json").status_code == (
        403
    )
    assert api_for(partner_admin).post(reverse(LIST), _body(world), format="json").status_code == (
        403
    )
    assert api_for(partner_admin).patch(_detail(service), {"name": "x"}).status_code == 403
    assert api_for(world.supervisor).delete(_detail(service)).status_code == 403
    assert DirectoryService.objects.get().name == "Kept"


def test_an_admin_changes_and_removes_their_service(world: World, api_for) -> None:
    service = DirectoryServiceFactory(provider=DirectoryProviderFactory(member=world.lead))
    DirectoryServiceAreaFactory(service=service, area="Cook County")
    client = api_for(world.org_admin)

    changed = client.patch(_detail(service), {"waitlist_weeks": 4, "is_published": False})
    assert changed.status_code == 200, changed.data
    assert (changed.data["waitlist_weeks"], changed.data["areas"]) == (4, ["Cook County"])
    assert client.get(_detail(service)).status_code == 200  # theirs, though unpublished
    assert api_for(world.advocate).get(_detail(service)).status_code == 404

    assert client.delete(_detail(service)).status_code == 204
    assert not DirectoryService.objects.exists()


@pytest.mark.parametrize("persona", ["young_person", "superuser"])
def test_young_people_and_people_without_a_role_get_404(world: World, api_for, persona) -> None:
    service = _listed("Drop-in")
    client = api_for(getattr(world, persona))

    assert client.get(reverse(LIST)).status_code == 404
    assert client.get(_detail(service)).status_code == 404


# -- matches of a planned service ---------------------------------------------------------------


def _matches_url(planned) -> str:
    return reverse("planned-service-directory-matches", args=[planned.pk])


def _planned(world: World):
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    kind = f.service_type("emergency_shelter")
    return f.PlannedServiceFactory(goal=f.GoalFactory(plan=plan), service_type=kind)


def test_matches_rank_the_young_persons_area_first_and_say_who_takes_referrals(
    world: World, api_for
) -> None:
    planned = _planned(world)
    person = world.case.person
    person.area = "DuPage County"
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.localdate().year - 16, 1, 1)
    person.save()
    member = DirectoryProviderFactory(member=world.partner)
    kind = planned.service_type
    _listed("Elsewhere", service_type=kind, provider=member, area="Lake County")
    _listed("Here", service_type=kind, area="DuPage County")
    _listed("Adults", service_type=kind, area="DuPage County", minimum_age=18)

    response = api_for(world.advocate).get(_matches_url(planned))

    assert response.status_code == 200, response.data
    rows = response.data["results"]
    assert [r["name"] for r in rows] == ["Here", "Elsewhere"]
    assert [r["serves_area"] for r in rows] == [True, False]
    assert [r["takes_harbor_referrals"] for r in rows] == [False, True]
    assert (response.data["area_known"], response.data["age_known"]) == (True, True)


@pytest.mark.parametrize(
    "persona", ["other_advocate", "partner_staff", "org_admin", "young_person", "superuser"]
)
def test_only_those_who_may_see_the_planned_service_get_its_matches(
    world: World, api_for, persona
) -> None:
    planned = _planned(world)

    assert api_for(getattr(world, persona)).get(_matches_url(planned)).status_code == 404
