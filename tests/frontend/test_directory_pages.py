"""The directory pages: the search and a service's page for any member staff, an organization's
own entries for its admins, and the directory matches on the referral page."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Person, ServicePlan
from consent.models import ConsentPurpose
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceLanguage,
)
from tests import factories as f
from tests.conftest import World
from tests.consents import grant_consent
from tests.directory_factories import (
    DirectoryLocationFactory,
    DirectoryProviderFactory,
    DirectoryServiceAreaFactory,
    DirectoryServiceAtLocationFactory,
    DirectoryServiceFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = "frontend:directory"
# Distinctive strings of a street location, and of an address a shelter must never show.
STREET = "4417 Quillfeather Lane"
HIDDEN_ADDRESS = "88 Hiddenwell Court"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _own_entry(world: World) -> DirectoryProvider:
    return DirectoryProviderFactory(member=world.lead, name=world.lead.name)


def _listed(name: str, *, area: str = "Cook County", **fields) -> DirectoryService:
    service = DirectoryServiceFactory(name=name, **fields)
    DirectoryServiceAreaFactory(service=service, area=area)
    return service


def _rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            DirectoryProvider,
            DirectoryService,
            DirectoryServiceArea,
            DirectoryServiceLanguage,
            DirectoryLocation,
        )
    )


# -- search and detail --------------------------------------------------------------------------


def test_any_member_staff_searches_by_type_area_and_age(world: World) -> None:
    shelter = f.service_type("emergency_shelter")
    _listed("Teen shelter", service_type=shelter, minimum_age=13, maximum_age=17)
    _listed("Adult shelter", service_type=shelter, minimum_age=18)
    _listed("Far shelter", service_type=shelter, area="Lake County")

    response = signed_in(world.partner_staff).get(
        reverse(SEARCH), {"service_type": shelter.pk, "area": "cook county", "age": 15}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Teen shelter" in body
    assert "Adult shelter" not in body and "Far shelter" not in body


def test_results_show_what_a_caseworker_needs(world: World) -> None:
    service = _listed(
        "Harbor light counselling",
        minimum_age=12,
        maximum_age=21,
        eligibility_description="Youth who survived exploitation",
        accepting_referrals=False,
        waitlist_weeks=3,
        hours="Mon-Fri 9-17",
        cost=DirectoryService.Cost.SLIDING_SCALE,
        fees_description="Nobody turned away",
        accessibility="Step-free entrance",
        survivor_led=True,
        culturally_specific="Latinx youth",
        phone="+1 555 0101 7788",
        email="intake@lightcounselling.example",
    )
    DirectoryServiceAtLocationFactory(
        service=service,
        location=DirectoryLocationFactory(provider=service.provider, address_1=STREET),
    )

    body = signed_in(world.intake).get(reverse(SEARCH)).content.decode()

    for text in (
        "Ages 12 to 21",
        "Youth who survived exploitation",
        "Cook County",
        "Not taking referrals now",
        "about 3 weeks",
        "Mon-Fri 9-17",
        "Sliding scale",
        "Nobody turned away",
        "Step-free entrance",
        "Latinx youth",
        "+1 555 0101 7788",
        "intake@lightcounselling.example",
        STREET,
    ):
        assert text in body, text


def test_results_show_only_what_the_provider_stated(world: World) -> None:
    DirectoryServiceFactory(
        name="Plain drop-in",
        provider=DirectoryProviderFactory(phone="", email="", website=""),
        phone="",
        email="",
        url="",
        hours="",
        accessibility="",
        survivor_led=False,
        culturally_specific="",
    )

    body = signed_in(world.intake).get(reverse(SEARCH)).content.decode()

    assert "Plain drop-in" in body
    assert "Not stated" not in body
    for label in ("Areas served", "Languages", "Hours", "Accessibility", "Locations", "Contact"):
        assert f"<dt>{label}</dt>" not in body, label


def test_r40_a_confidential_location_shows_its_area_and_no_address(world: World) -> None:
    service = _listed("Safe house")
    shelter = DirectoryLocationFactory(
        provider=service.provider, confidential=True, name="Northside refuge", area="Cook County"
    )
    DirectoryServiceAtLocationFactory(service=service, location=shelter)
    client = signed_in(world.advocate)

    pages = [reverse(SEARCH), reverse("frontend:directory-service", args=[service.pk])]
    for page in pages:
        body = client.get(page).content.decode()
        assert "Northside refuge" in body
        assert "the address is not shared" in body
        assert "Austin" not in body and "Main Street" not in body  # the factory's street address


def test_bad_filters_are_form_errors_not_a_crash(world: World) -> None:
    response = signed_in(world.advocate).get(reverse(SEARCH), {"age": "old", "service_type": "x"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"age", "service_type"}


def test_the_search_page_costs_the_same_queries_with_more_results(
    world: World, constant_queries
) -> None:
    client = signed_in(world.advocate)
    client.get(reverse(SEARCH))  # the session and the viewer's first look-ups
    for size in (2, 8):
        for _ in range(size):
            service = _listed("Service", area="Cook County")
            DirectoryServiceAtLocationFactory(service=service)
        with constant_queries(budget=14):
            assert client.get(reverse(SEARCH), {"area": "Cook County"}).status_code == 200


def test_an_unpublished_service_is_found_only_by_its_organizations_admins(world: World) -> None:
    service = DirectoryServiceFactory(provider=_own_entry(world), unpublished=True)
    page = reverse("frontend:directory-service", args=[service.pk])

    assert signed_in(world.advocate).get(page).status_code == 404
    assert signed_in(world.org_admin).get(page).status_code == 200


@pytest.mark.parametrize("persona", ["young_person", "superuser"])
def test_young_people_and_people_without_a_role_get_404(world: World, persona: str) -> None:
    service = _listed("Drop-in")
    client = signed_in(getattr(world, persona))

    assert client.get(reverse(SEARCH)).status_code == 404
    assert client.get(reverse("frontend:directory-service", args=[service.pk])).status_code == 404


# -- our directory entries ----------------------------------------------------------------------


def _new_url(world: World) -> str:
    return reverse("frontend:directory-service-new", args=[world.lead.pk])


def _form(**changes) -> dict:
    data = {
        "service_type": f.service_type("mentoring").pk,
        "name": "Weekend mentoring",
        "status": "active",
        "genders": "any",
        "cost": "free",
        "waitlist_weeks": "0",
        "accepting_referrals": "on",
        "is_published": "on",
        "areas": "Cook County\n cook county \n60623",
        "languages": "en, ES",
        "minimum_age": "12",
        "maximum_age": "18",
        "locations-TOTAL_FORMS": "2",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
        "locations-0-name": "Shelter",
        "locations-0-is_confidential": "on",
        "locations-0-area": "Cook County",
    }
    return {**data, **changes}


def test_the_org_admin_page_links_to_our_directory_entries(world: World) -> None:
    body = signed_in(world.org_admin).get(reverse("frontend:organization")).content.decode()

    assert reverse("frontend:directory-entries", args=[world.lead.pk]) in body


def test_an_admin_publishes_a_service_with_its_areas_languages_and_a_shelter(world: World) -> None:
    response = signed_in(world.org_admin).post(_new_url(world), _form())

    assert response.status_code == 302, response.content.decode()[:2000]
    service = DirectoryService.objects.get()
    assert service.provider.member == world.lead
    assert sorted(service.areas.values_list("area", flat=True)) == ["60623", "Cook County"]
    assert sorted(service.languages.values_list("code", flat=True)) == ["en", "es"]
    [shelter] = service.locations.all()
    assert (shelter.name, shelter.is_confidential, shelter.address_1) == ("Shelter", True, "")
    entries = signed_in(world.org_admin).get(response["Location"]).content.decode()
    assert "Weekend mentoring" in entries


def test_ages_out_of_order_are_a_form_error_and_nothing_is_written(world: World) -> None:
    before = _rows()

    response = signed_in(world.org_admin).post(
        _new_url(world), _form(minimum_age="18", maximum_age="12")
    )

    assert response.status_code == 400
    assert "maximum_age" in response.context["form"].errors
    assert _rows() == before


def test_r40_a_confidential_location_with_an_address_is_refused_on_its_field(
    world: World,
) -> None:
    before = _rows()

    response = signed_in(world.org_admin).post(
        _new_url(world), _form(**{"locations-0-address_1": HIDDEN_ADDRESS})
    )

    assert response.status_code == 400
    [location_form] = [form for form in response.context["locations"] if form.errors]
    assert "keeps no address" in location_form.errors["address_1"][0]
    assert _rows() == before
    assert not DirectoryLocation.objects.filter(address_1=HIDDEN_ADDRESS).exists()


def test_an_address_without_its_postal_code_is_refused_on_that_field(world: World) -> None:
    before = _rows()
    office = {
        "locations-0-name": "Office",
        "locations-0-is_confidential": "",
        "locations-0-address_1": "1 Main St",
        "locations-0-city": "Chicago",
        "locations-0-state_province": "IL",
        "locations-0-country": "US",
    }

    response = signed_in(world.org_admin).post(_new_url(world), _form(**office))

    assert response.status_code == 400
    [location_form] = [form for form in response.context["locations"] if form.errors]
    assert list(location_form.errors) == ["postal_code"]
    assert "postal code" in location_form.errors["postal_code"][0]
    assert _rows() == before


def test_a_postal_address_is_kept_as_postal(world: World) -> None:
    office = {
        "locations-0-name": "Mail",
        "locations-0-is_confidential": "",
        "locations-0-address_1": "PO Box 12",
        "locations-0-city": "Chicago",
        "locations-0-state_province": "IL",
        "locations-0-postal_code": "60608",
        "locations-0-country": "us",
        "locations-0-address_type": "postal",
    }

    response = signed_in(world.org_admin).post(_new_url(world), _form(**office))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert DirectoryLocation.objects.get().address_type == "postal"


def test_a_bad_language_code_is_refused_and_nothing_is_written(world: World) -> None:
    before = _rows()

    response = signed_in(world.org_admin).post(_new_url(world), _form(languages="english"))

    assert response.status_code == 400
    assert "en or es" in response.context["form"].errors["languages"][0]
    assert _rows() == before


def test_an_admin_edits_and_unpublishes_a_service(world: World) -> None:
    service = DirectoryServiceFactory(provider=_own_entry(world), name="Old name")
    client = signed_in(world.org_admin)
    edit = reverse("frontend:directory-service-edit", args=[service.pk])
    assert client.get(edit).status_code == 200

    response = client.post(edit, _form(name="New name", waitlist_weeks="4"))
    assert response.status_code == 302
    client.post(reverse("frontend:directory-service-unpublish", args=[service.pk]))

    service.refresh_from_db()
    assert (service.name, service.waitlist_weeks, service.is_published) == ("New name", 4, False)


def test_r44_a_stale_service_form_is_refused_and_keeps_what_was_typed(world: World) -> None:
    service = DirectoryServiceFactory(provider=_own_entry(world), name="Old name")
    edit = reverse("frontend:directory-service-edit", args=[service.pk])
    second_admin = f.MembershipFactory(organization=world.lead, role="org_admin").user
    first, second = signed_in(world.org_admin), signed_in(second_admin)
    version = re.compile(r'name="version" value="([^"]*)"')
    read_first = version.search(first.get(edit).content.decode()).group(1)
    read_second = version.search(second.get(edit).content.decode()).group(1)

    saved = first.post(edit, _form(name="Their name", version=read_first))
    refused = second.post(edit, _form(name="My name", version=read_second))

    assert saved.status_code == 302
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Someone else saved this record" in page and 'value="My name"' in page
    service.refresh_from_db()
    assert service.name == "Their name"


def test_staff_who_are_not_its_admins_cannot_edit_a_service(world: World) -> None:
    service = DirectoryServiceFactory(provider=_own_entry(world), name="Kept")
    edit = reverse("frontend:directory-service-edit", args=[service.pk])

    for user in (world.advocate, world.supervisor, world.partner_staff):
        assert signed_in(user).post(edit, _form(name="Changed")).status_code == 404
    assert DirectoryService.objects.get().name == "Kept"


# -- matches on the referral page ---------------------------------------------------------------


def _planned(world: World, code: str = "emergency_shelter"):
    plan, _ = ServicePlan.objects.get_or_create(case=world.case)
    return f.PlannedServiceFactory(goal=f.GoalFactory(plan=plan), service_type=f.service_type(code))


def _young_person_of_16_in(world: World, area: str) -> None:
    person = world.case.person
    person.area = area
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.localdate().year - 16, 1, 1)
    person.save()


def test_the_referral_page_shows_directory_matches_for_the_planned_service(world: World) -> None:
    planned = _planned(world)
    _young_person_of_16_in(world, "DuPage County")
    shelter_type = planned.service_type
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    member = DirectoryProviderFactory(member=world.partner, name=world.partner.name)
    _listed("Partner beds", service_type=shelter_type, provider=member, area="DuPage County")
    _listed(
        "Overnight beds (211)",
        service_type=shelter_type,
        area="DuPage County",
        phone="+1 555 0199 2110",
    )
    _listed("Adults only", service_type=shelter_type, area="DuPage County", minimum_age=18)
    page = reverse("frontend:referral-new", args=[world.case.pk])

    body = signed_in(world.advocate).get(page).content.decode()

    assert "Directory matches" in body
    assert body.index("Partner beds") < body.index("Overnight beds (211)")
    assert "Adults only" not in body
    assert f"planned_service={planned.pk}&amp;to_organization={world.partner.pk}" in body
    assert "+1 555 0199 2110" in body and "reach them outside Harbor" in body


def test_a_match_link_prefills_the_referral_form_with_ids_only(world: World) -> None:
    planned = _planned(world)
    grant_consent(
        world.case, world.partner, ["plan"], by=world.advocate, purpose=ConsentPurpose.REFERRAL
    )
    page = reverse("frontend:referral-new", args=[world.case.pk])

    response = signed_in(world.advocate).get(
        page, {"planned_service": planned.pk, "to_organization": world.partner.pk}
    )

    form = response.context["form"]
    assert form.initial == {"planned_service": planned.pk, "to_organization": world.partner.pk}
    assert f'<option value="{world.partner.pk}" selected>' in response.content.decode()


def test_a_member_no_consent_covers_is_offered_a_consent_request(world: World) -> None:
    planned = _planned(world)
    other = f.OrganizationFactory(name="Uncovered Shelter Org")
    provider = DirectoryProviderFactory(member=other, name=other.name)
    _listed("Uncovered beds", service_type=planned.service_type, provider=provider)

    body = (
        signed_in(world.advocate)
        .get(reverse("frontend:referral-new", args=[world.case.pk]))
        .content.decode()
    )

    consent_url = reverse("frontend:consent-request", args=[world.case.pk])
    assert f"{consent_url}?recipient={other.pk}" in body


def test_results_come_in_pages_that_keep_the_filters(world: World) -> None:
    for n in range(27):
        _listed(f"Service {n:02}", area="Cook County")

    client = signed_in(world.advocate)
    first = client.get(reverse(SEARCH), {"area": "Cook County"}).content.decode()
    second = client.get(reverse(SEARCH), {"area": "Cook County", "page": 2}).content.decode()

    assert "27 services found" in first
    assert "?area=Cook+County&amp;page=2" in first
    assert "Service 26" in second and "Service 00" not in second


def test_an_admin_removes_a_location_from_a_service(world: World) -> None:
    service = DirectoryServiceFactory(provider=_own_entry(world))
    office = DirectoryLocationFactory(provider=service.provider, name="Office")
    DirectoryServiceAtLocationFactory(service=service, location=office)
    client = signed_in(world.org_admin)
    edit = reverse("frontend:directory-service-edit", args=[service.pk])
    assert "Remove this location" in client.get(edit).content.decode()
    data = _form(
        **{
            "locations-TOTAL_FORMS": "1",
            "locations-INITIAL_FORMS": "1",
            "locations-0-name": "Office",
            "locations-0-is_confidential": "",
            "locations-0-remove": "on",
        }
    )

    assert client.post(edit, data).status_code == 302
    assert not DirectoryLocation.objects.exists()
