"""With DEBUG off, Harbor refuses development defaults through Django's system checks."""

from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from coordination.checks import (
    email_can_reach_people,
    privacy_contact_is_set,
    production_settings_are_safe,
)

# Overriding DATABASES is safe here: the checks read the setting and open no connection.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

REAL_SECRET = "k" * 50


def _databases(engine: str) -> dict[str, Any]:
    return {"default": {**settings.DATABASES["default"], "ENGINE": engine}}


PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": REAL_SECRET,
    "DATABASES": _databases("django.db.backends.postgresql"),
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": ["harbor.example.org"],
}


def _error_ids(**overrides: Any) -> set[str]:
    with override_settings(**{**PRODUCTION, **overrides}):
        errors = production_settings_are_safe(None)
    assert all(isinstance(error, Error) for error in errors)
    return {error.id for error in errors}


def test_production_settings_with_real_servers_pass_the_checks() -> None:
    assert _error_ids() == set()


def test_production_refuses_the_development_secret_key() -> None:
    assert _error_ids(SECRET_KEY=settings.INSECURE_DEFAULT_SECRET_KEY) == {"harbor.E001"}


def test_production_refuses_a_short_secret_key() -> None:
    assert _error_ids(SECRET_KEY="too-short") == {"harbor.E001"}


def test_production_refuses_sqlite() -> None:
    assert _error_ids(DATABASES=_databases("django.db.backends.sqlite3")) == {"harbor.E002"}


def test_production_refuses_the_file_system_broker() -> None:
    assert _error_ids(CELERY_BROKER_URL="filesystem://localhost/") == {"harbor.E003"}


def test_production_refuses_empty_allowed_hosts() -> None:
    assert _error_ids(ALLOWED_HOSTS=[]) == {"harbor.E004"}


def test_production_with_every_development_default_reports_every_problem() -> None:
    ids = _error_ids(
        SECRET_KEY=settings.INSECURE_DEFAULT_SECRET_KEY,
        DATABASES=_databases("django.db.backends.sqlite3"),
        CELERY_BROKER_URL="filesystem://localhost/",
        ALLOWED_HOSTS=[],
    )
    assert ids == {"harbor.E001", "harbor.E002", "harbor.E003", "harbor.E004"}


def test_development_mode_accepts_the_development_defaults() -> None:
    assert (
        _error_ids(
            DEBUG=True,
            SECRET_KEY=settings.INSECURE_DEFAULT_SECRET_KEY,
            DATABASES=_databases("django.db.backends.sqlite3"),
            CELERY_BROKER_URL="filesystem://localhost/",
            ALLOWED_HOSTS=[],
        )
        == set()
    )


def test_manage_py_check_fails_in_production_with_the_development_secret_key() -> None:
    """The check is registered (CoordinationConfig is installed), so `manage.py check` runs it."""
    stderr = StringIO()
    with (
        override_settings(**{**PRODUCTION, "SECRET_KEY": settings.INSECURE_DEFAULT_SECRET_KEY}),
        pytest.raises(SystemCheckError, match=r"harbor\.E001"),
    ):
        call_command("check", stdout=StringIO(), stderr=stderr)


def test_manage_py_check_passes_in_development_mode() -> None:
    stdout = StringIO()
    with override_settings(DEBUG=True, SECRET_KEY=settings.INSECURE_DEFAULT_SECRET_KEY):
        call_command("check", stdout=stdout)
    assert "no issues" in stdout.getvalue()


REAL_PRIVACY_CONTACT = {
    "PRIVACY_CONTACT_EMAIL": "privacy@network.example.org",
    "PRIVACY_CONTACT_PHONE": "+1 312 555 0100",
    "PRIVACY_CONTACT_ADDRESS": "1 Network Plaza, Chicago, IL 60602",
    "PRIVACY_POLICY_URL": "https://network.example.org/privacy",
}


