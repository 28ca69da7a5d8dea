"""The authorization matrix, generated from the URL configuration.

Every API route must be listed in ROUTES with what it is about; a new route without an entry
fails the suite. For each route and method, people without a basis on the world's case
(another advocate of the same organization, its org admin, a partner organization's staff,
another young person, a superuser) get nothing: lists leave the record out, details are 404,
writes fail and change nothing. The care team's advocate does see the record, so the test
could fail.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World
from tests.matrix_targets import TARGETS, Target

pytestmark = pytest.mark.django_db

OUTSIDERS = ("other_advocate", "org_admin", "partner_staff", "other_young_person", "superuser")
MEMBERSHIP_OUTSIDERS = ("advocate", "partner_staff", "young_person", "superuser")
PUBLIC_ROUTES = {"schema", "docs", "redoc", "auth-token", "api-root"}
SIGNED_IN_ROUTES = {
    "organization-list",
    "organization-detail",
    "service-type-list",
    "service-type-detail",
    "me",
}
UNSAFE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str
    methods: tuple[str, ...]
    is_detail: bool
    kwargs: tuple[str, ...] = field(default=())


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif entry.name:
            found.append((prefix + str(entry.pattern), entry))
    return found


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    allowed = set(getattr(view_class, "http_method_names", ()))
    if actions is not None:
        return tuple(sorted(m for m in actions if m in allowed))
    return tuple(
        sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))
    )


def api_routes() -> dict[str, Route]:
    routes = {}
    for path, pattern in _walk(get_resolver().url_patterns):
        if not path.startswith(("api/", "^api/")):
            continue
        keys = tuple(pattern.pattern.regex.groupindex)
        routes[pattern.name] = Route(
            name=pattern.name,
            methods=_methods(pattern),
            is_detail=bool({"pk", "case_pk"} & set(keys)),
            kwargs=keys,
        )
    return routes


ROUTES = api_routes()
CASE_DATA_CALLS = [
    (name, method)
    for name, route in sorted(ROUTES.items())
    if name in TARGETS and TARGETS[name].case_data
    for method in route.methods
]


def _url(route: Route, target: Target, world: World) -> str:
    kwargs = {}
    if "pk" in route.kwargs:
        kwargs["pk"] = _record(target, world)
    if "case_pk" in route.kwargs:
        kwargs["case_pk"] = world.case.pk
    return reverse(route.name, kwargs=kwargs)


def _record(target: Target, world: World) -> int:
    """The target record's id, created before any request so lists have it to leave out."""
    return target.pk(world)


def _fingerprint() -> dict[str, list[tuple]]:
    """Every row of every case, provider and history table: writes cannot hide from it."""
    state = {}
    for label in ("cases", "providers"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = sorted(model.objects.values_list(), key=repr)
    return state


def _ids(response) -> set[int]:
    rows = response.data["results"] if isinstance(response.data, dict) else response.data
    return {row.get("id") for row in rows}


def test_every_api_route_is_in_the_matrix():
    unclassified = set(ROUTES) - set(TARGETS) - PUBLIC_ROUTES - SIGNED_IN_ROUTES
    stale = set(TARGETS) - set(ROUTES)

    assert not unclassified, f"Add these routes to tests/matrix_targets.py: {sorted(unclassified)}"
    assert not stale, f"These matrix entries name no route: {sorted(stale)}"


@pytest.mark.parametrize(("name", "method"), CASE_DATA_CALLS)
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_people_without_a_basis_get_nothing_of_the_case(world, api_for, name, method, persona):
    route, target = ROUTES[name], TARGETS[name]
    record = _record(target, world)
    client = api_for(getattr(world, persona))
    url = _url(route, target, world)
    payload = target.payload(world)
    before = _fingerprint()

    response = getattr(client, method)(url, payload, format="json")

    if method == "get" and not route.is_detail:
        assert response.status_code == 200
        assert record not in _ids(response)
    elif method == "get":
        assert response.status_code == 404
    else:
        assert response.status_code in (400, 403, 404, 405), response.data
        assert _fingerprint() == before


READABLE = sorted(n for n, t in TARGETS.items() if t.case_data and "get" in ROUTES[n].methods)


@pytest.mark.parametrize("name", READABLE)
def test_the_care_team_sees_what_outsiders_cannot(world, api_for, name):
    route, target = ROUTES[name], TARGETS[name]
    record = _record(target, world)

    response = api_for(getattr(world, target.insider)).get(_url(route, target, world))

    assert response.status_code == 200
    if not route.is_detail:
        assert record in _ids(response)


MEMBERSHIP_CALLS = [
    (n, m)
    for n in ("membership-list", "membership-detail", "membership-suspend", "membership-restore")
    for m in ROUTES[n].methods
]


@pytest.mark.parametrize(("name", "method"), MEMBERSHIP_CALLS)
@pytest.mark.parametrize("persona", MEMBERSHIP_OUTSIDERS)
def test_only_admins_and_supervisors_see_and_change_other_peoples_roles(
    world, api_for, name, method, persona
):
    route, target = ROUTES[name], TARGETS[name]
    record = _record(target, world)
    url, payload = _url(route, target, world), target.payload(world)
    before = _fingerprint()

    response = getattr(api_for(getattr(world, persona)), method)(url, payload, format="json")

    if method == "get" and not route.is_detail:
        assert record not in _ids(response)
    elif method == "get":
        assert response.status_code == 404
    else:
        assert response.status_code in (400, 403, 404)
        assert _fingerprint() == before


@pytest.mark.parametrize(
    ("name", "method"),
    [(n, m) for n, r in sorted(ROUTES.items()) if n not in PUBLIC_ROUTES for m in r.methods],
)
def test_anonymous_requests_are_refused(world, api_for, name, method):
    route = ROUTES[name]
    target = TARGETS.get(name)
    url = (
        _url(route, target, world) if target else reverse(name, kwargs=_public_kwargs(route, world))
    )

    response = getattr(api_for(None), method)(url, {}, format="json")

    assert response.status_code in (401, 403)


def _public_kwargs(route: Route, world: World) -> dict[str, int]:
    return {"pk": world.lead.pk} if "pk" in route.kwargs else {}


def test_public_routes_are_only_the_schema_docs_and_sign_in(api_for):
    client = api_for(None)

    assert client.get(reverse("schema")).status_code == 200
    assert client.get(reverse("docs")).status_code == 200
    assert client.post(reverse("auth-token"), {}, format="json").status_code == 400
