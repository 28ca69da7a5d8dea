"""The demo's community directory: two or three services from each demo member organization
(one shelter with a confidential location) and two providers outside Harbor, as a 211 import
would list them. Idempotent: a service already listed by name is left as it is."""

from django.db import transaction

from coordination.demo.cast import COUNSELLING, HOUSING, LEAD, LEGAL_AID, Cast
from providers.directory.services import (
    LocationValues,
    ServiceValues,
    create_member_service,
    member_provider,
)
from providers.models import (
    DirectoryLocation,
    DirectoryProvider,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceLanguage,
    Organization,
    ServiceType,
)
from providers.services import update_directory_entry

COOK, DUPAGE, LAKE = "Cook County", "DuPage County", "Lake County"
Cost = DirectoryService.Cost

# What each member organization's directory entry says it does (HSDS requires it).
MEMBER_DESCRIPTIONS = {
    LEAD: "Youth-led advocacy, case management and peer support for young survivors.",
    HOUSING: "Emergency shelter and transitional housing for young people.",
    COUNSELLING: "Trauma-informed counselling for young people and their families.",
    LEGAL_AID: "Free legal help for young survivors: court support and immigration relief.",
}

# (organization, type code, name, areas, languages, extra fields)
MEMBER_SERVICES = (
    (
        LEAD,
        "survivor_peer_support",
        "Peer mentoring circle",
        (COOK, "60623", "60608"),
        ("en", "es"),
        {
            "minimum_age": 12,
            "maximum_age": 24,
            "survivor_led": True,
            "cost": Cost.FREE,
            "hours": "Tue and Thu 16:00-19:00",
            "phone": "+1 555 0100 1001",
        },
    ),
    (
        LEAD,
        "case_management",
        "Youth advocacy and case management",
        (COOK, DUPAGE),
        ("en", "es"),
        {
            "minimum_age": 11,
            "maximum_age": 24,
            "survivor_led": True,
            "cost": Cost.FREE,
            "hours": "Mon-Fri 9:00-17:00",
            "culturally_specific": "Latinx youth and families",
        },
    ),
    (
        HOUSING,
        "emergency_shelter",
        "Youth emergency shelter",
        (COOK, DUPAGE),
        ("en", "es"),
        {
            "minimum_age": 14,
            "maximum_age": 21,
            "cost": Cost.FREE,
            "hours": "24 hours",
            "genders": DirectoryService.Gender.GIRLS_WOMEN,
            "phone": "+1 555 0100 2001",
            "eligibility_description": "Young women and girls leaving exploitation.",
            "locations": (LocationValues(name="Shelter", is_confidential=True, area=COOK),),
        },
    ),
    (
        HOUSING,
        "transitional_housing",
        "Transitional apartments",
        (COOK,),
        ("en",),
        {
            "minimum_age": 18,
            "maximum_age": 24,
            "accepting_referrals": False,
            "waitlist_weeks": 6,
            "cost": Cost.SLIDING_SCALE,
            "locations": (
                LocationValues(
                    name="Harborview office",
                    area=COOK,
                    address_1="200 Demo Avenue",
                    city="Chicago",
                    state_province="IL",
                    postal_code="60608",
                    country="US",
                ),
            ),
        },
    ),
    (
        COUNSELLING,
        "mental_health",
        "Trauma-informed counselling for youth",
        (COOK, LAKE, "60623"),
        ("en", "es"),
        {
            "minimum_age": 10,
            "maximum_age": 21,
            "waitlist_weeks": 2,
            "cost": Cost.INSURANCE,
            "fees_description": "Medicaid accepted; no one turned away for cost.",
            "accessibility": "Step-free entrance; sessions by video too.",
        },
    ),
    (
        COUNSELLING,
        "family_support",
        "Family counselling",
        (COOK, DUPAGE),
        ("en",),
        {"cost": Cost.SLIDING_SCALE, "hours": "Mon-Sat by appointment"},
    ),
    (
        LEGAL_AID,
        "legal_advocacy",
        "Victim rights and court support",
        (COOK, DUPAGE, LAKE),
        ("en", "es"),
        {"cost": Cost.FREE, "phone": "+1 555 0100 4001"},
    ),
    (
        LEGAL_AID,
        "immigration_legal",
        "T visa and immigration relief",
        (COOK,),
        ("en", "es"),
        {
            "cost": Cost.FREE,
            "accepting_referrals": False,
            "waitlist_weeks": 8,
            "culturally_specific": "Immigrant youth",
        },
    ),
)