def _privacy_error_ids(debug: bool = False, **contact: str) -> list[str]:
    harbor = {**settings.HARBOR, **REAL_PRIVACY_CONTACT, **contact}
    with override_settings(DEBUG=debug, HARBOR=harbor):
        return [error.id for error in privacy_contact_is_set(None)]


def test_r39_production_passes_with_the_installations_privacy_contact() -> None:
    assert _privacy_error_ids() == []


@pytest.mark.parametrize("name", sorted(REAL_PRIVACY_CONTACT))
def test_r39_production_refuses_a_missing_privacy_contact_value(name: str) -> None:
    assert _privacy_error_ids(**{name: ""}) == ["harbor.E030"]


@pytest.mark.parametrize("name", sorted(REAL_PRIVACY_CONTACT))
def test_r39_production_refuses_the_development_privacy_contact(name: str) -> None:
    development_value = settings.DEVELOPMENT_PRIVACY_CONTACT[name]
    assert _privacy_error_ids(**{name: development_value}) == ["harbor.E030"]


def test_r39_development_runs_with_the_development_privacy_contact() -> None:
    assert _privacy_error_ids(debug=True, **settings.DEVELOPMENT_PRIVACY_CONTACT) == []


def test_r39_manage_py_check_fails_in_production_without_a_privacy_contact() -> None:
    harbor = {**settings.HARBOR, **settings.DEVELOPMENT_PRIVACY_CONTACT}
    with (
        override_settings(**{**PRODUCTION, "HARBOR": harbor}),
        pytest.raises(SystemCheckError, match=r"harbor\.E030"),
    ):
        call_command("check", stdout=StringIO(), stderr=StringIO())


# -- Issue 17: invitations and resets must reach people ----------------------------------------

REAL_MAIL = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "DEFAULT_FROM_EMAIL": "Harbor <harbor@network.example.org>",
}


def _mail_error_ids(
    debug: bool = False, site_url: str = "https://harbor.network.example.org", **mail: str
) -> list[str]:
    harbor = {**settings.HARBOR, "SITE_URL": site_url}
    with override_settings(DEBUG=debug, HARBOR=harbor, **{**REAL_MAIL, **mail}):
        return [error.id for error in email_can_reach_people(None)]


def test_production_with_a_mail_server_a_sender_and_its_address_passes() -> None:
    assert _mail_error_ids() == []


@pytest.mark.parametrize(
    "site_url", ["http://127.0.0.1:8000", "http://harbor.network.example.org", ""]
)
def test_production_refuses_links_that_point_nowhere_or_in_clear(site_url: str) -> None:
    assert _mail_error_ids(site_url=site_url) == ["harbor.E040"]


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy", "filebased"])
def test_production_refuses_mail_that_is_never_sent(backend: str) -> None:
    dotted = f"django.core.mail.backends.{backend}.EmailBackend"
    assert _mail_error_ids(EMAIL_BACKEND=dotted) == ["harbor.E041"]


def test_production_refuses_the_development_sender() -> None:
    assert _mail_error_ids(DEFAULT_FROM_EMAIL=settings.DEVELOPMENT_FROM_EMAIL) == ["harbor.E042"]


def test_development_sends_to_the_console_with_the_development_address() -> None:
    console = "django.core.mail.backends.console.EmailBackend"
    assert (
        _mail_error_ids(
            debug=True,
            site_url=settings.DEVELOPMENT_SITE_URL,
            EMAIL_BACKEND=console,
            DEFAULT_FROM_EMAIL=settings.DEVELOPMENT_FROM_EMAIL,
        )
        == []
    )


def test_manage_py_check_fails_in_production_without_mail() -> None:
    harbor = {**settings.HARBOR, **REAL_PRIVACY_CONTACT, "SITE_URL": settings.DEVELOPMENT_SITE_URL}
    with (
        override_settings(**{**PRODUCTION, "HARBOR": harbor}),
        pytest.raises(SystemCheckError, match=r"harbor\.E040"),
    ):
        call_command("check", stdout=StringIO(), stderr=StringIO())
