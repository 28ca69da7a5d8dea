"""Outstanding supports: the community gap analysis, counts only (R22).

For each service type and area where young people live: how many planned services needed it,
how many a provider accepted, the median wait from the first referral sent to acceptance, how
many closed without service, how many still wait, and what the directory offers there. The
rows that need attention are the outstanding supports: no provider, long waits, needs met only
outside the area.

De-identification (R22). A row never names a case, person, date of birth or exact date. A
(service type, area) row with fewer needs than the threshold is not shown by name: it joins its
type's row "areas with fewer needs than the threshold", whose counts are withheld if it is
small too, so a rare area typed on a record never appears. Every count from one to the
threshold minus one is withheld; then, until nothing changes, a row whose "needed" is withheld
is withheld whole, and wherever a total (the type's "all areas" row; a row's "needed") would
give a single withheld cell away, the next smallest cell is withheld too. A median over fewer
waits than the threshold is withheld. Outstanding supports are only called on shown numbers.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PlannedService, Referral
from providers.models import DirectoryService, ServiceType
from reports.aggregates import DaysBetween, Median
from reports.community.coverage import AreaCoverage, DirectoryCoverage, directory_coverage, listed
from reports.suppression import suppress, threshold

AREA = "goal__plan__case__person__area"
NEEDED, ACCEPTED, CLOSED, WAITING = "needed", "accepted", "closed_without_service", "still_waiting"
COUNTS = (NEEDED, ACCEPTED, CLOSED, WAITING)
MEDIAN = "median_wait_days"
# A planned service still waiting for a provider is one staff have not closed or completed.
OPEN_SERVICE = (PlannedService.Status.PROPOSED, PlannedService.Status.REFERRED)
LIVE_REFERRAL = (Referral.Status.ACCEPTED, Referral.Status.IN_SERVICE, Referral.Status.COMPLETED)
# How the doors spell "area not recorded" in a filter, and the longest period they accept.
AREA_NOT_RECORDED = "-"
MAX_PERIOD_DAYS = 3660


def long_wait_days() -> int:
    return settings.HARBOR.get("GAP_LONG_WAIT_DAYS", 14)


class RowKind(TextChoices):
    AREA = "area", _("Area")
    UNRECORDED = "unrecorded", _("Area not recorded")
    SMALL_AREAS = "small_areas", _("Areas with too few needs to show")
    TOTAL = "total", _("All areas")


class Gap(TextChoices):
    NO_PROVIDER = "no_provider", _("No provider")
    LONG_WAIT = "long_wait", _("Long wait")
    OUTSIDE_AREA = "outside_area", _("Met only outside the area")


@dataclass(frozen=True)
class Period:
    """Planned services created from ``start`` to ``end``, both days included."""

    start: date
    end: date

    @classmethod
    def last_twelve_months(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=364), end=today)

    def bounds(self) -> tuple[datetime, datetime]:
        start = timezone.make_aware(datetime.combine(self.start, time.min))
        return start, timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass(frozen=True)
class GapFilters:
    period: Period
    organization_id: int | None = None  # None: the whole community (every member's cases)
    service_type_id: int | None = None
    area: str | None = None  # "" for the area not recorded


@dataclass(frozen=True)
class Figure:
    value: float | None
    suppressed: bool = False


@dataclass
class _Tally:
    """The exact numbers of one row, before anything is withheld (never leaves this module)."""

    needed: int = 0
    accepted: int = 0
    closed_without_service: int = 0
    still_waiting: int = 0
    accepted_in_area: int = 0
    waits: int = 0
    median_days: float | None = None

    def __add__(self, other: "_Tally") -> "_Tally":
        summed = {name: getattr(self, name) + getattr(other, name) for name in COUNTS}
        return _Tally(**summed, accepted_in_area=self.accepted_in_area + other.accepted_in_area)


@dataclass(frozen=True)
class GapRow:
    kind: str
    area: str  # as written on the records; blank for every kind but AREA
    figures: dict[str, Figure]
    coverage: AreaCoverage | None = None  # named areas only
    gaps: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.area if self.kind == RowKind.AREA else str(RowKind(self.kind).label)

    @property
    def gap_labels(self) -> list[str]:
        return [str(Gap(gap).label) for gap in self.gaps]


@dataclass(frozen=True)
class GapGroup:
    service_type: ServiceType
    services_anywhere: int
    rows: list[GapRow]
    total: GapRow


@dataclass(frozen=True)
class CoverageGroup:
    """What the directory lists for one service type: where, and how many anywhere."""

    service_type: ServiceType
    services_anywhere: int
    areas: list[tuple[str, AreaCoverage]]


@dataclass(frozen=True)
class GapReport:
    filters: GapFilters
    threshold: int
    long_wait_days: int
    groups: list[GapGroup]
    coverage: list[CoverageGroup] = field(default_factory=list)

    @property
    def outstanding(self) -> list[tuple[ServiceType, GapRow]]:
        return [(g.service_type, row) for g in self.groups for row in g.rows if row.gaps]

    @property
    def withheld_cells(self) -> int:
        rows = [row for g in self.groups for row in (*g.rows, g.total)]
        return sum(figure.suppressed for row in rows for figure in row.figures.values())


def _referrals() -> QuerySet[Referral]:
    """The referrals of the planned service of the outer query."""
    return Referral.objects.filter(planned_service=OuterRef("pk"))


def _accepted(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Accepted at some point, whatever came after: only accepting and declining set
    answered_at."""
    return referrals.filter(answered_at__isnull=False).exclude(status=Referral.Status.DECLINED)


