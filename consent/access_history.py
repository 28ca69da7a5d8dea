"""Reading the access log of cases (R24, R26): the one selector behind the young person's "who
looked at my file", their export and API, and the supervisor's access audit, so all read every
event the same way: a page event (one event naming every case a list showed) is read for each
case it names exactly as a single event about that case."""

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db.models import Q, QuerySet

from consent.models import AccessEvent
from providers.models import Organization


def naming(case_ids: Iterable[int]) -> Q:
    """Events about one of these cases: single events, and page events that name one."""
    ids = [int(pk) for pk in case_ids]
    if not ids:
        return Q(pk__in=[])
    return reduce(operator.or_, (Q(case_ids__names=pk) for pk in ids), Q(case_id__in=ids))


def events_of_cases(*, case_ids: Iterable[int]) -> QuerySet[AccessEvent]:
    """Every access event naming one of these cases, newest first, with who and where."""
    return (
        AccessEvent.objects.filter(naming(case_ids))
        .select_related("organization", "user")
        .order_by("-id")
    )


def case_shown(event: AccessEvent, case_ids: Iterable[int]) -> int | None:
    """Which of ``case_ids`` the event is about, for a reader of those cases: never another
    case a page event names (another young person's)."""
    if event.case_id is not None:
        return event.case_id
    return next((pk for pk in case_ids if pk in event.case_ids), None)


@dataclass(frozen=True)
class AuditFilter:
    """What a supervisor narrows a case's access audit to; empty fields narrow nothing.
    Days are read in the current time zone (the reader's)."""

    outcome: str = ""
    organization_id: int | None = None
    since: date | None = None
    until: date | None = None


def audit_events(*, case_id: int, narrowed: AuditFilter) -> QuerySet[AccessEvent]:
    """The case's access events that pass ``narrowed``, newest first."""
    events = events_of_cases(case_ids=[case_id])
    if narrowed.outcome:
        events = events.filter(outcome=narrowed.outcome)
    if narrowed.organization_id is not None:
        events = events.filter(organization_id=narrowed.organization_id)
    if narrowed.since is not None:
        events = events.filter(at__date__gte=narrowed.since)
    if narrowed.until is not None:
        events = events.filter(at__date__lte=narrowed.until)
    return events


def organizations_in_audit(*, case_id: int) -> QuerySet[Organization]:
    """The organizations the case's access events name: the audit's organization filter."""
    named = AccessEvent.objects.filter(naming([case_id]), organization_id__isnull=False)
    return Organization.objects.filter(pk__in=named.values("organization_id")).order_by("name")
