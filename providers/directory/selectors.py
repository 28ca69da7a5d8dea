"""Reads of the directory: the search, the matches offered when a referral is drafted, and a
member organization's own entries.

Every list costs the same few queries whatever its length: the services with their provider,
member organization and service type in one, then one each for areas, languages and
locations.
"""

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from providers.models import (
    DirectoryLocation,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceLanguage,
)

ACTIVE = DirectoryService.Status.ACTIVE
MATCH_LIMIT = 10


def with_directory_details(services: QuerySet[DirectoryService]) -> QuerySet[DirectoryService]:
    """What every page and API row shows, loaded in four queries in all."""
    return services.select_related("provider", "provider__member", "service_type").prefetch_related(
        Prefetch("areas", queryset=DirectoryServiceArea.objects.order_by("area", "pk")),
        Prefetch("languages", queryset=DirectoryServiceLanguage.objects.order_by("code", "pk")),
        Prefetch("locations", queryset=DirectoryLocation.objects.order_by("name", "pk")),
    )


def published_services() -> QuerySet[DirectoryService]:
    """Services anyone searching the directory sees: published and active."""
    return with_directory_details(DirectoryService.objects.filter(is_published=True, status=ACTIVE))


def _serves(area: str) -> Exists:
    return Exists(
        DirectoryServiceArea.objects.filter(service_id=OuterRef("pk"), area__iexact=area.strip())
    )


def _eligible_at(age: int) -> Q:
    return (Q(minimum_age__isnull=True) | Q(minimum_age__lte=age)) & (
        Q(maximum_age__isnull=True) | Q(maximum_age__gte=age)
    )


def filter_services(
    services: QuerySet[DirectoryService],
    *,
    service_type: int | None = None,
    area: str | None = None,
    age: int | None = None,
    language: str | None = None,
    accepting_now: bool = False,
    text: str | None = None,
) -> QuerySet[DirectoryService]:
    """Narrow ``services`` by the search filters; an empty filter does not narrow."""
    if service_type:
        services = services.filter(service_type_id=service_type)
    if area and area.strip():
        services = services.filter(_serves(area))
    if age is not None:
        services = services.filter(_eligible_at(age))
    if language and language.strip():
        spoken = DirectoryServiceLanguage.objects.filter(
            service_id=OuterRef("pk"), code__iexact=language.strip()
        )
        services = services.filter(Exists(spoken))
    if accepting_now:
        services = services.filter(accepting_referrals=True)
    if text and text.strip():
        words = text.strip()
        services = services.filter(
            Q(name__icontains=words)
            | Q(description__icontains=words)
            | Q(provider__name__icontains=words)
            | Q(eligibility_description__icontains=words)
            | Q(culturally_specific__icontains=words)
        )
    return services


def search_directory(
    *,
    service_type: int | None = None,
    area: str | None = None,
    age: int | None = None,
    language: str | None = None,
    accepting_now: bool = False,
    text: str | None = None,
) -> QuerySet[DirectoryService]:
    """Published, active services that meet every filter given, by name."""
    return filter_services(
        published_services(),
        service_type=service_type,
        area=area,
        age=age,
        language=language,
        accepting_now=accepting_now,
        text=text,
    ).order_by("name", "pk")


def matches_for(
    *, service_type_id: int, area: str | None, age: int | None, limit: int = MATCH_LIMIT
) -> list[DirectoryService]:
    """Services of the planned service's type that the young person is eligible for by age,
    best first: those serving their area, then those taking referrals now, then the shorter
    waitlist, then member organizations (which can receive a referral in Harbor).

    Each service carries ``serves_area`` (None when the area is not known) and
    ``takes_harbor_referrals``.
    """
    services = published_services().filter(service_type_id=service_type_id)
    if age is not None:
        services = services.filter(_eligible_at(age))
    services = services.annotate(
        is_member=Case(
            When(provider__member__is_active=True, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    ranking = ["-accepting_referrals", "waitlist_weeks", "-is_member", "name", "pk"]
    known_area = bool(area and area.strip())
    if known_area:
        services = services.annotate(serves_area=_serves(area or ""))
        ranking.insert(0, "-serves_area")
    found = list(services.order_by(*ranking)[:limit])
    for service in found:
        service.takes_harbor_referrals = bool(service.is_member)
        if not known_area:
            service.serves_area = None
    return found


def member_services(*, organization_id: int) -> QuerySet[DirectoryService]:
    """Every service a member organization lists, published or not, for its admins."""
    return with_directory_details(
        DirectoryService.objects.filter(provider__member_id=organization_id)
    ).order_by("name", "pk")


def takes_harbor_referrals(service: DirectoryService) -> bool:
    """A member organization's service (active in Harbor) can receive a referral in Harbor."""
    member = service.provider.member
    return member is not None and member.is_active
