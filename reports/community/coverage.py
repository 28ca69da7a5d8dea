"""What the community directory offers, by service type and area: published, active services
of providers that are not inactive Harbor members. Directory facts, not personal data, so
nothing here is suppressed."""

from dataclasses import dataclass

from django.db.models import Count, Q

from providers.models import DirectoryService, DirectoryServiceArea, Organization


def listed(prefix: str = "") -> Q:
    """Directory services the reports count: published, active, and not of an inactive Harbor
    member. ``prefix`` reaches a service from another model (``"service__"``)."""
    return Q(
        **{f"{prefix}is_published": True, f"{prefix}status": DirectoryService.Status.ACTIVE}
    ) & (
        Q(**{f"{prefix}provider__member__isnull": True})
        | Q(**{f"{prefix}provider__member__is_active": True})
    )


@dataclass(frozen=True)
class AreaCoverage:
    """Directory services of one type covering one area, and how many take referrals now
    without a waitlist."""

    services: int = 0
    open_now: int = 0

    @property
    def all_waitlisted(self) -> bool:
        return self.services > 0 and self.open_now == 0


@dataclass(frozen=True)
class DirectoryCoverage:
    by_area: dict[tuple[int, str], AreaCoverage]  # (service type id, area) -> coverage
    anywhere: dict[int, int]  # service type id -> listed services, wherever they are

    def in_area(self, service_type_id: int, area: str) -> AreaCoverage:
        return self.by_area.get((service_type_id, area), AreaCoverage())


def directory_coverage(
    *, service_type_id: int | None = None, area: str | None = None
) -> DirectoryCoverage:
    """Two queries: listed services per (type, area), and per type anywhere."""
    areas = DirectoryServiceArea.objects.filter(listed("service__"))
    services = DirectoryService.objects.filter(listed())
    if service_type_id is not None:
        areas = areas.filter(service__service_type_id=service_type_id)
        services = services.filter(service_type_id=service_type_id)
    if area is not None:
        areas = areas.filter(area=area)
    open_now = Q(service__accepting_referrals=True, service__waitlist_weeks=0)
    rows = (
        areas.values_list("service__service_type_id", "area")
        .annotate(
            services=Count("service_id", distinct=True),
            open_now=Count("service_id", filter=open_now, distinct=True),
        )
        .order_by()
    )
    anywhere = services.values_list("service_type_id").annotate(n=Count("pk")).order_by()
    return DirectoryCoverage(
        by_area={(t, a): AreaCoverage(services=n, open_now=o) for t, a, n, o in rows},
        anywhere=dict(anywhere),
    )


def known_areas() -> list[str]:
    """Areas the community has named in public: the directory's service areas and the member
    organizations' own. (Areas typed on a young person's record are not offered as choices:
    a rare one would say where someone lives.)"""
    directory = DirectoryServiceArea.objects.filter(listed("service__")).values_list(
        "area", flat=True
    )
    named: set[str] = set(directory.distinct())
    for served in Organization.objects.filter(is_active=True).values_list(
        "service_area", flat=True
    ):
        named.update(area for area in served or [] if isinstance(area, str))
    return sorted({area for area in named if area.strip()}, key=str.casefold)
