"""Every readable route of the JSON API and the pages, walked from the URL configuration, and
the records each persona requests them with.

A route's path arguments are filled from ``Picks``: the ids of one record of each kind around
the showcase case (the same records at every scale). A route whose arguments cannot be filled
is reported as unmeasured rather than skipped in silence, so a new route shows up.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tasks.continuity import ListKind

# Pages that are about signing in and out, not about data; a GET of some of them signs out.
SKIPPED_PAGES = (
    "sign-in",
    "sign-out",
    "two-factor",
    "account-",
    "password-reset",
    "language",
    "session-",
)
SKIPPED_API = ("schema", "docs", "redoc", "auth-token")

# API route name (before "-detail" or an action) -> the kind of record its pk is.
API_RESOURCES = {
    "case": "case",
    "case-history": "case",
    "consent": "consent",
    "person": "person",
    "family-member": "family_member",
    "care-team": "care_team",
    "compelled-disclosure": "compelled",
    "follow-up": "follow_up",
    "goal": "goal",
    "planned-service": "planned_service",
    "plan-version": "plan_version",
    "referral": "referral",
    "transfer": "transfer",
    "note": "note",
    "contact": "contact",
    "flag": "flag",
    "organization": "organization",
    "service-type": "service_type",
    "membership": "membership",
    "directory-service": "directory_service",
    "inbox": "notification",
    "system-involvement": "system_involvement",
    "check-in": "check_in",
}
# Page URL argument -> the kind of record it names (directory pages' service_id is their own).
PAGE_ARGUMENTS = {
    "case_id": "case",
    "consent_id": "consent",
    "referral_id": "referral",
    "goal_id": "goal",
    "service_id": "planned_service",
    "follow_up_id": "follow_up",
    "version_id": "plan_version",
    "notice_id": "portal_notice",
    "organization_id": "organization",
    "membership_id": "membership",
    "event_id": "system_involvement",
    "check_in_id": "check_in",
}
# Query strings some routes need to answer at all.
QUERIES = {"report-caseload": "organization"}

Picks = dict[str, int]


@dataclass(frozen=True)
class Route:
    name: str  # the URL name, namespaced for pages ("frontend:caseload")
    pattern: URLPattern
    arguments: tuple[str, ...]
    is_api: bool

    def resource(self, argument: str) -> str | None:
        if not self.is_api:
            if argument == "service_id" and self.name.startswith("frontend:directory"):
                return "directory_service"
            return PAGE_ARGUMENTS.get(argument)
        base = self.name
        for suffix in ("-detail", "-list"):
            base = base.removesuffix(suffix)
        while base and base not in API_RESOURCES:
            base = base.rpartition("-")[0]
        return API_RESOURCES.get(base)


@dataclass(frozen=True)
class Request:
    label: str  # the route name, with the list kind for the supervisor's lists
    url: str | None  # None: the persona has no record to fill the route with


def _walk(
    patterns: list, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif entry.name:
            yield prefix + str(entry.pattern), namespace + entry.name, entry


def _reads(pattern: URLPattern) -> bool:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return "get" in actions
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "get")
    # A function view: decorated with require_POST it answers GET with 405, which is measured
    # (and dropped) like any other answer.
    return True


def readable_routes() -> list[Route]:
    """The API's GET routes and the data pages, in URL-configuration order."""
    routes = []
    for path, name, pattern in _walk(get_resolver().url_patterns):
        is_api = path.startswith(("api/", "^api/"))
        is_page = name.startswith("frontend:")
        if is_api and name in SKIPPED_API:
            continue
        if is_page and any(name.removeprefix("frontend:").startswith(s) for s in SKIPPED_PAGES):
            continue
        if (is_api or is_page) and _reads(pattern):
            arguments = tuple(pattern.pattern.regex.groupindex)
            routes.append(Route(name, pattern, arguments, is_api))
    return routes


def _analytics_figures() -> type:
    # Imported only when the analytics pages are routed at all.
    from reports.analytics.figures import Figure

    return Figure


def _outcome_measures() -> type:
    # The outcome and equity lists (issue 21): one per measure.
    from reports.outcomes.measures import Measure

    return Measure


def requests_for(route: Route, picks: Picks) -> list[Request]:
    """The URLs a persona requests for a route (one per list kind for the supervisor lists)."""
    if route.arguments == ("kind",):
        if "outcomes" in route.name:
            kinds = _outcome_measures()
        elif "analytics" in route.name:
            kinds = _analytics_figures()
        else:
            kinds = ListKind
        return [
            Request(f"{route.name}[{kind.value}]", reverse(route.name, kwargs={"kind": kind.value}))
            for kind in kinds
        ]
    if route.arguments == ("table",) and "outcomes" in route.name:
        # The outcome tables are all made by the same two queries: one measure's CSV stands
        # for every one.
        table = _outcome_measures().NO_SYSTEM_INVOLVEMENT.value
        return [Request(f"{route.name}[{table}]", reverse(route.name, kwargs={"table": table}))]
    kwargs = {}
    for argument in route.arguments:
        resource = route.resource(argument)
        if resource is None or resource not in picks:
            return [Request(route.name, None)]
        kwargs[argument] = picks[resource]
    url = reverse(route.name, kwargs=kwargs)
    if route.name in QUERIES and "organization" in picks:
        url += f"?{QUERIES[route.name]}={picks['organization']}"
    return [Request(route.name, url)]
