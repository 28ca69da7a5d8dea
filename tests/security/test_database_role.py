"""Issue 16, finding 5: the application's database role cannot rewrite the access log (R27).

Production migrates as the tables' owner and connects as a role ``manage.py grant_app_role``
set up. These tests set such a role up in the test database and act as it with SET ROLE, which
gives the session exactly that role's privileges and ownership.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from psycopg import sql

from consent.access_log import EventDraft, record_events, verify_chain
from consent.models import AccessEvent
from coordination.checks import application_role_cannot_rewrite_the_access_log
from providers.models import Organization
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_role() -> str:
    role = f"harbor_app_test_{uuid.uuid4().hex[:8]}"  # roles are shared by the whole server
    call_command("grant_app_role", "--role", role, "--create", stdout=None)
    return role


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SET ROLE {}").format(sql.Identifier(role)).as_string(cursor.connection)
        )
        try:
            yield
        finally:
            cursor.execute("RESET ROLE")


def _events(n: int) -> None:
    record_events(
        [
            EventDraft(user_id=None, action="view", outcome="allowed", basis="care_team")
            for _ in range(n)
        ]
    )


def _refused(statement: str) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as c:
        c.execute(statement)
    return str(refusal.value)


@pytest.mark.postgres
def test_r27_the_application_role_cannot_disable_the_triggers_truncate_update_or_delete_events(
    app_role: str,
):
    _events(2)

    with acting_as(app_role):
        refusals = [
            _refused('ALTER TABLE "consent_accessevent" DISABLE TRIGGER USER'),
            _refused('ALTER TABLE "consent_accessevent" DROP COLUMN "role"'),
            _refused('TRUNCATE "consent_accessevent"'),
            _refused('UPDATE "consent_accessevent" SET "role" = \'x\''),
            _refused('DELETE FROM "consent_accessevent"'),
        ]

    assert "must be owner" in refusals[0] and "must be owner" in refusals[1]
    assert all("permission denied" in refusal for refusal in refusals[2:]), refusals
    assert AccessEvent.objects.count() == 2


@pytest.mark.postgres
def test_r27_the_application_role_appends_events_and_keeps_working_on_other_tables(app_role):
    _events(1)

    with acting_as(app_role):
        _events(2)
        organization = f.OrganizationFactory()
        Organization.objects.filter(pk=organization.pk).update(name="Renamed")
        Organization.objects.filter(pk=organization.pk).delete()
        assert verify_chain() is None

    assert AccessEvent.objects.count() == 3


@pytest.mark.postgres
def test_r27_grant_app_role_refuses_a_role_that_could_turn_the_triggers_off():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()

    with pytest.raises(CommandError, match="superuser or owns the access log"):
        call_command("grant_app_role", "--role", owner)


@pytest.mark.postgres
def test_r27_grant_app_role_can_run_again_after_a_migration(app_role: str, capsys):
    call_command("grant_app_role", "--role", app_role)

    assert "read and append on the access log" in capsys.readouterr().out


# --- harbor.W020 ----------------------------------------------------------------------------


def _warnings() -> set[str]:
    with override_settings(DEBUG=False):
        found = application_role_cannot_rewrite_the_access_log(None, databases=["default"])
    return {warning.id for warning in found}


@pytest.mark.postgres
def test_r27_production_is_warned_when_it_connects_as_a_superuser():
    assert _warnings() == {"harbor.W020"}


@pytest.mark.postgres
def test_r27_the_application_role_passes_the_database_role_check(app_role: str):
    with acting_as(app_role):
        assert _warnings() == set()


def test_r27_the_database_role_check_stays_quiet_in_development_and_without_a_database():
    with override_settings(DEBUG=True):
        assert application_role_cannot_rewrite_the_access_log(None, databases=["default"]) == []
    with override_settings(DEBUG=False):
        assert application_role_cannot_rewrite_the_access_log(None, databases=None) == []
