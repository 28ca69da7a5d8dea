"""The directory's selectors (search, matches) and the services a member organization
publishes with: filters, ranking, constant query counts, field errors, nothing half-written."""

import pytest
from django.core.exceptions import ValidationError

from providers.directory.selectors import matches_for, member_services, search_directory
from providers.directory.services import (
    LocationValues,
    ServiceValues,
    create_member_service,
    delete_member_service,
    unpublish_member_service,
    update_member_service,
    values_of,
)
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceLanguage,
)
from tests import factories as f
from tests.directory_factories import (
    DirectoryLocationFactory,
    DirectoryProviderFactory,
    DirectoryServiceAreaFactory,
    DirectoryServiceAtLocationFactory,
    DirectoryServiceFactory,
    DirectoryServiceLanguageFactory,
)

pytestmark = pytest.mark.django_db
# The rest of an address, which HSDS requires whole.
TOWN = {"city": "Chicago", "state_province": "IL", "postal_code": "60608", "country": "US"}


def _service(*, areas=(), languages=(), **fields) -> DirectoryService:
    service = DirectoryServiceFactory(**fields)
    for area in areas:
        DirectoryServiceAreaFactory(service=service, area=area)
    for code in languages:
        DirectoryServiceLanguageFactory(service=service, code=code)
    return service


def _names(services) -> list[str]:
    return [service.name for service in services]


# -- search -------------------------------------------------------------------------------------


def test_search_shows_only_published_active_services():
    _service(name="Open door")
    _service(name="Hidden", is_published=False)
    _service(name="Closed", status=DirectoryService.Status.TEMPORARILY_CLOSED)

    assert _names(search_directory()) == ["Open door"]


def test_search_filters_by_type_area_and_language():
    shelter = f.service_type("emergency_shelter")
    _service(name="Cook shelter", service_type=shelter, areas=["Cook County"], languages=["es"])
    _service(name="DuPage shelter", service_type=shelter, areas=["DuPage County"])
    _service(name="Cook counselling", areas=["Cook County"], languages=["es"])

    assert _names(search_directory(service_type=shelter.pk)) == ["Cook shelter", "DuPage shelter"]
    assert _names(search_directory(service_type=shelter.pk, area="  cook county ")) == [
        "Cook shelter"
    ]
    assert _names(search_directory(area="Cook County", language="ES")) == [
        "Cook counselling",
        "Cook shelter",
    ]


def test_search_by_age_keeps_services_whose_range_includes_it():
    _service(name="Teens", minimum_age=13, maximum_age=17)
    _service(name="Young adults", minimum_age=18, maximum_age=24)
    _service(name="Any age")

    assert _names(search_directory(age=17)) == ["Any age", "Teens"]
    assert _names(search_directory(age=18)) == ["Any age", "Young adults"]


def test_search_for_services_taking_referrals_now_leaves_full_ones_out():
    _service(name="Open")
    _service(name="Full", full=True)

    assert _names(search_directory(accepting_now=True)) == ["Open"]


def test_search_by_words_looks_at_name_description_provider_and_eligibility():
    _service(name="Drop-in", description="Hot meals")
    _service(name="Clinic", eligibility_description="Young parents welcome")
    _service(name="Other", provider=DirectoryProviderFactory(name="Lakeside Meals Trust"))

    assert _names(search_directory(text="meals")) == ["Drop-in", "Other"]
    assert _names(search_directory(text="parents")) == ["Clinic"]


@pytest.mark.parametrize("size", [2, 12])
def test_search_costs_four_queries_whatever_the_number_of_results(django_assert_num_queries, size):
    for n in range(size):
        service = _service(areas=["Cook County", f"6060{n % 10}"], languages=["en", "es"])
        DirectoryServiceAtLocationFactory(service=service)

    with django_assert_num_queries(4):  # services+provider+type, areas, languages, locations
        rows = list(search_directory(area="Cook County"))
        shown = [
            (
                row.provider.name,
                row.provider.member,
                row.service_type.name,
                [area.area for area in row.areas.all()],
                [language.code for language in row.languages.all()],
                [location.address_1 for location in row.locations.all()],
            )
            for row in rows
        ]

    assert len(shown) == size


# -- matches ------------------------------------------------------------------------------------


def test_matches_rank_area_then_capacity_then_waitlist_then_members():
    kind = f.service_type("mental_health")
    member = DirectoryProviderFactory(for_member=True)
    outside = DirectoryProviderFactory()
    _service(name="A far away", service_type=kind, areas=["Lake County"], provider=member)
    _service(name="B full here", service_type=kind, areas=["Cook County"], full=True)
    _service(name="C long wait here", service_type=kind, areas=["Cook County"], waitlist_weeks=5)
    _service(name="D outside here", service_type=kind, areas=["Cook County"], provider=outside)
    _service(name="E member here", service_type=kind, areas=["cook county"], provider=member)
    _service(name="F other type", areas=["Cook County"])

    found = matches_for(service_type_id=kind.pk, area="Cook County", age=16)

    assert _names(found) == [
        "E member here",
        "D outside here",
        "C long wait here",
        "B full here",
        "A far away",
    ]
    assert [s.serves_area for s in found] == [True, True, True, True, False]
    assert [s.takes_harbor_referrals for s in found] == [True, False, False, False, True]


