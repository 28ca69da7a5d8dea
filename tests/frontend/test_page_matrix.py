"""The authorization matrix of the web app, generated from the URL configuration.

Every page route must be declared in one of ``tests/frontend/targets_<area>.py``; a new route
without an entry fails the suite. Then for every route and persona:

- anonymous people are sent to sign in (or refused, for POST-only routes);
- ``readers`` get the page (200); every other signed-in persona gets 403 or 404, and the
  page shows none of the seeded personal strings;
- a POST from anyone but ``writers`` is refused (403, 404 or 405) and changes no row.

The world is built once per module in a transaction; each test runs in a savepoint of it.
"""

import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.frontend import (
    targets_advocate,
    targets_community,
    targets_directory,
    targets_operator,
    targets_partner,
    targets_planning,
    targets_portal,
    targets_supervisor,
)
from tests.frontend.pages import (
    LEAD,
    PERSONAS,
    SEEDED_STRINGS,
    PageTarget,
    PageWorld,
    build_page_world,
)

pytestmark = pytest.mark.django_db

# Pages anyone may open, signed in or not, and pages every signed-in person shares.
OPEN_ROUTES = {
    "sign-in",
    "sign-out",
    "password-reset",
    "password-reset-sent",
    "password-reset-confirm",
    "password-reset-done",
    "language",
    "session-status",
    "session-keep-alive",
    "session-end",
    "home",
    # Each person's sign-in steps and account security (tests/frontend/test_two_factor_pages.py).
    "two-factor-verify",
    "account-security",
    "password-change",
    "two-factor-set-up",
    "two-factor-backup-codes",
    "two-factor-turn-off",
    "sign-out-everywhere",
    # A young person redeems the code their advocate gave (tests/frontend/test_portal_activation).
    "portal-activate",
    # An invitation's link (tests/frontend/test_invitations.py): its token is the credential.
    "invitation-accept",
}
TARGETS: dict[str, PageTarget] = {
    **targets_advocate.TARGETS,
    **targets_planning.TARGETS,
    **targets_partner.TARGETS,
    **targets_portal.TARGETS,
    **targets_supervisor.TARGETS,
    **targets_directory.TARGETS,
    **targets_community.TARGETS,
    **targets_operator.TARGETS,
}


