"""R36: a session ends 12 hours after sign-in however active it is, for pages and the API."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import World

pytestmark = pytest.mark.django_db

# The idle limits are raised here so that "never idle" takes a request an hour, not one every
# few minutes: these tests are about the absolute limit alone.
STEP = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _idle_limits_out_of_the_way(settings: Any) -> None:
    settings.HARBOR = {**settings.HARBOR, "STAFF_IDLE_MINUTES": 90, "PORTAL_IDLE_MINUTES": 90}


def busy_until(client: Client, start: dt.datetime, hours: float, url: str) -> Any:
    """A request every hour (never idle) from ``start``, and one at ``start + hours``; the
    last answer."""
    moments = [start + STEP * step for step in range(1, int(hours) + 1)]
    moments.append(start + dt.timedelta(hours=hours))
    response = None
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            response = client.get(url)
    return response


def signed_in_at(user: User, start: dt.datetime, client: Client | None = None) -> Client:
    client = client or Client()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
    return client


def test_an_active_staff_session_ends_twelve_hours_after_sign_in(world: World) -> None:
    start = timezone.now()
    client = signed_in_at(world.advocate, start)
    caseload = reverse("frontend:caseload")
    assert busy_until(client, start, 11.8, caseload).status_code == 200
    ended = busy_until(client, start + dt.timedelta(hours=11.8), 0.5, caseload)
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("frontend:sign-in"))
    assert "_auth_user_id" not in client.session


def test_an_active_api_session_ends_twelve_hours_after_sign_in(world: World) -> None:
    start = timezone.now()
    client = APIClient()
    signed_in_at(world.advocate, start, client)
    assert busy_until(client, start, 11.8, "/api/v1/me/").status_code == 200
    assert busy_until(client, start + dt.timedelta(hours=11.8), 0.5, "/api/v1/me/").status_code in (
        401,
        403,
    )


def test_the_limit_is_a_setting(world: World, settings: Any) -> None:
    settings.HARBOR = {**settings.HARBOR, "SESSION_MAX_HOURS": 2}
    start = timezone.now()
    client = signed_in_at(world.young_person, start)
    portal = reverse("frontend:portal-home")
    assert busy_until(client, start, 1.9, portal).status_code == 200
    assert busy_until(client, start + dt.timedelta(hours=1.9), 0.2, portal).status_code == 302


def test_signing_in_again_starts_a_new_twelve_hours(world: World) -> None:
    start = timezone.now()
    client = signed_in_at(world.advocate, start)
    caseload = reverse("frontend:caseload")
    busy_until(client, start, 12.5, caseload)
    again = start + dt.timedelta(hours=12.5)
    signed_in_at(world.advocate, again, client)
    assert busy_until(client, again, 1, caseload).status_code == 200