def test_matches_leave_out_services_the_young_person_is_too_young_or_old_for():
    kind = f.service_type("transitional_housing")
    _service(name="Adults", service_type=kind, minimum_age=18)
    _service(name="Teens", service_type=kind, minimum_age=13, maximum_age=17)

    assert _names(matches_for(service_type_id=kind.pk, area=None, age=15)) == ["Teens"]
    unknown = matches_for(service_type_id=kind.pk, area=None, age=None)
    assert _names(unknown) == ["Adults", "Teens"]
    assert [s.serves_area for s in unknown] == [None, None]


def test_an_inactive_member_organization_cannot_take_a_harbor_referral():
    kind = f.service_type("mentoring")
    provider = DirectoryProviderFactory(for_member=True)
    provider.member.is_active = False
    provider.member.save()
    _service(service_type=kind, provider=provider)

    [found] = matches_for(service_type_id=kind.pk, area="Cook County", age=None)

    assert found.takes_harbor_referrals is False


# -- writes -------------------------------------------------------------------------------------


def _values(**changes) -> ServiceValues:
    fields = {"service_type_id": f.service_type().pk, "name": "Youth drop-in", **changes}
    return ServiceValues(**fields)


def _directory_rows() -> tuple[int, ...]:
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


def test_the_first_service_creates_the_member_organizations_entry_from_its_name():
    organization = f.OrganizationFactory(name="Riverbend Youth Services")

    service = create_member_service(
        organization=organization,
        values=_values(areas=(" Cook  County", "cook county", "", "60623"), languages=("EN", "es")),
    )

    assert service.provider.member == organization
    assert service.provider.name == "Riverbend Youth Services"
    assert sorted(service.areas.values_list("area", flat=True)) == ["60623", "Cook County"]
    assert sorted(service.languages.values_list("code", flat=True)) == ["en", "es"]
    create_member_service(organization=organization, values=_values(name="Second"))
    assert DirectoryProvider.objects.filter(member=organization).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"minimum_age": 18, "maximum_age": 12}, "maximum_age"),
        ({"languages": ("english",)}, "languages"),
        ({"name": "  "}, "name"),
        ({"cost": "gratis"}, "cost"),
        ({"email": "not-an-address"}, "email"),
        ({"service_type_id": 0}, "service_type"),
        ({"areas": ("x" * 61,)}, "areas"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(changes, field):
    organization = f.OrganizationFactory()
    before = _directory_rows()

    with pytest.raises(ValidationError) as raised:
        create_member_service(organization=organization, values=_values(**changes))

    assert field in raised.value.message_dict
    assert _directory_rows() == before


def test_r40_a_confidential_location_refuses_an_address_with_a_clear_message():
    organization = f.OrganizationFactory()
    shelter = LocationValues(
        name="Shelter", is_confidential=True, area="Cook County", address_1="88 Hiddenwell Court"
    )
    before = _directory_rows()

    with pytest.raises(ValidationError) as raised:
        create_member_service(organization=organization, values=_values(locations=(shelter,)))

    [message] = raised.value.message_dict["locations"]
    assert "Location 1" in message and "confidential" in message and "no address" in message
    assert _directory_rows() == before
    assert not DirectoryLocation.objects.filter(address_1__contains="Hiddenwell").exists()


def test_an_update_keeps_a_location_by_name_and_drops_the_ones_left_out():
    organization = f.OrganizationFactory()
    office = LocationValues(name="Office", area="Cook County", address_1="1 Main St", **TOWN)
    annex = LocationValues(name="Annex", area="Cook County", address_1="2 Main St", **TOWN)
    service = create_member_service(
        organization=organization, values=_values(locations=(office, annex), areas=("A",))
    )
    office_id = DirectoryLocation.objects.get(name="Office").hsds_id

    update_member_service(
        service=service,
        values=_values(
            locations=(
                LocationValues(name="office", area="Cook County", address_1="3 Main St", **TOWN),
            ),
            areas=("B",),
            waitlist_weeks=3,
        ),
    )

    [location] = DirectoryLocation.objects.all()
    assert (location.hsds_id, location.address_1) == (office_id, "3 Main St")
    assert list(service.areas.values_list("area", flat=True)) == ["B"]
    assert DirectoryService.objects.get(pk=service.pk).waitlist_weeks == 3


def test_values_of_a_service_give_it_back_unchanged():
    organization = f.OrganizationFactory()
    values = _values(
        areas=("Cook County",),
        languages=("en",),
        minimum_age=12,
        locations=(LocationValues(name="Shelter", is_confidential=True, area="Cook County"),),
    )
    create_member_service(organization=organization, values=values)

    again = values_of(member_services(organization_id=organization.pk).get())

    assert again == values


def test_unpublished_services_leave_the_search_and_deleting_drops_unused_locations():
    organization = f.OrganizationFactory()
    place = LocationValues(name="Office", area="Cook County", address_1="1 Main St", **TOWN)
    kept = create_member_service(organization=organization, values=_values(name="Kept"))
    gone = create_member_service(
        organization=organization, values=_values(name="Gone", locations=(place,))
    )

    unpublish_member_service(service=kept)
    delete_member_service(service=gone)

    assert _names(search_directory()) == []
    assert _names(member_services(organization_id=organization.pk)) == ["Kept"]
    assert not DirectoryLocation.objects.exists()


def test_a_location_shared_with_another_service_stays_when_one_is_deleted():
    provider = DirectoryProviderFactory(for_member=True)
    location = DirectoryLocationFactory(provider=provider)
    first, second = _service(provider=provider), _service(provider=provider)
    for service in (first, second):
        DirectoryServiceAtLocationFactory(service=service, location=location)

    delete_member_service(service=first)

    assert DirectoryLocation.objects.filter(pk=location.pk).exists()