def _planned_services(filters: GapFilters) -> QuerySet[PlannedService]:
    start, end = filters.period.bounds()
    services = PlannedService.objects.filter(created_at__gte=start, created_at__lt=end)
    if filters.organization_id is not None:
        services = services.filter(goal__plan__case__lead_organization_id=filters.organization_id)
    if filters.service_type_id is not None:
        services = services.filter(service_type_id=filters.service_type_id)
    if filters.area is not None:
        services = services.filter(**{AREA: filters.area})
    referrals = _referrals()
    return services.alias(
        first_sent=Subquery(
            referrals.filter(sent_at__isnull=False).order_by("sent_at").values("sent_at")[:1]
        ),
        first_accepted=Subquery(
            _accepted(referrals).order_by("answered_at").values("answered_at")[:1]
        ),
        wait=DaysBetween(F("first_accepted"), F("first_sent")),
    )


def _aggregates() -> dict:
    referrals = _referrals()
    # Closed without service, and neither served nor asked of another provider since.
    closed = (
        Exists(referrals.filter(status=Referral.Status.CLOSED_WITHOUT_SERVICE))
        & ~Exists(referrals.filter(status__in=LIVE_REFERRAL))
        & ~Exists(referrals.filter(status=Referral.Status.SENT))
    )
    # The accepting provider lists a service of this type covering the young person's area.
    local = DirectoryService.objects.filter(
        listed(),
        provider__member=OuterRef("to_organization"),
        service_type=OuterRef(OuterRef("service_type")),
        areas__area=OuterRef(OuterRef(AREA)),
    )
    accepted_locally = Exists(_accepted(referrals).filter(Exists(local)))
    not_accepted = Q(first_accepted__isnull=True)
    return {
        NEEDED: Count("pk"),
        ACCEPTED: Count("pk", filter=Q(first_accepted__isnull=False)),
        CLOSED: Count("pk", filter=closed),
        WAITING: Count("pk", filter=not_accepted & Q(status__in=OPEN_SERVICE) & ~closed),
        "accepted_in_area": Count("pk", filter=accepted_locally),
        "waits": Count("wait"),
        "median_days": Median("wait"),
    }


