"""Read helpers of cases/: querysets shaped for the doors, with a constant number of queries.

They never decide access: callers pass querysets that consent.policy already filtered.
"""

from collections.abc import Collection

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from cases.models import CareTeamMember, Case, Flag, Goal, PlannedService, PlanVersion


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


def with_case_people(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with the young person and lead organization; the team and flags are loaded later
    with ``load_lead_summaries``, once the page and its releases are known."""
    return cases.select_related("person", "lead_organization")


def load_lead_summaries(cases: list[Case], *, lead_case_ids: Collection[int]) -> None:
    """Current team and flags for the page's cases the viewer leads, in two queries (none
    when it leads none); the others get empty lists: a partner is shown neither."""
    led = [case for case in cases if case.pk in lead_case_ids]
    for case in cases:
        if case.pk not in lead_case_ids:
            case.current_team, case.current_flags = [], []
    if led:
        prefetch_related_objects(led, *_summary_prefetches())


def load_case_summary(case: Case) -> Case:
    """The same as ``with_case_summary`` for one case already fetched."""
    prefetch_related_objects([case], *_summary_prefetches())
    return case


def goals_with_services(*, plan_id: int) -> QuerySet[Goal]:
    """A plan's goals in order, each with its planned services, service types and providers."""
    services = PlannedService.objects.select_related("service_type", "provider").order_by("pk")
    return Goal.objects.filter(plan_id=plan_id).prefetch_related(
        Prefetch("services", queryset=services)
    )


def with_goal_details(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """Goals with the plan loaded, so each row can name its case without a query."""
    return goals.select_related("plan")


def with_planned_service_details(services: QuerySet[PlannedService]) -> QuerySet[PlannedService]:
    """Planned services with their goal's plan, service type, provider and responsible staff."""
    return services.select_related("goal__plan", "service_type", "provider", "responsible")


def with_plan_version_details(versions: QuerySet[PlanVersion]) -> QuerySet[PlanVersion]:
    """Plan versions with the plan loaded, so each row can name its case without a query."""
    return versions.select_related("plan")


def check_in_goals(*, case_id: int) -> QuerySet[Goal]:
    """The goals a check-in asks about, in the plan's order: the plan's, but those set aside."""
    return (
        Goal.objects.filter(plan__case_id=case_id)
        .exclude(status=Goal.Status.SET_ASIDE)
        .order_by("position", "pk")
    )
