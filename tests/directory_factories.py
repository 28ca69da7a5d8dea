"""Factories for the community resource directory (providers.models Directory*).

Shared by the HSDS import/export tests and the directory search pages; extend it here rather
than defining directory factories elsewhere.
"""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
)
from tests.factories import service_type


class DirectoryProviderFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryProvider

    name = factory.Sequence(lambda n: f"Directory Provider {n}")
    description = "A community provider."
    member = None

    class Params:
        # A Harbor member organization's own directory entry.
        for_member = factory.Trait(
            member=factory.SubFactory("tests.factories.OrganizationFactory"),
            name=factory.SelfAttribute("member.name"),
        )


class DirectoryServiceFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryService

    provider = factory.SubFactory(DirectoryProviderFactory)
    service_type = factory.LazyFunction(service_type)
    name = factory.Sequence(lambda n: f"Directory Service {n}")
    description = "What the service offers."

    class Params:
        unpublished = factory.Trait(is_published=False)
        full = factory.Trait(accepting_referrals=False, waitlist_weeks=4)


class DirectoryServiceAreaFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryServiceArea

    service = factory.SubFactory(DirectoryServiceFactory)
    area = "Travis County"


class DirectoryServiceLanguageFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryServiceLanguage

    service = factory.SubFactory(DirectoryServiceFactory)
    code = "en"


class DirectoryLocationFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryLocation

    provider = factory.SubFactory(DirectoryProviderFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    area = "Travis County"
    address_1 = factory.Sequence(lambda n: f"{100 + n} Main Street")
    city = "Austin"
    state_province = "TX"
    postal_code = "78701"
    country = "US"
    latitude = Decimal("30.267200")
    longitude = Decimal("-97.743100")

    class Params:
        # A shelter: no address and no coordinates are stored at all (R40).
        confidential = factory.Trait(
            is_confidential=True,
            name="Shelter",
            address_1="",
            city="",
            postal_code="",
            latitude=None,
            longitude=None,
        )


class DirectoryServiceAtLocationFactory(DjangoModelFactory):
    class Meta:
        model = DirectoryServiceAtLocation

    service = factory.SubFactory(DirectoryServiceFactory)
    location = factory.SubFactory(
        DirectoryLocationFactory, provider=factory.SelfAttribute("..service.provider")
    )
