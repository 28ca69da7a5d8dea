"""Lockout after repeated failed sign-ins, per account and per address (django-axes), with one
generic page whether or not the account exists, a cool-off, and an unlock for admins."""

import datetime as dt
import os
import re
import subprocess
import sys
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import World

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password"
LIMIT = 5


@pytest.fixture
def advocate_email(world: World) -> str:
    world.advocate.set_password(PASSWORD)
    world.advocate.save()
    return world.advocate.email


def sign_in(email: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        reverse("frontend:sign-in"), {"username": email, "password": password}
    )


def fail_times(email: str, times: int = LIMIT, *, address: str | None = None) -> None:
    for number in range(times):
        sign_in(email, "wrong password", address or f"10.1.0.{number + 1}")


def test_an_account_is_locked_after_repeated_failures_from_any_addresses(
    advocate_email: str,
) -> None:
    fail_times(advocate_email)
    refused = sign_in(advocate_email, PASSWORD, "10.9.9.9")  # the right password, a new address
    assert refused.status_code == 429
    assert b"Too many attempts" in refused.content
    assert b'class="site-header"' in refused.content
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_fewer_failures_than_the_limit_do_not_lock(advocate_email: str) -> None:
    fail_times(advocate_email, LIMIT - 1)
    assert sign_in(advocate_email, PASSWORD).status_code == 302


def test_an_address_is_locked_after_failures_against_many_accounts(advocate_email: str) -> None:
    for number in range(LIMIT):
        sign_in(f"guess{number}@example.org", "wrong password", "10.2.0.1")
    assert sign_in(advocate_email, PASSWORD, "10.2.0.1").status_code == 429
    assert sign_in(advocate_email, PASSWORD, "10.2.0.2").status_code == 302


def test_an_office_behind_one_address_may_lock_accounts_only(
    advocate_email: str, settings: Any
) -> None:
    """HARBOR_LOCK_ADDRESSES=false (README: Going live): colleagues' typos from the office's
    one address lock no one else; each account still locks after its own failures."""
    settings.AXES_LOCKOUT_PARAMETERS = ["username"]
    for number in range(LIMIT):
        sign_in(f"colleague{number}@example.org", "wrong password", "10.4.0.1")
    assert sign_in(advocate_email, PASSWORD, "10.4.0.1").status_code == 302
    fail_times(advocate_email)
    assert sign_in(advocate_email, PASSWORD, "10.4.0.9").status_code == 429


def test_the_lock_addresses_setting_reaches_the_lockout() -> None:
    script = "from django.conf import settings; print(settings.AXES_LOCKOUT_PARAMETERS)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coordination.settings"}

    def parameters(**extra: str) -> str:
        return subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert parameters() == "['username', 'ip_address']"
    assert parameters(HARBOR_LOCK_ADDRESSES="false") == "['username']"


def test_the_lockout_page_is_the_same_for_a_known_and_an_unknown_account(
    advocate_email: str,
) -> None:
    unknown_email = "nobody-here@example.org"
    fail_times(advocate_email)
    fail_times(unknown_email)
    known = sign_in(advocate_email, "wrong password", "10.3.0.1")
    unknown = sign_in(unknown_email, "wrong password", "10.3.0.2")
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]

    def page(content: bytes, email: str) -> bytes:
        assert email.encode() not in content
        return re.sub(rb'value="[^"]*"', b"", content)

    assert page(known.content, advocate_email) == page(unknown.content, unknown_email)


def test_the_lockout_ends_after_the_cool_off(advocate_email: str, settings: Any) -> None:
    fail_times(advocate_email)
    assert sign_in(advocate_email, PASSWORD, "10.4.0.1").status_code == 429
    later = timezone.now() + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later):
        assert sign_in(advocate_email, PASSWORD, "10.4.0.2").status_code == 302


def test_an_admin_unlocks_an_account_with_axes_reset_username(advocate_email: str) -> None:
    fail_times(advocate_email)
    call_command("axes_reset_username", advocate_email)
    assert sign_in(advocate_email, PASSWORD).status_code == 302


def test_the_address_is_counted_case_insensitively(advocate_email: str) -> None:
    fail_times(advocate_email.upper())
    assert sign_in(advocate_email, PASSWORD, "10.9.9.8").status_code == 429


def test_failures_at_the_api_token_endpoint_count_towards_the_lockout(
    advocate_email: str,
) -> None:
    for number in range(LIMIT):
        response = APIClient(REMOTE_ADDR=f"10.5.0.{number + 1}").post(
            reverse("auth-token"),
            {"username": advocate_email, "password": "wrong password"},
            format="json",
        )
        assert response.status_code in (400, 429)
    assert sign_in(advocate_email, PASSWORD, "10.5.9.9").status_code == 429
    refused = APIClient(REMOTE_ADDR="10.5.9.8").post(
        reverse("auth-token"), {"username": advocate_email, "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429
    assert "token" not in refused.json()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    advocate_email: str,
) -> None:
    url = reverse("frontend:password-reset")
    known = Client().post(url, {"email": advocate_email})
    unknown = Client().post(url, {"email": "nobody-here@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1  # only the real account is written to