def _tallies(filters: GapFilters) -> dict[int, dict[str, _Tally]]:
    """One query: the exact numbers per service type and area."""
    rows = (
        _planned_services(filters)
        .values("service_type_id", area=F(AREA))
        .annotate(**_aggregates())
        .order_by()
    )
    found: dict[int, dict[str, _Tally]] = {}
    for row in rows:
        type_id, area = row.pop("service_type_id"), row.pop("area")
        found.setdefault(type_id, {})[area] = _Tally(**row)
    return found


def _medians(filters: GapFilters, small: dict[int, list[str]]) -> dict[int, tuple[_Tally, _Tally]]:
    """One query: each type's waits over all areas, and over its areas too small to show."""
    wait = {"waits": Count("wait"), "median_days": Median("wait")}
    if small:
        in_small = reduce(
            or_, (Q(service_type_id=t, **{f"{AREA}__in": areas}) for t, areas in small.items())
        )
        small_wait = Case(When(in_small, then=F("wait")), output_field=FloatField())
        wait |= {"small_waits": Count(small_wait), "small_median": Median(small_wait)}
    rows = _planned_services(filters).values("service_type_id").annotate(**wait).order_by()
    return {
        row["service_type_id"]: (
            _Tally(waits=row["waits"], median_days=row["median_days"]),
            _Tally(waits=row.get("small_waits", 0), median_days=row.get("small_median")),
        )
        for row in rows
    }


def _withheld(grid: list[_Tally]) -> set[tuple[int, str]]:
    """The cells to withhold in one type's rows; the last row is their total."""
    hidden: set[tuple[int, str]] = set()
    while True:
        before = set(hidden)
        for i, tally in enumerate(grid):
            hidden |= {(i, c) for c in COUNTS if 0 < getattr(tally, c) < threshold()}
            if (i, NEEDED) in hidden:
                hidden |= {(i, c) for c in COUNTS}
        for c in COUNTS:  # the rows of a column add up to the total row
            cells = suppress(
                [(str(i), getattr(t, c)) for i, t in enumerate(grid)],
                withheld=[str(i) for i in range(len(grid)) if (i, c) in hidden],
            )
            hidden |= {(int(cell.label), c) for cell in cells if cell.suppressed}
        for i, tally in enumerate(grid):  # a row's outcomes nearly add up to its "needed"
            cells = suppress(
                [(c, getattr(tally, c)) for c in COUNTS],
                withheld=[c for c in COUNTS if (i, c) in hidden],
            )
            hidden |= {(i, cell.label) for cell in cells if cell.suppressed}
        if hidden == before:
            return hidden


def _figures(index: int, tally: _Tally, hidden: set[tuple[int, str]]) -> dict[str, Figure]:
    figures = {
        c: Figure(None, True) if (index, c) in hidden else Figure(getattr(tally, c)) for c in COUNTS
    }
    if (index, NEEDED) in hidden or 0 < tally.waits < threshold():
        figures[MEDIAN] = Figure(None, True)
    elif tally.median_days is None:
        figures[MEDIAN] = Figure(None)  # nothing accepted: no wait to measure
    else:
        figures[MEDIAN] = Figure(round(tally.median_days, 1))
    return figures


def _gaps(row: GapRow, tally: _Tally) -> tuple[str, ...]:
    """Outstanding supports, called on shown numbers and directory facts only."""
    shown = {name: figure.value for name, figure in row.figures.items() if not figure.suppressed}
    if row.kind not in (RowKind.AREA, RowKind.UNRECORDED) or NEEDED not in shown:
        return ()
    gaps = []
    coverage = row.coverage or AreaCoverage()
    named = row.kind == RowKind.AREA
    if named and coverage.services == 0 and shown.get(ACCEPTED) == 0:
        gaps.append(Gap.NO_PROVIDER)
    median = shown.get(MEDIAN)
    if (median is not None and median > long_wait_days()) or (named and coverage.all_waitlisted):
        gaps.append(Gap.LONG_WAIT)
    if named and (shown.get(ACCEPTED) or 0) > 0 and tally.accepted_in_area == 0:
        gaps.append(Gap.OUTSIDE_AREA)
    return tuple(gap.value for gap in gaps)


