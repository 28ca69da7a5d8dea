"""Fixtures shared by the whole suite: personas around one case, and API clients for them."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case
from providers.models import Membership, Organization
from tests import factories as f
from tests.two_factor import force_login_with_second_factor


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Real hashing costs ~0.3 s a user; the suite creates thousands of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _documents_in_a_test_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Documents' files go to the run's own folder, not the data directory's (session-wide:
    the authorization matrix's world outlives one test)."""
    folder = tmp_path_factory.mktemp("documents")
    documents = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(folder)},
    }
    with override_settings(STORAGES={**settings.STORAGES, "documents": documents}):
        yield


@pytest.fixture(autouse=True)
def _force_login_includes_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` stands for a whole sign-in, as staff do it: with the second
    factor (R36). Tests of the half-done sign-in use tests.two_factor.sign_in_with_password_only."""
    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A Spanish page leaves its language active in the thread; the next test starts afresh."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _permissions_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    """A ``serialized_rollback`` test ends with the tables flushed and post_migrate held back,
    so the next transactional test would find no content types or permissions (and the
    permission ids cached for the guardian sync would point at nothing). Recreate them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture(autouse=True, scope="session")
def _test_flush_may_empty_the_access_log() -> Iterator[None]:
    """Transactional tests end with a flush, one TRUNCATE of every table, which PostgreSQL
    refuses on the access log (R27). The suite's throwaway database lets the flush pass the
    triggers for its own transaction, as only the tables' owner can."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    table = '"consent_accessevent"'

    def sql_flush(self: DatabaseOperations, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = original(self, style, tables, **kwargs)
        if not statements or "consent_accessevent" not in tables:
            return statements
        return [
            f"ALTER TABLE {table} DISABLE TRIGGER USER",
            *statements,
            f"ALTER TABLE {table} ENABLE TRIGGER USER",
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


_POSTGRES_ONLY = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests (row locks, triggers) are deselected, not skipped, on SQLite;
    the summary says how many and why (``pytest_terminal_summary``)."""
    if connection.vendor == "postgresql":
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        config.stash[_POSTGRES_ONLY] = len(drop)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The reason pyproject.toml promises for the PostgreSQL-only tests left out on SQLite."""
    deselected = config.stash.get(_POSTGRES_ONLY, 0)
    if deselected:
        terminalreporter.write_line(
            f"{deselected} tests deselected: they need PostgreSQL (row locks, triggers); "
            "set DATABASE_URL=postgres://... to run them.",
            yellow=True,
        )


@dataclass
class World:
    """A lead organization with one case, a partner organization, and one user per persona."""

    lead: Organization
    partner: Organization
    case: Case
    advocate: User  # primary advocate on the case
    other_advocate: User  # same organization, not on the care team
    supervisor: User
    intake: User
    org_admin: User
    partner_staff: User
    young_person: User
    other_young_person: User
    superuser: User


def _staff(organization: Organization, role: str) -> User:
    return f.MembershipFactory(organization=organization, role=role).user


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def build_world() -> World:
    """The world's rows (the authorization matrix builds it once per module, in a transaction)."""
    lead = f.OrganizationFactory(name="Lead Community Org", kind=Organization.Kind.SURVIVOR_LED)
    partner = f.OrganizationFactory(name="Partner Housing", kind=Organization.Kind.HOUSING)
    advocate = _staff(lead, Membership.Role.ADVOCATE)
    young_person = f.UserFactory(full_name="")
    case = f.CaseFactory(lead_organization=lead, person=f.PersonFactory(user=young_person))
    f.CareTeamMemberFactory(case=case, user=advocate)
    other_young_person = f.UserFactory(full_name="")
    f.CaseFactory(lead_organization=partner, person=f.PersonFactory(user=other_young_person))
    return World(
        lead=lead,
        partner=partner,
        case=case,
        advocate=advocate,
        other_advocate=_staff(lead, Membership.Role.ADVOCATE),
        supervisor=_staff(lead, Membership.Role.SUPERVISOR),
        intake=_staff(lead, Membership.Role.INTAKE),
        org_admin=_staff(lead, Membership.Role.ORG_ADMIN),
        partner_staff=_staff(partner, Membership.Role.ADVOCATE),
        young_person=young_person,
        other_young_person=other_young_person,
        superuser=User.objects.create_superuser(email="root@example.org", password="x" * 16),
    )


@pytest.fixture
def api_for() -> Callable[[User | None], APIClient]:
    """An API client signed in as the given user (None: anonymous), as with a token: tokens are
    issued only after the second factor (api.sign_in)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user, token=Token(user=user))
        return client

    return make


# What recording a list page in the access log costs, whatever the page size: the bases of the
# page's cases (1-2), then the append: savepoint, chain lock (PostgreSQL), last link, one
# insert, release.
ACCESS_LOG_QUERIES = 7


class ConstantQueries:
    """Asserts that every block costs as many queries as the first, and stays within budget."""

    def __init__(self) -> None:
        self.counts: list[int] = []

    @contextmanager
    def __call__(self, budget: int) -> Iterator[CaptureQueriesContext]:
        with CaptureQueriesContext(connection) as queries:
            yield queries
        self.counts.append(len(queries))
        assert len(queries) <= budget + ACCESS_LOG_QUERIES, [q["sql"] for q in queries]
        assert self.counts == [self.counts[0]] * len(self.counts), f"grew: {self.counts}"


@pytest.fixture
def constant_queries() -> ConstantQueries:
    """``with constant_queries(budget):`` around each request; counts must not grow."""
    return ConstantQueries()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """The suite signs in from 127.0.0.1 over and over: each test starts with no request counted.
    (Not cache.clear(): on Redis that would empty the Celery broker's database too.)"""
    from coordination.ratelimit import reset_rate_limits

    reset_rate_limits()