# Providers outside Harbor, as a 211 feed would list them: no member organization.
# (name, phone, description, postal code of its main site, services)
OUTSIDE_PROVIDERS = (
    (
        "Northside Drop-in Center (demo, 211)",
        "+1 555 0100 9001",
        "Meals, clothing and overnight beds for young people on the North Side.",
        "60640",
        (
            (
                "basic_needs",
                "Drop-in meals and clothing",
                (COOK, "60640"),
                ("en", "es"),
                {"cost": Cost.FREE, "hours": "Daily 10:00-18:00"},
            ),
            (
                "emergency_shelter",
                "Overnight youth beds",
                (COOK,),
                ("en",),
                {"minimum_age": 18, "maximum_age": 24, "cost": Cost.FREE, "hours": "20:00-8:00"},
            ),
        ),
    ),
    (
        "West Suburban Health Clinic (demo, 211)",
        "+1 555 0100 9002",
        "Primary and sexual health care for teens, on a sliding scale.",
        "60148",
        (
            (
                "medical_care",
                "Teen health clinic",
                (DUPAGE,),
                ("en", "es"),
                {"minimum_age": 12, "maximum_age": 21, "cost": Cost.SLIDING_SCALE},
            ),
        ),
    ),
)


@transaction.atomic
def ensure_directory(*, cast: Cast) -> int:
    """Add whatever demo directory service is missing; return how many were added."""
    types = {t.code: t.pk for t in ServiceType.objects.all()}
    added = 0
    for organization_name, description in MEMBER_DESCRIPTIONS.items():
        _describe_member(cast.organizations[organization_name], description)
    for organization_name, code, name, areas, languages, extra in MEMBER_SERVICES:
        organization = cast.organizations[organization_name]
        if DirectoryService.objects.filter(provider__member=organization, name=name).exists():
            continue
        values = ServiceValues(
            service_type_id=types[code], name=name, areas=areas, languages=languages, **extra
        )
        create_member_service(organization=organization, values=values)
        added += 1
    for provider_name, phone, description, postal_code, services in OUTSIDE_PROVIDERS:
        provider, _ = DirectoryProvider.objects.get_or_create(
            name=provider_name, member=None, defaults={"phone": phone, "description": description}
        )
        for code, name, areas, languages, extra in services:
            if provider.services.filter(name=name).exists():
                continue
            _outside_service(provider, types[code], name, areas, languages, extra, postal_code)
            added += 1
    return added


def _describe_member(organization: Organization, description: str) -> None:
    """Through the directory entry page's service, as the organization's admin would."""
    if member_provider(organization).description:
        return
    update_directory_entry(
        organization=organization,
        name=organization.name,
        kind=organization.kind,
        service_area=organization.service_area,
        names_staff_to_young_people=organization.names_staff_to_young_people,
        description=description,
    )


def _outside_service(
    provider: DirectoryProvider,
    service_type_id: int,
    name: str,
    areas: tuple[str, ...],
    languages: tuple[str, ...],
    extra: dict,
    postal_code: str,
) -> None:
    """Written as an import writes it: straight to the rows, with a street location."""
    service = DirectoryService.objects.create(
        provider=provider, service_type_id=service_type_id, name=name, **extra
    )
    DirectoryServiceArea.objects.bulk_create(
        DirectoryServiceArea(service=service, area=area) for area in areas
    )
    DirectoryServiceLanguage.objects.bulk_create(
        DirectoryServiceLanguage(service=service, code=code) for code in languages
    )
    location, _ = DirectoryLocation.objects.get_or_create(
        provider=provider,
        name=f"{provider.name.split(' (')[0]} main site",
        defaults={
            "area": areas[0],
            "address_1": "1 Demo Plaza",
            "city": "Chicago",
            "state_province": "IL",
            "postal_code": postal_code,
            "country": "US",
        },
    )
    DirectoryServiceAtLocation.objects.create(service=service, location=location)