def _walk(patterns: list, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names += _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace == "frontend":
            names.append(entry.name)
    return names


PAGE_ROUTES = sorted(set(_walk(get_resolver().url_patterns)) - OPEN_ROUTES)


def test_every_page_route_is_in_the_matrix() -> None:
    missing = [name for name in PAGE_ROUTES if name not in TARGETS]
    assert not missing, f"declare these routes in tests/frontend/targets_<area>.py: {missing}"


def test_the_matrix_names_no_route_that_does_not_exist() -> None:
    assert not set(TARGETS) - set(PAGE_ROUTES)


@pytest.fixture(scope="module")
def page_world(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_page_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def savepoint(page_world: PageWorld) -> Iterator[PageWorld]:
    sid = transaction.savepoint()
    yield page_world
    transaction.savepoint_rollback(sid)


def _client(pw: PageWorld, persona: str) -> Client:
    client = Client()
    user = pw.user(persona)
    if user is not None:
        client.force_login(user)
    return client


def _url(name: str, pw: PageWorld) -> str:
    target = TARGETS[name]
    return reverse(f"frontend:{name}", kwargs=target.kwargs(pw)) + target.query(pw)


def _rows() -> dict[str, list[tuple]]:
    """Every row of the world's records (it is small): a refused POST leaves them as they were."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for app in ("accounts", "cases", "consent", "tasks", "providers")
        for model in apps.get_app_config(app).get_models()
        if model._meta.label != "consent.AccessEvent"
    }


GETS = [
    (name, persona)
    for name in PAGE_ROUTES
    if name in TARGETS and TARGETS[name].get
    for persona in PERSONAS
]
POSTS = [
    (name, persona)
    for name in PAGE_ROUTES
    if name in TARGETS and TARGETS[name].post
    for persona in PERSONAS
    if persona not in TARGETS[name].writers
]


@pytest.mark.parametrize(("name", "persona"), GETS)
def test_page_answers_each_persona_by_its_basis(
    savepoint: PageWorld, name: str, persona: str
) -> None:
    pw, target = savepoint, TARGETS[name]
    response = _client(pw, persona).get(_url(name, pw))
    body = response.content.decode(errors="replace")  # a file (document, zip) is bytes
    if persona == "anonymous":
        assert response.status_code == 302
        assert urlparse(response["Location"]).path == reverse("frontend:sign-in")
    elif persona in target.readers:
        assert response.status_code == 200, body[:500]
    else:
        assert response.status_code in (403, 404), (response.status_code, body[:500])
        leaked = [text for text in SEEDED_STRINGS if text in body]
        assert not leaked, f"{persona} saw {leaked} on {name}"


@pytest.mark.parametrize(("name", "persona"), POSTS)
def test_post_from_a_persona_without_a_basis_changes_nothing(
    savepoint: PageWorld, name: str, persona: str
) -> None:
    pw = savepoint
    client = _client(pw, persona)  # signing in sets last_login: before the snapshot
    before = _rows()
    response = client.post(_url(name, pw), data={})
    if persona == "anonymous":
        assert response.status_code in (302, 403)
    else:
        assert response.status_code in (403, 404, 405), response.content[:500]
    assert _rows() == before


# -- Forbidden looks like missing (issue 16) ----------------------------------------------------

# An id no table of the world reaches.
MISSING_ID = 10**15
# What differs between two renderings of one page: the masked CSRF token, the CSP nonce and
# the request's reference; and the page's own address (the language switch returns to it).
PER_RESPONSE = re.compile(
    rb'((?:csrfmiddlewaretoken" value|nonce|data-csrf-token)=")[^"]*'
    rb"|(Reference: )[0-9a-f-]{36}"
)


def _page(response: HttpResponse, path: str) -> tuple[int, str, bytes]:
    """Status, content type and page, but for what is new in every response."""
    content = PER_RESPONSE.sub(rb"\1\2", response.content).replace(path.encode(), b"<path>")
    return response.status_code, response.get("Content-Type", ""), content


def _takes_ids(name: str) -> bool:
    """Whether the route's path carries an id (``<int:case_id>`` and the like)."""
    _prefix, resolver = get_resolver().namespace_dict["frontend"]
    return any(converters for *_rest, converters in resolver.reverse_dict.getlist(name))


ID_PAGE_CALLS = [
    (name, method, persona)
    for name in PAGE_ROUTES
    if name in TARGETS and _takes_ids(name)
    for method in ("get", "post")
    if getattr(TARGETS[name], method)
    for persona in PERSONAS
    if persona not in ("anonymous", *LEAD)  # the lead knows every record of its case exists
    and persona not in (TARGETS[name].readers if method == "get" else TARGETS[name].writers)
]


@pytest.mark.parametrize(("name", "method", "persona"), ID_PAGE_CALLS)
def test_a_page_answers_a_forbidden_id_as_a_missing_one(
    savepoint: PageWorld, name: str, method: str, persona: str
) -> None:
    """For each id in the page's path in turn: the persona's answer for the world's record and
    for an id that does not exist are the same status and the same page."""
    pw, target = savepoint, TARGETS[name]
    kwargs = target.kwargs(pw)
    assert kwargs, f"{name} takes ids: its target must name the world's records"
    client = _client(pw, persona)
    send = getattr(client, method)
    real_url = _url(name, pw)
    real = _page(send(real_url), real_url)

    for key in kwargs:
        url = reverse(f"frontend:{name}", kwargs={**kwargs, key: MISSING_ID}) + target.query(pw)
        assert real == _page(send(url), url), key