def _group(
    service_type: ServiceType,
    areas: dict[str, _Tally],
    medians: tuple[_Tally, _Tally],
    coverage: DirectoryCoverage,
) -> GapGroup:
    shown = sorted(
        ((a, t) for a, t in areas.items() if t.needed >= threshold()),
        key=lambda item: (item[0] == "", item[0].casefold()),
    )
    small = [t for t in areas.values() if t.needed < threshold()]
    overall, small_waits = medians
    rows: list[tuple[str, str, _Tally]] = [
        (RowKind.AREA if area else RowKind.UNRECORDED, area, tally) for area, tally in shown
    ]
    if small:
        merged = replace(reduce(_Tally.__add__, small), **_wait_fields(small_waits))
        rows.append((RowKind.SMALL_AREAS, "", merged))
    total = replace(reduce(_Tally.__add__, areas.values()), **_wait_fields(overall))
    grid = [tally for _, _, tally in rows] + [total]
    hidden = _withheld(grid)
    built = []
    for index, (kind, area, tally) in enumerate(rows):
        row = GapRow(
            kind=kind,
            area=area,
            figures=_figures(index, tally, hidden),
            coverage=coverage.in_area(service_type.pk, area) if kind == RowKind.AREA else None,
        )
        built.append(replace(row, gaps=_gaps(row, tally)))
    return GapGroup(
        service_type=service_type,
        services_anywhere=coverage.anywhere.get(service_type.pk, 0),
        rows=built,
        total=GapRow(kind=RowKind.TOTAL, area="", figures=_figures(len(rows), total, hidden)),
    )


def _wait_fields(waits: _Tally) -> dict:
    return {"waits": waits.waits, "median_days": waits.median_days}


def _by_area_name(item: tuple[tuple[int, str], AreaCoverage]) -> str:
    return item[0][1].casefold()


def outstanding_supports(filters: GapFilters) -> GapReport:
    """The gap report for ``filters``, with every small number withheld. Five queries,
    whatever the size of the community."""
    tallies = _tallies(filters)
    small = {
        type_id: [area for area, tally in areas.items() if tally.needed < threshold()]
        for type_id, areas in tallies.items()
    }
    medians = _medians(filters, {t: areas for t, areas in small.items() if areas})
    coverage = directory_coverage(service_type_id=filters.service_type_id, area=filters.area)
    # Every type of the taxonomy (or the one asked for), so a type offered nowhere shows.
    if filters.service_type_id is not None:
        types = ServiceType.objects.filter(pk=filters.service_type_id)
    else:
        type_ids = set(tallies) | set(coverage.anywhere)
        types = ServiceType.objects.filter(Q(is_active=True) | Q(pk__in=type_ids))
    ordered = sorted(types, key=lambda t: t.name.casefold())
    groups = [
        _group(t, tallies[t.pk], medians.get(t.pk, (_Tally(), _Tally())), coverage)
        for t in ordered
        if t.pk in tallies
    ]
    by_type: dict[int, list[tuple[str, AreaCoverage]]] = {}
    for (type_id, area), found in sorted(coverage.by_area.items(), key=_by_area_name):
        by_type.setdefault(type_id, []).append((area, found))
    return GapReport(
        filters=filters,
        threshold=threshold(),
        long_wait_days=long_wait_days(),
        groups=groups,
        coverage=[
            CoverageGroup(
                service_type=t,
                services_anywhere=coverage.anywhere.get(t.pk, 0),
                areas=by_type.get(t.pk, []),
            )
            for t in ordered
        ],
    )
