"""Reading the access log of cases (R24, R26): the one selector behind the young person's "who
looked at my file" and the supervisor's access audit, so both read every event the same way."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from consent.models import AccessEvent
from providers.models import Organization


def events_of_cases(*, case_ids: Iterable[int] | QuerySet) -> QuerySet[AccessEvent]:
    """Every access event naming one of these cases, newest first, with who and where."""
    return (
        AccessEvent.objects.filter(case_id__in=case_ids)
        .select_related("organization", "user")
        .order_by("-id")
    )


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
    named = AccessEvent.objects.filter(case_id=case_id, organization_id__isnull=False)
    return Organization.objects.filter(pk__in=named.values("organization_id")).order_by("name")
