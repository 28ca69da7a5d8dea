"""Schemathesis fuzzes every operation of ``/api/schema/`` as three personas (issue 6).

Each operation is one test per persona; each test sends generated requests (valid and invalid
by the schema) with the persona's token through the WSGI app in-process, and every response
must be no 5xx and, where the schema documents its status, match the documented body.

Checks, and why only these:
- ``not_a_server_error``: a 500 is a bug wherever it hides, most of all behind writes.
- ``response_schema_conformance`` and ``content_type_conformance``: clients are generated from
  this schema; a body that breaks it breaks them.
- Left out: ``status_code_conformance`` (drf-spectacular documents the success answer only,
  so every correct 400/403/404 would count as a failure); ``negative_data_rejection`` and
  ``positive_data_acceptance`` (DRF ignores unknown query parameters by design, and a body the
  schema allows can still break a business rule: both are correct answers here); the auth and
  stateful checks (the authorization matrix in tests/api covers who sees what).

The world is built once per module in a transaction. Every request runs in a savepoint that
is rolled back, so a write (a revoke, a close, a delete) never changes what the next example
sees, and a failure reproduces from the example alone.

``make test`` runs a few derandomized examples per operation and persona; ``make fuzz`` sets
HARBOR_FUZZ_EXAMPLES for many more, randomized.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from coordination.wsgi import application
from tests.fuzz.world import FIELD_KINDS, OPERATOR, PERSONAS, FuzzWorld, build_fuzz_world

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("HARBOR_FUZZ_EXAMPLES", "0"))
BOUNDED_EXAMPLES = 4  # per operation and persona in `make test`
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

CONFIG = schemathesis.Config.from_dict(
    {
        # Valid and invalid requests: invalid ones must meet a 4xx, never a 500.
        "generation": {"mode": "all", "with-security-parameters": False},
        # Fuzzing only: the coverage phase cannot take the aim below (it runs without
        # `given` strategies), and the stateful phase would chain writes across examples.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup: None, django_db_blocker) -> Iterator[FuzzWorld]:
    """Built once; requests go through the WSGI handler, which would otherwise close the
    connection (and with it the module's transaction) at the start and end of each request,
    as Django's own test client prevents by the same disconnection."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=fast),
            transaction.atomic(),
        ):
            try:
                yield build_fuzz_world()
            finally:
                transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz(fuzz_world: FuzzWorld, db: None) -> FuzzWorld:
    return fuzz_world


def _aim_at(draw, value, pool: list[int]):
    """The generated value, or a record of the world (of the same type, for query strings)."""
    if not pool or isinstance(value, bool) or not isinstance(value, int | str | None):
        return value
    choice = draw(st.sampled_from([value, *pool]))
    return str(choice) if isinstance(value, str) and choice is not value else choice


def aim(case, data, fuzz: FuzzWorld) -> None:
    """Point ids in the path, query and body at the world's records, some of the time."""
    path_ids = fuzz.ids_for_path(case.operation.path)
    for name in list(case.path_parameters or {}):
        pool = fuzz.field_ids["case"] if name == "case_pk" else path_ids
        case.path_parameters[name] = _aim_at(data.draw, case.path_parameters[name], pool)
    for name in list(case.query or {}):
        if name in FIELD_KINDS:
            pool = fuzz.field_ids[FIELD_KINDS[name]]
            case.query[name] = _aim_at(data.draw, case.query[name], pool)
    if case.method.upper() in ("POST", "PUT", "PATCH") and isinstance(case.body, dict):
        # A valid body under the generated one, now and then, to get past the field errors.
        if data.draw(st.booleans()):
            case.body = {**fuzz.payload_for_path(case.operation.path), **case.body}
        for name in list(case.body):
            if name in FIELD_KINDS:
                pool = fuzz.field_ids[FIELD_KINDS[name]]
                case.body[name] = _aim_at(data.draw, case.body[name], pool)


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES or BOUNDED_EXAMPLES,
    derandomize=not EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_server_errors_and_no_schema_breaks(case, data, persona, fuzz):
    aim(case, data, fuzz)
    headers = {"Authorization": f"Token {fuzz.tokens[persona]}"}

    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)

    case.validate_response(response, checks=CHECKS, headers=headers)


# The site operator's operations (issue 17) once more, as the operator: the personas above
# reach only their refusals.
OPERATOR_PATHS = r"^/api/v1/(organizations|organization-changes|invitations)/"
operator_schema = schema.include(path_regex=OPERATOR_PATHS)


@operator_schema.parametrize()
@operator_schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES or BOUNDED_EXAMPLES,
    derandomize=not EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_site_operators_operations_as_the_operator(case, data, fuzz):
    aim(case, data, fuzz)
    headers = {"Authorization": f"Token {fuzz.tokens[OPERATOR]}"}

    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)

    case.validate_response(response, checks=CHECKS, headers=headers)
