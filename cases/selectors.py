"""Read helpers of cases/: querysets shaped for the doors, with a constant number of queries.

They never decide access: callers pass querysets that consent.policy already filtered.
"""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from cases.models import CareTeamMember, Case, Flag


def _summary_prefetches() -> list[Prefetch]:
    return [
        Prefetch(
            "care_team",
            queryset=CareTeamMember.objects.filter(until__isnull=True).select_related("user"),
            to_attr="current_team",
        ),
        Prefetch(
            "flags", queryset=Flag.objects.filter(cleared_at__isnull=True), to_attr="current_flags"
        ),
    ]


def with_case_summary(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with the young person, lead organization, current team and current flags loaded."""
    return cases.select_related("person", "lead_organization").prefetch_related(
        *_summary_prefetches()
    )


def load_case_summary(case: Case) -> Case:
    """The same as ``with_case_summary`` for one case already fetched."""
    prefetch_related_objects([case], *_summary_prefetches())
    return case
