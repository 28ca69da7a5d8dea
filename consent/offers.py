"""The non-identifying offer of a case transfer (R41): all the receiving organization learns of
the young person before it accepts to lead the case.

An age band, the needs (domains of the plan's open goals, service types of its open planned
services) and the area the young person lives in, if recorded. Never a name, alias, birth date,
contact, family, notes, or an id of the person or case: the offer is built here, from values,
so that a door cannot hand over more by showing a model.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from cases.models import Case, Goal, Person, PlannedService

# Bands narrow enough to plan services (the age of consent sits on a boundary), wide enough
# not to stand for a birth date.
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 11),
    (12, 14),
    (15, 17),
    (18, 20),
    (21, 24),
    (25, None),
)
OPEN_SERVICE_STATUSES = (
    PlannedService.Status.PROPOSED,
    PlannedService.Status.REFERRED,
    PlannedService.Status.ACTIVE,
)


@dataclass(frozen=True)
class TransferOffer:
    """What the receiving organization may read before accepting: no identity."""

    age_band: str  # "15-17", "25+", or "" when no age is recorded
    needs: tuple[str, ...]  # goal domains (GoalDomain values) of the plan's open goals
    services: tuple[str, ...]  # service type codes of the plan's open planned services
    area: str  # county or postal area, "" when not recorded or declined


def _possible_ages(person: Person, on: date) -> tuple[int, int] | None:
    """The youngest and oldest age the recorded date of birth allows (None: not recorded)."""
    precision = person.birth_date_precision
    if precision == Person.BirthDatePrecision.EXACT and person.birth_date:
        born = person.birth_date
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return age, age
    if precision == Person.BirthDatePrecision.YEAR and person.birth_year:
        return on.year - person.birth_year - 1, on.year - person.birth_year
    if (
        precision == Person.BirthDatePrecision.AGE_RANGE
        and person.age_range_min is not None
        and person.age_range_max is not None
    ):
        return person.age_range_min, person.age_range_max
    return None


def _band_index(age: int) -> int:
    for index, (low, high) in enumerate(AGE_BANDS):
        if age >= low and (high is None or age <= high):
            return index
    return 0  # a negative age is a data error: the youngest band says the least


def age_band(person: Person, on: date) -> str:
    """The band (or span of bands) holding every age the record allows: "15-17", "12-17",
    "25+"; "" when no age is recorded."""
    ages = _possible_ages(person, on)
    if ages is None:
        return ""
    low = AGE_BANDS[_band_index(max(ages[0], 0))][0]
    high = AGE_BANDS[_band_index(max(ages[1], 0))][1]
    return f"{low}+" if high is None else f"{low}-{high}"


def transfer_offers(case_ids: Iterable[int]) -> dict[int, TransferOffer]:
    """Per case, the offer the receiving organization sees. Three queries for any number."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return {}
    today = timezone.localdate()
    people = {
        case.pk: case.person
        for case in Case.objects.filter(pk__in=case_ids)
        .select_related("person")
        .only(
            "pk",
            "person__birth_date_precision",
            "person__birth_date",
            "person__birth_year",
            "person__age_range_min",
            "person__age_range_max",
            "person__area",
            "person__declined_fields",
        )
    }
    needs: dict[int, set[str]] = {}
    goals = Goal.objects.filter(plan__case_id__in=case_ids, status=Goal.Status.ACTIVE)
    for case_id, domain in goals.values_list("plan__case_id", "domain"):
        needs.setdefault(case_id, set()).add(domain)
    services: dict[int, set[str]] = {}
    planned = PlannedService.objects.filter(
        goal__plan__case_id__in=case_ids,
        goal__status=Goal.Status.ACTIVE,
        status__in=OPEN_SERVICE_STATUSES,
    )
    for case_id, code in planned.values_list("goal__plan__case_id", "service_type__code"):
        services.setdefault(case_id, set()).add(code)
    return {
        case_id: TransferOffer(
            age_band=age_band(person, today),
            needs=tuple(sorted(needs.get(case_id, ()))),
            services=tuple(sorted(services.get(case_id, ()))),
            area="" if "area" in (person.declined_fields or []) else person.area,
        )
        for case_id, person in people.items()
    }
